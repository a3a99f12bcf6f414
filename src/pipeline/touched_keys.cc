// TouchedKeys: the applier's sample of changed keys for a continuous verify.
#include "pipeline/touched_keys.h"

#include "core/coding.h"
#include "pipeline/clock.h"

namespace cutover::pipeline {

void TouchedKeys::Note(std::span<const LoggedChange> batch) {
  uint64_t threshold = threshold_.load(std::memory_order_relaxed);
  if (threshold == 0 || batch.empty()) return;
  std::lock_guard lock(mutex_);
  for (const LoggedChange& logged : batch) {
    const Change& change = logged.change;
    // xorshift64: a sample independent of the key, so hot keys are not always in or out.
    random_ ^= random_ << 13;
    random_ ^= random_ >> 7;
    random_ ^= random_ << 17;
    if ((random_ >> 32) >= threshold || change.schema == nullptr) continue;
    auto note = [&](const Row& image) {
      if (noted_ >= kMaxTouchedPerFlush) {
        ++pending_.dropped;
        return;
      }
      pending_.keys[change.table.ToString()].push_back(
          coding::HexEncode(KeyOf(*change.schema, image).Encode()));
      ++noted_;
    };
    if (change.after) note(*change.after);
    // A delete, or an update that moved the row to another key: the old key must be gone.
    if (change.before && (!change.after || change.KeyBefore() != change.KeyAfter())) {
      note(*change.before);
    }
  }
}

Status TouchedKeys::Flush(StateStore& state) {
  Result<std::optional<state::ContinuousRequest>> request = state::ReadContinuousRequest(state);
  bool asked = request.ok() && *request && (*request)->AskingAt(NowMs());
  double sample = asked ? std::min((*request)->sample, 1.0) : 0.0;
  // Rounded up so that a tiny rate still samples; 2^32 means every change.
  threshold_.store(asked ? static_cast<uint64_t>(sample * 4294967296.0) + 1 : 0,
                   std::memory_order_relaxed);
  state::TouchedBatch batch;
  {
    std::lock_guard lock(mutex_);
    if (request.ok() && pending_.keys.empty() && pending_.dropped == 0) return Status::Ok();
    batch = std::move(pending_);
    pending_ = state::TouchedBatch{};
    noted_ = 0;
  }
  if (!request.ok()) return request.status();  // noting is off: forget what was noted
  if (!asked) return Status::Ok();             // the verify went away: forget what was noted
  batch.applied_ms = NowMs();
  return state::WriteTouchedBatch(state, batch);
}

}  // namespace cutover::pipeline
