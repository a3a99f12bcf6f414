// TimeText: how the state store writes times: UTC ISO-8601 text with milliseconds,
// "2024-05-01T12:34:56.789Z", readable in sqlite3 and sortable as text.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace cutover::state {

std::string FormatTime(std::chrono::system_clock::time_point time);
// The time of FormatTime's text; nullopt for any other text.
std::optional<std::chrono::system_clock::time_point> ParseTime(std::string_view text);
// FormatTime(now).
std::string NowText();

}  // namespace cutover::state
