// TimeText: UTC ISO-8601 timestamps with milliseconds for the state store (see time_text.h).
#include "state/time_text.h"

#include <cstdio>
#include <ctime>

#include <fmt/format.h>

namespace cutover::state {

std::string FormatTime(std::chrono::system_clock::time_point time) {
  auto millis = std::chrono::floor<std::chrono::milliseconds>(time).time_since_epoch().count();
  auto seconds = static_cast<std::time_t>(millis >= 0 ? millis / 1000 : (millis - 999) / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", utc.tm_year + 1900,
                     utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                     millis - static_cast<int64_t>(seconds) * 1000);
}

std::optional<std::chrono::system_clock::time_point> ParseTime(std::string_view text) {
  if (text.size() != 24) return std::nullopt;
  std::string copy(text);
  std::tm utc{};
  int millis = 0;
  int consumed = 0;
  if (std::sscanf(copy.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ%n", &utc.tm_year, &utc.tm_mon,
                  &utc.tm_mday, &utc.tm_hour, &utc.tm_min, &utc.tm_sec, &millis, &consumed) != 7 ||
      consumed != 24) {
    return std::nullopt;
  }
  utc.tm_year -= 1900;
  utc.tm_mon -= 1;
  std::time_t seconds = timegm(&utc);
  return std::chrono::system_clock::from_time_t(seconds) + std::chrono::milliseconds(millis);
}

std::string NowText() { return FormatTime(std::chrono::system_clock::now()); }

}  // namespace cutover::state
