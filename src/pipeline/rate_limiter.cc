// RateLimiter: a virtual-clock limiter: each grant pushes next_free_ by rows / rate.
#include "pipeline/rate_limiter.h"

#include <algorithm>
#include <thread>

namespace cutover::pipeline {

void RateLimiter::Acquire(int64_t rows) {
  if (rows_per_second_ <= 0 || rows <= 0) return;
  Clock::time_point wake;
  {
    std::lock_guard lock(mutex_);
    Clock::time_point now = Clock::now();
    next_free_ = std::max(next_free_, now);
    next_free_ += std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
        static_cast<double>(rows) / static_cast<double>(rows_per_second_)));
    wake = next_free_ - std::chrono::seconds(1);
  }
  Clock::time_point before = Clock::now();
  if (wake <= before) return;
  std::this_thread::sleep_until(wake);
  if (waited_us_ != nullptr) {
    waited_us_->fetch_add(
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - before).count(),
        std::memory_order_relaxed);
  }
}

}  // namespace cutover::pipeline
