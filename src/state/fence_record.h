// Fence records (docs/cutover.md): the record of one fence in flight (meta "fence/<id>"),
// completed step by step by the three processes that take part, and the last fence that
// passed (meta "fence.last", and the last few in "fence.history"), which the guard rail into
// target_primary and /metrics read.
//
// "fence/<id>": `cutover fence` writes {id, requested_at_ms} before it writes its marker row;
// capture adds where it saw the marker (seen_ms, last_event_ms, and end_offsets: the change
// log's durable end per partition then); `cutover fence` itself compares the appliers'
// committed progress with end_offsets (the appliers may run in other processes) and adds
// applied_at_ms and passed. log_offset is read from older records and no longer written. The
// fence deletes its record when it ends, whatever happened.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cutover/state_store.h"
#include "cutover/status.h"

namespace cutover::state {

inline constexpr char kFencePrefix[] = "fence/";
inline constexpr char kLastFenceKey[] = "fence.last";
// The last kFenceHistoryLength fences that passed, oldest first (a JSON array of LastFence),
// written with "fence.last"; the web page's fence history (docs/web.md).
inline constexpr char kFenceHistoryKey[] = "fence.history";
inline constexpr size_t kFenceHistoryLength = 20;
std::string FenceKey(std::string_view id);  // "fence/<id>"

struct FenceRecord {
  std::string id;
  int64_t requested_at_ms = 0;
  // Capture saw the marker; the fields below are stored only then ("seen_ms" present).
  bool seen = false;
  int64_t seen_ms = 0;  // every change captured before the marker was logged by then
  // Local change log: every change captured before the marker has a lower log offset.
  uint64_t log_offset = 0;
  // When capture last saw a change of a selected table before the marker (or, if none, when
  // capture started): `cutover finish` measures the quiet time from it.
  int64_t last_event_ms = 0;
  // Kafka change log: per partition, its end offset once every record produced before the
  // marker was acknowledged. Empty (not stored): the local log.
  std::vector<int64_t> end_offsets;
  // Apply passed the marker, first seen at applied_at_ms; both stored only once passed.
  bool passed = false;
  int64_t applied_at_ms = 0;

  nlohmann::json ToJson() const;
  // Absent fields keep their defaults; DataLoss naming the field when one has another type.
  static Result<FenceRecord> FromJson(std::string_view text);
};

// The record of fence `id`, nullopt when there is none (not asked for through this state
// store, or the fence has ended).
Result<std::optional<FenceRecord>> ReadFenceRecord(StateStore& state, std::string_view id);
Status WriteFenceRecord(StateStore& state, const FenceRecord& record);
Status DeleteFenceRecord(StateStore& state, std::string_view id);

// The last fence that passed.
struct LastFence {
  std::string id;
  int64_t written_at_ms = 0;  // when its marker was written on the source (Unix ms)
  int64_t applied_at_ms = 0;  // when apply was first seen past it
  double lag_seconds = 0;     // applied_at_ms - written_at_ms
  bool passed = false;        // always true as written; absent in a hand-made record

  nlohmann::json ToJson() const;
  static Result<LastFence> FromJson(std::string_view text);
};

Result<std::optional<LastFence>> ReadLastFence(StateStore& state);
// Writes "fence.last" and adds the fence to "fence.history", in one transaction.
Status WriteLastFence(StateStore& state, const LastFence& fence);
// Oldest first; empty when no fence has passed since the history was kept.
Result<std::vector<LastFence>> ReadFenceHistory(StateStore& state);

}  // namespace cutover::state
