// ReplayFrom: parses the text of `cutover replay --from`.
#include "pipeline/replay_from.h"

#include <algorithm>
#include <ctime>
#include <iomanip>
#include <optional>
#include <sstream>
#include <string>

#include <fmt/format.h>

#include "core/parse_number.h"

namespace cutover::pipeline {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// "2026-11-21 20:00:00" or "2026-11-21T20:00:00" (UTC, optional trailing "Z") as Unix ms.
std::optional<int64_t> ParseUtcTime(std::string text) {
  if (!text.empty() && (text.back() == 'Z' || text.back() == 'z')) text.pop_back();
  for (char& c : text) {
    if (c == 'T') c = ' ';
  }
  std::tm tm{};
  std::istringstream in(text);
  in >> std::get_time(&tm, "%Y-%m-%d %H:%M:%S");
  if (in.fail() || !(in >> std::ws).eof()) return std::nullopt;
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

}  // namespace

Result<ReplayFrom> ParseReplayFrom(std::string_view text) {
  if (text.empty()) {
    return Status::InvalidArgument("--from: give a log offset, a source position or a UTC time");
  }
  ReplayFrom from;
  if (std::all_of(text.begin(), text.end(), IsDigit)) {
    Result<uint64_t> offset = ParseInteger<uint64_t>(text, "log offset");
    if (!offset.ok()) return offset.status().WithContext("--from");
    from.kind = ReplayFrom::Kind::kOffset;
    from.offset = *offset;
    return from;
  }
  if (std::optional<int64_t> time_ms = ParseUtcTime(std::string(text))) {
    from.kind = ReplayFrom::Kind::kTime;
    from.time_ms = *time_ms;
    return from;
  }
  Result<Position> position = Position::Parse(text);
  if (!position.ok()) {
    return Status::InvalidArgument(fmt::format(
        "--from {}: not a log offset, a time (\"2026-11-21 20:00:00\", UTC) or a source "
        "position: {}",
        text, position.status().message()));
  }
  from.kind = ReplayFrom::Kind::kPosition;
  from.position = std::move(*position);
  return from;
}

}  // namespace cutover::pipeline
