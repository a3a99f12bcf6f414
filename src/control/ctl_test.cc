// Tests for the live controls (cutover ctl, POST /v1/ctl): each action's effect and audit, a
// live setting overriding the spec until reset, nothing recorded for no change or bad input,
// and the API body's exact errors.
#include "control/ctl.h"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "cutover/control.h"

#include "state/live_controls.h"
#include "state/test_support.h"

namespace cutover {
namespace {

using nlohmann::json;

constexpr char kSpec[] =
    "name: shop\n"
    "source: {kind: mariadb, user: cutover}\n"
    "target: {kind: mariadb, port: 3307, user: cutover}\n"
    "tables: [{match: shop.*}]\n"
    "throttle: {copy_rows_per_second: 800}\n";

CtlRequest Make(std::string action, std::string what, std::string key, std::string value, bool on,
                std::string reason) {
  CtlRequest request;
  request.action = std::move(action);
  request.what = std::move(what);
  request.key = std::move(key);
  request.value = std::move(value);
  request.on = on;
  request.reason = std::move(reason);
  return request;
}

class CtlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<Spec> spec = ParseSpec(kSpec, tmp_.path() / "shop.yaml");
    ASSERT_TRUE(spec.ok()) << spec.status().ToString();
    spec_ = *std::move(spec);
    spec_.state_dir = tmp_.state_dir();
    state_ = OpenControlState(spec_).value();
  }
  Result<json> Do(CtlRequest request) {
    request.by = "test";
    return ApplyCtl(spec_, *state_, request);
  }
  std::vector<state::LiveControlChange> History() {
    return state::ReadLiveControlHistory(*state_).value();
  }

  state::TempDir tmp_;
  Spec spec_;
  std::unique_ptr<StateStore> state_;
};

TEST_F(CtlTest, PauseAndResumeEachPartAndBothWithTheirAudit) {
  json after = Do(Make("pause", "apply", "", "", true, "backup")).value();
  EXPECT_EQ(after["paused"], (json{{"copy", false}, {"apply", true}}));
  EXPECT_EQ(after["pause_reasons"]["apply"], "backup");
  after = Do(Make("pause", "", "", "", true, "")).value();  // no part: both
  EXPECT_EQ(after["paused"], (json{{"copy", true}, {"apply", true}}));
  after = Do(Make("resume", "copy", "", "", true, "")).value();
  EXPECT_EQ(after["paused"], (json{{"copy", false}, {"apply", true}}));
  std::vector<state::LiveControlChange> history = History();
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(history[0].sequence, 1);
  EXPECT_EQ(history[0].action, "pause");
  EXPECT_EQ(history[0].what, "apply");
  EXPECT_EQ(history[0].from, "running");
  EXPECT_EQ(history[0].to, "paused");
  EXPECT_EQ(history[0].reason, "backup");
  EXPECT_EQ(history[0].by, "test");
  EXPECT_GT(history[0].at_ms, 0);
  EXPECT_EQ(history[1].from, "copy running, apply paused");
  EXPECT_EQ(history[1].to, "copy paused, apply paused");
  EXPECT_EQ(history[2].what, "copy");
  EXPECT_EQ(after["history"].size(), 3u);
}

TEST_F(CtlTest, AnActionThatChangesNothingRecordsNothing) {
  ASSERT_TRUE(Do(Make("pause", "copy", "", "", true, "")).ok());
  ASSERT_TRUE(Do(Make("pause", "copy", "", "", true, "")).ok());
  ASSERT_TRUE(Do(Make("resume", "apply", "", "", true, "")).ok());
  EXPECT_EQ(History().size(), 1u);
}

TEST_F(CtlTest, ALiveSettingOverridesTheSpecUntilReset) {
  json after = Do(Make("set", "", "throttle.copy_rows_per_second", "50", true, "")).value();
  EXPECT_EQ(after["settings"]["throttle.copy_rows_per_second"],
            (json{{"value", 50}, {"text", "50"}, {"source", "live"}, {"spec", 800}}));
  Do(Make("set", "", "throttle.max_replica_lag", "1500ms", true, "")).value();
  after = Do(Make("reset", "", "throttle.copy_rows_per_second", "", true, "")).value();
  EXPECT_EQ(after["settings"]["throttle.copy_rows_per_second"]["source"], "spec");
  EXPECT_EQ(after["settings"]["throttle.copy_rows_per_second"]["value"], 800);
  EXPECT_EQ(after["settings"]["throttle.max_replica_lag"]["text"], "1500ms");
  after = Do(Make("set", "", "throttle.max_replica_lag", "", true, "")).value();
  EXPECT_EQ(after["settings"]["throttle.max_replica_lag"]["text"], "10s");
  std::vector<state::LiveControlChange> history = History();
  ASSERT_EQ(history.size(), 4u);
  EXPECT_EQ(history[0].from, "spec (800)");
  EXPECT_EQ(history[0].to, "50");
  EXPECT_EQ(history[2].from, "50");
  EXPECT_EQ(history[2].to, "spec (800)");
  EXPECT_EQ(history[3].from, "1500ms");
  EXPECT_EQ(history[3].to, "spec (10s)");
}

TEST_F(CtlTest, TheHandThrottleNeedsAReason) {
  Result<json> refused = Do(Make("throttle", "", "", "", true, ""));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().message(),
            "throttle: a reason is required (--reason \"why\"; API: \"reason\"); it is shown in "
            "status and kept in the audit");
  json after = Do(Make("throttle", "", "", "", true, "batch job")).value();
  EXPECT_EQ(after["throttled_by_hand"], (json{{"on", true}, {"reason", "batch job"}}));
  after = Do(Make("throttle", "", "", "", false, "")).value();
  EXPECT_EQ(after["throttled_by_hand"]["on"], false);
  EXPECT_EQ(History().size(), 2u);
}

TEST_F(CtlTest, BadInputIsRefusedAndNothingIsRecorded) {
  EXPECT_EQ(Do(Make("stop", "", "", "", true, "")).status().message(),
            "unknown action 'stop'; the actions are pause, resume, set, reset and throttle");
  EXPECT_EQ(Do(Make("resume", "capture", "", "", true, "")).status().message(),
            "resume: unknown part 'capture'; resume copy, apply or all (nothing: all)");
  EXPECT_EQ(Do(Make("reset", "", "throttle.max_lag", "", true, "")).status().message(),
            "unknown setting 'throttle.max_lag'; the live settings are "
            "throttle.copy_rows_per_second, throttle.apply_rows_per_second, "
            "throttle.max_load.threads_running, throttle.max_replica_lag, "
            "throttle.target_max_load, throttle.target_max_commit_latency");
  EXPECT_EQ(Do(Make("set", "", "throttle.target_max_load", "-3", true, "")).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(History().empty());
}

TEST_F(CtlTest, TheApiBodyIsReadWithExactErrors) {
  auto message = [](const json& body) {
    return std::string(control::CtlRequestFromJson(body).status().message());
  };
  EXPECT_EQ(message(json::object()),
            "action: missing; send {\"action\": \"pause\", \"what\": \"copy\", \"reason\": "
            "\"...\"} (actions: pause, resume, set, reset, throttle)");
  EXPECT_EQ(message({{"action", "set"}, {"key", "throttle.copy_rows_per_second"}}),
            "value: missing; send {\"action\": \"set\", \"key\": \"...\", \"value\": ...} (or "
            "{\"action\": \"reset\", \"key\": \"...\"} to go back to the spec's)");
  EXPECT_EQ(message({{"action", "set"}, {"key", "k"}, {"value", true}}),
            "value: expected a string or an integer");
  EXPECT_EQ(message({{"action", "throttle"}, {"reason", "x"}}),
            "on: expected true (hold copy and apply) or false");
  EXPECT_EQ(message({{"action", 3}}), "action: expected a string");
  CtlRequest set =
      control::CtlRequestFromJson({{"action", "set"}, {"key", "k"}, {"value", 250}}).value();
  EXPECT_EQ(set.value, "250");
}

}  // namespace
}  // namespace cutover
