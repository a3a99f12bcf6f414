// Types: pg_type facts -> ColumnType; PostgreSQL text output -> Value.
#include "source/postgres/types.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <optional>
#include <type_traits>
#include <utility>

namespace cutover::postgres {
namespace {

// One place for the settings; both forms are built from it.
constexpr std::pair<std::string_view, std::string_view> kSettings[] = {
    {"DateStyle", "ISO,MDY"},    {"IntervalStyle", "postgres"}, {"TimeZone", "UTC"},
    {"extra_float_digits", "1"}, {"bytea_output", "hex"},       {"lc_monetary", "C"},
    {"client_encoding", "UTF8"},
};

constexpr int kDefaultFsp = 6;  // timestamp, time and their zoned forms without a precision

Status Bad(const ColumnType& type, std::string_view text) {
  std::string message = "cannot read '";
  message += text.substr(0, 64);
  message += "' as ";
  message += type.source_name;
  return Status::InvalidArgument(message);
}

// numeric's typmod: ((precision << 16) | scale) + 4, the scale an 11-bit signed number (PG 15
// allows scales from -1000 to 1000). A scale outside 0..precision has no DECIMAL(p,s) form.
void ApplyNumericTypmod(int32_t typmod, ColumnType* type) {
  if (typmod < 4) return;
  int32_t packed = typmod - 4;
  int32_t precision = (packed >> 16) & 0xFFFF;
  int32_t scale = ((packed & 0x7FF) ^ 1024) - 1024;
  if (scale < 0 || scale > precision) return;
  type->precision = static_cast<uint32_t>(precision);
  type->scale = static_cast<uint32_t>(scale);
}

uint8_t Fsp(int32_t typmod) {
  return static_cast<uint8_t>(typmod >= 0 && typmod <= 6 ? typmod : kDefaultFsp);
}

// The built-in types with a ColumnType of their own; every other one is kOther.
bool ApplyBuiltin(const PgType& pg, ColumnType* type) {
  struct Entry {
    std::string_view name;
    SqlType type;
  };
  static constexpr Entry kBuiltins[] = {
      {"bool", SqlType::kBoolean},
      {"int2", SqlType::kSmallInt},
      {"int4", SqlType::kInt},
      {"int8", SqlType::kBigInt},
      {"numeric", SqlType::kDecimal},
      {"money", SqlType::kDecimal},
      {"float4", SqlType::kFloat},
      {"float8", SqlType::kDouble},
      {"text", SqlType::kText},
      {"varchar", SqlType::kVarChar},
      {"bpchar", SqlType::kChar},
      {"bytea", SqlType::kLongBlob},
      {"date", SqlType::kDate},
      {"time", SqlType::kTime},
      {"timetz", SqlType::kTimeTz},
      {"timestamp", SqlType::kDateTime},
      {"timestamptz", SqlType::kTimestamp},
      {"interval", SqlType::kInterval},
      {"uuid", SqlType::kUuid},
      {"json", SqlType::kJson},
      {"jsonb", SqlType::kJson},
      {"bit", SqlType::kBit},
  };
  auto it = std::find_if(std::begin(kBuiltins), std::end(kBuiltins),
                         [&](const Entry& entry) { return entry.name == pg.name; });
  if (it == std::end(kBuiltins)) return false;
  // bit(n) holds exactly n bits; Value's Bit holds at most 64.
  if (it->type == SqlType::kBit && (pg.typmod < 1 || pg.typmod > 64)) return false;
  type->type = it->type;
  switch (it->type) {
    case SqlType::kDecimal:
      if (pg.name == "money") {
        type->precision = 19;  // an int64 of cents: -92233720368547758.08..92233720368547758.07
        type->scale = 2;
      } else {
        ApplyNumericTypmod(pg.typmod, type);
      }
      break;
    case SqlType::kVarChar:
    case SqlType::kChar:
      if (pg.typmod >= 4) type->length = static_cast<uint32_t>(pg.typmod - 4);
      break;
    case SqlType::kBit: type->length = static_cast<uint32_t>(pg.typmod); break;
    case SqlType::kTime:
    case SqlType::kTimeTz:
    case SqlType::kDateTime:
    case SqlType::kTimestamp: type->fsp = Fsp(pg.typmod); break;
    case SqlType::kLongBlob:
      type->charset = Charset::kBinary;
      type->collation = "binary";
      break;
    case SqlType::kJson: type->is_jsonb = pg.name == "jsonb"; break;
    default: break;
  }
  return true;
}

// Reads 1..`max` decimal digits from the front of *s (exactly `min` or more).
bool Digits(std::string_view* s, size_t min, size_t max, uint32_t* v) {
  size_t n = 0;
  uint64_t result = 0;
  while (n < s->size() && n < max && (*s)[n] >= '0' && (*s)[n] <= '9') {
    result = result * 10 + static_cast<uint64_t>((*s)[n] - '0');
    ++n;
  }
  if (n < min || result > UINT32_MAX) return false;
  s->remove_prefix(n);
  *v = static_cast<uint32_t>(result);
  return true;
}

bool Expect(std::string_view* s, std::string_view what) {
  if (!s->starts_with(what)) return false;
  s->remove_prefix(what.size());
  return true;
}

// Removes a trailing " BC" and says whether there was one.
bool StripBc(std::string_view* s) {
  if (!s->ends_with(" BC")) return false;
  s->remove_suffix(3);
  return true;
}

// "YYYY-MM-DD" (the year has 4 or more digits); `bc` turns year Y BC into ISO year 1 - Y.
bool ParseDate(std::string_view* s, bool bc, Date* date) {
  uint32_t year = 0, month = 0, day = 0;
  if (!Digits(s, 4, 9, &year) || !Expect(s, "-") || !Digits(s, 2, 2, &month) || !Expect(s, "-") ||
      !Digits(s, 2, 2, &day)) {
    return false;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || (bc && year == 0)) return false;
  date->year = bc ? 1 - static_cast<int32_t>(year) : static_cast<int32_t>(year);
  date->month = static_cast<uint8_t>(month);
  date->day = static_cast<uint8_t>(day);
  return true;
}

// "HH:MM:SS[.f{1,6}]"; hours up to `max_hours` (time allows 24:00:00 and nothing after it).
bool ParseClock(std::string_view* s, uint32_t max_hours, Time* time) {
  uint32_t hours = 0, minutes = 0, seconds = 0, micros = 0;
  if (!Digits(s, 2, 2, &hours) || !Expect(s, ":") || !Digits(s, 2, 2, &minutes) ||
      !Expect(s, ":") || !Digits(s, 2, 2, &seconds)) {
    return false;
  }
  if (Expect(s, ".")) {
    size_t before = s->size();
    if (!Digits(s, 1, 6, &micros)) return false;
    for (size_t pad = before - s->size(); pad < 6; ++pad) micros *= 10;
  }
  if (hours > max_hours || minutes > 59 || seconds > 59) return false;
  if (hours == 24 && (minutes != 0 || seconds != 0 || micros != 0)) return false;
  time->hours = hours;
  time->minutes = static_cast<uint8_t>(minutes);
  time->seconds = static_cast<uint8_t>(seconds);
  time->micros = micros;
  return true;
}

std::optional<int8_t> Infinity(std::string_view text) {
  if (text == "infinity") return 1;
  if (text == "-infinity") return -1;
  return std::nullopt;
}

Result<Value> ParseDateValue(const ColumnType& type, std::string_view text) {
  Date date;
  if (std::optional<int8_t> infinity = Infinity(text)) {
    date.infinity = *infinity;
    return Value::FromDate(date);
  }
  std::string_view s = text;
  bool bc = StripBc(&s);
  if (!ParseDate(&s, bc, &date) || !s.empty()) return Bad(type, text);
  return Value::FromDate(date);
}

// timestamp "YYYY-MM-DD HH:MM:SS[.f][ BC]"; timestamptz the same with "+00" (UTC) after the
// clock. Another offset means the session's TimeZone is not UTC: refused, never converted.
Result<Value> ParseDateTimeValue(const ColumnType& type, std::string_view text) {
  bool zoned = type.type == SqlType::kTimestamp;
  DateTime value;
  value.precision = type.fsp;
  if (std::optional<int8_t> infinity = Infinity(text)) {
    value.date.infinity = *infinity;
    return zoned ? Value::Timestamp(value) : Value::FromDateTime(value);
  }
  std::string_view s = text;
  bool bc = StripBc(&s);
  Time clock;
  if (!ParseDate(&s, bc, &value.date) || !Expect(&s, " ") || !ParseClock(&s, 23, &clock) ||
      (zoned && !Expect(&s, "+00")) || !s.empty()) {
    return Bad(type, text);
  }
  value.hour = static_cast<uint8_t>(clock.hours);
  value.minute = clock.minutes;
  value.second = clock.seconds;
  value.micros = clock.micros;
  return zoned ? Value::Timestamp(value) : Value::FromDateTime(value);
}

Result<Value> ParseTimeValue(const ColumnType& type, std::string_view text) {
  std::string_view s = text;
  Time time;
  if (!ParseClock(&s, 24, &time) || !s.empty()) return Bad(type, text);
  time.precision = type.fsp;
  return Value::FromTime(time);
}

// money in the C locale: "-$92,233,720,368,547,758.08", "$0.50".
Result<Value> ParseMoney(const ColumnType& type, std::string_view text) {
  std::string_view s = text;
  std::string digits;
  if (Expect(&s, "-")) digits += '-';
  if (!Expect(&s, "$")) return Bad(type, text);
  for (char c : s) {
    if (c != ',') digits += c;
  }
  Result<Decimal> decimal = Decimal::Parse(digits);
  if (!decimal.ok() || decimal->scale() != 2 || decimal->special != Decimal::Special::kNone) {
    return Bad(type, text);
  }
  return Value::Dec(*std::move(decimal));
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// bytea_output=hex: "\x" and two hex digits per byte.
Result<Value> ParseBytea(const ColumnType& type, std::string_view text) {
  std::string_view s = text;
  if (!Expect(&s, "\\x") || s.size() % 2 != 0) return Bad(type, text);
  std::string bytes(s.size() / 2, '\0');
  for (size_t byte_idx = 0; byte_idx < bytes.size(); ++byte_idx) {
    int high = HexDigit(s[2 * byte_idx]);
    int low = HexDigit(s[2 * byte_idx + 1]);
    if (high < 0 || low < 0) return Bad(type, text);
    bytes[byte_idx] = static_cast<char>(high * 16 + low);
  }
  return Value::Bytes(std::move(bytes));
}

// bit(n): exactly n of '0' and '1', most significant first.
Result<Value> ParseBit(const ColumnType& type, std::string_view text) {
  if (text.size() != type.length) return Bad(type, text);
  uint64_t bits = 0;
  for (char c : text) {
    if (c != '0' && c != '1') return Bad(type, text);
    bits = (bits << 1) | static_cast<uint64_t>(c - '0');
  }
  return Value::FromBit(Bit{bits, static_cast<uint8_t>(type.length)});
}

Result<Value> ParseEnum(const ColumnType& type, std::string_view text) {
  auto it = std::find(type.elements.begin(), type.elements.end(), text);
  if (it == type.elements.end()) return Bad(type, text);
  return Value::FromEnum(
      Enum{static_cast<uint32_t>(it - type.elements.begin() + 1), std::string(text)});
}

template <typename T>
Result<Value> ParseNumber(const ColumnType& type, std::string_view text) {
  T v{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
    return Bad(type, text);
  }
  if constexpr (std::is_same_v<T, int64_t>) return Value::Int(v);
  if constexpr (std::is_same_v<T, float>) return Value::Float(v);
  if constexpr (std::is_same_v<T, double>) return Value::Double(v);
}

Result<Value> ParseNumeric(const ColumnType& type, std::string_view text) {
  if (type.source_name == "money") return ParseMoney(type, text);
  Result<Decimal> decimal = Decimal::Parse(text);
  if (!decimal.ok()) return Bad(type, text);
  return Value::Dec(*std::move(decimal));
}

}  // namespace

const std::string& SessionOptions() {
  static const std::string options = [] {
    std::string out;
    for (const auto& [name, value] : kSettings) {
      if (!out.empty()) out += ' ';
      out += "-c ";
      out += name;
      out += '=';
      out += value;
    }
    return out;
  }();
  return options;
}

const std::vector<std::string>& SessionSettings() {
  static const std::vector<std::string> statements = [] {
    std::vector<std::string> out;
    for (const auto& [name, value] : kSettings) {
      std::string statement = "SET ";
      statement += name;
      statement += " = '";
      statement += value;
      statement += '\'';
      out.push_back(std::move(statement));
    }
    return out;
  }();
  return statements;
}

ColumnType ColumnTypeOf(const PgType& pg) {
  ColumnType type;
  type.postgres = true;
  type.source_name = pg.format;
  if (pg.schema == "pg_catalog" && ApplyBuiltin(pg, &type)) return type;
  if (pg.kind == 'e') type.type = SqlType::kEnum;
  type.elements = pg.enum_labels;  // an enum's, or the element's of an array of an enum
  return type;
}

Result<Value> ParsePostgresText(const ColumnType& type, std::string_view text) {
  switch (type.value_kind()) {
    case ValueKind::kBool:
      if (text == "t") return Value::Bool(true);
      if (text == "f") return Value::Bool(false);
      return Bad(type, text);
    case ValueKind::kInt: return ParseNumber<int64_t>(type, text);
    case ValueKind::kDecimal: return ParseNumeric(type, text);
    case ValueKind::kFloat: return ParseNumber<float>(type, text);
    case ValueKind::kDouble: return ParseNumber<double>(type, text);
    case ValueKind::kText: return Value::Str(std::string(text));
    case ValueKind::kBytes: return ParseBytea(type, text);
    case ValueKind::kDate: return ParseDateValue(type, text);
    case ValueKind::kTime: return ParseTimeValue(type, text);
    case ValueKind::kDateTime:
    case ValueKind::kTimestamp: return ParseDateTimeValue(type, text);
    case ValueKind::kJson: return Value::Json(std::string(text));
    case ValueKind::kEnum: return ParseEnum(type, text);
    case ValueKind::kBit: return ParseBit(type, text);
    default: return Value::FromOther(Other{type.source_name, std::string(text)});
  }
}

}  // namespace cutover::postgres
