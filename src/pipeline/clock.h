// The wall clock as the change log, the run status and repair requests record it.
#pragma once

#include <chrono>
#include <cstdint>

namespace cutover::pipeline {

// Milliseconds since the Unix epoch (system clock): comparable across processes, which is why
// log append times, status records and repair timestamps use it rather than steady_clock.
inline int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The lag of a change logged at `oldest_ms` (0: nothing pending) at `now_ms`, in seconds; never
// negative: after the wall clock stepped back (an NTP step) a change logged before the step
// looks logged in the future, and is shown as no lag rather than a negative one.
inline double LagSeconds(int64_t now_ms, int64_t oldest_ms) {
  if (oldest_ms <= 0 || now_ms <= oldest_ms) return 0.0;
  return static_cast<double>(now_ms - oldest_ms) / 1000.0;
}

}  // namespace cutover::pipeline
