// ParseMysqlText: a value as a MySQL/MariaDB server sends it over the text protocol, typed by
// its column. The inverse of Value::ToText() for MySQL types.
#include <algorithm>
#include <charconv>

#include "cutover/schema.h"

namespace cutover {
namespace {

Status Bad(const ColumnType& type, std::string_view text) {
  std::string shown(text.substr(0, 64));
  return Status::InvalidArgument("cannot read '" + shown + "' as " + type.source_name);
}

template <typename T>
bool ParseNumber(std::string_view s, T* v) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
  return ec == std::errc() && end == s.data() + s.size();
}

// Reads exactly `width` digits from the front of *s.
bool Digits(std::string_view* s, size_t width, uint32_t* v) {
  if (s->size() < width) return false;
  uint32_t result = 0;
  for (size_t digit_idx = 0; digit_idx < width; ++digit_idx) {
    char c = (*s)[digit_idx];
    if (c < '0' || c > '9') return false;
    result = result * 10 + static_cast<uint32_t>(c - '0');
  }
  s->remove_prefix(width);
  *v = result;
  return true;
}

bool Expect(std::string_view* s, char c) {
  if (s->empty() || s->front() != c) return false;
  s->remove_prefix(1);
  return true;
}

// ".ffffff" (1..6 digits) into microseconds, or nothing.
bool Fraction(std::string_view* s, uint32_t* micros) {
  *micros = 0;
  if (s->empty() || s->front() != '.') return true;
  s->remove_prefix(1);
  size_t n = 0;
  while (n < s->size() && n < 6 && (*s)[n] >= '0' && (*s)[n] <= '9') ++n;
  if (n == 0) return false;
  uint32_t v = 0;
  if (!Digits(s, n, &v)) return false;
  for (size_t pad = n; pad < 6; ++pad) v *= 10;
  *micros = v;
  return true;
}

bool ParseDate(std::string_view* s, Date* d) {
  uint32_t year = 0, month = 0, day = 0;
  if (!Digits(s, 4, &year) || !Expect(s, '-') || !Digits(s, 2, &month) || !Expect(s, '-') ||
      !Digits(s, 2, &day)) {
    return false;
  }
  if (month > 12 || day > 31) return false;
  d->year = static_cast<int32_t>(year);
  d->month = static_cast<uint8_t>(month);
  d->day = static_cast<uint8_t>(day);
  return true;
}

bool ParseClock(std::string_view* s, DateTime* dt) {
  uint32_t h = 0, m = 0, sec = 0;
  if (!Digits(s, 2, &h) || !Expect(s, ':') || !Digits(s, 2, &m) || !Expect(s, ':') ||
      !Digits(s, 2, &sec) || !Fraction(s, &dt->micros)) {
    return false;
  }
  if (h > 23 || m > 59 || sec > 59) return false;
  dt->hour = static_cast<uint8_t>(h);
  dt->minute = static_cast<uint8_t>(m);
  dt->second = static_cast<uint8_t>(sec);
  return true;
}

bool ParseTime(std::string_view s, Time* t) {
  t->negative = Expect(&s, '-');
  size_t colon = s.find(':');
  if (colon == std::string_view::npos || colon < 2 || colon > 3) return false;
  uint32_t h = 0, m = 0, sec = 0;
  if (!Digits(&s, colon, &h) || !Expect(&s, ':') || !Digits(&s, 2, &m) || !Expect(&s, ':') ||
      !Digits(&s, 2, &sec) || !Fraction(&s, &t->micros) || !s.empty()) {
    return false;
  }
  if (m > 59 || sec > 59) return false;
  t->hours = h;
  t->minutes = static_cast<uint8_t>(m);
  t->seconds = static_cast<uint8_t>(sec);
  if (t->TotalMicros() == 0) t->negative = false;
  return true;
}

Result<Value> ParseSet(const ColumnType& type, std::string_view text) {
  Set set;
  set.labels = std::string(text);
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string_view label = text.substr(0, comma);
    auto it = std::find(type.elements.begin(), type.elements.end(), label);
    if (it == type.elements.end()) return Bad(type, label);
    set.bits |= uint64_t{1} << (it - type.elements.begin());
    text = comma == std::string_view::npos ? "" : text.substr(comma + 1);
  }
  return Value::FromSet(std::move(set));
}

Result<Value> ParseEnum(const ColumnType& type, std::string_view text) {
  if (text.empty()) return Value::FromEnum(Enum{0, ""});
  auto it = std::find(type.elements.begin(), type.elements.end(), text);
  if (it == type.elements.end()) return Bad(type, text);
  return Value::FromEnum(Enum{static_cast<uint32_t>(it - type.elements.begin() + 1),
                              std::string(text)});
}

Result<Value> ParseBit(const ColumnType& type, std::string_view text) {
  if (text.size() > 8) return Bad(type, text);
  uint64_t bits = 0;
  for (char c : text) bits = (bits << 8) | static_cast<unsigned char>(c);
  return Value::FromBit(Bit{bits, static_cast<uint8_t>(type.length == 0 ? 1 : type.length)});
}

Result<Value> ParseTemporal(const ColumnType& type, std::string_view text) {
  std::string_view s = text;
  if (type.type == SqlType::kTime) {
    Time t;
    if (!ParseTime(s, &t)) return Bad(type, text);
    t.precision = type.fsp;
    return Value::FromTime(t);
  }
  DateTime dt;
  dt.precision = type.fsp;
  if (!ParseDate(&s, &dt.date)) return Bad(type, text);
  if (type.type == SqlType::kDate) {
    if (!s.empty()) return Bad(type, text);
    return Value::FromDate(dt.date);
  }
  if (!Expect(&s, ' ') || !ParseClock(&s, &dt) || !s.empty()) return Bad(type, text);
  return type.type == SqlType::kTimestamp ? Value::Timestamp(dt) : Value::FromDateTime(dt);
}

}  // namespace

Result<Value> ParseMysqlText(const ColumnType& type, std::string_view text) {
  switch (type.value_kind()) {
    case ValueKind::kInt: {
      int64_t v = 0;
      if (!ParseNumber(text, &v)) return Bad(type, text);
      return Value::Int(v);
    }
    case ValueKind::kUInt: {
      uint64_t v = 0;
      if (!ParseNumber(text, &v)) return Bad(type, text);
      return Value::UInt(v);
    }
    case ValueKind::kDecimal: {
      auto d = Decimal::Parse(text);
      if (!d.ok()) return Bad(type, text);
      return Value::Dec(std::move(d).value());
    }
    case ValueKind::kFloat: {
      float v = 0;
      if (!ParseNumber(text, &v)) return Bad(type, text);
      return Value::Float(v);
    }
    case ValueKind::kDouble: {
      double v = 0;
      if (!ParseNumber(text, &v)) return Bad(type, text);
      return Value::Double(v);
    }
    case ValueKind::kBytes: return Value::Bytes(std::string(text));
    case ValueKind::kText: return Value::Str(std::string(text), type.charset);
    case ValueKind::kDate:
    case ValueKind::kTime:
    case ValueKind::kDateTime:
    case ValueKind::kTimestamp: return ParseTemporal(type, text);
    case ValueKind::kJson: return Value::Json(std::string(text));
    case ValueKind::kEnum: return ParseEnum(type, text);
    case ValueKind::kSet: return ParseSet(type, text);
    case ValueKind::kBit: return ParseBit(type, text);
    case ValueKind::kBool: {
      if (text == "t" || text == "1") return Value::Bool(true);
      if (text == "f" || text == "0") return Value::Bool(false);
      return Bad(type, text);
    }
    default: return Value::FromOther(Other{type.source_name, std::string(text)});
  }
}

}  // namespace cutover
