// The Debezium envelope, written by hand (not through a JSON library) so that every number keeps
// its exact text: a FLOAT as its shortest float decimal, a BIGINT with all 64 bits.
#include "sink/kafka/envelope.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <utility>

#include <fmt/format.h>

#include "core/base64.h"

namespace cutover::kafka {
namespace {

// How Debezium's MySQL connector represents a column (its schema type and semantic name).
enum class FieldKind {
  kInt16,
  kInt32,
  kInt64,
  kYear,
  kDecimal,
  kFloat,
  kDouble,
  kBoolean,
  kBits,
  kDate,
  kMicroTime,
  kTimestamp,
  kMicroTimestamp,
  kZonedTimestamp,
  kEnum,
  kEnumSet,
  kJson,
  kGeometry,
  kBytes,
  kString,
};

FieldKind KindOf(const ColumnType& type) {
  // PostgreSQL numeric holds NaN and +-Infinity and, without a precision, any scale: no Connect
  // Decimal carries those, so it is its exact text (Debezium's decimal.handling.mode=string).
  // money is an integer of cents: a Decimal of scale 2.
  if (type.postgres && type.type == SqlType::kDecimal && type.source_name != "money") {
    return FieldKind::kString;
  }
  switch (type.type) {
    case SqlType::kTinyInt: return FieldKind::kInt16;
    case SqlType::kSmallInt: return type.is_unsigned ? FieldKind::kInt32 : FieldKind::kInt16;
    case SqlType::kMediumInt: return FieldKind::kInt32;
    case SqlType::kInt: return type.is_unsigned ? FieldKind::kInt64 : FieldKind::kInt32;
    case SqlType::kBigInt:
      return FieldKind::kInt64;  // unsigned too: bigint.unsigned.handling.mode=long
    case SqlType::kYear: return FieldKind::kYear;
    case SqlType::kDecimal: return FieldKind::kDecimal;
    case SqlType::kFloat: return FieldKind::kFloat;
    case SqlType::kDouble: return FieldKind::kDouble;
    case SqlType::kBit: return type.length <= 1 ? FieldKind::kBoolean : FieldKind::kBits;
    case SqlType::kBoolean: return FieldKind::kBoolean;
    case SqlType::kDate: return FieldKind::kDate;
    case SqlType::kTime: return FieldKind::kMicroTime;
    case SqlType::kDateTime:
      return type.fsp <= 3 ? FieldKind::kTimestamp : FieldKind::kMicroTimestamp;
    case SqlType::kTimestamp: return FieldKind::kZonedTimestamp;
    case SqlType::kEnum: return FieldKind::kEnum;
    case SqlType::kSet: return FieldKind::kEnumSet;
    case SqlType::kJson: return FieldKind::kJson;
    case SqlType::kGeometry: return FieldKind::kGeometry;
    default: return type.value_kind() == ValueKind::kBytes ? FieldKind::kBytes : FieldKind::kString;
  }
}

// Whether `c` must be escaped in a JSON string.
bool NeedsEscape(char c) { return c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20; }

void AppendString(std::string* out, std::string_view text) {
  out->push_back('"');
  while (!text.empty()) {
    // The run up to the next character to escape goes in whole.
    const size_t run =
        static_cast<size_t>(std::find_if(text.begin(), text.end(), NeedsEscape) - text.begin());
    out->append(text.data(), run);
    if (run == text.size()) break;
    const char c = text[run];
    text.remove_prefix(run + 1);
    switch (c) {
      case '"': *out += "\\\""; break;
      case '\\': *out += "\\\\"; break;
      case '\n': *out += "\\n"; break;
      case '\r': *out += "\\r"; break;
      case '\t': *out += "\\t"; break;
      case '\b': *out += "\\b"; break;
      case '\f': *out += "\\f"; break;
      default: fmt::format_to(std::back_inserter(*out), "\\u{:04x}", static_cast<unsigned char>(c));
    }
  }
  out->push_back('"');
}

// Whether ToUtf8 leaves ASCII bytes of `charset` as they are (not so for the wide ones).
bool AsciiAsItself(Charset charset) {
  switch (charset) {
    case Charset::kUtf8:
    case Charset::kLatin1:
    case Charset::kAscii:
    case Charset::kBinary:
    case Charset::kOther: return true;
    case Charset::kUcs2:
    case Charset::kUtf16:
    case Charset::kUtf16le:
    case Charset::kUtf32: return false;
  }
  return false;
}

bool IsAscii(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

std::string Quote(std::string_view text) {
  std::string out;
  AppendString(&out, text);
  return out;
}

// Days since 1970-01-01 of a proleptic Gregorian date (valid for every year MySQL stores).
int64_t DaysFromCivil(int64_t year, int64_t month, int64_t day) {
  year -= month <= 2 ? 1 : 0;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t year_of_era = year - era * 400;
  const int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

Date CivilFromDays(int64_t days) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t day_of_era = days - era * 146097;
  const int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t shifted_month = (5 * day_of_year + 2) / 153;
  Date date;
  date.day = static_cast<uint8_t>(day_of_year - (153 * shifted_month + 2) / 5 + 1);
  date.month = static_cast<uint8_t>(shifted_month < 10 ? shifted_month + 3 : shifted_month - 9);
  date.year = static_cast<int32_t>(year_of_era + era * 400 + (date.month <= 2 ? 1 : 0));
  return date;
}

constexpr int64_t kMicrosPerDay = 86'400'000'000;

int64_t EpochMicros(const DateTime& time) {
  const int64_t days = DaysFromCivil(time.date.year, time.date.month, time.date.day);
  return days * kMicrosPerDay +
         ((time.hour * 60 + time.minute) * 60 + int64_t{time.second}) * 1'000'000 + time.micros;
}

DateTime FromEpochMicros(int64_t micros, uint8_t precision) {
  int64_t days = micros / kMicrosPerDay;
  int64_t rest = micros % kMicrosPerDay;
  if (rest < 0) {
    rest += kMicrosPerDay;
    --days;
  }
  DateTime time;
  time.date = CivilFromDays(days);
  time.micros = static_cast<uint32_t>(rest % 1'000'000);
  rest /= 1'000'000;
  time.second = static_cast<uint8_t>(rest % 60);
  time.minute = static_cast<uint8_t>(rest / 60 % 60);
  time.hour = static_cast<uint8_t>(rest / 3600);
  time.precision = precision;
  return time;
}

// PostgreSQL's +-infinity in the numbers of Date and (Micro)Timestamp fields: the int32 ends
// for days; for timestamps Debezium's values (those of PostgreSQL's JDBC driver), in both units.
constexpr int64_t kInfiniteDays = std::numeric_limits<int32_t>::max();
constexpr int64_t kInfiniteTimestamp = 9223372036825200000;
constexpr int64_t kMinusInfiniteTimestamp = -9223372036832400000;

// A MySQL zero date; year 0 of a PostgreSQL source is 1 BC, a real date.
bool IsZeroDate(const ColumnType& type, const Date& date) {
  return !type.postgres && date.IsZero();
}

// The +-infinity of a PostgreSQL column from its number, or 0.
int8_t InfinityOf(const ColumnType& type, int64_t number, int64_t positive, int64_t negative) {
  if (!type.postgres) return 0;
  return number == positive ? 1 : number == negative ? -1 : 0;
}

// JSON has no NaN or infinity: Kafka Connect's JsonConverter (Jackson) writes them as strings.
std::string NonFinite(double number) {
  return std::isnan(number) ? R"("NaN")" : number > 0 ? R"("Infinity")" : R"("-Infinity")";
}

// -0 (a PostgreSQL float can hold it): written "-0.0", as Java does, since a JSON reader takes
// "-0" for the integer 0 and loses the sign.
bool NegativeZero(double number) { return number == 0 && std::signbit(number); }

// The number a float field holds: a JSON number, or one of NonFinite's strings.
std::optional<double> FloatOf(const nlohmann::json& field) {
  if (field.is_number()) return field.get<double>();
  if (!field.is_string()) return std::nullopt;
  const std::string& text = field.get_ref<const std::string&>();
  if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (text == "Infinity") return std::numeric_limits<double>::infinity();
  if (text == "-Infinity") return -std::numeric_limits<double>::infinity();
  return std::nullopt;
}

// Debezium writes a zero date as null in a nullable column and as the epoch in a NOT NULL one.
std::string ZeroTemporal(const Column& column, std::string epoch) {
  return column.nullable ? "null" : std::move(epoch);
}

// A decimal's unscaled value as Java's BigInteger.toByteArray(): big-endian two's complement,
// as few bytes as hold the sign.
std::string UnscaledBytes(const Decimal& decimal) {
  std::vector<uint8_t> magnitude;  // little-endian base 256
  for (char digit : decimal.integer + decimal.fraction) {
    int carry = digit - '0';
    for (uint8_t& byte : magnitude) {
      int next = byte * 10 + carry;
      byte = static_cast<uint8_t>(next & 0xFF);
      carry = next >> 8;
    }
    if (carry != 0) magnitude.push_back(static_cast<uint8_t>(carry));
  }
  if (magnitude.empty()) return std::string(1, '\0');
  if (decimal.negative) {
    // 2^(8n) - magnitude: invert and add one.
    int carry = 1;
    for (uint8_t& byte : magnitude) {
      int next = static_cast<uint8_t>(~byte) + carry;
      byte = static_cast<uint8_t>(next & 0xFF);
      carry = next >> 8;
    }
    if ((magnitude.back() & 0x80) == 0) magnitude.push_back(0xFF);
  } else if ((magnitude.back() & 0x80) != 0) {
    magnitude.push_back(0x00);
  }
  return std::string(magnitude.rbegin(), magnitude.rend());
}

Decimal FromUnscaledBytes(std::string_view bytes, uint32_t scale) {
  std::vector<uint8_t> magnitude(bytes.begin(), bytes.end());  // big-endian
  const bool negative = !magnitude.empty() && (magnitude[0] & 0x80) != 0;
  if (negative) {
    int carry = 1;
    for (auto byte = magnitude.rbegin(); byte != magnitude.rend(); ++byte) {
      int next = static_cast<uint8_t>(~*byte) + carry;
      *byte = static_cast<uint8_t>(next & 0xFF);
      carry = next >> 8;
    }
  }
  std::vector<uint8_t> digits;  // little-endian base 10
  for (uint8_t byte : magnitude) {
    int carry = byte;
    for (uint8_t& digit : digits) {
      int next = digit * 256 + carry;
      digit = static_cast<uint8_t>(next % 10);
      carry = next / 10;
    }
    while (carry != 0) {
      digits.push_back(static_cast<uint8_t>(carry % 10));
      carry /= 10;
    }
  }
  while (digits.size() < scale + 1) digits.push_back(0);
  std::string text;
  for (auto digit = digits.rbegin(); digit != digits.rend(); ++digit) text.push_back('0' + *digit);
  Decimal decimal;
  decimal.fraction = text.substr(text.size() - scale);
  decimal.integer = text.substr(0, text.size() - scale);
  decimal.integer.erase(
      0, std::min(decimal.integer.find_first_not_of('0'), decimal.integer.size() - 1));
  decimal.negative = negative && text.find_first_not_of('0') != std::string::npos;
  return decimal;
}

std::string Two(int value) { return fmt::format("{:02}", value); }

std::string ZonedText(const DateTime& utc, uint8_t fsp) {
  if (utc.date.infinity != 0) return utc.date.infinity > 0 ? "infinity" : "-infinity";
  // ISO-8601 years as java.time writes them: 4 digits, a sign before more (or before BC years,
  // where year 0 is 1 BC).
  std::string year = utc.date.year < 0      ? fmt::format("{:05}", utc.date.year)
                     : utc.date.year > 9999 ? fmt::format("+{}", utc.date.year)
                                            : fmt::format("{:04}", utc.date.year);
  std::string text = fmt::format("{}-{}-{}T{}:{}:{}", year, Two(utc.date.month), Two(utc.date.day),
                                 Two(utc.hour), Two(utc.minute), Two(utc.second));
  if (fsp > 0) text += "." + fmt::format("{:06}", utc.micros).substr(0, fsp);
  return text + "Z";
}

Result<DateTime> ParseZoned(std::string_view text, uint8_t fsp) {
  if (text == "infinity" || text == "-infinity") {
    DateTime infinite;
    infinite.date.infinity = text == "infinity" ? 1 : -1;
    infinite.precision = fsp;
    return infinite;
  }
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  char fraction[8] = {0};
  std::string copy(text);
  int read = std::sscanf(copy.c_str(), "%d-%d-%dT%d:%d:%d.%6[0-9]", &year, &month, &day, &hour,
                         &minute, &second, fraction);
  if (read < 6 || copy.empty() || copy.back() != 'Z') {
    return Status::InvalidArgument(fmt::format("'{}' is not an ISO-8601 UTC timestamp", text));
  }
  DateTime time;
  time.date = Date{year, static_cast<uint8_t>(month), static_cast<uint8_t>(day), 0};
  time.hour = static_cast<uint8_t>(hour);
  time.minute = static_cast<uint8_t>(minute);
  time.second = static_cast<uint8_t>(second);
  std::string micros(fraction);
  micros.resize(6, '0');
  time.micros = static_cast<uint32_t>(std::stoul(micros));
  time.precision = fsp;
  return time;
}

// Integers of any signed or unsigned value kind as their int64 (an unsigned BIGINT above 2^63
// wraps, as Debezium's long mode does).
int64_t AsInt64(const Value& value) {
  if (value.kind() == ValueKind::kUInt) return static_cast<int64_t>(value.as_uint());
  if (value.kind() == ValueKind::kBool) return value.as_bool() ? 1 : 0;
  return value.as_int();
}

std::string ElementsList(const ColumnType& type) {
  std::string list;
  for (const std::string& element : type.elements) {
    if (!list.empty()) list += ",";
    list += element;
  }
  return list;
}

// {"type":...,"optional":...,"name":...,"version":1,"parameters":{...},"field":...}: one
// column's schema as JsonConverter writes it.
std::string FieldSchema(const Column& column, bool optional) {
  const ColumnType& type = column.type;
  std::string kind;
  std::string name;
  std::string parameters;
  switch (KindOf(type)) {
    case FieldKind::kInt16: kind = "int16"; break;
    case FieldKind::kInt32: kind = "int32"; break;
    case FieldKind::kInt64: kind = "int64"; break;
    case FieldKind::kYear:
      kind = "int32";
      name = "io.debezium.time.Year";
      break;
    case FieldKind::kDecimal:
      kind = "bytes";
      name = "org.apache.kafka.connect.data.Decimal";
      parameters = fmt::format(R"({{"scale":"{}","connect.decimal.precision":"{}"}})", type.scale,
                               type.precision);
      break;
    case FieldKind::kFloat: kind = "float"; break;
    case FieldKind::kDouble: kind = "double"; break;
    case FieldKind::kBoolean: kind = "boolean"; break;
    case FieldKind::kBits:
      kind = "bytes";
      name = "io.debezium.data.Bits";
      parameters = fmt::format(R"({{"length":"{}"}})", type.length);
      break;
    case FieldKind::kDate:
      kind = "int32";
      name = "io.debezium.time.Date";
      break;
    case FieldKind::kMicroTime:
      kind = "int64";
      name = "io.debezium.time.MicroTime";
      break;
    case FieldKind::kTimestamp:
      kind = "int64";
      name = "io.debezium.time.Timestamp";
      break;
    case FieldKind::kMicroTimestamp:
      kind = "int64";
      name = "io.debezium.time.MicroTimestamp";
      break;
    case FieldKind::kZonedTimestamp:
      kind = "string";
      name = "io.debezium.time.ZonedTimestamp";
      break;
    case FieldKind::kEnum:
    case FieldKind::kEnumSet:
      kind = "string";
      name =
          KindOf(type) == FieldKind::kEnum ? "io.debezium.data.Enum" : "io.debezium.data.EnumSet";
      parameters = R"({"allowed":)" + Quote(ElementsList(type)) + "}";
      break;
    case FieldKind::kJson:
      kind = "string";
      name = "io.debezium.data.Json";
      break;
    case FieldKind::kGeometry:
      return fmt::format(
          R"({{"type":"struct","fields":[{{"type":"bytes","optional":false,"field":"wkb"}},)"
          R"({{"type":"int32","optional":true,"field":"srid"}}],"optional":{},)"
          R"("name":"io.debezium.data.geometry.Geometry","version":1,"field":{}}})",
          optional, Quote(column.name));
    case FieldKind::kBytes: kind = "bytes"; break;
    case FieldKind::kString: kind = "string"; break;
  }
  std::string out = fmt::format(R"({{"type":"{}","optional":{})", kind, optional);
  if (!name.empty()) out += fmt::format(R"(,"name":"{}","version":1)", name);
  if (!parameters.empty()) out += R"(,"parameters":)" + parameters;
  return out + R"(,"field":)" + Quote(column.name) + "}";
}

std::string StructSchema(const std::vector<std::string>& fields, bool optional,
                         const std::string& name, const std::string& field) {
  std::string out = R"({"type":"struct","fields":[)";
  for (size_t index = 0; index < fields.size(); ++index) {
    if (index > 0) out += ",";
    out += fields[index];
  }
  out += fmt::format(R"(],"optional":{},"name":{})", optional, Quote(name));
  if (!field.empty()) out += R"(,"field":)" + Quote(field);
  return out + "}";
}

constexpr char kTableField[] = "__dbz__physicalTableIdentifier";

// The `source` block's schema (Debezium's io.debezium.connector.mysql.Source, the fields cutover
// fills).
std::string SourceSchema() {
  return R"({"type":"struct","fields":[)"
         R"({"type":"string","optional":false,"field":"version"},)"
         R"({"type":"string","optional":false,"field":"connector"},)"
         R"({"type":"string","optional":false,"field":"name"},)"
         R"({"type":"int64","optional":false,"field":"ts_ms"},)"
         R"({"type":"string","optional":true,"name":"io.debezium.data.Enum","version":1,)"
         R"("parameters":{"allowed":"true,last,false,incremental"},"default":"false",)"
         R"("field":"snapshot"},)"
         R"({"type":"string","optional":false,"field":"db"},)"
         R"({"type":"string","optional":true,"field":"table"},)"
         R"({"type":"int64","optional":false,"field":"server_id"},)"
         R"({"type":"string","optional":true,"field":"gtid"},)"
         R"({"type":"string","optional":false,"field":"file"},)"
         R"({"type":"int64","optional":false,"field":"pos"},)"
         R"({"type":"int32","optional":false,"field":"row"}],)"
         R"("optional":false,"name":"io.debezium.connector.mysql.Source","field":"source"})";
}

std::string_view OpCode(EnvelopeOp op) {
  switch (op) {
    case EnvelopeOp::kRead: return "r";
    case EnvelopeOp::kCreate: return "c";
    case EnvelopeOp::kUpdate: return "u";
    case EnvelopeOp::kDelete: return "d";
    case EnvelopeOp::kTruncate: return "t";
  }
  return "c";
}

}  // namespace

std::string EncodeField(const Column& column, const Value& value) {
  if (value.is_null()) return "null";
  const ColumnType& type = column.type;
  switch (KindOf(type)) {
    case FieldKind::kInt16:
    case FieldKind::kInt32:
    case FieldKind::kInt64:
    case FieldKind::kYear: return std::to_string(AsInt64(value));
    case FieldKind::kDecimal:
      if (value.as_decimal().special != Decimal::Special::kNone) return "null";
      return Quote(Base64(UnscaledBytes(value.as_decimal())));
    case FieldKind::kFloat:
      if (!std::isfinite(value.as_float())) return NonFinite(value.as_float());
      return NegativeZero(value.as_float()) ? "-0.0" : ShortestDecimal(value.as_float());
    case FieldKind::kDouble:
      if (!std::isfinite(value.as_double())) return NonFinite(value.as_double());
      return NegativeZero(value.as_double()) ? "-0.0" : ShortestDecimal(value.as_double());
    case FieldKind::kBoolean:
      if (value.kind() == ValueKind::kBit) return value.as_bit().bits != 0 ? "true" : "false";
      return AsInt64(value) != 0 ? "true" : "false";
    case FieldKind::kBits: {
      // Little-endian, ceil(length / 8) bytes.
      std::string bytes((type.length + 7) / 8, '\0');
      for (size_t index = 0; index < bytes.size() && index < 8; ++index) {
        bytes[index] = static_cast<char>((value.as_bit().bits >> (8 * index)) & 0xFF);
      }
      return Quote(Base64(bytes));
    }
    case FieldKind::kDate: {
      const Date& date = value.as_date();
      if (IsZeroDate(type, date)) return ZeroTemporal(column, "0");
      if (date.infinity != 0) return std::to_string(date.infinity * kInfiniteDays);
      return std::to_string(DaysFromCivil(date.year, date.month, date.day));
    }
    case FieldKind::kMicroTime: return std::to_string(value.as_time().TotalMicros());
    case FieldKind::kTimestamp:
    case FieldKind::kMicroTimestamp: {
      const DateTime& time = value.as_datetime();
      if (IsZeroDate(type, time.date)) return ZeroTemporal(column, "0");
      if (time.date.infinity != 0) {
        return std::to_string(time.date.infinity > 0 ? kInfiniteTimestamp
                                                     : kMinusInfiniteTimestamp);
      }
      const int64_t micros = EpochMicros(time);
      return std::to_string(KindOf(type) == FieldKind::kTimestamp ? micros / 1000 : micros);
    }
    case FieldKind::kZonedTimestamp: {
      const DateTime& time = value.as_datetime();
      if (IsZeroDate(type, time.date)) {
        return ZeroTemporal(column, Quote(ZonedText(FromEpochMicros(0, type.fsp), type.fsp)));
      }
      return Quote(ZonedText(time, type.fsp));
    }
    case FieldKind::kEnum: return Quote(ToUtf8(value.as_enum().label, type.charset));
    case FieldKind::kEnumSet: return Quote(ToUtf8(value.as_set().labels, type.charset));
    case FieldKind::kJson:
      return Quote(value.kind() == ValueKind::kJson ? value.as_json() : value.ToText());
    case FieldKind::kGeometry: {
      // MySQL's geometry bytes: a 4-byte little-endian SRID, then the WKB.
      const std::string& bytes = value.as_bytes();
      if (bytes.size() < 4) return fmt::format(R"({{"wkb":{},"srid":null}})", Quote(Base64(bytes)));
      uint32_t srid = 0;
      for (int index = 3; index >= 0; --index) {
        srid = (srid << 8) | static_cast<uint8_t>(bytes[static_cast<size_t>(index)]);
      }
      return fmt::format(R"({{"wkb":{},"srid":{}}})", Quote(Base64(bytes.substr(4))),
                         static_cast<int32_t>(srid));
    }
    case FieldKind::kBytes:
      return Quote(Base64(value.kind() == ValueKind::kBytes ? value.as_bytes() : value.ToText()));
    case FieldKind::kString:
      if (value.kind() == ValueKind::kText) {
        return Quote(ToUtf8(value.as_text().bytes, value.as_text().charset));
      }
      return Quote(value.kind() == ValueKind::kOther ? value.as_other().text : value.ToText());
  }
  return "null";
}

namespace {

void AppendField(std::string* out, const Column& column, const Value& value) {
  if (!value.is_null()) {
    // The kinds most rows are made of, written in place; EncodeField is the reference.
    switch (KindOf(column.type)) {
      case FieldKind::kInt16:
      case FieldKind::kInt32:
      case FieldKind::kInt64:
      case FieldKind::kYear: fmt::format_to(std::back_inserter(*out), "{}", AsInt64(value)); return;
      case FieldKind::kString:
        if (value.kind() == ValueKind::kText && AsciiAsItself(value.as_text().charset) &&
            IsAscii(value.as_text().bytes)) {
          AppendString(out, value.as_text().bytes);  // what ToUtf8 would give
          return;
        }
        break;
      default: break;
    }
  }
  *out += EncodeField(column, value);
}

}  // namespace

Result<Value> DecodeField(const Column& column, const nlohmann::json& field) {
  if (field.is_null()) return Value::Null();
  const ColumnType& type = column.type;
  auto wrong = [&column, &field]() {
    return Status::InvalidArgument(fmt::format("column {}: {} is not what the column's type holds",
                                               column.name, field.dump()));
  };
  // The field's text, when it is a JSON string.
  const bool is_text = field.is_string();
  const std::string text = is_text ? field.get<std::string>() : std::string();
  auto base64 = [&]() -> std::optional<std::string> {
    return is_text ? FromBase64(text) : std::nullopt;
  };
  switch (KindOf(type)) {
    case FieldKind::kInt16:
    case FieldKind::kInt32:
    case FieldKind::kInt64:
    case FieldKind::kYear: {
      if (!field.is_number_integer()) return wrong();
      const int64_t number = field.get<int64_t>();
      if (type.value_kind() == ValueKind::kUInt) return Value::UInt(static_cast<uint64_t>(number));
      return Value::Int(number);
    }
    case FieldKind::kDecimal: {
      std::optional<std::string> bytes = base64();
      if (!bytes) return wrong();
      return Value::Dec(FromUnscaledBytes(*bytes, type.scale));
    }
    case FieldKind::kFloat: {
      std::optional<double> number = FloatOf(field);
      if (!number) return wrong();
      return Value::Float(static_cast<float>(*number));
    }
    case FieldKind::kDouble: {
      std::optional<double> number = FloatOf(field);
      if (!number) return wrong();
      return Value::Double(*number);
    }
    case FieldKind::kBoolean:
      if (!field.is_boolean()) return wrong();
      if (type.type == SqlType::kBoolean) return Value::Bool(field.get<bool>());
      return Value::FromBit(Bit{field.get<bool>() ? 1u : 0u, 1});
    case FieldKind::kBits: {
      std::optional<std::string> bytes = base64();
      if (!bytes) return wrong();
      uint64_t bits = 0;
      for (size_t index = std::min<size_t>(bytes->size(), 8); index-- > 0;) {
        bits = (bits << 8) | static_cast<uint8_t>((*bytes)[index]);
      }
      return Value::FromBit(Bit{bits, static_cast<uint8_t>(type.length)});
    }
    case FieldKind::kDate: {
      if (!field.is_number_integer()) return wrong();
      const int64_t days = field.get<int64_t>();
      if (int8_t infinity = InfinityOf(type, days, kInfiniteDays, -kInfiniteDays)) {
        return Value::FromDate(Date{0, 0, 0, infinity});
      }
      return Value::FromDate(CivilFromDays(days));
    }
    case FieldKind::kMicroTime: {
      if (!field.is_number_integer()) return wrong();
      const int64_t micros = field.get<int64_t>();
      const uint64_t magnitude = micros < 0 ? 0 - static_cast<uint64_t>(micros) : micros;
      Time time;
      time.negative = micros < 0;
      time.micros = static_cast<uint32_t>(magnitude % 1'000'000);
      time.seconds = static_cast<uint8_t>(magnitude / 1'000'000 % 60);
      time.minutes = static_cast<uint8_t>(magnitude / 60'000'000 % 60);
      time.hours = static_cast<uint32_t>(magnitude / 3'600'000'000);
      time.precision = type.fsp;
      return Value::FromTime(time);
    }
    case FieldKind::kTimestamp:
    case FieldKind::kMicroTimestamp: {
      if (!field.is_number_integer()) return wrong();
      const int64_t number = field.get<int64_t>();
      if (int8_t infinity = InfinityOf(type, number, kInfiniteTimestamp, kMinusInfiniteTimestamp)) {
        DateTime infinite;
        infinite.date.infinity = infinity;
        infinite.precision = type.fsp;
        return Value::FromDateTime(infinite);
      }
      const int64_t micros = KindOf(type) == FieldKind::kTimestamp ? number * 1000 : number;
      return Value::FromDateTime(FromEpochMicros(micros, type.fsp));
    }
    case FieldKind::kZonedTimestamp: {
      if (!is_text) return wrong();
      Result<DateTime> time = ParseZoned(text, type.fsp);
      if (!time.ok()) return time.status().WithContext("column " + column.name);
      return Value::Timestamp(*time);
    }
    case FieldKind::kEnum: {
      if (!is_text) return wrong();
      auto found = std::find(type.elements.begin(), type.elements.end(), text);
      uint32_t index = found == type.elements.end()
                           ? 0
                           : static_cast<uint32_t>(found - type.elements.begin() + 1);
      return Value::FromEnum(Enum{index, text});
    }
    case FieldKind::kEnumSet: {
      if (!is_text) return wrong();
      uint64_t bits = 0;
      std::string_view rest = text;
      while (!rest.empty()) {
        std::string_view member = rest.substr(0, rest.find(','));
        rest.remove_prefix(std::min(rest.size(), member.size() + 1));
        auto found = std::find(type.elements.begin(), type.elements.end(), member);
        if (found != type.elements.end()) bits |= uint64_t{1} << (found - type.elements.begin());
      }
      return Value::FromSet(Set{bits, text});
    }
    case FieldKind::kJson:
      if (!is_text) return wrong();
      return Value::Json(text);
    case FieldKind::kGeometry: {
      if (!field.is_object() || !field.contains("wkb") || !field["wkb"].is_string()) return wrong();
      std::optional<std::string> wkb = FromBase64(field["wkb"].get<std::string>());
      if (!wkb) return wrong();
      std::string bytes;
      if (field.contains("srid") && field["srid"].is_number_integer()) {
        const auto srid = static_cast<uint32_t>(field["srid"].get<int64_t>());
        for (int index = 0; index < 4; ++index) {
          bytes.push_back(static_cast<char>((srid >> (8 * index)) & 0xFF));
        }
      }
      return Value::Bytes(bytes + *wkb);
    }
    case FieldKind::kBytes: {
      std::optional<std::string> bytes = base64();
      if (!bytes) return wrong();
      return Value::Bytes(*bytes);
    }
    case FieldKind::kString:
      if (!is_text) return wrong();
      if (type.value_kind() == ValueKind::kOther) {
        return Value::FromOther(Other{type.source_name, text});
      }
      if (type.value_kind() == ValueKind::kDecimal) {  // a PostgreSQL numeric's text
        Result<Decimal> decimal = Decimal::Parse(text);
        if (!decimal.ok()) return wrong();
        return Value::Dec(*std::move(decimal));
      }
      return Value::Str(text, Charset::kUtf8);
  }
  return wrong();
}

EnvelopeEncoder::EnvelopeEncoder(const TableSchema& schema, EnvelopeOptions options)
    : schema_(schema), options_(std::move(options)) {
  const std::string base =
      fmt::format("{}.{}.{}", options_.prefix, schema_.id.schema, schema_.id.name);
  std::vector<std::string> key_fields;
  for (size_t column : schema_.key)
    key_fields.push_back(FieldSchema(schema_.columns[column], false));
  if (options_.table_in_key) {
    key_fields.push_back(
        fmt::format(R"({{"type":"string","optional":false,"field":"{}"}})", kTableField));
  }
  key_schema_ = StructSchema(key_fields, false, base + ".Key", "");
  std::vector<std::string> value_fields;
  for (const Column& column : schema_.columns) {
    value_fields.push_back(FieldSchema(column, column.nullable));
    column_names_.push_back(Quote(column.name) + ":");
  }
  source_head_ = R"(,"source":{"version":)" + Quote(options_.version) +
                 R"(,"connector":"mysql","name":)" + Quote(options_.prefix);
  source_table_ = R"(,"db":)" + Quote(schema_.id.schema) + R"(,"table":)" + Quote(schema_.id.name);
  value_schema_ =
      StructSchema({StructSchema(value_fields, true, base + ".Value", "before"),
                    StructSchema(value_fields, true, base + ".Value", "after"), SourceSchema(),
                    R"({"type":"string","optional":false,"field":"op"})",
                    R"({"type":"int64","optional":true,"field":"ts_ms"})"},
                   false, base + ".Envelope", "");
}

void EnvelopeEncoder::AppendKeyPayload(std::string* out, const Row& image) const {
  out->push_back('{');
  for (size_t index = 0; index < schema_.key.size(); ++index) {
    const size_t column = schema_.key[index];
    if (index > 0) out->push_back(',');
    *out += column_names_[column];
    AppendField(out, schema_.columns[column], image.values[column]);
  }
  if (options_.table_in_key) {
    fmt::format_to(std::back_inserter(*out), R"(,"{}":)", kTableField);
    AppendString(out, fmt::format("{}.{}.{}", options_.prefix, schema_.id.schema, schema_.id.name));
  }
  out->push_back('}');
}

void EnvelopeEncoder::AppendKey(std::string* out, const Row& image) const {
  if (options_.schemas) {
    *out += R"({"schema":)";
    *out += key_schema_;
    *out += R"(,"payload":)";
  }
  AppendKeyPayload(out, image);
  if (options_.schemas) out->push_back('}');
}

std::string EnvelopeEncoder::Key(const Row& image) const {
  std::string out;
  AppendKey(&out, image);
  return out;
}

void EnvelopeEncoder::AppendImage(std::string* out, const Row* row) const {
  if (row == nullptr) {
    *out += "null";
    return;
  }
  out->push_back('{');
  bool first = true;
  for (size_t index = 0; index < schema_.columns.size(); ++index) {
    // An absent value (a PostgreSQL TOAST value the update left unchanged, an old row's column
    // outside its replica identity) is left out, never written as null: null is a NULL value
    // (docs/kafka.md, "Partial images").
    if (!row->IsPresent(index)) continue;
    if (!first) out->push_back(',');
    first = false;
    *out += column_names_[index];
    AppendField(out, schema_.columns[index], row->values[index]);
  }
  out->push_back('}');
}

void EnvelopeEncoder::AppendValue(std::string* out, EnvelopeOp op, const Row* before,
                                  const Row* after, const EnvelopeSource& source,
                                  int64_t ts_ms) const {
  const Position& position = source.position;
  if (options_.schemas) {
    out->reserve(out->size() + value_schema_.size() + 1024);
    *out += R"({"schema":)";
    *out += value_schema_;
    *out += R"(,"payload":)";
  }
  *out += R"({"before":)";
  AppendImage(out, before);
  *out += R"(,"after":)";
  AppendImage(out, after);
  *out += source_head_;
  fmt::format_to(std::back_inserter(*out), R"(,"ts_ms":{},"snapshot":)", source.ts_ms);
  AppendString(out, source.snapshot);
  *out += source_table_;
  const bool has_gtid = position.has_gtid() && !position.gtid().gtids().empty();
  fmt::format_to(std::back_inserter(*out), R"(,"server_id":{},"gtid":)",
                 has_gtid ? position.gtid().gtids().back().server : 0);
  if (has_gtid) {
    AppendString(out, position.gtid().ToString());
  } else if (position.has_gtid_set()) {
    AppendString(out, position.gtid_set().ToString());
  } else {
    *out += "null";
  }
  *out += R"(,"file":)";
  AppendString(out, position.has_file() ? position.file().file() : "");
  fmt::format_to(std::back_inserter(*out), R"(,"pos":{},"row":0}},"op":"{}","ts_ms":{}}})",
                 position.has_file() ? position.file().offset() : 0, OpCode(op), ts_ms);
  if (options_.schemas) out->push_back('}');
}

std::string EnvelopeEncoder::Value(EnvelopeOp op, const Row* before, const Row* after,
                                   const EnvelopeSource& source, int64_t ts_ms) const {
  std::string out;
  AppendValue(&out, op, before, after, source, ts_ms);
  return out;
}

namespace {

// The payload of a JsonConverter record with or without its schema.
Result<nlohmann::json> Payload(std::string_view text, std::string_view what) {
  nlohmann::json json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    return Status::InvalidArgument(fmt::format("the record {} is not a JSON object", what));
  }
  if (json.contains("schema") && json.contains("payload")) return json["payload"];
  return json;
}

Result<Row> DecodeImage(const TableSchema& schema, const nlohmann::json& image) {
  if (!image.is_object()) return Status::InvalidArgument("an image is not a JSON object");
  Row row;
  row.values.reserve(schema.columns.size());
  for (const Column& column : schema.columns) {
    auto found = image.find(column.name);
    if (found == image.end()) {
      // Absent: a value the change did not carry, or a column added after the record was
      // written. Marked so; its value reads as NULL.
      if (row.present.empty()) row.present.assign(schema.columns.size(), true);
      row.present[row.values.size()] = false;
      row.values.emplace_back();
      continue;
    }
    CUTOVER_ASSIGN_OR_RETURN(Value value, DecodeField(column, *found));
    row.values.push_back(std::move(value));
  }
  return row;
}

}  // namespace

Result<DecodedRecord> DecodeEnvelope(const TableSchema& schema, std::string_view value) {
  CUTOVER_ASSIGN_OR_RETURN(nlohmann::json payload, Payload(value, "value"));
  if (!payload.contains("op") || !payload["op"].is_string()) {
    return Status::InvalidArgument("the record value has no op");
  }
  DecodedRecord record;
  record.op = payload["op"].get<std::string>();
  if (payload.contains("source") && payload["source"].is_object()) {
    record.table = payload["source"].value("db", "") + "." + payload["source"].value("table", "");
  }
  for (auto [name, image] :
       {std::pair{"before", &record.before}, std::pair{"after", &record.after}}) {
    if (payload.contains(name) && !payload[name].is_null()) {
      CUTOVER_ASSIGN_OR_RETURN(*image, DecodeImage(schema, payload[name]));
    }
  }
  return record;
}

Result<Key> DecodeKey(const TableSchema& schema, std::string_view key) {
  CUTOVER_ASSIGN_OR_RETURN(nlohmann::json payload, Payload(key, "key"));
  Key decoded;
  for (size_t column : schema.key) {
    const Column& key_column = schema.columns[column];
    auto found = payload.find(key_column.name);
    if (found == payload.end()) {
      return Status::InvalidArgument(
          fmt::format("the record key has no column {}", key_column.name));
    }
    CUTOVER_ASSIGN_OR_RETURN(Value value, DecodeField(key_column, *found));
    decoded.values.push_back(std::move(value));
  }
  return decoded;
}

bool SameImage(const TableSchema& schema, const Row& left, const Row& right,
               size_t* first_difference) {
  for (size_t column = 0; column < schema.columns.size(); ++column) {
    if (left.values[column] == right.values[column]) continue;
    if (EncodeField(schema.columns[column], left.values[column]) ==
        EncodeField(schema.columns[column], right.values[column])) {
      continue;
    }
    if (first_difference != nullptr) *first_difference = column;
    return false;
  }
  return true;
}

}  // namespace cutover::kafka
