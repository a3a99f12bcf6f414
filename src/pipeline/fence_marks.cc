// FenceMarks: markers seen by capture, recorded once apply passed them.
#include "pipeline/fence_marks.h"

#include <nlohmann/json.hpp>
#include <optional>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "pipeline/clock.h"

namespace cutover::pipeline {
namespace {

// The fence record of `id`, or a discarded value when there is none (not asked for here).
Result<nlohmann::json> LoadFence(StateStore& state, std::string_view id) {
  CUTOVER_ASSIGN_OR_RETURN(std::optional<std::string> text, state.GetMeta(FenceKey(id)));
  if (!text) return nlohmann::json(nlohmann::json::value_t::discarded);
  return nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
}

}  // namespace

std::string FenceKey(std::string_view id) { return fmt::format("fence/{}", id); }

Status FenceMarks::Seen(FenceMark mark) {
  CUTOVER_ASSIGN_OR_RETURN(nlohmann::json fence, LoadFence(*state_, mark.id));
  if (!fence.is_object()) return Status::Ok();
  fence["seen_ms"] = mark.seen_ms;
  fence["log_offset"] = mark.log_offset;
  fence["last_event_ms"] = mark.last_event_ms;
  if (!mark.end_offsets.empty()) fence["end_offsets"] = mark.end_offsets;
  CUTOVER_RETURN_IF_ERROR(state_->SetMeta(FenceKey(mark.id), fence.dump()));
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
      CUTOVER_ASSIGN_OR_RETURN(nlohmann::json record, LoadFence(*state_, fence.mark.id));
      if (!record.is_object()) return Status::Ok();  // `cutover fence` gave up and removed it
      record["applied_at_ms"] = fence.passed_since_ms;
      record["passed"] = true;
      return state_->SetMeta(FenceKey(fence.mark.id), record.dump());
    }();
    if (recorded.ok()) continue;
    spdlog::warn("fence {}: recording it as passed: {}", fence.mark.id, recorded.ToString());
    std::lock_guard lock(mutex_);
    pending_.push_back(std::move(fence));  // tried again at the next call
  }
}

}  // namespace cutover::pipeline
