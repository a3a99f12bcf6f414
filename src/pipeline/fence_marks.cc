// FenceMarks: markers seen by capture, recorded once apply passed them.
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
  CUTOVER_RETURN_IF_ERROR(state::WriteFenceRecord(*state_, *fence));
  if (!mark.end_offsets.empty()) return Status::Ok();
  std::lock_guard lock(mutex_);
  pending_.push_back(Pending{std::move(mark), 0});
  return Status::Ok();
}

void FenceMarks::Pass(const std::function<bool(const FenceMark&)>& passed, int64_t confirm_ms) {
  std::vector<Pending> done;
  int64_t now = NowMs();
  {
    std::lock_guard lock(mutex_);
    for (auto it = pending_.begin(); it != pending_.end();) {
      if (!passed(it->mark)) {
        it->passed_since_ms = 0;
        ++it;
        continue;
      }
      if (it->passed_since_ms == 0) it->passed_since_ms = now;
      if (now - it->passed_since_ms < confirm_ms) {
        ++it;
        continue;
      }
      done.push_back(std::move(*it));
      it = pending_.erase(it);
    }
  }
  for (Pending& fence : done) {
    Status recorded = [&]() -> Status {
      CUTOVER_ASSIGN_OR_RETURN(std::optional<state::FenceRecord> record,
                               LoadFence(*state_, fence.mark.id));
      if (!record) return Status::Ok();  // `cutover fence` gave up and removed it
      record->applied_at_ms = fence.passed_since_ms;
      record->passed = true;
      return state::WriteFenceRecord(*state_, *record);
    }();
    if (recorded.ok()) continue;
    spdlog::warn("fence {}: recording it as passed: {}", fence.mark.id, recorded.ToString());
    std::lock_guard lock(mutex_);
    pending_.push_back(std::move(fence));  // tried again at the next call
  }
}

}  // namespace cutover::pipeline
