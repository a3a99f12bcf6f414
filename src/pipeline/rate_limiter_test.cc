// Tests for RateLimiter: the rate it lets through and the waiting time it reports (what
// /metrics shows as cutover_throttle_wait_seconds_total).
#include "pipeline/rate_limiter.h"

#include <thread>

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

TEST(RateLimiterTest, ANewRateEndsAWaitAtTheOldOne) {
  RateLimiter limiter(100);
  limiter.Acquire(100);  // the burst
  Clock::time_point start = Clock::now();
  std::thread waiter([&] { limiter.Acquire(1000); });  // 10 s at 100 rows/s
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  limiter.SetRate(0);
  waiter.join();
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(1));
  limiter.SetRate(1'000'000);
  start = Clock::now();
  limiter.Acquire(1000);
  EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(100));
}

}  // namespace
}  // namespace cutover::pipeline
