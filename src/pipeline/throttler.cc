// Throttler: the holds of copy and apply from the live controls and the load probes.
#include "pipeline/throttler.h"

namespace cutover::pipeline {
namespace {

constexpr std::array<std::string_view, 2> kStageNames = {"copy", "apply"};

std::string Reason(std::string text) {
  return text.empty() ? std::string("(no reason given)") : text;
}

}  // namespace

std::string_view HoldCauseCode(HoldCause cause) {
  switch (cause) {
    case HoldCause::kPaused: return "paused";
    case HoldCause::kByHand: return "throttled_by_hand";
    case HoldCause::kSourceLoad: return "source_load";
    case HoldCause::kReplicaLag: return "replica_lag";
    case HoldCause::kTargetLoad: return "target_load";
    case HoldCause::kCount: break;
  }
  return "unknown";
}

Throttler::Throttler(int64_t copy_rows_per_second, int64_t apply_rows_per_second,
                     const std::atomic<bool>* stop, std::atomic<int64_t>* copy_waited_us,
                     std::atomic<int64_t>* apply_waited_us)
    : stop_(stop),
      copy_limiter_(copy_rows_per_second, copy_waited_us),
      apply_limiter_(apply_rows_per_second, apply_waited_us) {}

void Throttler::SetControls(bool copy_paused, std::string copy_reason, bool apply_paused,
                            std::string apply_reason, bool by_hand, std::string by_hand_reason) {
  std::lock_guard lock(mutex_);
  auto set = [&](HoldStage stage, HoldCause cause, bool on, const std::string& text) {
    causes_[static_cast<size_t>(stage)][static_cast<size_t>(cause)] = on ? text : std::string();
  };
  set(HoldStage::kCopy, HoldCause::kPaused, copy_paused, "paused: " + Reason(copy_reason));
  set(HoldStage::kApply, HoldCause::kPaused, apply_paused, "paused: " + Reason(apply_reason));
  for (HoldStage stage : {HoldStage::kCopy, HoldStage::kApply}) {
    set(stage, HoldCause::kByHand, by_hand, "throttled by hand: " + Reason(by_hand_reason));
  }
  UpdateLocked();
}

void Throttler::SetRates(int64_t copy_rows_per_second, int64_t apply_rows_per_second) {
  copy_limiter_.SetRate(copy_rows_per_second);
  apply_limiter_.SetRate(apply_rows_per_second);
}

void Throttler::SetLoad(LoadVerdicts verdicts) {
  std::lock_guard lock(mutex_);
  Causes& copy = causes_[static_cast<size_t>(HoldStage::kCopy)];
  Causes& apply = causes_[static_cast<size_t>(HoldStage::kApply)];
  copy[static_cast<size_t>(HoldCause::kSourceLoad)] = verdicts.source_load;
  copy[static_cast<size_t>(HoldCause::kReplicaLag)] = verdicts.replica_lag;
  copy[static_cast<size_t>(HoldCause::kTargetLoad)] = verdicts.target_load;
  apply[static_cast<size_t>(HoldCause::kTargetLoad)] = verdicts.target_load;
  probe_errors_ = std::move(verdicts.errors);
  UpdateLocked();
}

Hold Throttler::StrongestLocked(HoldStage stage) const {
  const Causes& causes = causes_[static_cast<size_t>(stage)];
  for (size_t cause = 0; cause < causes.size(); ++cause) {
    if (causes[cause].empty()) continue;
    return Hold{true, std::string(HoldCauseCode(static_cast<HoldCause>(cause))), causes[cause]};
  }
  return Hold{};
}

void Throttler::UpdateLocked() {
  const Clock::time_point now = Clock::now();
  for (HoldStage stage : {HoldStage::kCopy, HoldStage::kApply}) {
    const size_t index = static_cast<size_t>(stage);
    Hold next = StrongestLocked(stage);
    Hold& current = holds_[index];
    if (next.reason != current.reason) {
      // The time held for the reason that ends is booked under it.
      if (current.held) {
        held_seconds_[std::string(kStageNames[index])][current.reason] +=
            std::chrono::duration<double>(now - held_since_[index]).count();
      }
      held_since_[index] = now;
    }
    current = std::move(next);
  }
  changed_.notify_all();
}

void Throttler::WaitWhileHeld(HoldStage stage) {
  std::unique_lock lock(mutex_);
  while (holds_[static_cast<size_t>(stage)].held && (stop_ == nullptr || !stop_->load())) {
    // Woken by a change; the timeout notices a stop.
    changed_.wait_for(lock, std::chrono::milliseconds(50));
  }
}

void Throttler::HoldCopy() { WaitWhileHeld(HoldStage::kCopy); }
void Throttler::HoldApply() { WaitWhileHeld(HoldStage::kApply); }

Hold Throttler::Current(HoldStage stage) const {
  std::lock_guard lock(mutex_);
  return holds_[static_cast<size_t>(stage)];
}

std::map<std::string, std::map<std::string, double>> Throttler::HeldSeconds() const {
  std::lock_guard lock(mutex_);
  auto out = held_seconds_;
  const Clock::time_point now = Clock::now();
  for (size_t index = 0; index < holds_.size(); ++index) {
    if (!holds_[index].held) continue;
    out[std::string(kStageNames[index])][holds_[index].reason] +=
        std::chrono::duration<double>(now - held_since_[index]).count();
  }
  return out;
}

std::vector<std::string> Throttler::ProbeErrors() const {
  std::lock_guard lock(mutex_);
  return probe_errors_;
}

}  // namespace cutover::pipeline
