// Temporal: binlog date/time formats to cutover temporal values.
#include "source/binlog/temporal.h"

namespace cutover::binlog {

Date DateFromPacked(uint32_t v) {
  Date d;
  d.day = static_cast<uint8_t>(v & 31);
  d.month = static_cast<uint8_t>((v >> 5) & 15);
  d.year = static_cast<int32_t>(v >> 9);
  return d;
}

Time TimeFromHhmmss(int32_t v) {
  Time t;
  t.negative = v < 0;
  uint32_t abs =
      t.negative ? static_cast<uint32_t>(-static_cast<int64_t>(v)) : static_cast<uint32_t>(v);
  t.hours = abs / 10000;
  t.minutes = static_cast<uint8_t>(abs / 100 % 100);
  t.seconds = static_cast<uint8_t>(abs % 100);
  return t;
}

DateTime DateTimeFromNumber(uint64_t v) {
  DateTime dt;
  uint64_t date = v / 1000000, time = v % 1000000;
  dt.date.year = static_cast<int32_t>(date / 10000);
  dt.date.month = static_cast<uint8_t>(date / 100 % 100);
  dt.date.day = static_cast<uint8_t>(date % 100);
  dt.hour = static_cast<uint8_t>(time / 10000);
  dt.minute = static_cast<uint8_t>(time / 100 % 100);
  dt.second = static_cast<uint8_t>(time % 100);
  return dt;
}

Time TimeFromPacked(int64_t packed, uint8_t fsp) {
  Time t;
  t.negative = packed < 0;
  // Negate in unsigned arithmetic: corrupt input may hold INT64_MIN.
  uint64_t abs = t.negative ? 0 - static_cast<uint64_t>(packed) : static_cast<uint64_t>(packed);
  uint64_t hms = abs >> 24;
  t.micros = static_cast<uint32_t>(abs & 0xFFFFFF);
  t.hours = static_cast<uint32_t>((hms >> 12) & 0x3FF);
  t.minutes = static_cast<uint8_t>((hms >> 6) & 0x3F);
  t.seconds = static_cast<uint8_t>(hms & 0x3F);
  t.precision = fsp;
  if (t.hours == 0 && t.minutes == 0 && t.seconds == 0 && t.micros == 0) t.negative = false;
  return t;
}

DateTime DateTimeFromPacked(int64_t packed, uint8_t fsp) {
  DateTime dt;
  uint64_t abs = packed < 0 ? 0 - static_cast<uint64_t>(packed) : static_cast<uint64_t>(packed);
  dt.micros = static_cast<uint32_t>(abs & 0xFFFFFF);
  uint64_t ymdhms = abs >> 24;
  uint64_t ymd = ymdhms >> 17, hms = ymdhms & 0x1FFFF;
  uint64_t ym = ymd >> 5;
  dt.date.day = static_cast<uint8_t>(ymd & 31);
  dt.date.month = static_cast<uint8_t>(ym % 13);
  dt.date.year = static_cast<int32_t>(ym / 13);
  dt.second = static_cast<uint8_t>(hms & 63);
  dt.minute = static_cast<uint8_t>((hms >> 6) & 63);
  dt.hour = static_cast<uint8_t>(hms >> 12);
  dt.precision = fsp;
  return dt;
}

Date CivilFromDays(int64_t days) {
  // Shift the epoch to 0000-03-01 so leap days fall at the end of each 400-year era.
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t day_of_era = z - era * 146097;
  int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  int64_t shifted_month = (5 * day_of_year + 2) / 153;  // March = 0
  Date d;
  d.day = static_cast<uint8_t>(day_of_year - (153 * shifted_month + 2) / 5 + 1);
  d.month = static_cast<uint8_t>(shifted_month < 10 ? shifted_month + 3 : shifted_month - 9);
  d.year = static_cast<int32_t>(year_of_era + era * 400 + (d.month <= 2 ? 1 : 0));
  return d;
}

DateTime UtcFromUnix(int64_t seconds, uint32_t micros, uint8_t fsp) {
  DateTime dt;
  dt.precision = fsp;
  if (seconds == 0) return dt;  // the zero timestamp
  int64_t days = seconds / 86400, rest = seconds % 86400;
  if (rest < 0) {
    rest += 86400;
    --days;
  }
  dt.date = CivilFromDays(days);
  dt.hour = static_cast<uint8_t>(rest / 3600);
  dt.minute = static_cast<uint8_t>(rest / 60 % 60);
  dt.second = static_cast<uint8_t>(rest % 60);
  dt.micros = micros;
  return dt;
}

}  // namespace cutover::binlog
