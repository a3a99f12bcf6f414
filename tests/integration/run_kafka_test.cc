// `cutover run` with the Kafka change log, on librdkafka's mock cluster (3 brokers, a log topic
// of 8 partitions), MariaDB -> MariaDB, two appliers: `cutover run` itself and one `cutover
// apply` process in the same consumer group. A write workload (inserts, updates including key
// changes, deletes, multi-row transactions) runs for the whole migration; `cutover run` is
// killed with SIGKILL at several points and run again meanwhile. The target ends equal to the
// source row by row, and both appliers applied changes.
#include <ctime>
#include <regex>

#include <gtest/gtest.h>

#include "kafka_support.h"
#include "run_support.h"
#include "pipeline/clock.h"

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

  // Waits (at most `timeout`) until the target equals the source, then compares them row by row.
  void ExpectTargetCatchesUp(std::chrono::seconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!Equal() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(1s);
    }
    for (const char* table : {"accounts", "lines"}) {
      std::vector<std::string> source_rows = Rows(*source_, db_, table);
      std::vector<std::string> target_rows = Rows(*target_, target_db_, table);
      EXPECT_EQ(target_rows.size(), source_rows.size()) << table;
      EXPECT_TRUE(target_rows == source_rows) << table << " differs";
    }
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
  ExpectTargetCatchesUp(120s);
  Stop(*run);
  Stop(*second);
  // Every partition has its checkpoint in the target, and the second process applied changes.
  EXPECT_EQ(Lines(*target_, "SELECT COUNT(*) FROM " + target_db_ +
                                ".cutover_checkpoints WHERE migration = 'run-kafka'"),
            std::vector<std::string>{std::to_string(kPartitions)});
  EXPECT_GT(testing::MostAppliedPerSecond(second->Output()), 0) << second->Output();
}

// `cutover capture` alone (no applier in its process) and two `cutover apply` processes, under a
// live workload; each of the three is killed with SIGKILL at named points and at random, and
// started again. The target ends equal to the source, and both appliers applied changes.
TEST_F(RunKafkaTest, CaptureAndTwoAppliersKilledInTurnEndEqual) {
  runtest::Workload workload(testing::MariaDbSource(), db_, kRows);
  workload.Start(5ms);
  auto first = Start("apply", "", "apply1.out");
  auto second = Start("apply", "", "apply2.out");
  auto capture = Start("capture", "", "capture.out");
  // The appliers start once the copy is done; wait until they apply.
  for (int waited = 0; waited < 90; ++waited) {
    if (testing::MostAppliedPerSecond(first->Output()) > 0 ||
        testing::MostAppliedPerSecond(second->Output()) > 0) {
      break;
    }
    std::this_thread::sleep_for(1s);
  }
  ASSERT_GT(testing::MostAppliedPerSecond(first->Output()) +
                testing::MostAppliedPerSecond(second->Output()),
            0)
      << first->Output() << second->Output() << capture->Output();
  // Capture crashes at a named point and at random; it resumes from its checkpoint.
  capture->Signal(SIGKILL);
  capture->Wait();
  runtest::KillAtEachPointThenAtRandom(
      [this](const std::string& env) { return Start("capture", env, "capture.out"); },
      {"capture_appended:40:kill"});
  if (HasFatalFailure()) return;
  capture = Start("capture", "", "capture.out");
  // Each applier crashes in turn (the group moves its partitions to the other), then comes back.
  first->Signal(SIGKILL);
  first->Wait();
  std::this_thread::sleep_for(3s);
  runtest::KillAtEachPointThenAtRandom(
      [this](const std::string& env) { return Start("apply", env, "apply1.out"); },
      {"apply_before:5:kill", "apply_after:5:kill"});
  if (HasFatalFailure()) return;
  std::string first_output = first->Output();
  first = Start("apply", "", "apply1-again.out");
  second->Signal(SIGKILL);
  second->Wait();
  std::string second_output = second->Output();
  std::this_thread::sleep_for(3s);
  second = Start("apply", "", "apply2-again.out");
  std::this_thread::sleep_for(4s);
  workload.Stop();
  EXPECT_GT(workload.transactions(), 200);
  EXPECT_EQ(workload.failures(), 0);
  ExpectTargetCatchesUp(120s);
  Stop(*capture);
  Stop(*first);
  Stop(*second);
  // The appliers applied changes before they were killed (which of the two got partitions
  // before its kill depends on the group's timing, so only their sum is asserted).
  EXPECT_GT(testing::MostAppliedPerSecond(first_output) +
                testing::MostAppliedPerSecond(second_output),
            0)
      << first_output << second_output;
}

// `cutover capture` refuses a local change log: nothing else could apply it.
TEST_F(RunKafkaTest, CaptureRefusesALocalChangeLog) {
  std::filesystem::path local = dir_ / "local.yaml";
  copytest::WriteFile(
      local, copytest::CopySpec("run-kafka-local", testing::MariaDbSource(),
                                copytest::MariaDbTargetYaml(testing::MariaDbTarget(), target_db_),
                                "  - match: \"" + db_ + ".*\"\n", (dir_ / "state-local").string()));
  runtest::CutoverProcess capture("capture " + local.string(), "", dir_ / "local.out");
  EXPECT_EQ(capture.Wait(), 1);
  EXPECT_NE(capture.Output().find("change_log.kind is local: only this process can apply it"),
            std::string::npos)
      << capture.Output();
}

// The Kafka change log replayed into an empty second target, from an offset, a time and a
// source position: each time the second target equals the source (the source started empty, so
// the log holds every row).
TEST_F(RunKafkaTest, ReplayByOffsetTimeAndPositionIntoAnEmptySecondTarget) {
  runtest::CreateWorkloadSchema(*source_, db_, 0);
  int64_t before_ms = pipeline::NowMs() - 1000;
  auto run = Start("run", "", "run.out");
  // Writes only once CDC runs: every row is then in the log, none only in the copy.
  for (int waited = 0; waited < 60 && run->Output().find("cdc: ") == std::string::npos; ++waited) {
    std::this_thread::sleep_for(1s);
  }
  ASSERT_NE(run->Output().find("cdc: "), std::string::npos) << run->Output();
  runtest::Workload workload(testing::MariaDbSource(), db_, 0);
  workload.Start(5ms);
  std::this_thread::sleep_for(6s);
  workload.Stop();
  auto deadline = std::chrono::steady_clock::now() + 90s;
  while (!Equal() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1s);
  ASSERT_TRUE(Equal()) << run->Output();
  Stop(*run);
  runtest::CutoverProcess status_process("status " + spec_.string() + " --json", "",
                                         dir_ / "status.out");
  ASSERT_EQ(status_process.Wait(), 0) << status_process.Output();
  std::string status = status_process.Output();
  std::smatch start;
  ASSERT_TRUE(std::regex_search(status, start, std::regex("\"start_position\": \"([^\"]+)\"")))
      << status;

  std::string second_db = db_ + "_t2";
  std::filesystem::path second = dir_ / "second.yaml";
  copytest::WriteFile(
      second, copytest::CopySpec("run-kafka-replay", testing::MariaDbSource(),
                                 copytest::MariaDbTargetYaml(testing::MariaDbTarget(), second_db),
                                 "  - match: \"" + db_ + ".*\"\n", (dir_ / "state2").string()));
  time_t seconds = static_cast<time_t>(before_ms / 1000);
  char time_text[32];
  std::strftime(time_text, sizeof(time_text), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&seconds));
  int run_number = 0;
  for (const std::string& from : {std::string("0"), std::string(time_text), start[1].str()}) {
    copytest::Exec(*target_, "DROP DATABASE IF EXISTS " + second_db);
    runtest::CutoverProcess replay(
        "replay " + spec_.string() + " --from '" + from + "' --target " + second.string(), "",
        dir_ / ("replay" + std::to_string(++run_number) + ".out"));
    ASSERT_EQ(replay.Wait(), 0) << from << "\n" << replay.Output();
    EXPECT_NE(replay.Output().find("replayed log offsets "), std::string::npos)
        << replay.Output();
    for (const char* table : {"accounts", "lines"}) {
      std::vector<std::string> source_rows = Rows(*source_, db_, table);
      EXPECT_GT(source_rows.size(), 50u) << table;
      EXPECT_TRUE(Rows(*target_, second_db, table) == source_rows)
          << "--from " << from << ": " << table << " differs";
    }
  }
  copytest::Exec(*target_, "DROP DATABASE IF EXISTS " + second_db);
}

}  // namespace
}  // namespace cutover
