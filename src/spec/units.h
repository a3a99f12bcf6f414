// Units: sizes ("64MiB") and durations ("500ms", "1h30m") as written in a spec, both ways.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cutover::spec_internal {

// What a size may look like, for error messages.
inline constexpr std::string_view kSizeHelp =
    "use a byte count or a whole number with B, KiB, MiB, GiB or TiB, e.g. 64MiB";
// What a duration may look like, for error messages.
inline constexpr std::string_view kDurationHelp =
    "use whole numbers with ms, s, m or h, e.g. 500ms, 30s, 5m, 24h or 1h30m";

// "4096", "512KiB", "64 MiB", "1GiB" (units case-insensitive); nullopt when malformed or
// larger than 2^64-1 bytes.
std::optional<uint64_t> ParseSizeText(std::string_view text);
// "0", "100ms", "30s", "5m", "24h", "1h30m"; nullopt when malformed or overflowing.
std::optional<std::chrono::milliseconds> ParseDurationText(std::string_view text);

// The shortest exact spelling: 67108864 -> "64MiB", 1000 -> "1000B".
std::string FormatSize(uint64_t bytes);
// The shortest exact spelling in one unit: 90000ms -> "90s", 0 -> "0s".
std::string FormatDuration(std::chrono::milliseconds duration);

}  // namespace cutover::spec_internal
