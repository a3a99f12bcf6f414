// Attribute values: Value -> DynamoDB JSON under type rules; template text.
#include "transform/attribute_values.h"

#include <cmath>
#include <cstdio>

#include <fmt/format.h>

#include "core/parse_number.h"

namespace cutover::transform {
namespace {

Json Attr(const char* type, Json payload) { return Json{{type, std::move(payload)}}; }

std::string Pad(int64_t number, int width) {
  std::string text = std::to_string(number < 0 ? -number : number);
  if (static_cast<int>(text.size()) < width) text.insert(0, width - text.size(), '0');
  return number < 0 ? "-" + text : text;
}

std::string DateText(const Date& date) {
  return Pad(date.year, 4) + "-" + Pad(date.month, 2) + "-" + Pad(date.day, 2);
}

// Built by appending: `"." + Pad(...)` prepends into a temporary, which GCC 12 at -O3 (the
// Release build) reports as a false -Wrestrict (GCC bug 105329); so are the other texts here.
std::string Fraction(uint32_t micros, uint8_t precision) {
  if (precision == 0) return "";
  std::string fraction;
  fraction += '.';
  fraction.append(Pad(micros, 6), 0, precision);
  return fraction;
}

// Days since 1970-01-01 of a proleptic Gregorian date.
int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day) {
  year -= month <= 2;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(year - era * 400);
  const unsigned doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool IsTemporal(ValueKind kind) {
  return kind == ValueKind::kDate || kind == ValueKind::kDateTime || kind == ValueKind::kTimestamp;
}

Result<Json> EpochNumber(const ColumnType& type, const Value& value, bool millis) {
  DateTime time =
      value.kind() == ValueKind::kDate ? DateTime{value.as_date()} : value.as_datetime();
  // A MySQL zero date has no epoch time; year 0 of a PostgreSQL source is 1 BC, which has.
  if ((!type.postgres && time.date.IsZero()) || time.date.infinity != 0) {
    return Status::InvalidArgument(fmt::format("'{}' has no epoch time", value.ToText()));
  }
  int64_t seconds = DaysFromCivil(time.date.year, time.date.month, time.date.day) * 86400 +
                    time.hour * 3600 + time.minute * 60 + time.second;
  if (millis) {
    std::string text = std::to_string(seconds * 1000 + time.micros / 1000);
    uint32_t rest = time.micros % 1000;
    if (rest != 0) {
      text += '.';
      text += Pad(rest, 3);
    }
    return Attr("N", text);
  }
  return Attr("N", std::to_string(seconds) + Fraction(time.micros, time.precision));
}

}  // namespace

Result<int> ParseExponent(std::string_view text) {
  if (text.starts_with('+')) text.remove_prefix(1);  // "1e+20", as printf writes it
  return ParseInteger<int>(text, "exponent");
}

namespace {

// DynamoDB numbers keep at most 38 significant digits, magnitude 1E-130 to 9.99...E+125.
// Checked here so the error names the column instead of failing a whole batch on the server.
Status CheckDynamoNumber(const std::string& text) {
  size_t exponent_at = text.find_first_of("eE");
  std::string mantissa = text.substr(0, exponent_at);
  int64_t exponent = 0;
  if (exponent_at != std::string::npos) {
    // An int: the power computed below cannot overflow.
    Result<int> parsed = ParseExponent(std::string_view(text).substr(exponent_at + 1));
    if (!parsed.ok()) return parsed.status().WithContext(text + " is not a number");
    exponent = *parsed;
  }
  size_t point = mantissa.find('.');
  std::string digits;
  int64_t integer_digits = 0;
  for (size_t pos = 0; pos < mantissa.size(); ++pos) {
    if (mantissa[pos] < '0' || mantissa[pos] > '9') continue;
    digits.push_back(mantissa[pos]);
    if (point == std::string::npos || pos < point) ++integer_digits;
  }
  size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) return Status::Ok();  // zero
  size_t last = digits.find_last_not_of('0');
  // The power of ten of the first significant digit.
  int64_t power = integer_digits - static_cast<int64_t>(first) - 1 + exponent;
  if (last - first + 1 > 38) {
    return Status::InvalidArgument(text + " has " + std::to_string(last - first + 1) +
                                   " significant digits; DynamoDB numbers keep at most 38 (map "
                                   "the column with type rule 'string' to keep every digit)");
  }
  if (power < -130 || power > 125) {
    return Status::InvalidArgument(text +
                                   " is outside DynamoDB's number range 1E-130 to "
                                   "9.99E+125 (map the column with type rule 'string')");
  }
  return Status::Ok();
}

Result<Json> CheckedNumber(const std::string& text) {
  CUTOVER_RETURN_IF_ERROR(CheckDynamoNumber(text));
  return Attr("N", text);
}

// A float as text; NaN and the infinities as PostgreSQL spells them (only a PostgreSQL source
// has them), not as the C library's "nan" and "inf".
std::string FloatingText(double number, const Value& value) {
  if (std::isnan(number)) return "NaN";
  if (std::isinf(number)) return number > 0 ? "Infinity" : "-Infinity";
  return value.ToText();
}

Result<Json> NumberAttribute(const Value& value) {
  switch (value.kind()) {
    case ValueKind::kInt: return Attr("N", std::to_string(value.as_int()));
    case ValueKind::kUInt: return Attr("N", std::to_string(value.as_uint()));
    case ValueKind::kBit: return Attr("N", std::to_string(value.as_bit().bits));
    case ValueKind::kBool: return Attr("N", value.as_bool() ? "1" : "0");
    case ValueKind::kDecimal: {
      const Decimal& decimal = value.as_decimal();
      if (decimal.special != Decimal::Special::kNone) {
        return Status::InvalidArgument("DECIMAL " + decimal.ToString() + " has no DynamoDB number");
      }
      return CheckedNumber(decimal.ToString());
    }
    case ValueKind::kFloat:
    case ValueKind::kDouble: {
      double number = value.kind() == ValueKind::kFloat ? value.as_float() : value.as_double();
      if (!std::isfinite(number)) {
        return Status::InvalidArgument((value.kind() == ValueKind::kFloat ? "FLOAT " : "DOUBLE ") +
                                       FloatingText(number, value) + " has no DynamoDB number");
      }
      return CheckedNumber(value.kind() == ValueKind::kFloat ? ShortestDecimal(value.as_float())
                                                             : ShortestDecimal(number));
    }
    default:
      return Status::InvalidArgument("a " + std::string(ValueKindName(value.kind())) +
                                     " value is not a number");
  }
}

// A parsed JSON document as DynamoDB values (objects -> M, arrays -> L).
Json JsonToAttribute(const Json& json) {
  switch (json.type()) {
    case Json::value_t::null: return Attr("NULL", true);
    case Json::value_t::boolean: return Attr("BOOL", json.get<bool>());
    case Json::value_t::string: return Attr("S", json.get<std::string>());
    case Json::value_t::array: {
      Json list = Json::array();
      for (const Json& element : json) list.push_back(JsonToAttribute(element));
      return Attr("L", list);
    }
    case Json::value_t::object: {
      Json map = Json::object();
      for (const auto& [name, element] : json.items()) map[name] = JsonToAttribute(element);
      return Attr("M", map);
    }
    default: return Attr("N", json.dump());
  }
}

Result<Json> BoolAttribute(const ColumnType& type, const Value& value) {
  if (value.kind() == ValueKind::kBool) return Attr("BOOL", value.as_bool());
  if (value.kind() == ValueKind::kBit && type.length == 1) {
    return Attr("BOOL", value.as_bit().bits != 0);
  }
  if (value.kind() == ValueKind::kInt && type.type == SqlType::kTinyInt) {
    return Attr("BOOL", value.as_int() != 0);
  }
  if (value.kind() == ValueKind::kUInt && type.type == SqlType::kTinyInt) {
    return Attr("BOOL", value.as_uint() != 0);
  }
  return Status::InvalidArgument("rule 'bool' needs BIT(1), TINYINT or boolean, not " +
                                 type.source_name);
}

std::string PlainText(const ColumnType& type, const Value& value) {
  switch (value.kind()) {
    case ValueKind::kFloat: return FloatingText(value.as_float(), value);
    case ValueKind::kDouble: return FloatingText(value.as_double(), value);
    case ValueKind::kText: return ToUtf8(value.as_text().bytes, value.as_text().charset);
    case ValueKind::kEnum: return ToUtf8(value.as_enum().label, type.charset);
    case ValueKind::kSet: return ToUtf8(value.as_set().labels, type.charset);
    case ValueKind::kBit: return std::to_string(value.as_bit().bits);
    case ValueKind::kBool: return value.as_bool() ? "true" : "false";
    case ValueKind::kDate:
    case ValueKind::kDateTime:
    case ValueKind::kTimestamp: return IsoText(value);
    case ValueKind::kOther: return value.as_other().text;
    default: return value.ToText();
  }
}

Result<Json> DefaultAttribute(const ColumnType& type, const Value& value, TypeRule temporal) {
  switch (value.kind()) {
    case ValueKind::kInt:
    case ValueKind::kUInt:
    case ValueKind::kDecimal:
    case ValueKind::kFloat:
    case ValueKind::kDouble:
    case ValueKind::kBit: return NumberAttribute(value);
    case ValueKind::kBool: return Attr("BOOL", value.as_bool());
    case ValueKind::kBytes: return Attr("B", Base64(value.as_bytes()));
    case ValueKind::kJson: {
      Json parsed = Json::parse(value.as_json(), nullptr, false);
      if (parsed.is_discarded()) return Attr("S", value.as_json());
      return JsonToAttribute(parsed);
    }
    case ValueKind::kDate:
    case ValueKind::kDateTime:
    case ValueKind::kTimestamp:
      if (temporal == TypeRule::kEpochSeconds || temporal == TypeRule::kEpochMillis) {
        return EpochNumber(type, value, temporal == TypeRule::kEpochMillis);
      }
      return Attr("S", IsoText(value));
    default: return Attr("S", PlainText(type, value));
  }
}

}  // namespace

std::string IsoText(const Value& value) {
  if (value.kind() == ValueKind::kDate) {
    const Date& date = value.as_date();
    if (date.infinity != 0) return date.infinity > 0 ? "infinity" : "-infinity";
    return DateText(date);
  }
  const DateTime& time = value.as_datetime();
  if (time.date.infinity != 0) return time.date.infinity > 0 ? "infinity" : "-infinity";
  return DateText(time.date) + "T" + Pad(time.hour, 2) + ":" + Pad(time.minute, 2) + ":" +
         Pad(time.second, 2) + Fraction(time.micros, time.precision) +
         (value.kind() == ValueKind::kTimestamp ? "Z" : "");
}

Result<std::string> TemplateText(const ColumnType& type, const Value& value) {
  if (value.is_null()) return Status::InvalidArgument("is NULL");
  if (value.kind() == ValueKind::kBytes) return Base64(value.as_bytes());
  if (value.kind() == ValueKind::kJson) return value.as_json();
  return PlainText(type, value);
}

Result<std::optional<Json>> AttributeFromValue(const ColumnType& type, const Value& value,
                                               TypeRule rule, bool null_type) {
  if (value.is_null()) {
    if (null_type) return std::optional<Json>(Attr("NULL", true));
    return std::optional<Json>();
  }
  if (rule == TypeRule::kDefault && value.kind() == ValueKind::kSet) rule = TypeRule::kStringSet;
  Result<Json> attribute = Status::Internal("unhandled type rule");
  switch (rule) {
    case TypeRule::kDefault:
    case TypeRule::kIso8601:
    case TypeRule::kEpochSeconds:
    case TypeRule::kEpochMillis:
      if (rule != TypeRule::kDefault && !IsTemporal(value.kind())) {
        return Status::InvalidArgument("a time rule needs DATE, DATETIME or TIMESTAMP, not " +
                                       type.source_name);
      }
      attribute =
          DefaultAttribute(type, value, rule == TypeRule::kDefault ? TypeRule::kIso8601 : rule);
      break;
    case TypeRule::kString: attribute = Attr("S", PlainText(type, value)); break;
    case TypeRule::kNumber: attribute = NumberAttribute(value); break;
    case TypeRule::kBool: attribute = BoolAttribute(type, value); break;
    case TypeRule::kJson: attribute = DefaultAttribute(type, value, TypeRule::kIso8601); break;
    case TypeRule::kJsonString:
      attribute =
          Attr("S", value.kind() == ValueKind::kJson ? value.as_json() : PlainText(type, value));
      break;
    case TypeRule::kBinary:
      attribute =
          Attr("B", Base64(value.kind() == ValueKind::kBytes ? value.as_bytes() : value.ToText()));
      break;
    case TypeRule::kStringSet: {
      std::string labels = PlainText(type, value);
      if (labels.empty()) return std::optional<Json>();  // DynamoDB sets cannot be empty
      Json set = Json::array();
      size_t start = 0;
      while (start <= labels.size()) {
        size_t comma = labels.find(',', start);
        if (comma == std::string::npos) comma = labels.size();
        set.push_back(labels.substr(start, comma - start));
        start = comma + 1;
      }
      attribute = Attr("SS", set);
      break;
    }
  }
  if (!attribute.ok()) return attribute.status();
  return std::optional<Json>(std::move(attribute).value());
}

}  // namespace cutover::transform
