// Tests for RateLimiter: the rate it lets through and the waiting time it reports (what
// /metrics shows as cutover_throttle_wait_seconds_total).
#include "pipeline/rate_limiter.h"

#include <gtest/gtest.h>

namespace cutover::pipeline {
namespace {

using Clock = std::chrono::steady_clock;

TEST(RateLimiterTest, ABurstOfOneSecondPassesThenItWaitsAndCountsTheWait) {
  std::atomic<int64_t> waited_us{0};
  RateLimiter limiter(10'000, &waited_us);
  Clock::time_point start = Clock::now();
  limiter.Acquire(10'000);  // one second's worth: the burst, no wait
  EXPECT_EQ(waited_us.load(), 0);
  limiter.Acquire(3'000);  // 0.3 s more than the burst
  auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);
  EXPECT_GE(waited_us.load(), 280'000);
  EXPECT_LE(waited_us.load(), elapsed.count());
  EXPECT_GE(elapsed.count(), 280'000);
}

TEST(RateLimiterTest, UnlimitedNeverWaits) {
  std::atomic<int64_t> waited_us{0};
  RateLimiter limiter(0, &waited_us);
  for (int i = 0; i < 1000; ++i) limiter.Acquire(1'000'000);
  EXPECT_EQ(waited_us.load(), 0);
}

}  // namespace
}  // namespace cutover::pipeline
