// RateLimiter: caps the rows per second of all copy workers (or apply lanes) together
// (throttle.copy_rows_per_second, throttle.apply_rows_per_second), allowing a burst of at most
// one second's worth. The rate can change while it runs (`cutover ctl set`).
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
  // A new limit for the next Acquire calls (<= 0: unlimited). Thread-safe.
  void SetRate(int64_t rows_per_second);

 private:
  using Clock = std::chrono::steady_clock;
  std::atomic<int64_t> rows_per_second_;
  std::atomic<int64_t>* const waited_us_;
  // Bumped by SetRate: a wait at the old rate ends early.
  std::atomic<uint64_t> generation_{0};
  // Guards next_free_: the time at which the rows granted so far have been "spent".
  std::mutex mutex_;
  Clock::time_point next_free_{};
};

}  // namespace cutover::pipeline
