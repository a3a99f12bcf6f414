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

}  // namespace cutover::pipeline
