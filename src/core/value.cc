// Value: accessors, exact equality and the total order across kinds.
#include "cutover/value.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace cutover {
namespace {

// 128-bit integers hold every Int and UInt exactly for cross-kind comparison.
__extension__ typedef __int128 Int128;
__extension__ typedef unsigned __int128 UInt128;

[[noreturn]] void WrongKind(ValueKind actual, std::string_view wanted) {
  std::fprintf(stderr, "cutover: fatal: Value of kind %s read as %.*s\n",
               std::string(ValueKindName(actual)).c_str(), static_cast<int>(wanted.size()),
               wanted.data());
  std::abort();
}

bool IsExactNumber(ValueKind kind) {
  return kind == ValueKind::kInt || kind == ValueKind::kUInt || kind == ValueKind::kDecimal ||
         kind == ValueKind::kBool;
}
bool IsFloating(ValueKind kind) { return kind == ValueKind::kFloat || kind == ValueKind::kDouble; }

// The kind that stands for a family in the cross-kind order.
ValueKind OrderClass(ValueKind kind) {
  if (IsExactNumber(kind)) return ValueKind::kInt;
  if (IsFloating(kind)) return ValueKind::kFloat;
  return kind;
}

Int128 AsInt128(const Value& v) {
  switch (v.kind()) {
    case ValueKind::kInt: return v.as_int();
    case ValueKind::kUInt: return v.as_uint();
    case ValueKind::kBool: return v.as_bool() ? 1 : 0;
    default: return 0;
  }
}

Decimal AsDecimal(const Value& v) {
  if (v.kind() == ValueKind::kDecimal) return v.as_decimal();
  Int128 n = AsInt128(v);
  Decimal d;
  d.negative = n < 0;
  UInt128 magnitude = n < 0 ? -static_cast<UInt128>(n) : n;
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(magnitude % 10)));
    magnitude /= 10;
  } while (magnitude != 0);
  d.integer = digits;
  return d;
}

std::strong_ordering CompareExactNumbers(const Value& a, const Value& b) {
  if (a.kind() != ValueKind::kDecimal && b.kind() != ValueKind::kDecimal) {
    return AsInt128(a) <=> AsInt128(b);
  }
  return AsDecimal(a).Compare(AsDecimal(b));
}

double AsFloating(const Value& v) {
  return v.kind() == ValueKind::kFloat ? static_cast<double>(v.as_float()) : v.as_double();
}

std::strong_ordering CompareFloating(double a, double b) {
  bool nan_a = std::isnan(a);
  bool nan_b = std::isnan(b);
  if (nan_a || nan_b) return nan_a <=> nan_b;  // NaN last; NaN equals NaN in order
  if (a < b) return std::strong_ordering::less;
  if (a > b) return std::strong_ordering::greater;
  return std::strong_ordering::equal;
}

std::strong_ordering CompareTime(const Time& a, const Time& b) {
  return a.TotalMicros() <=> b.TotalMicros();
}

std::strong_ordering CompareDateTime(const DateTime& a, const DateTime& b) {
  if (auto c = a.date <=> b.date; c != 0) return c;
  if (auto c = a.hour <=> b.hour; c != 0) return c;
  if (auto c = a.minute <=> b.minute; c != 0) return c;
  if (auto c = a.second <=> b.second; c != 0) return c;
  return a.micros <=> b.micros;
}

std::strong_ordering CompareBytes(std::string_view a, std::string_view b) {
  int c = a.compare(b);  // std::string_view compares as unsigned char
  return c <=> 0;
}

std::strong_ordering CompareSameKind(const Value& a, const Value& b) {
  switch (a.kind()) {
    case ValueKind::kNull: return std::strong_ordering::equal;
    case ValueKind::kBytes: return CompareBytes(a.as_bytes(), b.as_bytes());
    case ValueKind::kText: {
      if (auto c = CompareBytes(a.as_text().bytes, b.as_text().bytes); c != 0) return c;
      return a.as_text().charset <=> b.as_text().charset;
    }
    case ValueKind::kDate: return a.as_date() <=> b.as_date();
    case ValueKind::kTime: return CompareTime(a.as_time(), b.as_time());
    case ValueKind::kDateTime:
    case ValueKind::kTimestamp: return CompareDateTime(a.as_datetime(), b.as_datetime());
    case ValueKind::kJson: return CompareBytes(a.as_json(), b.as_json());
    case ValueKind::kEnum: return a.as_enum().index <=> b.as_enum().index;
    case ValueKind::kSet: return a.as_set().bits <=> b.as_set().bits;
    case ValueKind::kBit: return a.as_bit().bits <=> b.as_bit().bits;
    case ValueKind::kOther: {
      if (auto c = CompareBytes(a.as_other().type, b.as_other().type); c != 0) return c;
      return CompareBytes(a.as_other().text, b.as_other().text);
    }
    default: return std::strong_ordering::equal;  // numbers are handled by the caller
  }
}

}  // namespace

std::string_view ValueKindName(ValueKind kind) {
  switch (kind) {
    case ValueKind::kNull: return "null";
    case ValueKind::kInt: return "int";
    case ValueKind::kUInt: return "uint";
    case ValueKind::kDecimal: return "decimal";
    case ValueKind::kFloat: return "float";
    case ValueKind::kDouble: return "double";
    case ValueKind::kBytes: return "bytes";
    case ValueKind::kText: return "text";
    case ValueKind::kDate: return "date";
    case ValueKind::kTime: return "time";
    case ValueKind::kDateTime: return "datetime";
    case ValueKind::kTimestamp: return "timestamp";
    case ValueKind::kJson: return "json";
    case ValueKind::kEnum: return "enum";
    case ValueKind::kSet: return "set";
    case ValueKind::kBit: return "bit";
    case ValueKind::kBool: return "bool";
    case ValueKind::kOther: return "other";
  }
  return "unknown";
}

int64_t Time::TotalMicros() const {
  int64_t total = ((static_cast<int64_t>(hours) * 60 + minutes) * 60 + seconds) * 1000000 + micros;
  return negative ? -total : total;
}

int64_t Value::as_int() const {
  if (kind() != ValueKind::kInt) WrongKind(kind(), "int");
  return std::get<int64_t>(data_);
}
uint64_t Value::as_uint() const {
  if (kind() != ValueKind::kUInt) WrongKind(kind(), "uint");
  return std::get<Tagged<uint64_t>>(data_).value;
}
const Decimal& Value::as_decimal() const {
  if (kind() != ValueKind::kDecimal) WrongKind(kind(), "decimal");
  return std::get<Decimal>(data_);
}
float Value::as_float() const {
  if (kind() != ValueKind::kFloat) WrongKind(kind(), "float");
  return std::get<float>(data_);
}
double Value::as_double() const {
  if (kind() != ValueKind::kDouble) WrongKind(kind(), "double");
  return std::get<double>(data_);
}
const std::string& Value::as_bytes() const {
  if (kind() != ValueKind::kBytes) WrongKind(kind(), "bytes");
  return std::get<BytesBox>(data_).value;
}
const Text& Value::as_text() const {
  if (kind() != ValueKind::kText) WrongKind(kind(), "text");
  return std::get<Text>(data_);
}
const Date& Value::as_date() const {
  if (kind() != ValueKind::kDate) WrongKind(kind(), "date");
  return std::get<Date>(data_);
}
const Time& Value::as_time() const {
  if (kind() != ValueKind::kTime) WrongKind(kind(), "time");
  return std::get<Time>(data_);
}
const DateTime& Value::as_datetime() const {
  if (kind() == ValueKind::kTimestamp) return std::get<TimestampBox>(data_).value;
  if (kind() != ValueKind::kDateTime) WrongKind(kind(), "datetime");
  return std::get<DateTime>(data_);
}
const std::string& Value::as_json() const {
  if (kind() != ValueKind::kJson) WrongKind(kind(), "json");
  return std::get<JsonBox>(data_).value;
}
const Enum& Value::as_enum() const {
  if (kind() != ValueKind::kEnum) WrongKind(kind(), "enum");
  return std::get<Enum>(data_);
}
const Set& Value::as_set() const {
  if (kind() != ValueKind::kSet) WrongKind(kind(), "set");
  return std::get<Set>(data_);
}
const Bit& Value::as_bit() const {
  if (kind() != ValueKind::kBit) WrongKind(kind(), "bit");
  return std::get<Bit>(data_);
}
bool Value::as_bool() const {
  if (kind() != ValueKind::kBool) WrongKind(kind(), "bool");
  return std::get<bool>(data_);
}
const Other& Value::as_other() const {
  if (kind() != ValueKind::kOther) WrongKind(kind(), "other");
  return std::get<Other>(data_);
}

std::strong_ordering Value::Compare(const Value& other) const {
  ValueKind class_a = OrderClass(kind());
  ValueKind class_b = OrderClass(other.kind());
  if (class_a != class_b) return static_cast<int>(class_a) <=> static_cast<int>(class_b);
  if (class_a == ValueKind::kInt) return CompareExactNumbers(*this, other);
  if (class_a == ValueKind::kFloat) return CompareFloating(AsFloating(*this), AsFloating(other));
  return CompareSameKind(*this, other);
}

bool Value::operator==(const Value& other) const {
  if (kind() != other.kind()) return false;
  // Floating values compare by bits so that NaN equals itself and -0.0 differs from 0.0: ==
  // means "the same stored value", which round-trip and change detection need.
  if (kind() == ValueKind::kFloat) {
    float a = as_float();
    float b = other.as_float();
    return std::memcmp(&a, &b, sizeof a) == 0;
  }
  if (kind() == ValueKind::kDouble) {
    double a = as_double();
    double b = other.as_double();
    return std::memcmp(&a, &b, sizeof a) == 0;
  }
  return data_ == other.data_;
}

}  // namespace cutover
