// OpenChangeLog picks the change log the spec names; ResolveReplayFrom turns a replay's --from
// into offsets.
#include "log/change_log.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <ctime>
#include <iomanip>
#include <sstream>

#include <fmt/format.h>

#include "log/kafka_change_log.h"
#include "log/local_change_log.h"

namespace cutover::log {
namespace {

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

Result<std::unique_ptr<ChangeLog>> OpenChangeLog(const Spec& spec, const OpenLogOptions& options) {
  if (spec.change_log.kind == ChangeLogSpec::Kind::kKafka) {
    return OpenKafkaChangeLog(spec, options.state, options.create && !options.read_only);
  }
  LocalLogOptions local;
  local.dir = spec.state_dir / "log";
  local.segment_bytes = spec.change_log.segment_bytes;
  local.sync_every = spec.change_log.fsync_interval;
  // docs/spec.md: 0 keeps applied segments for no time and no size (removed once applied).
  local.retain_bytes = spec.change_log.retention_bytes;
  local.retain_age = spec.change_log.retention_age;
  return OpenLocalChangeLog(local, options.create, options.read_only);
}

Result<ReplayFrom> ParseReplayFrom(std::string_view from) {
  if (from.empty()) {
    return Status::InvalidArgument("give a log offset, a source position or a UTC time");
  }
  ReplayFrom parsed;
  if (std::all_of(from.begin(), from.end(), [](unsigned char c) { return std::isdigit(c); })) {
    uint64_t offset = 0;
    auto [end, error] = std::from_chars(from.data(), from.data() + from.size(), offset);
    if (error != std::errc() || end != from.data() + from.size()) {
      return Status::InvalidArgument(
          fmt::format("'{}' is too large for a log offset (at most {})", from, UINT64_MAX));
    }
    parsed.offset = offset;
    return parsed;
  }
  parsed.time_ms = ParseUtcTime(std::string(from));
  if (parsed.time_ms) return parsed;
  Result<Position> position = Position::Parse(from);
  if (!position.ok()) {
    return Status::InvalidArgument(fmt::format(
        "'{}' is not a log offset, a time (\"2026-11-21 20:00:00\", UTC) or a source position: "
        "{}",
        from, position.status().message()));
  }
  parsed.position = *position;
  return parsed;
}

Result<std::vector<uint64_t>> ResolveReplayFrom(ChangeLog& log, std::string_view from) {
  Result<ReplayFrom> parsed = ParseReplayFrom(from);
  if (!parsed.ok()) return parsed.status().WithContext("--from");
  if (parsed->offset) {
    return std::vector<uint64_t>(static_cast<size_t>(log.partitions()), *parsed->offset);
  }
  if (parsed->time_ms) return log.OffsetsAtTime(*parsed->time_ms);
  return log.OffsetsAtPosition(*parsed->position);
}

}  // namespace cutover::log
