// RateLimiter: caps the rows per second of all copy workers together
// (throttle.copy_rows_per_second), allowing a burst of at most one second's worth.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>

namespace cutover::pipeline {

class RateLimiter {
 public:
  // rows_per_second <= 0: unlimited. `waited_us`, when given, gets the time Acquire slept.
  explicit RateLimiter(int64_t rows_per_second, std::atomic<int64_t>* waited_us = nullptr)
      : rows_per_second_(rows_per_second), waited_us_(waited_us) {}
  // Blocks until `rows` more rows may pass. Thread-safe.
  void Acquire(int64_t rows);

 private:
  using Clock = std::chrono::steady_clock;
  const int64_t rows_per_second_;
  std::atomic<int64_t>* const waited_us_;
  // Guards next_free_: the time at which the rows granted so far have been "spent".
  std::mutex mutex_;
  Clock::time_point next_free_{};
};

}  // namespace cutover::pipeline
