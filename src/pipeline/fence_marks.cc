// FenceMarks: markers seen by capture, with the change log's durable ends at that point.
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
  fence["end_offsets"] = mark.end_offsets;
  return state_->SetMeta(FenceKey(mark.id), fence.dump());
}

}  // namespace cutover::pipeline
