// TouchedKeys: a sample of the keys the applier has changed, for `cutover verify --continuous`
// (docs/verify.md "Continuous mode"). The verify asks for it through the state store (the
// request and the entries of keys are records of state/touched_keys.h); the process that
// applies calls Note() after each batch is applied and Flush() about once a second, which
// picks up the request and stores the keys noted since as one entry that the verify takes.
// Nothing is noted while no verify asks (or its heartbeat is too old: a verify that was
// killed).
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <span>

#include "cutover/apply.h"
#include "cutover/state_store.h"
#include "cutover/status.h"

#include "state/touched_keys.h"

namespace cutover::pipeline {

// Keys stored per Flush at most; more are counted as dropped (the verify reports them).
inline constexpr size_t kMaxTouchedPerFlush = 20000;

class TouchedKeys {
 public:
  // Apply lanes, right after `batch` is applied. Cheap while no verify asks.
  void Note(std::span<const LoggedChange> batch);
  // The process's periodic loop: reads the request, stores what was noted. A request that
  // cannot be read counts as none (nothing is noted) and its error is returned.
  Status Flush(StateStore& state);

 private:
  // Noting is on when threshold_ > 0: a change is sampled when a 32-bit random number is
  // below it.
  std::atomic<uint64_t> threshold_{0};
  std::mutex mutex_;  // guards the members below
  state::TouchedBatch pending_;
  size_t noted_ = 0;
  uint64_t random_ = 0x9e3779b97f4a7c15ull;
};

}  // namespace cutover::pipeline
