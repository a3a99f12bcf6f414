// FenceMarks: markers seen by capture, with the change log's durable ends at that point.
#include "pipeline/fence_marks.h"

#include <optional>

#include <spdlog/spdlog.h>

#include "pipeline/clock.h"
#include "state/fence_record.h"

namespace cutover::pipeline {
namespace {

// The record of fence `id`; nullopt when there is none (not asked for through this state
// store, or the fence gave up and removed it) or when it cannot be decoded: the run never
// fails for a fence, and `cutover fence` reports an unreadable record itself.
Result<std::optional<state::FenceRecord>> LoadFence(StateStore& state, std::string_view id) {
  Result<std::optional<state::FenceRecord>> record = state::ReadFenceRecord(state, id);
  if (record.status().code() != StatusCode::kDataLoss) return record;
  spdlog::warn("fence {}: ignored: {}", id, record.status().ToString());
  return std::optional<state::FenceRecord>();
}

}  // namespace

Status FenceMarks::Seen(FenceMark mark) {
  CUTOVER_ASSIGN_OR_RETURN(std::optional<state::FenceRecord> fence, LoadFence(*state_, mark.id));
  if (!fence) return Status::Ok();
  fence->seen = true;
  fence->seen_ms = mark.seen_ms;
  fence->log_offset = mark.log_offset;
  fence->last_event_ms = mark.last_event_ms;
  fence->end_offsets = mark.end_offsets;
  return state::WriteFenceRecord(*state_, *fence);
}

}  // namespace cutover::pipeline
