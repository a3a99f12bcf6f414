// BinaryValues: PostgreSQL binary send forms -> the Values of their text output (types.h).
#include "source/postgres/binary_values.h"

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "source/postgres/types.h"

namespace cutover::postgres {
namespace {

constexpr int64_t kUsPerSecond = 1'000'000;
constexpr int64_t kUsPerMinute = 60 * kUsPerSecond;
constexpr int64_t kUsPerHour = 60 * kUsPerMinute;
constexpr int64_t kUsPerDay = 24 * kUsPerHour;
// PostgreSQL counts dates and timestamps from 2000-01-01 (Julian day 2451545); its dates run from
// Julian day 0 (4714-11-24 BC) to before 5874898-01-01, its timestamps from 4714-11-24 BC to
// before 294277-01-01. The extreme values of the counters are -infinity and infinity.
constexpr int64_t kEpochJulianDay = 2451545;
constexpr int64_t kDateEndJulianDay = 2147483494;
constexpr int64_t kMinTimestamp = -211813488000000000;
constexpr int64_t kEndTimestamp = 9223371331200000000;
constexpr int32_t kZoneLimit = 16 * 3600;  // a timetz zone is within +-15:59:59

Status Bad(const ColumnType& type, std::string_view bytes, std::string_view why) {
  return Status::InvalidArgument(
      fmt::format("cannot read binary {}{} as {}: {}", HexBytes(bytes.substr(0, 32)),
                  bytes.size() > 32 ? "..." : "", type.source_name, why));
}

Status WrongLength(const ColumnType& type, std::string_view bytes, size_t expected) {
  return Bad(type, bytes, fmt::format("{} bytes, expected {}", bytes.size(), expected));
}

// The big-endian unsigned number in the `size` bytes at `at` (the caller checked the length).
uint64_t Load(std::string_view bytes, size_t at, size_t size) {
  uint64_t value = 0;
  for (size_t byte_idx = at; byte_idx < at + size; ++byte_idx) {
    value = (value << 8) | static_cast<uint8_t>(bytes[byte_idx]);
  }
  return value;
}
int16_t Load16(std::string_view bytes, size_t at) {
  return static_cast<int16_t>(static_cast<uint16_t>(Load(bytes, at, 2)));
}
int32_t Load32(std::string_view bytes, size_t at) {
  return static_cast<int32_t>(static_cast<uint32_t>(Load(bytes, at, 4)));
}
int64_t Load64(std::string_view bytes, size_t at) {
  return static_cast<int64_t>(Load(bytes, at, 8));
}

Value OtherValue(const ColumnType& type, std::string text) {
  return Value::FromOther(Other{type.source_name, std::move(text)});
}

// "HH:MM:SS" and, when there are microseconds, "." and up to six digits without trailing zeros
// (as the server prints a time, a timetz and an interval's clock).
void AppendClock(std::string* out, uint64_t hours, int64_t minutes, int64_t seconds,
                 int64_t micros) {
  fmt::format_to(std::back_inserter(*out), "{:02}:{:02}:{:02}", hours, minutes, seconds);
  if (micros == 0) return;
  std::string fraction = fmt::format(".{:06}", micros);
  fraction.erase(fraction.find_last_not_of('0') + 1);
  *out += fraction;
}

// The proleptic Gregorian date `days` after 2000-01-01 (year 0 is 1 BC, as Date keeps it).
// The civil-from-days algorithm of H. Hinnant's "chrono-compatible low-level date algorithms".
Date DateOfDays(int64_t days) {
  const int64_t since_0000_03_01 = days + 10957 + 719468;  // 2000-01-01 is day 10957 of 1970
  const int64_t era =
      (since_0000_03_01 >= 0 ? since_0000_03_01 : since_0000_03_01 - 146096) / 146097;
  const int64_t day_of_era = since_0000_03_01 - era * 146097;
  const int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t shifted_month = (5 * day_of_year + 2) / 153;  // 0 is March
  const int64_t month = shifted_month < 10 ? shifted_month + 3 : shifted_month - 9;
  Date date;
  date.year = static_cast<int32_t>(year_of_era + era * 400 + (month <= 2 ? 1 : 0));
  date.month = static_cast<uint8_t>(month);
  date.day = static_cast<uint8_t>(day_of_year - (153 * shifted_month + 2) / 5 + 1);
  return date;
}

Result<Value> ReadBool(const ColumnType& type, std::string_view bytes) {
  if (bytes.size() != 1) return WrongLength(type, bytes, 1);
  if (bytes[0] != 0 && bytes[0] != 1) return Bad(type, bytes, "a boolean is 0 or 1");
  return Value::Bool(bytes[0] == 1);
}

Result<Value> ReadInt(const ColumnType& type, std::string_view bytes, size_t size) {
  if (bytes.size() != size) return WrongLength(type, bytes, size);
  if (size == 2) return Value::Int(Load16(bytes, 0));
  if (size == 4) return Value::Int(Load32(bytes, 0));
  return Value::Int(Load64(bytes, 0));
}

// money: an int64 of cents, read as the decimal with 2 fraction digits its text shows.
Result<Value> ReadMoney(const ColumnType& type, std::string_view bytes) {
  if (bytes.size() != 8) return WrongLength(type, bytes, 8);
  const int64_t cents = Load64(bytes, 0);
  const uint64_t magnitude =
      cents < 0 ? 0 - static_cast<uint64_t>(cents) : static_cast<uint64_t>(cents);
  Decimal decimal;
  decimal.negative = cents < 0;
  decimal.integer = fmt::format("{}", magnitude / 100);
  decimal.fraction = fmt::format("{:02}", magnitude % 100);
  return Value::Dec(std::move(decimal));
}

// numeric: int16 ndigits, int16 weight (of the first digit, in powers of 10000), uint16 sign,
// int16 dscale (fraction digits shown), then ndigits base-10000 digits. The text shows every
// integer digit and exactly dscale fraction digits.
Result<Value> ReadNumeric(const ColumnType& type, std::string_view bytes) {
  if (bytes.size() < 8)
    return Bad(type, bytes, fmt::format("{} bytes, expected 8 or more", bytes.size()));
  const int16_t ndigits = Load16(bytes, 0);
  const int16_t weight = Load16(bytes, 2);
  const uint16_t sign = static_cast<uint16_t>(Load(bytes, 4, 2));
  const int16_t dscale = Load16(bytes, 6);
  if (ndigits < 0) return Bad(type, bytes, fmt::format("{} digits", ndigits));
  if (bytes.size() != 8 + 2 * static_cast<size_t>(ndigits)) {
    return WrongLength(type, bytes, 8 + 2 * static_cast<size_t>(ndigits));
  }
  Decimal decimal;
  switch (sign) {
    case 0xC000: decimal.special = Decimal::Special::kNaN; return Value::Dec(decimal);
    case 0xD000: decimal.special = Decimal::Special::kPosInfinity; return Value::Dec(decimal);
    case 0xF000: decimal.special = Decimal::Special::kNegInfinity; return Value::Dec(decimal);
    case 0x0000:
    case 0x4000: break;
    default:
      return Bad(type, bytes,
                 fmt::format("sign 0x{:04x} is none of 0x0000 (+), 0x4000 (-), "
                             "0xc000 (NaN), 0xd000 (Infinity), 0xf000 (-Infinity)",
                             sign));
  }
  if (dscale < 0 || dscale > 0x3FFF) return Bad(type, bytes, fmt::format("scale {}", dscale));
  // Digit `power` is the one worth 10000^power: index weight - power.
  auto digit_at = [&](int power) -> int {
    const int index = weight - power;
    return index >= 0 && index < ndigits ? Load16(bytes, 8 + 2 * static_cast<size_t>(index)) : 0;
  };
  for (int digit_idx = 0; digit_idx < ndigits; ++digit_idx) {
    const int16_t digit = Load16(bytes, 8 + 2 * static_cast<size_t>(digit_idx));
    if (digit < 0 || digit > 9999) {
      return Bad(type, bytes, fmt::format("digit {} is not a base-10000 digit", digit));
    }
  }
  auto append_group = [](std::string* out, int digit) {
    const char group[4] = {
        static_cast<char>('0' + digit / 1000), static_cast<char>('0' + digit / 100 % 10),
        static_cast<char>('0' + digit / 10 % 10), static_cast<char>('0' + digit % 10)};
    out->append(group, 4);
  };
  // The integer digits without leading zeros ("0" when there are none), then dscale fraction
  // digits.
  for (int power = weight; power >= 0; --power) {
    const int digit = digit_at(power);
    if (!decimal.integer.empty()) {
      append_group(&decimal.integer, digit);
    } else if (digit != 0) {
      char leading[4];
      decimal.integer.append(leading, std::to_chars(leading, leading + 4, digit).ptr);
    }
  }
  if (decimal.integer.empty()) decimal.integer.push_back('0');
  for (int power = -1; static_cast<int>(decimal.fraction.size()) < dscale; --power) {
    append_group(&decimal.fraction, digit_at(power));
  }
  decimal.fraction.resize(static_cast<size_t>(dscale));
  const bool zero =
      decimal.integer == "0" && decimal.fraction.find_first_not_of('0') == std::string::npos;
  decimal.negative = sign == 0x4000 && !zero;
  return Value::Dec(std::move(decimal));
}

template <typename Float, typename Bits>
Result<Value> ReadFloat(const ColumnType& type, std::string_view bytes) {
  if (bytes.size() != sizeof(Bits)) return WrongLength(type, bytes, sizeof(Bits));
  const Float value = std::bit_cast<Float>(static_cast<Bits>(Load(bytes, 0, sizeof(Bits))));
  // Every NaN prints as "NaN": the one Value its text gives.
  if (std::isnan(value)) return ParsePostgresText(type, "NaN");
  if constexpr (sizeof(Float) == 4) {
    return Value::Float(value);
  } else {
    return Value::Double(value);
  }
}

// date: int32 days since 2000-01-01.
Result<Value> ReadDate(const ColumnType& type, std::string_view bytes) {
  if (bytes.size() != 4) return WrongLength(type, bytes, 4);
  const int32_t days = Load32(bytes, 0);
  Date date;
  if (days == INT32_MIN || days == INT32_MAX) {
    date.infinity = days == INT32_MAX ? 1 : -1;
    return Value::FromDate(date);
  }
  const int64_t julian = int64_t{days} + kEpochJulianDay;
  if (julian < 0 || julian >= kDateEndJulianDay) return Bad(type, bytes, "date out of range");
  return Value::FromDate(DateOfDays(days));
}

// time: int64 microseconds since midnight, 24:00:00 included.
Result<int64_t> ReadClockMicros(const ColumnType& type, std::string_view bytes) {
  const int64_t micros = Load64(bytes, 0);
  if (micros < 0 || micros > kUsPerDay) {
    return Bad(type, bytes, "time of day outside 00:00:00..24:00:00");
  }
  return micros;
}

Result<Value> ReadTime(const ColumnType& type, std::string_view bytes) {
  if (bytes.size() != 8) return WrongLength(type, bytes, 8);
  CUTOVER_ASSIGN_OR_RETURN(const int64_t micros, ReadClockMicros(type, bytes));
  Time time;
  time.hours = static_cast<uint32_t>(micros / kUsPerHour);
  time.minutes = static_cast<uint8_t>(micros / kUsPerMinute % 60);
  time.seconds = static_cast<uint8_t>(micros / kUsPerSecond % 60);
  time.micros = static_cast<uint32_t>(micros % kUsPerSecond);
  time.precision = type.fsp;
  return Value::FromTime(time);
}

// timetz: the time's int64 microseconds, then int32 seconds WEST of UTC: "04:05:06.789+05:30"
// (the zone's minutes and seconds shown only when not zero).
Result<Value> ReadTimeTz(const ColumnType& type, std::string_view bytes) {
  if (bytes.size() != 12) return WrongLength(type, bytes, 12);
  CUTOVER_ASSIGN_OR_RETURN(const int64_t micros, ReadClockMicros(type, bytes));
  const int32_t zone = Load32(bytes, 8);
  if (zone <= -kZoneLimit || zone >= kZoneLimit) {
    return Bad(type, bytes, fmt::format("zone {} s is outside +-15:59:59", zone));
  }
  std::string text;
  AppendClock(&text, static_cast<uint64_t>(micros / kUsPerHour), micros / kUsPerMinute % 60,
              micros / kUsPerSecond % 60, micros % kUsPerSecond);
  const int32_t east = std::abs(zone);
  fmt::format_to(std::back_inserter(text), "{}{:02}", zone <= 0 ? '+' : '-', east / 3600);
  if (east % 60 != 0) {
    fmt::format_to(std::back_inserter(text), ":{:02}:{:02}", east / 60 % 60, east % 60);
  } else if (east / 60 % 60 != 0) {
    fmt::format_to(std::back_inserter(text), ":{:02}", east / 60 % 60);
  }
  return OtherValue(type, std::move(text));
}

// timestamp and timestamptz: int64 microseconds since 2000-01-01 00:00:00 (UTC for timestamptz).
Result<Value> ReadTimestamp(const ColumnType& type, std::string_view bytes) {
  if (bytes.size() != 8) return WrongLength(type, bytes, 8);
  const int64_t micros = Load64(bytes, 0);
  DateTime value;
  value.precision = type.fsp;
  if (micros == INT64_MIN || micros == INT64_MAX) {
    value.date.infinity = micros == INT64_MAX ? 1 : -1;
  } else if (micros < kMinTimestamp || micros >= kEndTimestamp) {
    return Bad(type, bytes, "timestamp out of range");
  } else {
    const int64_t days = (micros >= 0 ? micros : micros - (kUsPerDay - 1)) / kUsPerDay;
    const int64_t clock = micros - days * kUsPerDay;
    value.date = DateOfDays(days);
    value.hour = static_cast<uint8_t>(clock / kUsPerHour);
    value.minute = static_cast<uint8_t>(clock / kUsPerMinute % 60);
    value.second = static_cast<uint8_t>(clock / kUsPerSecond % 60);
    value.micros = static_cast<uint32_t>(clock % kUsPerSecond);
  }
  return type.type == SqlType::kTimestamp ? Value::Timestamp(value) : Value::FromDateTime(value);
}

// interval: int64 microseconds, int32 days, int32 months; its text in IntervalStyle postgres:
// "1 year 2 mons -3 days +04:05:06.789". Each nonzero part is shown with its own sign; a part
// after a negative one shows "+" when positive; the clock is shown when it is not zero or when
// nothing else is ("00:00:00"), with one sign for all of it ("-00:00:01").
Result<Value> ReadInterval(const ColumnType& type, std::string_view bytes) {
  if (bytes.size() != 16) return WrongLength(type, bytes, 16);
  const int64_t micros = Load64(bytes, 0);
  const int32_t days = Load32(bytes, 8);
  const int32_t months = Load32(bytes, 12);
  std::string text;
  bool is_zero = true;
  bool after_negative = false;
  auto add_part = [&](int64_t value, std::string_view unit) {
    if (value == 0) return;
    fmt::format_to(std::back_inserter(text), "{}{}{} {}{}", is_zero ? "" : " ",
                   after_negative && value > 0 ? "+" : "", value, unit, value != 1 ? "s" : "");
    after_negative = value < 0;
    is_zero = false;
  };
  add_part(months / 12, "year");
  add_part(months % 12, "mon");
  add_part(days, "day");
  if (is_zero || micros != 0) {
    // Truncating division: every part has the sign of `micros` (INT64_MIN too).
    text += is_zero ? "" : " ";
    text += micros < 0 ? "-" : after_negative ? "+" : "";
    AppendClock(&text, static_cast<uint64_t>(std::abs(micros / kUsPerHour)),
                std::abs(micros % kUsPerHour / kUsPerMinute),
                std::abs(micros % kUsPerMinute / kUsPerSecond), std::abs(micros % kUsPerSecond));
  }
  return OtherValue(type, std::move(text));
}

// uuid: 16 bytes, shown as lower-case 8-4-4-4-12 hex digits.
Result<Value> ReadUuid(const ColumnType& type, std::string_view bytes) {
  if (bytes.size() != 16) return WrongLength(type, bytes, 16);
  const std::string hex = HexBytes(bytes).substr(2);
  return OtherValue(type, fmt::format("{}-{}-{}-{}-{}", hex.substr(0, 8), hex.substr(8, 4),
                                      hex.substr(12, 4), hex.substr(16, 4), hex.substr(20)));
}

// json: its text; jsonb: version byte 1, then its text.
Result<Value> ReadJson(const ColumnType& type, std::string_view bytes) {
  if (!type.is_jsonb) return Value::Json(std::string(bytes));
  if (bytes.empty()) return Bad(type, bytes, "no jsonb version byte");
  if (bytes[0] != 1) {
    return Bad(type, bytes,
               fmt::format("jsonb version {}, expected 1", static_cast<uint8_t>(bytes[0])));
  }
  return Value::Json(std::string(bytes.substr(1)));
}

// bit(n): int32 bit count, then the bits in ceil(n / 8) bytes, most significant first.
Result<Value> ReadBit(const ColumnType& type, std::string_view bytes) {
  if (bytes.size() < 4)
    return Bad(type, bytes, fmt::format("{} bytes, expected 4 or more", bytes.size()));
  const int32_t width = Load32(bytes, 0);
  if (width != static_cast<int32_t>(type.length)) {
    return Bad(type, bytes, fmt::format("{} bits, expected {}", width, type.length));
  }
  const size_t size = (type.length + 7) / 8;
  if (bytes.size() != 4 + size) return WrongLength(type, bytes, 4 + size);
  const uint64_t bits = Load(bytes, 4, size) >> (size * 8 - type.length);
  return Value::FromBit(Bit{bits, static_cast<uint8_t>(type.length)});
}

// enum: the label's text, read as its text is.
Result<Value> ReadEnum(const ColumnType& type, std::string_view bytes) {
  Result<Value> value = ParsePostgresText(type, bytes);
  if (!value.ok()) return Bad(type, bytes, "not one of the type's labels");
  return value;
}

}  // namespace

bool HasBinaryReader(const ColumnType& type) {
  if (!type.postgres) return false;
  switch (type.type) {
    case SqlType::kBoolean:
    case SqlType::kSmallInt:
    case SqlType::kInt:
    case SqlType::kBigInt:
    case SqlType::kDecimal:
    case SqlType::kFloat:
    case SqlType::kDouble:
    case SqlType::kText:
    case SqlType::kVarChar:
    case SqlType::kChar:
    case SqlType::kLongBlob:
    case SqlType::kDate:
    case SqlType::kTime:
    case SqlType::kTimeTz:
    case SqlType::kDateTime:
    case SqlType::kTimestamp:
    case SqlType::kInterval:
    case SqlType::kUuid:
    case SqlType::kJson:
    case SqlType::kEnum: return true;
    case SqlType::kBit: return type.length >= 1 && type.length <= 64;
    default: return false;
  }
}

Result<Value> ParsePostgresBinary(const ColumnType& type, std::string_view bytes) {
  if (!HasBinaryReader(type)) return Bad(type, bytes, "cutover reads this type only as text");
  switch (type.type) {
    case SqlType::kBoolean: return ReadBool(type, bytes);
    case SqlType::kSmallInt: return ReadInt(type, bytes, 2);
    case SqlType::kInt: return ReadInt(type, bytes, 4);
    case SqlType::kBigInt: return ReadInt(type, bytes, 8);
    case SqlType::kDecimal:
      return type.source_name == "money" ? ReadMoney(type, bytes) : ReadNumeric(type, bytes);
    case SqlType::kFloat: return ReadFloat<float, uint32_t>(type, bytes);
    case SqlType::kDouble: return ReadFloat<double, uint64_t>(type, bytes);
    case SqlType::kLongBlob: return Value::Bytes(std::string(bytes));
    case SqlType::kDate: return ReadDate(type, bytes);
    case SqlType::kTime: return ReadTime(type, bytes);
    case SqlType::kTimeTz: return ReadTimeTz(type, bytes);
    case SqlType::kDateTime:
    case SqlType::kTimestamp: return ReadTimestamp(type, bytes);
    case SqlType::kInterval: return ReadInterval(type, bytes);
    case SqlType::kUuid: return ReadUuid(type, bytes);
    case SqlType::kJson: return ReadJson(type, bytes);
    case SqlType::kBit: return ReadBit(type, bytes);
    case SqlType::kEnum: return ReadEnum(type, bytes);
    default: return ParsePostgresText(type, bytes);  // text, varchar, char(n): their text
  }
}

}  // namespace cutover::postgres
