// Clock: the lag shown for a pending change, through wall clock steps.
#include "pipeline/clock.h"

#include <gtest/gtest.h>

namespace cutover::pipeline {
namespace {

TEST(ClockTest, LagIsNeverNegative) {
  EXPECT_EQ(LagSeconds(10'000, 0), 0.0);          // nothing pending
  EXPECT_EQ(LagSeconds(10'000, 7'500), 2.5);      // logged 2.5 s ago
  EXPECT_EQ(LagSeconds(10'000, 3'610'000), 0.0);  // logged before the clock stepped back 1 h
}

}  // namespace
}  // namespace cutover::pipeline
