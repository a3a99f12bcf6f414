// Tests for the background verify: one at a time, its end recorded, a stop passed on.
#include "control/background_verify.h"

#include <chrono>

#include <gtest/gtest.h>

namespace cutover::control {
namespace {

TEST(BackgroundVerifyTest, RunsOneAtATimeAndRecordsTheEnd) {
  std::atomic<bool> release{false};
  BackgroundVerify verify([&](const std::atomic<bool>*) {
    while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return Status::Unavailable("target down");
  });
  EXPECT_EQ(verify.State()["running"], false);
  ASSERT_TRUE(verify.Start(1000).ok());
  EXPECT_EQ(verify.State()["running"], true);
  EXPECT_EQ(verify.State()["started_at_ms"], 1000);
  Status second = verify.Start(1001);
  EXPECT_EQ(second.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(second.message(),
            "a verify started here is still running; wait for it (GET /v1/verify shows when it "
            "ends)");
  release = true;
  for (int wait = 0; wait < 5000 && verify.State()["running"] == true; ++wait) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  nlohmann::json state = verify.State();
  EXPECT_EQ(state["running"], false);
  EXPECT_EQ(state["error"], "Unavailable: target down");
  EXPECT_GT(state["finished_at_ms"].get<int64_t>(), 0);
  EXPECT_TRUE(verify.Start(2000).ok());  // the next one may start
}

TEST(BackgroundVerifyTest, StopEndsARunningVerify) {
  BackgroundVerify verify([](const std::atomic<bool>* stop) {
    while (!stop->load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return Status::Ok();
  });
  ASSERT_TRUE(verify.Start(1).ok());
  verify.Stop();
  EXPECT_EQ(verify.State()["running"], false);
  EXPECT_EQ(verify.State()["error"], nullptr);
}

TEST(BackgroundVerifyTest, WithoutARunnerItIsUnimplemented) {
  BackgroundVerify verify(nullptr);
  EXPECT_EQ(verify.Start(1).code(), StatusCode::kUnimplemented);
}

}  // namespace
}  // namespace cutover::control
