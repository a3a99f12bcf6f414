// Value: one typed column value, exact for every MySQL/MariaDB/PostgreSQL column type.
//
// The same Value comes out of the snapshot reader and the change stream, so transforms and
// sinks never know which phase produced it. Design rules:
//   - Exact: integers keep their signedness and full 64-bit range, DECIMAL/NUMERIC keep every
//     digit and their scale, temporal values keep their fields (never a lossy epoch), text keeps
//     its bytes and charset, zero dates ('0000-00-00', '2024-00-10') stay distinct from NULL
//     and from every real date.
//   - Self-describing enough to render: ToText() gives the string the source server returns
//     over its text protocol (session time zone +00:00), ToDisplay() the JSON-contract form
//     used by `cutover tail` (binary strings as 0x-hex, BIT as an unsigned integer).
//   - Encodable: EncodeTo/DecodeFrom give a compact, versioned binary form for the change log.
//   - Ordered: Compare() is a total order (see its comment), used by tests, key ranges and diff.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "cutover/status.h"

namespace cutover {

// The kinds of values. The numeric value of each enumerator is part of the binary encoding:
// append new kinds at the end, never renumber.
enum class ValueKind : uint8_t {
  kNull = 0,
  kInt = 1,         // signed 64-bit: TINYINT..BIGINT, YEAR, PG smallint/int/bigint
  kUInt = 2,        // unsigned 64-bit: TINYINT..BIGINT UNSIGNED
  kDecimal = 3,     // exact decimal: DECIMAL(M,D), PG numeric (also NaN and +-Infinity)
  kFloat = 4,       // IEEE binary32: FLOAT, PG real
  kDouble = 5,      // IEEE binary64: DOUBLE, PG double precision
  kBytes = 6,       // binary string: BINARY, VARBINARY, BLOB, binary-collation text, PG bytea
  kText = 7,        // character string with its charset: CHAR, VARCHAR, TEXT, PG text/varchar
  kDate = 8,        // DATE, zero dates allowed; PG date including BC and +-infinity
  kTime = 9,        // TIME with sign and fraction (MySQL -838:59:59.000000..838:59:59.000000)
  kDateTime = 10,   // DATETIME, PG timestamp without time zone: wall-clock fields, no zone
  kTimestamp = 11,  // TIMESTAMP, PG timestamptz: an instant, kept as UTC fields
  kJson = 12,       // JSON text (MariaDB JSON, MySQL JSON converted to text, PG json/jsonb)
  kEnum = 13,       // ENUM: 1-based index and its label (index 0 is MySQL's '' error value)
  kSet = 14,        // SET: bitmask and its labels
  kBit = 15,        // BIT(1..64): value and width in bits
  kBool = 16,       // PG boolean
  kOther = 17,      // a type kept as its source text (PG uuid, interval, inet, arrays, ...)
};

std::string_view ValueKindName(ValueKind kind);

// Character sets of text values. Values are stored in the source's bytes; ToUtf8() converts.
enum class Charset : uint8_t {
  kUtf8 = 0,    // utf8mb4, utf8mb3, PostgreSQL UTF8
  kLatin1 = 1,  // MySQL latin1 (which is Windows-1252)
  kAscii = 2,
  kUcs2 = 3,
  kUtf16 = 4,
  kUtf16le = 5,
  kUtf32 = 6,
  kBinary = 7,  // bytes with no charset (text columns with a binary collation decode as kBytes)
  kOther = 8,   // any other charset: bytes kept, converted only when asked
};
std::string_view CharsetName(Charset charset);
// Maps a MySQL/MariaDB charset name ("utf8mb4", "latin1", ...) to Charset.
Charset CharsetFromName(std::string_view name);

// An exact decimal number: sign, integer digits, fraction digits (the scale is the number of
// fraction digits and is kept: 1.50 in DECIMAL(5,2) stays "1.50"). Also PostgreSQL's special
// numeric values NaN, Infinity and -Infinity.
struct Decimal {
  enum class Special : uint8_t { kNone = 0, kNaN = 1, kPosInfinity = 2, kNegInfinity = 3 };
  bool negative = false;  // never true for zero
  std::string integer;    // decimal digits without leading zeros; "0" for zero
  std::string fraction;   // decimal digits, exactly `scale` of them
  Special special = Special::kNone;

  // Parses "-123.4500", "+1", "0.5", ".5", "1e3" is NOT accepted (DECIMAL text never has it),
  // "NaN", "Infinity", "-Infinity". Keeps the scale given.
  static Result<Decimal> Parse(std::string_view text);
  std::string ToString() const;  // "-123.4500"; "NaN"; "Infinity"; "-Infinity"
  int scale() const { return static_cast<int>(fraction.size()); }
  int precision() const;  // significant digits: integer (without leading zero) + scale
  // Numeric order, ignoring scale (1.5 == 1.50); NaN sorts after +Infinity (as PostgreSQL).
  std::strong_ordering Compare(const Decimal& other) const;
  bool operator==(const Decimal& other) const = default;  // exact: equal scale too
};

// A calendar date. Zero parts are allowed (MySQL zero dates). Year may be negative for
// PostgreSQL BC dates (year 0 = 1 BC, as ISO 8601). `infinity` is PostgreSQL's +-infinity.
struct Date {
  int32_t year = 0;
  uint8_t month = 0;    // 0..12 (0 only in zero dates)
  uint8_t day = 0;      // 0..31 (0 only in zero dates)
  int8_t infinity = 0;  // -1: -infinity, +1: infinity, 0: a real (or zero) date
  bool IsZero() const { return infinity == 0 && (year == 0 || month == 0 || day == 0); }
  auto operator<=>(const Date& other) const = default;
};

// A time of day or a duration (MySQL TIME is a signed duration of up to 838 hours).
struct Time {
  bool negative = false;  // never true for 00:00:00.000000
  uint32_t hours = 0;
  uint8_t minutes = 0;
  uint8_t seconds = 0;
  uint32_t micros = 0;          // 0..999999
  uint8_t precision = 0;        // fractional digits shown (column fsp, 0..6)
  int64_t TotalMicros() const;  // signed
  bool operator==(const Time& other) const = default;
};

// Wall-clock date and time without a zone (DATETIME). For kTimestamp the same fields hold
// the instant in UTC. Zero '0000-00-00 00:00:00' is all-zero fields.
struct DateTime {
  Date date;
  uint8_t hour = 0;
  uint8_t minute = 0;
  uint8_t second = 0;
  uint32_t micros = 0;
  uint8_t precision = 0;  // fractional digits shown (column fsp, 0..6)
  bool operator==(const DateTime& other) const = default;
};

struct Text {
  std::string bytes;  // in `charset`
  Charset charset = Charset::kUtf8;
  bool operator==(const Text& other) const = default;
};

struct Enum {
  uint32_t index = 0;  // 1-based; 0 is MySQL's '' error value
  std::string label;   // in the column charset, as the server shows it
  bool operator==(const Enum& other) const = default;
};

struct Set {
  uint64_t bits = 0;   // bit i set: the (i+1)-th member
  std::string labels;  // members in definition order joined by ',' (as the server shows it)
  bool operator==(const Set& other) const = default;
};

struct Bit {
  uint64_t bits = 0;
  uint8_t width = 1;  // 1..64
  bool operator==(const Bit& other) const = default;
};

struct Other {
  std::string type;  // source type name, e.g. "uuid", "interval", "int4[]"
  std::string text;  // the source's text output for the value
  bool operator==(const Other& other) const = default;
};

class Value {
 public:
  Value() = default;  // NULL
  static Value Null() { return Value(); }
  static Value Int(int64_t v) { return Value(v); }
  static Value UInt(uint64_t v) { return Value(Tagged<uint64_t>{v}); }
  static Value Dec(Decimal v) { return Value(std::move(v)); }
  static Value Float(float v) { return Value(v); }
  static Value Double(double v) { return Value(v); }
  static Value Bytes(std::string v) { return Value(BytesBox{std::move(v)}); }
  static Value Str(std::string v, Charset charset = Charset::kUtf8) {
    return Value(Text{std::move(v), charset});
  }
  static Value FromDate(Date v) { return Value(v); }
  static Value FromTime(Time v) { return Value(v); }
  static Value FromDateTime(DateTime v) { return Value(v); }
  static Value Timestamp(DateTime utc) { return Value(TimestampBox{utc}); }
  static Value Json(std::string text) { return Value(JsonBox{std::move(text)}); }
  static Value FromEnum(Enum v) { return Value(std::move(v)); }
  static Value FromSet(Set v) { return Value(std::move(v)); }
  static Value FromBit(Bit v) { return Value(v); }
  static Value Bool(bool v) { return Value(v); }
  static Value FromOther(Other v) { return Value(std::move(v)); }

  // In-place setters for hot decode loops: when the value already holds that kind, its string
  // keeps its capacity, so decoding row after row into the same Row allocates nothing.
  void SetNull() { data_.emplace<std::monostate>(); }
  void SetInt(int64_t v) {
    if (auto* held = std::get_if<int64_t>(&data_)) {
      *held = v;
    } else {
      data_.emplace<int64_t>(v);
    }
  }
  void SetUInt(uint64_t v) {
    if (auto* held = std::get_if<Tagged<uint64_t>>(&data_)) {
      held->value = v;
    } else {
      data_.emplace<Tagged<uint64_t>>(Tagged<uint64_t>{v});
    }
  }
  void SetText(std::string_view bytes, Charset charset) {
    if (auto* held = std::get_if<Text>(&data_)) {
      held->bytes.assign(bytes);
      held->charset = charset;
    } else {
      data_.emplace<Text>(Text{std::string(bytes), charset});
    }
  }
  // Binary string; padded with 0x00 up to `pad_to` bytes (BINARY(n) shows its padding).
  void SetBytes(std::string_view bytes, size_t pad_to = 0) {
    auto* held = std::get_if<BytesBox>(&data_);
    if (held == nullptr) held = &data_.emplace<BytesBox>();
    held->value.assign(bytes);
    if (held->value.size() < pad_to) held->value.resize(pad_to, '\0');
  }

  ValueKind kind() const { return static_cast<ValueKind>(data_.index()); }
  bool is_null() const { return kind() == ValueKind::kNull; }

  // Accessors: the caller must check kind() first; a wrong kind aborts (a bug, not data).
  int64_t as_int() const;
  uint64_t as_uint() const;
  const Decimal& as_decimal() const;
  float as_float() const;
  double as_double() const;
  const std::string& as_bytes() const;
  const Text& as_text() const;
  const Date& as_date() const;
  const Time& as_time() const;
  const DateTime& as_datetime() const;  // kDateTime or kTimestamp (UTC fields)
  const std::string& as_json() const;
  const Enum& as_enum() const;
  const Set& as_set() const;
  const Bit& as_bit() const;
  bool as_bool() const;
  const Other& as_other() const;

  // The string a MySQL/MariaDB server returns over its text protocol (time zone +00:00):
  // DECIMAL with its scale, TIME '-01:02:03.500', DATETIME '2024-01-02 03:04:05.123', zero
  // dates '0000-00-00', ENUM/SET labels, BIT as raw bytes (as MySQL sends them), FLOAT/DOUBLE
  // as the shortest round-tripping decimal, bytes and text as their raw bytes, PG boolean 't'/'f'.
  // NULL renders as an empty string; check is_null() first.
  std::string ToText() const;
  // The display contract of `cutover tail` and the docs: ToText(), except binary strings are
  // "0x" + lowercase hex, BIT is its unsigned integer in decimal, and text is converted to UTF-8.
  std::string ToDisplay() const;

  // Appends the binary encoding (kind byte, then a kind-specific payload) to *out.
  void EncodeTo(std::string* out) const;
  // Decodes one value from the front of *in and advances it. DataLoss on malformed input.
  static Result<Value> DecodeFrom(std::string_view* in);

  // A total order: NULL first; numbers (Int, UInt, Decimal, Bool) compare by numeric value
  // across those kinds (Decimal NaN after every number); Float and Double by numeric value
  // (NaN last); all other kinds compare within the kind by their natural order (bytes/text
  // bytewise, temporal values chronologically with zero dates before real ones, ENUM by index,
  // SET by bits, BIT by value) and across kinds by kind number. Equal values of different kinds
  // (Int 1 and UInt 1) compare equal in order but are not == (== is exact: kind and payload).
  std::strong_ordering Compare(const Value& other) const;
  bool operator==(const Value& other) const;

 private:
  template <typename T>
  struct Tagged {
    T value;
    bool operator==(const Tagged& other) const = default;
  };
  struct BytesBox {
    std::string value;
    bool operator==(const BytesBox& other) const = default;
  };
  struct TimestampBox {
    DateTime value;
    bool operator==(const TimestampBox& other) const = default;
  };
  struct JsonBox {
    std::string value;
    bool operator==(const JsonBox& other) const = default;
  };
  using Data =
      std::variant<std::monostate, int64_t, Tagged<uint64_t>, Decimal, float, double, BytesBox,
                   Text, Date, Time, DateTime, TimestampBox, JsonBox, Enum, Set, Bit, bool, Other>;
  template <typename T>
  explicit Value(T v) : data_(std::move(v)) {}

  Data data_;
};

// Renders bytes as "0x" followed by lowercase hex.
std::string HexBytes(std::string_view bytes);
// Converts text in `charset` to UTF-8 (invalid sequences become U+FFFD; never fails).
std::string ToUtf8(std::string_view bytes, Charset charset);
// The shortest decimal that reads back to the same float/double ("inf", "-inf", "nan" for
// non-finite values).
std::string ShortestDecimal(double v);
std::string ShortestDecimal(float v);

}  // namespace cutover
