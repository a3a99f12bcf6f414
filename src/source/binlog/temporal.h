// Temporal: the binlog storage formats of DATE, TIME, DATETIME and TIMESTAMP (old and
// MySQL 5.6 "2" formats with fractional seconds) turned into cutover's Date/Time/DateTime, and
// seconds since the epoch turned into UTC calendar fields without a time zone database.
#pragma once

#include <cstdint>

#include "cutover/value.h"

namespace cutover::binlog {

// DATE: 3 bytes little-endian, day in bits 0-4, month in bits 5-8, year above.
Date DateFromPacked(uint32_t v);
// Old TIME: a signed integer hhmmss (3 bytes).
Time TimeFromHhmmss(int32_t v);
// Old DATETIME: the integer YYYYMMDDhhmmss (8 bytes).
DateTime DateTimeFromNumber(uint64_t v);
// TIME2's "packed" form: the signed integer hours<<36 | minutes<<30 | seconds<<24 | micros
// (as the reader assembles it from the stored bytes; see value_decoder.cc).
Time TimeFromPacked(int64_t packed, uint8_t fsp);
// DATETIME2's packed form: ((year*13+month)<<5|day)<<17 | hour<<12|minute<<6|second, then
// <<24 | micros.
DateTime DateTimeFromPacked(int64_t packed, uint8_t fsp);
// A TIMESTAMP: seconds since 1970-01-01 UTC and microseconds, as UTC fields; 0 seconds is the
// zero timestamp '0000-00-00 00:00:00'.
DateTime UtcFromUnix(int64_t seconds, uint32_t micros, uint8_t fsp);
// Civil date of a day number (days since 1970-01-01), proleptic Gregorian.
Date CivilFromDays(int64_t days);

}  // namespace cutover::binlog
