// LiveControl: how a running `cutover run` follows its operator and its servers' load
// (docs/operations.md). One thread reads the live controls from the state store every 250 ms
// (pause, throttle by hand, live settings: `cutover ctl`, POST /v1/ctl) and hands them to the
// Throttler; another runs the load probes every second with the limits in force. The copy
// workers and apply lanes wait in the Throttler; the status record reports its holds.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>

#include "cutover/spec.h"
#include "cutover/state_store.h"

#include "pipeline/load_probes.h"
#include "pipeline/throttler.h"
#include "state/run_status.h"

namespace cutover::pipeline {

class LiveControl {
 public:
  // `state` and `stop` are not owned and outlive this. The Throttler starts at the spec's rates
  // and holds nothing until Start reads the controls.
  LiveControl(const Spec& spec, StateStore* state, const std::atomic<bool>* stop);
  ~LiveControl();
  LiveControl(const LiveControl&) = delete;
  LiveControl& operator=(const LiveControl&) = delete;

  // Reads the controls once (a migration started while paused copies nothing), then starts
  // both threads.
  void Start();
  // Ends both threads. Idempotent.
  void Stop();

  Throttler& throttler() { return throttler_; }
  // The holds, the seconds held and the failed probes, into the status record's "throttle".
  void Report(state::RunThrottle& out) const;

 private:
  void ReadControls();
  void PollControls();
  void Probe();
  // A log line when a stage becomes held or free, with why.
  void LogChanges();

  // Constant after construction.
  const Spec& spec_;
  StateStore* const state_;
  const std::atomic<bool>* const stop_;

  Throttler throttler_;  // thread-safe
  std::atomic<bool> done_{false};
  std::thread controls_thread_;
  std::thread probe_thread_;
  // Guards limits_: written by the controls thread, read by the probe thread.
  mutable std::mutex mutex_;
  LoadLimits limits_;
  bool controls_error_logged_ = false;  // the controls thread only
  Hold last_copy_, last_apply_;         // the controls thread only
};

}  // namespace cutover::pipeline
