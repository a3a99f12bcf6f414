// LiveControl: the controls poller and the load probe thread of a running migration.
#include "pipeline/live_control.h"

#include <spdlog/spdlog.h>

#include "core/throttle_stats.h"
#include "pipeline/live_settings.h"
#include "state/live_controls.h"

namespace cutover::pipeline {
namespace {

constexpr auto kControlsEvery = std::chrono::milliseconds(250);
constexpr auto kProbeEvery = std::chrono::seconds(1);
constexpr auto kTick = std::chrono::milliseconds(50);

bool Ended(const std::atomic<bool>& done, const std::atomic<bool>* stop) {
  return done.load() || (stop != nullptr && stop->load());
}

}  // namespace

LiveControl::LiveControl(const Spec& spec, StateStore* state, const std::atomic<bool>* stop)
    : spec_(spec),
      state_(state),
      stop_(stop),
      throttler_(spec.throttle.copy_rows_per_second, spec.throttle.apply_rows_per_second, stop,
                 &ProcessThrottleStats().copy_wait_us, &ProcessThrottleStats().apply_wait_us) {
  limits_.source_threads_running = spec.throttle.max_load_threads_running;
  limits_.max_replica_lag_ms = spec.throttle.max_replica_lag.count();
  limits_.target_threads_running = spec.throttle.target_max_load;
  limits_.target_commit_latency_ms = spec.throttle.target_max_commit_latency.count();
}

LiveControl::~LiveControl() { Stop(); }

void LiveControl::Start() {
  ReadControls();
  controls_thread_ = std::thread([this] { PollControls(); });
  probe_thread_ = std::thread([this] { Probe(); });
}

void LiveControl::Stop() {
  done_ = true;
  if (controls_thread_.joinable()) controls_thread_.join();
  if (probe_thread_.joinable()) probe_thread_.join();
}

void LiveControl::PollControls() {
  auto next = std::chrono::steady_clock::now();
  while (!Ended(done_, stop_)) {
    std::this_thread::sleep_for(kTick);
    if (std::chrono::steady_clock::now() < next) continue;
    next = std::chrono::steady_clock::now() + kControlsEvery;
    ReadControls();
    LogChanges();
  }
}

void LiveControl::ReadControls() {
  Result<state::LiveControls> controls = state::ReadLiveControls(*state_);
  if (!controls.ok()) {
    // Keep what was last read: a busy or damaged record must not release a pause.
    if (!controls_error_logged_) {
      spdlog::warn("live controls (cutover ctl): {}", controls.status().ToString());
    }
    controls_error_logged_ = true;
    return;
  }
  controls_error_logged_ = false;
  throttler_.SetControls(controls->copy_paused, controls->copy_pause_reason, controls->apply_paused,
                         controls->apply_pause_reason, controls->throttled_by_hand,
                         controls->throttle_reason);
  throttler_.SetRates(EffectiveSetting(spec_, *controls, state::kCopyRowsPerSecond),
                      EffectiveSetting(spec_, *controls, state::kApplyRowsPerSecond));
  std::lock_guard lock(mutex_);
  limits_.source_threads_running =
      EffectiveSetting(spec_, *controls, state::kMaxLoadThreadsRunning);
  limits_.max_replica_lag_ms = EffectiveSetting(spec_, *controls, state::kMaxReplicaLag);
  limits_.target_threads_running = EffectiveSetting(spec_, *controls, state::kTargetMaxLoad);
  limits_.target_commit_latency_ms =
      EffectiveSetting(spec_, *controls, state::kTargetMaxCommitLatency);
}

void LiveControl::Probe() {
  LoadProbes probes(spec_);
  const ThrottleStats& stats = ProcessThrottleStats();
  int64_t commit_us = stats.target_commit_us.load();
  int64_t commits = stats.target_commits.load();
  auto commits_at = std::chrono::steady_clock::now();
  auto next = std::chrono::steady_clock::now();
  while (!Ended(done_, stop_)) {
    std::this_thread::sleep_for(kTick);
    if (std::chrono::steady_clock::now() < next) continue;
    next = std::chrono::steady_clock::now() + kProbeEvery;
    LoadLimits limits;
    {
      std::lock_guard lock(mutex_);
      limits = limits_;
    }
    LoadVerdicts verdicts = probes.Round(limits);
    // The target's COMMITs of the last round (copy chunks and apply batches of this process).
    const int64_t commit_us_now = stats.target_commit_us.load();
    const int64_t commits_now = stats.target_commits.load();
    const auto now = std::chrono::steady_clock::now();
    if (verdicts.target_load.empty()) {
      verdicts.target_load = CommitLatencyVerdict(
          commit_us_now - commit_us, commits_now - commits,
          std::chrono::duration<double>(now - commits_at).count(), limits.target_commit_latency_ms);
    }
    commit_us = commit_us_now;
    commits = commits_now;
    commits_at = now;
    throttler_.SetLoad(std::move(verdicts));
  }
}

void LiveControl::LogChanges() {
  auto log = [](std::string_view stage, const Hold& now, Hold& last) {
    if (now.detail == last.detail) return;
    if (now.held) {
      spdlog::info("{} held: {}", stage, now.detail);
    } else {
      spdlog::info("{} goes on (was held: {})", stage, last.detail);
    }
    last = now;
  };
  log("copy", throttler_.Current(HoldStage::kCopy), last_copy_);
  log("apply", throttler_.Current(HoldStage::kApply), last_apply_);
}

void LiveControl::Report(state::RunThrottle& out) const {
  auto hold = [](const Hold& from) { return state::RunHold{from.held, from.reason, from.detail}; };
  out.copy = hold(throttler_.Current(HoldStage::kCopy));
  out.apply = hold(throttler_.Current(HoldStage::kApply));
  out.held_seconds = throttler_.HeldSeconds();
  out.probe_errors = throttler_.ProbeErrors();
}

}  // namespace cutover::pipeline
