// AdaptiveLimiter: halves on throttling, grows by one per window of clean responses.
#include "sink/dynamodb/adaptive_limiter.h"

#include <gtest/gtest.h>

namespace cutover::dynamodb {
namespace {

TEST(AdaptiveLimiterTest, MultiplicativeDecreaseAdditiveIncrease) {
  AdaptiveLimiter limiter(16);
  EXPECT_EQ(limiter.limit(), 16);
  for (int round = 0; round < 3; ++round) {
    limiter.Acquire();
    limiter.Release(true);
  }
  EXPECT_EQ(limiter.limit(), 2);
  for (int round = 0; round < 2; ++round) {
    limiter.Acquire();
    limiter.Release(false);
  }
  EXPECT_EQ(limiter.limit(), 2);  // 2 + 1/2 + 1/2.5 = 2.9: about one step per window
  limiter.Acquire();
  limiter.Release(false);
  EXPECT_EQ(limiter.limit(), 3);  // 2.9 + 1/2.9
  for (int round = 0; round < 1000; ++round) {
    limiter.Acquire();
    limiter.Release(false);
  }
  EXPECT_EQ(limiter.limit(), 16);  // never above the maximum
  for (int round = 0; round < 10; ++round) {
    limiter.Acquire();
    limiter.Release(true);
  }
  EXPECT_EQ(limiter.limit(), 1);  // never below one
}

}  // namespace
}  // namespace cutover::dynamodb
