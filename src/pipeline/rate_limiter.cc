// RateLimiter: a virtual-clock limiter: each grant pushes next_free_ by rows / rate.
#include "pipeline/rate_limiter.h"

#include <algorithm>
#include <thread>

namespace cutover::pipeline {

void RateLimiter::SetRate(int64_t rows_per_second) {
  std::lock_guard lock(mutex_);
  if (rows_per_second == rows_per_second_.load()) return;
  rows_per_second_ = rows_per_second;
  generation_.fetch_add(1);
  // The rows granted at the old rate are not owed at the new one.
  next_free_ = Clock::time_point{};
}

void RateLimiter::Acquire(int64_t rows) {
  const int64_t rate = rows_per_second_.load();
  if (rate <= 0 || rows <= 0) return;
  Clock::time_point wake;
  const uint64_t generation = generation_.load();
  {
    std::lock_guard lock(mutex_);
    Clock::time_point now = Clock::now();
    next_free_ = std::max(next_free_, now);
    next_free_ += std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(static_cast<double>(rows) / static_cast<double>(rate)));
    wake = next_free_ - std::chrono::seconds(1);
  }
  Clock::time_point before = Clock::now();
  if (wake <= before) return;
  // In steps, so that a new rate (SetRate) applies within 100 ms.
  while (Clock::now() < wake && generation_.load() == generation) {
    std::this_thread::sleep_until(std::min(wake, Clock::now() + std::chrono::milliseconds(100)));
  }
  if (waited_us_ != nullptr) {
    waited_us_->fetch_add(
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - before).count(),
        std::memory_order_relaxed);
  }
}

}  // namespace cutover::pipeline
