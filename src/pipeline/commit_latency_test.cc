// Tests for CommitLatencyVerdict: the target's average COMMIT time over a round against
// throttle.target_max_commit_latency.
#include <gtest/gtest.h>

#include "pipeline/load_probes.h"

namespace cutover::pipeline {
namespace {

TEST(CommitLatencyTest, AnAverageOverTheLimitHoldsWithItsFigures) {
  EXPECT_EQ(CommitLatencyVerdict(/*commit_us=*/900'000, /*commits=*/3, 1.0, /*limit_ms=*/250),
            "target COMMITs took 300.0 ms on average (3 in 1.0 s) > "
            "throttle.target_max_commit_latency 250 ms");
}

TEST(CommitLatencyTest, UnderTheLimitNoCommitsOrNoLimitHoldNothing) {
  EXPECT_EQ(CommitLatencyVerdict(600'000, 3, 1.0, 250), "");
  EXPECT_EQ(CommitLatencyVerdict(0, 0, 1.0, 250), "");
  EXPECT_EQ(CommitLatencyVerdict(9'000'000, 3, 1.0, 0), "");
}

}  // namespace
}  // namespace cutover::pipeline
