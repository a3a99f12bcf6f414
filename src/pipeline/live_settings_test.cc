// Tests for LiveSettings: the exact errors of bad keys and values, durations both ways, and
// that a live value overrides the spec's until it is reset.
#include "pipeline/live_settings.h"

#include <gtest/gtest.h>

namespace cutover::pipeline {
namespace {

TEST(LiveSettingsTest, AnUnknownKeyNamesTheAllowedOnes) {
  Result<int64_t> value = ParseSettingValue("throttle.copy_rows", "5");
  ASSERT_FALSE(value.ok());
  EXPECT_EQ(value.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(value.status().message(),
            "unknown setting 'throttle.copy_rows'; the live settings are "
            "throttle.copy_rows_per_second, throttle.apply_rows_per_second, "
            "throttle.max_load.threads_running, throttle.max_replica_lag, "
            "throttle.target_max_load, throttle.target_max_commit_latency");
}

TEST(LiveSettingsTest, BadValuesSayWhatTheKeyTakes) {
  EXPECT_EQ(ParseSettingValue("throttle.copy_rows_per_second", "-1").status().message(),
            "throttle.copy_rows_per_second: '-1' is not an integer >= 0 (rows per second; 0: "
            "unlimited)");
  EXPECT_EQ(ParseSettingValue("throttle.max_load.threads_running", "many").status().message(),
            "throttle.max_load.threads_running: 'many' is not an integer >= 0 (0: no limit)");
  EXPECT_EQ(ParseSettingValue("throttle.max_replica_lag", "10 sec").status().message(),
            "throttle.max_replica_lag: '10 sec' is not a duration; write whole numbers with ms, "
            "s, m or h (at most 24h), e.g. 1500ms or 10s");
}

TEST(LiveSettingsTest, DurationsParseAndFormat) {
  EXPECT_EQ(*ParseSettingValue("throttle.max_replica_lag", "1500ms"), 1500);
  EXPECT_EQ(*ParseSettingValue("throttle.max_replica_lag", "10s"), 10000);
  EXPECT_EQ(*ParseSettingValue("throttle.max_replica_lag", "3"), 3000);
  EXPECT_EQ(*ParseSettingValue("throttle.max_replica_lag", "2m"), 120000);
  EXPECT_EQ(FormatSettingValue("throttle.max_replica_lag", 10000), "10s");
  EXPECT_EQ(FormatSettingValue("throttle.max_replica_lag", 1500), "1500ms");
  EXPECT_EQ(FormatSettingValue("throttle.copy_rows_per_second", 5000), "5000");
}

TEST(LiveSettingsTest, ALiveValueOverridesTheSpecUntilRemoved) {
  Spec spec;
  spec.throttle.copy_rows_per_second = 100;
  state::LiveControls controls;
  EXPECT_EQ(EffectiveSetting(spec, controls, state::kCopyRowsPerSecond), 100);
  controls.settings[state::kCopyRowsPerSecond] = 0;
  EXPECT_EQ(EffectiveSetting(spec, controls, state::kCopyRowsPerSecond), 0);
  EXPECT_EQ(EffectiveSetting(spec, controls, state::kMaxReplicaLag), 10000);
}

}  // namespace
}  // namespace cutover::pipeline
