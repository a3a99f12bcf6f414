// LaneCheckpoint: the lane checkpoints of targets without transactions, in the state store.
#include "state/lane_checkpoint.h"

#include <charconv>
#include <string_view>
#include <vector>

#include "cutover/apply.h"

namespace cutover::state {
namespace {

std::optional<int> ParseLane(std::string_view text) {
  int lane = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), lane);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return lane;
}

}  // namespace

Result<std::optional<uint64_t>> LaneCheckpoint::Load() const {
  CUTOVER_ASSIGN_OR_RETURN(auto offsets, state_.ListOffsets());
  std::vector<StoredCheckpoint> stored;
  for (const auto& [name, offset] : offsets) {
    if (!name.starts_with(prefix_)) continue;
    std::optional<int> lane = ParseLane(std::string_view(name).substr(prefix_.size()));
    if (!lane) continue;  // another migration's name that starts like this one's
    CUTOVER_ASSIGN_OR_RETURN(std::optional<std::string> lanes, state_.GetMeta(name + ".lanes"));
    std::optional<int> count = lanes ? ParseLane(*lanes) : std::nullopt;
    stored.push_back(StoredCheckpoint{*lane, count.value_or(0), offset});
  }
  return ResumeOffset(stored, lane_, lanes_);
}

Status LaneCheckpoint::Save(uint64_t checkpoint) const {
  std::string name = prefix_ + std::to_string(lane_);
  CUTOVER_ASSIGN_OR_RETURN(StateStore::Transaction transaction, state_.Begin());
  CUTOVER_RETURN_IF_ERROR(state_.SetOffset(name, checkpoint));
  CUTOVER_RETURN_IF_ERROR(state_.SetMeta(name + ".lanes", std::to_string(lanes_)));
  return transaction.Commit();
}

}  // namespace cutover::state
