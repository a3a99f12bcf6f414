// Tests for BinlogBackoff: full-jitter delays that double up to the cap and restart on Reset().
#include "source/mysql/binlog_backoff.h"

#include <gtest/gtest.h>

namespace cutover::mysql {
namespace {

using std::chrono::milliseconds;

TEST(BinlogBackoffTest, CeilingDoublesUpToTheCap) {
  BinlogBackoff backoff(BackoffOptions{milliseconds(100), milliseconds(1000)}, 1);
  std::vector<int64_t> ceilings;
  for (int attempt = 0; attempt < 7; ++attempt)
    ceilings.push_back(backoff.Ceiling(attempt).count());
  EXPECT_EQ(ceilings, (std::vector<int64_t>{100, 200, 400, 800, 1000, 1000, 1000}));
  EXPECT_EQ(backoff.Ceiling(1000).count(), 1000);
}

TEST(BinlogBackoffTest, DelaysAreJitteredBelowTheCeilingAndResetStartsOver) {
  BinlogBackoff backoff(BackoffOptions{milliseconds(100), milliseconds(1000)}, 42);
  int64_t largest_late = 0, smallest_late = 1000;
  for (int attempt = 0; attempt < 200; ++attempt) {
    int64_t delay = backoff.Next().count();
    EXPECT_GE(delay, 0);
    EXPECT_LE(delay, backoff.Ceiling(attempt).count()) << "attempt " << attempt;
    if (attempt >= 4) {
      largest_late = std::max(largest_late, delay);
      smallest_late = std::min(smallest_late, delay);
    }
  }
  EXPECT_EQ(backoff.attempt(), 200);
  EXPECT_GT(largest_late, 900);  // full jitter spreads over the whole range
  EXPECT_LT(smallest_late, 100);
  backoff.Reset();
  EXPECT_EQ(backoff.attempt(), 0);
  EXPECT_LE(backoff.Next().count(), 100);
  EXPECT_EQ(backoff.attempt(), 1);
}

}  // namespace
}  // namespace cutover::mysql
