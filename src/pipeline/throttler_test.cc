// Tests for Throttler: which cause holds which stage, that a held worker waits until the hold
// ends (and no longer than a stop), and the seconds booked per reason.
#include "pipeline/throttler.h"

#include <thread>

#include <gtest/gtest.h>

namespace cutover::pipeline {
namespace {

using Clock = std::chrono::steady_clock;

TEST(ThrottlerTest, NothingHeldByDefault) {
  Throttler throttler(0, 0, nullptr);
  EXPECT_FALSE(throttler.Current(HoldStage::kCopy).held);
  EXPECT_FALSE(throttler.Current(HoldStage::kApply).held);
  throttler.HoldCopy();  // returns at once
  throttler.HoldApply();
}

TEST(ThrottlerTest, APauseHoldsItsStageOnlyAndAPauseOutranksTheHandThrottle) {
  Throttler throttler(0, 0, nullptr);
  throttler.SetControls(true, "backup", false, "", false, "");
  EXPECT_EQ(throttler.Current(HoldStage::kCopy).reason, "paused");
  EXPECT_EQ(throttler.Current(HoldStage::kCopy).detail, "paused: backup");
  EXPECT_FALSE(throttler.Current(HoldStage::kApply).held);
  throttler.SetControls(true, "backup", false, "", true, "");
  EXPECT_EQ(throttler.Current(HoldStage::kCopy).reason, "paused");
  EXPECT_EQ(throttler.Current(HoldStage::kApply).reason, "throttled_by_hand");
  EXPECT_EQ(throttler.Current(HoldStage::kApply).detail, "throttled by hand: (no reason given)");
}

TEST(ThrottlerTest, SourceLoadAndReplicaLagHoldTheCopyTargetLoadHoldsBoth) {
  Throttler throttler(0, 0, nullptr);
  throttler.SetLoad({"source Threads_running 9 > 4", "", "", {"replica r:1: refused"}});
  EXPECT_EQ(throttler.Current(HoldStage::kCopy).reason, "source_load");
  EXPECT_FALSE(throttler.Current(HoldStage::kApply).held);
  EXPECT_EQ(throttler.ProbeErrors(), std::vector<std::string>{"replica r:1: refused"});
  throttler.SetLoad({"", "replica r:1 lags 30 s", "", {}});
  EXPECT_EQ(throttler.Current(HoldStage::kCopy).reason, "replica_lag");
  throttler.SetLoad({"", "", "target busy", {}});
  EXPECT_EQ(throttler.Current(HoldStage::kCopy).reason, "target_load");
  EXPECT_EQ(throttler.Current(HoldStage::kApply).reason, "target_load");
  throttler.SetLoad({});
  EXPECT_FALSE(throttler.Current(HoldStage::kCopy).held);
  EXPECT_TRUE(throttler.ProbeErrors().empty());
}

TEST(ThrottlerTest, AHeldWorkerWaitsUntilResumedAndTheTimeIsBookedUnderItsReason) {
  Throttler throttler(0, 0, nullptr);
  throttler.SetControls(true, "", false, "", false, "");
  std::atomic<bool> passed{false};
  std::thread worker([&] {
    throttler.HoldCopy();
    passed = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_FALSE(passed.load());
  throttler.SetControls(false, "", false, "", false, "");
  worker.join();
  EXPECT_TRUE(passed.load());
  auto held = throttler.HeldSeconds();
  EXPECT_GE(held["copy"]["paused"], 0.25);
  EXPECT_LT(held["copy"]["paused"], 5.0);
  EXPECT_EQ(held.count("apply"), 0u);
}

TEST(ThrottlerTest, AStopEndsTheWait) {
  std::atomic<bool> stop{false};
  Throttler throttler(0, 0, &stop);
  throttler.SetControls(false, "", true, "", false, "");
  std::thread worker([&] { throttler.HoldApply(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  Clock::time_point stopped = Clock::now();
  stop = true;
  worker.join();
  EXPECT_LT(Clock::now() - stopped, std::chrono::milliseconds(500));
}

}  // namespace
}  // namespace cutover::pipeline
