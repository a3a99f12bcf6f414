// Throttler: decides, for the copy and for the apply, whether they are held back now and why
// (docs/operations.md), and paces them to the live rate limits. Its inputs are the operator's
// live controls (pause, throttle by hand, rates; state/live_controls.h, read by `cutover run`
// every 250 ms) and the load probes' verdicts (source load, replica lag, target load; every
// ~1 s); copy workers wait in HoldCopy() between chunks, apply lanes in HoldApply() between
// batches, so nothing is ever half written. It keeps the seconds held per stage and reason.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/rate_limiter.h"

namespace cutover::pipeline {

enum class HoldStage { kCopy = 0, kApply = 1 };

// Why a stage is held, from the strongest: an operator's pause, the hand throttle, then the
// load probes. `code` is what /metrics labels it with.
enum class HoldCause { kPaused = 0, kByHand, kSourceLoad, kReplicaLag, kTargetLoad, kCount };
std::string_view HoldCauseCode(HoldCause cause);  // "paused", "throttled_by_hand", ...

struct Hold {
  bool held = false;
  std::string reason;  // HoldCauseCode of the strongest cause; empty when not held
  std::string detail;  // its sentence
};

// The probes' verdicts of one round; an empty string: that check does not hold anything.
struct LoadVerdicts {
  std::string source_load;          // holds the copy
  std::string replica_lag;          // holds the copy
  std::string target_load;          // holds copy and apply
  std::vector<std::string> errors;  // probes that failed: reported, never holding
};

class Throttler {
 public:
  // `stop`: while it is set no wait blocks (not owned; may be null).
  Throttler(int64_t copy_rows_per_second, int64_t apply_rows_per_second,
            const std::atomic<bool>* stop, std::atomic<int64_t>* copy_waited_us = nullptr,
            std::atomic<int64_t>* apply_waited_us = nullptr);

  // The operator's controls; empty reasons are shown as "(no reason given)".
  void SetControls(bool copy_paused, std::string copy_reason, bool apply_paused,
                   std::string apply_reason, bool by_hand, std::string by_hand_reason);
  void SetRates(int64_t copy_rows_per_second, int64_t apply_rows_per_second);
  void SetLoad(LoadVerdicts verdicts);

  // Block while the stage is held (returning when stop is set), then pace `rows` rows.
  void HoldCopy();
  void HoldApply();
  void PaceCopy(int64_t rows) { copy_limiter_.Acquire(rows); }
  void PaceApply(int64_t rows) { apply_limiter_.Acquire(rows); }

  Hold Current(HoldStage stage) const;
  // Seconds held by stage ("copy", "apply") and reason code, the current hold included.
  std::map<std::string, std::map<std::string, double>> HeldSeconds() const;
  std::vector<std::string> ProbeErrors() const;

 private:
  using Clock = std::chrono::steady_clock;
  using Causes = std::array<std::string, static_cast<size_t>(HoldCause::kCount)>;
  // Recomputes both stages' holds after an input changed; mutex_ held.
  void UpdateLocked();
  Hold StrongestLocked(HoldStage stage) const;
  void WaitWhileHeld(HoldStage stage);

  const std::atomic<bool>* const stop_;
  RateLimiter copy_limiter_;
  RateLimiter apply_limiter_;

  // Guards everything below; changed_ is notified when a hold may have ended.
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::array<Causes, 2> causes_;  // per stage, the sentence of each active cause
  std::array<Hold, 2> holds_;     // per stage, the strongest cause
  std::array<Clock::time_point, 2> held_since_;
  std::map<std::string, std::map<std::string, double>> held_seconds_;  // ended holds
  std::vector<std::string> probe_errors_;
};

}  // namespace cutover::pipeline
