// Tests for the metrics text: every family with its HELP and TYPE, values read from the state
// store (copy progress, run status, verify report, stages, fence, router reports), and the
// router reports' validation.
#include "control/metrics.h"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "control/router_reports.h"
#include "state/live_controls.h"
#include "state/run_status.h"
#include "state/table_ddl.h"
#include "state/test_support.h"

namespace cutover::control {
namespace {

constexpr char kSpec[] =
    "name: shop\n"
    "source: {kind: mariadb, user: cutover}\n"
    "target: {kind: mariadb, port: 3307, user: cutover}\n"
    "tables: [{match: shop.*}]\n"
    "throttle: {apply_rows_per_second: 2000}\n"
    "control: {groups: {orders: [\"shop.orders\"]}}\n";

class MetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    spec_ = ParseSpec(kSpec, tmp_.path() / "shop.yaml").value();
    spec_.state_dir = tmp_.state_dir();
    state_ = OpenControlState(spec_).value();
  }
  std::string Render() { return RenderMetrics(spec_, *state_, 1'000'000'000'000).value(); }

  state::TempDir tmp_;
  Spec spec_;
  std::unique_ptr<StateStore> state_;
};

TEST_F(MetricsTest, ANewMigrationHasEveryFamilyAtZero) {
  std::string text = Render();
  for (const char* line : {
           "# HELP cutover_info The migration this API serves.\n# TYPE cutover_info gauge\n"
           "cutover_info{migration=\"shop\"} 1\n",
           "cutover_phase{phase=\"new\"} 1\n",
           "cutover_phase{phase=\"cdc\"} 0\n",
           "# TYPE cutover_rows_copied_total counter\n",
           "cutover_applied_changes_total 0\n",
           "cutover_lag_seconds 0\n",
           "cutover_run_status_age_seconds -1\n",
           "cutover_capture_last_event_timestamp_seconds 0\n",
           "cutover_throttle_rows_per_second{stage=\"copy\"} 0\n",
           "cutover_throttle_rows_per_second{stage=\"apply\"} 2000\n",
           "# TYPE cutover_throttle_wait_seconds_total counter\n",
           "cutover_throttle_wait_seconds_total{stage=\"apply\"} 0\n",
           "cutover_target_throttled_total 0\n",
           "cutover_verify_complete 0\n",
           "cutover_flag_stage{group=\"default\"} 0\n",
           "cutover_flag_stage{group=\"orders\"} 0\n",
           "cutover_flag_stage_info{group=\"orders\",stage=\"source_only\"} 1\n",
           "cutover_fence_timestamp_seconds 0\n",
           "cutover_router_shadow_mismatches_total{group=\"default\"} 0\n",
       }) {
    EXPECT_NE(text.find(line), std::string::npos) << "missing:\n" << line << "\nin:\n" << text;
  }
}

TEST_F(MetricsTest, ValuesComeFromTheStateStore) {
  ASSERT_TRUE(state_->SetPhase(Phase::kCdc).ok());
  ASSERT_TRUE(state_->AddTable("shop.orders", 1200).ok());
  ASSERT_TRUE(state_->RecordChunk("shop.orders", 1, "", "a", 1000).ok());
  nlohmann::json status = {
      {"captured_transactions", 42},
      {"applied_changes", 77},
      {"lag_seconds", 1.5},
      {"lag_records", 3},
      {"updated_at_ms", 999'999'998'000},
      {"last_event_ms", 999'999'990'500},
      {"throttle",
       {{"copy_wait_seconds", 0.25}, {"apply_wait_seconds", 12.5}, {"target_throttled", 9}}}};
  ASSERT_TRUE(state_->SetMeta("run.status", status.dump()).ok());
  nlohmann::json report = {
      {"complete", true},
      {"differences", 2},
      {"tables", {{{"table", "shop.orders"}, {"missing", 1}, {"extra", 0}, {"different", 1}}}}};
  ASSERT_TRUE(state_->SetMeta("verify.report", report.dump()).ok());
  ASSERT_TRUE(state_
                  ->SetMeta("fence.last", R"({"passed":true,"written_at_ms":1700000000500,)"
                                          R"("applied_at_ms":1700000000800,"lag_seconds":0.3})")
                  .ok());
  StageRequest request;
  request.group = "orders";
  request.to = Stage::kDualWrite;
  ASSERT_TRUE(SetStage(spec_, *state_, request).ok());
  std::string text = Render();
  for (const char* line : {
           "cutover_phase{phase=\"cdc\"} 1\n",
           "cutover_rows_copied_total{table=\"shop.orders\"} 1000\n",
           "cutover_rows_estimate{table=\"shop.orders\"} 1200\n",
           "cutover_captured_transactions_total 42\n",
           "cutover_applied_changes_total 77\n",
           "cutover_lag_seconds 1.5\n",
           "cutover_lag_records 3\n",
           "cutover_run_status_age_seconds 2\n",
           "cutover_capture_last_event_timestamp_seconds 999999990.5\n",
           "cutover_throttle_wait_seconds_total{stage=\"copy\"} 0.25\n",
           "cutover_throttle_wait_seconds_total{stage=\"apply\"} 12.5\n",
           "cutover_target_throttled_total 9\n",
           "cutover_verify_complete 1\n",
           "cutover_verify_differences{table=\"shop.orders\",kind=\"missing\"} 1\n",
           "cutover_verify_differences{table=\"shop.orders\",kind=\"different\"} 1\n",
           "cutover_flag_stage{group=\"orders\"} 1\n",
           "cutover_flag_stage_info{group=\"orders\",stage=\"dual_write\"} 1\n",
           "cutover_fence_lag_seconds 0.3\n",
           "cutover_fence_timestamp_seconds 1700000000.5\n",
       }) {
    EXPECT_NE(text.find(line), std::string::npos) << "missing:\n" << line << "\nin:\n" << text;
  }
}

TEST_F(MetricsTest, HoldsTheirReasonsAndTheLiveRatesOfARunningRun) {
  state::RunStatus status;
  status.updated_at_ms = 1'000'000'000'000 - 500;  // fresh at Render's now
  status.throttle.copy = {true, "source_load", "source Threads_running 9 > 4"};
  status.throttle.held_seconds["copy"]["source_load"] = 12.5;
  status.throttle.held_seconds["apply"]["paused"] = 3;
  status.throttle.probe_errors = {"replica r:1: refused"};
  ASSERT_TRUE(state::WriteRunStatus(*state_, status).ok());
  state::LiveControls controls;
  controls.apply_paused = true;
  controls.settings[state::kCopyRowsPerSecond] = 500;
  state::LiveControlChange change;
  ASSERT_TRUE(state::WriteLiveControls(*state_, controls, change).ok());
  std::string text = Render();
  for (const char* line : {
           "# TYPE cutover_throttle_held gauge\n",
           "cutover_throttle_held{stage=\"copy\",reason=\"source_load\"} 1\n",
           "cutover_throttle_held{stage=\"apply\",reason=\"none\"} 0\n",
           "# TYPE cutover_throttle_held_seconds_total counter\n",
           "cutover_throttle_held_seconds_total{stage=\"copy\",reason=\"source_load\"} 12.5\n",
           "cutover_throttle_held_seconds_total{stage=\"apply\",reason=\"paused\"} 3\n",
           "cutover_throttle_probe_errors 1\n",
           "cutover_paused{stage=\"copy\"} 0\n",
           "cutover_paused{stage=\"apply\"} 1\n",
           "cutover_throttle_rows_per_second{stage=\"copy\"} 500\n",
           "cutover_throttle_rows_per_second{stage=\"apply\"} 2000\n",
       }) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
  }
}

TEST_F(MetricsTest, StoppedTablesAndColumnsNotCarried) {
  state::TableDdl held;
  held.table = "shop.orders";
  held.held = true;
  held.reason = "column note of shop.orders was dropped on the source";
  held.offsets[0] = 17;
  state::TableDdl ignored;
  ignored.table = "shop.items";
  ignored.not_carried = {{"tier", "added on the source; ddl: ignore"},
                         {"secret", "not in the table rule's columns"}};
  ASSERT_TRUE(state::SaveTableDdl(*state_, held).ok());
  ASSERT_TRUE(state::SaveTableDdl(*state_, ignored).ok());
  std::string text = Render();
  for (const char* line : {
           "# TYPE cutover_table_stopped gauge\n",
           "cutover_table_stopped{table=\"shop.orders\",reason=\"column note of shop.orders was "
           "dropped on the source\"} 1\n",
           "cutover_columns_not_carried{table=\"shop.items\"} 2\n",
       }) {
    EXPECT_NE(text.find(line), std::string::npos) << "missing:\n" << line << "\nin:\n" << text;
  }
  EXPECT_EQ(text.find("cutover_table_stopped{table=\"shop.items\""), std::string::npos);
  // Read back as stored.
  std::optional<state::TableDdl> back = state::LoadTableDdl(*state_, "shop.orders").value();
  ASSERT_TRUE(back);
  EXPECT_EQ(back->offsets, (std::map<int, uint64_t>{{0, 17}}));
  EXPECT_EQ(back->reason, held.reason);
  // Neither held nor reporting: the record goes.
  held.held = false;
  ASSERT_TRUE(state::SaveTableDdl(*state_, held).ok());
  EXPECT_FALSE(state::LoadTableDdl(*state_, "shop.orders").value());
}

TEST_F(MetricsTest, RouterReportsAddUpPerGroup) {
  nlohmann::json first = {{"group", "orders"},
                          {"client", "api-1"},
                          {"shadow_comparisons", 10},
                          {"shadow_mismatches", 1},
                          {"secondary_write_failures", 2}};
  EXPECT_TRUE(AddRouterReport(spec_, *state_, first).value().empty());
  nlohmann::json second = {{"group", "orders"}, {"shadow_comparisons", 5}, {"future_counter", 3}};
  EXPECT_EQ(AddRouterReport(spec_, *state_, second).value(),
            std::vector<std::string>{"future_counter"});
  EXPECT_TRUE(AddRouterReport(spec_, *state_, {{"writes", 4}}).ok());  // group "default"
  std::string text = Render();
  for (const char* line : {
           "# TYPE cutover_router_shadow_comparisons_total counter\n",
           "cutover_router_shadow_comparisons_total{group=\"orders\"} 15\n",
           "cutover_router_shadow_mismatches_total{group=\"orders\"} 1\n",
           "cutover_router_secondary_write_failures_total{group=\"orders\"} 2\n",
           "cutover_router_writes_total{group=\"default\"} 4\n",
           "cutover_router_shadow_comparisons_total{group=\"default\"} 0\n",
       }) {
    EXPECT_NE(text.find(line), std::string::npos) << "missing:\n" << line << "\nin:\n" << text;
  }
  EXPECT_EQ(AddRouterReport(spec_, *state_, {{"reads", -1}}).status().message(),
            "reads: expected a count (an integer >= 0) since the client's previous report");
  EXPECT_EQ(AddRouterReport(spec_, *state_, {{"group", "users"}}).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(AddRouterReport(spec_, *state_, nlohmann::json::array()).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace cutover::control
