// `cutover run` with the Kafka change log, on librdkafka's mock cluster (3 brokers, a log topic
// of 8 partitions), MariaDB -> MariaDB, two appliers: `cutover run` itself and one `cutover
// apply` process in the same consumer group. A write workload (inserts, updates including key
// changes, deletes, multi-row transactions) runs for the whole migration; `cutover run` is
// killed with SIGKILL at several points and run again meanwhile. The target ends equal to the
// source row by row, and both appliers applied changes.
#include <regex>

#include <gtest/gtest.h>

#include "kafka_support.h"
#include "run_support.h"

namespace cutover {
namespace {

using copytest::Lines;
using namespace std::chrono_literals;

constexpr int kRows = 2000;
constexpr int kPartitions = 8;

class RunKafkaTest : public runtest::WorkloadPairTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(SetUpPair("run_kafka", "cutover_run_kafka", kRows));
    kafka_ = std::make_unique<testing::MockKafka>(3);
    kafka_->CreateTopic("cutover.run-kafka.log", kPartitions, 3);
    kafka_->CreateTopic("cutover.run-kafka.log.control", 1, 3);
    WriteSpec("run-kafka",
              "parallelism: {copy_workers: 2, chunk_rows: 200}\n"
              "throttle: {copy_rows_per_second: 2000}\n"
              "change_log:\n  kind: kafka\n  kafka: {brokers: \"" +
                  kafka_->bootstraps() + "\", partitions: " + std::to_string(kPartitions) + "}\n");
  }

  std::unique_ptr<runtest::CutoverProcess> Start(const std::string& command, const std::string& env,
                                                 const char* output) {
    return std::make_unique<runtest::CutoverProcess>(
        command + " " + spec_.string() + " --status-every 1", env, dir_ / output);
  }

  std::vector<std::string> Rows(mysql::Connection& sql, const std::string& db,
                                const std::string& table) {
    std::string order = std::string(table) == "accounts" ? "id" : "order_id, line";
    return Lines(sql, "SELECT * FROM " + db + ".`" + table + "` ORDER BY " + order);
  }

  bool Equal() {
    for (const char* table : {"accounts", "lines"}) {
      if (Rows(*source_, db_, table) != Rows(*target_, target_db_, table)) return false;
    }
    return true;
  }

  void Stop(runtest::CutoverProcess& process) {
    process.Signal(SIGTERM);
    int code = 0;
    ASSERT_TRUE(process.WaitFor(60s, &code)) << process.Output();
    EXPECT_EQ(code, 0) << process.Output();
  }

  std::unique_ptr<testing::MockKafka> kafka_;
};

TEST_F(RunKafkaTest, TwoAppliersUnderLiveWritesAndCrashesEndEqual) {
  runtest::Workload workload(testing::MariaDbSource(), db_, kRows);
  workload.Start(5ms);
  // The second applier waits for the copy's end marker, then shares the partitions.
  auto second = Start("apply", "", "apply.out");
  auto run = Start("run", "", "run.out");
  // Let the copy finish and CDC start, then crash `cutover run` at several points.
  for (int waited = 0; waited < 60; ++waited) {
    if (run->Output().find("cdc: ") != std::string::npos) break;
    std::this_thread::sleep_for(1s);
  }
  ASSERT_NE(run->Output().find("cdc: "), std::string::npos) << run->Output();
  run->Signal(SIGKILL);
  run->Wait();
  runtest::KillAtEachPointThenAtRandom(
      [this](const std::string& env) { return Start("run", env, "run.out"); },
      {"capture_appended:40:kill", "apply_before:5:kill", "apply_after:5:kill"});
  if (HasFatalFailure()) return;
  run = Start("run", "", "run.out");
  std::this_thread::sleep_for(6s);
  workload.Stop();
  EXPECT_GT(workload.transactions(), 200);
  EXPECT_EQ(workload.failures(), 0);
  auto deadline = std::chrono::steady_clock::now() + 120s;
  while (!Equal() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1s);
  for (const char* table : {"accounts", "lines"}) {
    std::vector<std::string> source_rows = Rows(*source_, db_, table);
    std::vector<std::string> target_rows = Rows(*target_, target_db_, table);
    EXPECT_EQ(target_rows.size(), source_rows.size()) << table;
    EXPECT_TRUE(target_rows == source_rows) << table << " differs";
  }
  Stop(*run);
  Stop(*second);
  // Every partition has its checkpoint in the target, and the second process applied changes.
  EXPECT_EQ(Lines(*target_, "SELECT COUNT(*) FROM " + target_db_ +
                                ".cutover_checkpoints WHERE migration = 'run-kafka'"),
            std::vector<std::string>{std::to_string(kPartitions)});
  EXPECT_GT(testing::MostAppliedPerSecond(second->Output()), 0) << second->Output();
}

}  // namespace
}  // namespace cutover
