// `cutover fence` and `cutover finish` against a running `cutover run` MariaDB -> MariaDB: a
// fence under a live workload passes, reports its lag, and a row written just before it is on
// the target when it returns; without a running run a fence is refused with the reason; finish
// after the workload stops ends the run (exit 0), leaves no cutover table on the source and the
// target equal to the source, and reports rows, events and the verify; finish while writes go
// on for longer than --timeout refuses and leaves the run running. With a Kafka change log
// (librdkafka's mock cluster) a fence under a live workload passes the same way; a fence while
// one partition's apply is blocked on the target does not pass (it times out, naming the
// partition), nor while a second applier (`cutover apply`) is stopped; finish ends the run once
// the whole group has applied everything, and the target equals the source.
#include <nlohmann/json.hpp>
#include <regex>

#include <gtest/gtest.h>

#include "cutover/state_store.h"

#include "kafka_support.h"
#include "run_support.h"
#include "verify_support.h"

namespace cutover {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr int kRows = 1000;

// `cutover <args>`, waited for: exit code, stdout, stderr.
using CliRun = verifytest::VerifyRun;
CliRun Cli(const std::filesystem::path& dir, const std::string& args) {
  return verifytest::RunCutover(dir, args);
}

class FenceTest : public runtest::WorkloadPairTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(SetUpPair("fence_test", "cutover_fence", kRows));
    WriteSpec(name_, "parallelism: {copy_workers: 2, chunk_rows: 200}\n" + ChangeLogYaml());
  }

  // The spec's change_log section; empty: the local log.
  virtual std::string ChangeLogYaml() { return ""; }

  // Starts `cutover run` and waits until it is in CDC.
  std::unique_ptr<runtest::CutoverProcess> StartRun() {
    auto run = std::make_unique<runtest::CutoverProcess>(
        "run " + spec_.string() + " --status-every 1", "", dir_ / "run.out");
    EXPECT_TRUE(runtest::WaitForCdc(*run)) << run->Output();
    return run;
  }

  // `cutover finish --quiet-seconds 2` once the workload stopped: it exits 0, and so does the
  // run, saying everything captured is applied.
  CliRun FinishRun(runtest::CutoverProcess& run) {
    CliRun finish = Cli(dir_, "finish " + spec_.string() + " --quiet-seconds 2 --timeout 60");
    EXPECT_EQ(finish.exit_code, 0) << finish.out << finish.err << run.Output();
    std::printf("%s%s", finish.err.c_str(), finish.out.c_str());
    int code = -1;
    EXPECT_TRUE(run.WaitFor(10s, &code)) << run.Output();
    EXPECT_EQ(code, 0) << run.Output();
    EXPECT_NE(run.Output().find("cutover run: finished: everything captured is applied"),
              std::string::npos)
        << run.Output();
    return finish;
  }

  // The cutover tables left in the source schema.
  std::vector<std::string> CutoverTablesOnSource() {
    return copytest::Lines(*source_,
                           "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA "
                           "= '" +
                               db_ + "' AND TABLE_NAME LIKE 'cutover%' ORDER BY 1");
  }

  // Three fences under a live workload: each passes, prints its lag (also in fence.last), and
  // the row written just before it is on the target when it returns.
  void FencesPassUnderLiveWorkload() {
    std::unique_ptr<runtest::CutoverProcess> run = StartRun();
    ASSERT_FALSE(HasFailure());
    runtest::Workload workload(testing::MariaDbSource(), db_, kRows);
    workload.Start(5ms);
    std::this_thread::sleep_for(1s);

    const std::regex printed("fence ([0-9a-f]{32}): applied ([0-9]+) ms after it was written\n");
    for (int fence = 0; fence < 3; ++fence) {
      // A row written just before the fence is on the target when the fence returns: that is
      // what a passed fence promises.
      int id = 900000 + fence;
      copytest::Exec(*source_, fmt::format("INSERT INTO {}.accounts VALUES ({}, 'fence', 1, "
                                           "NOW(6), NULL)",
                                           db_, id));
      CliRun passed = Cli(dir_, "fence " + spec_.string() + " --timeout 60");
      ASSERT_EQ(passed.exit_code, 0) << passed.out << passed.err << run->Output();
      std::smatch match;
      ASSERT_TRUE(std::regex_match(passed.out, match, printed)) << passed.out;
      int64_t lag_ms = std::stoll(match[2].str());
      EXPECT_LT(lag_ms, 30000) << passed.out;
      EXPECT_EQ(copytest::Lines(*target_, fmt::format("SELECT owner FROM {}.accounts WHERE id = {}",
                                                      target_db_, id)),
                std::vector<std::string>{"fence"})
          << passed.out;
      std::printf("fence under a live workload (%s): applied %lld ms after it was written\n",
                  name_.c_str(), static_cast<long long>(lag_ms));

      // The state store keeps the last fence; the marker row is gone from the source.
      StateStoreOptions read_only;
      read_only.read_only = true;
      auto state = StateStore::Open(dir_ / "state", read_only);
      ASSERT_TRUE(state.ok()) << state.status().ToString();
      auto last = (*state)->GetMeta("fence.last");
      ASSERT_TRUE(last.ok() && last->has_value());
      json record = json::parse(**last);
      EXPECT_EQ(record["id"], match[1].str());
      EXPECT_EQ(record["passed"], true);
      EXPECT_EQ(record["applied_at_ms"].get<int64_t>() - record["written_at_ms"].get<int64_t>(),
                lag_ms);
      EXPECT_NEAR(record["lag_seconds"].get<double>(), static_cast<double>(lag_ms) / 1000.0, 1e-9);
      auto pending = (*state)->ListMeta("fence/");
      ASSERT_TRUE(pending.ok());
      EXPECT_TRUE(pending->empty());
    }
    EXPECT_EQ(copytest::Lines(*source_, "SELECT COUNT(*) FROM " + db_ + ".cutover_fence"),
              std::vector<std::string>{"0"});
    // Never migrated: the fence table is not selected, whatever the patterns say (the target
    // has only the applier's checkpoints).
    EXPECT_EQ(copytest::Lines(*target_,
                              "SELECT TABLE_NAME FROM information_schema.TABLES WHERE "
                              "TABLE_SCHEMA = '" +
                                  target_db_ + "' AND TABLE_NAME LIKE 'cutover%'"),
              std::vector<std::string>{"cutover_checkpoints"});

    workload.Stop();
    EXPECT_GT(workload.transactions(), 100);
    EXPECT_EQ(workload.failures(), 0);
    run->Signal(SIGTERM);
    int code = 0;
    ASSERT_TRUE(run->WaitFor(30s, &code)) << run->Output();
    EXPECT_EQ(code, 0) << run->Output();
  }

  std::string name_ = "fence-test";
};

TEST_F(FenceTest, FenceUnderLiveWorkloadPassesAndReportsItsLag) { FencesPassUnderLiveWorkload(); }

TEST_F(FenceTest, FenceWithoutRunningRunIsRefused) {
  // No state at all yet.
  CliRun never = Cli(dir_, "fence " + spec_.string() + " --timeout 10");
  EXPECT_EQ(never.exit_code, 2) << never.out << never.err;
  EXPECT_NE(never.err.find("no `cutover run` is running for migration fence-test (no state store "
                           "in " +
                           (dir_ / "state").string() + "): start `cutover run " + spec_.string() +
                           "`, then try again"),
            std::string::npos)
      << never.err;

  // A state store, but its run stopped (its status is more than 5 s old).
  std::unique_ptr<runtest::CutoverProcess> run = StartRun();
  ASSERT_FALSE(HasFailure());
  run->Signal(SIGTERM);
  int code = 0;
  ASSERT_TRUE(run->WaitFor(30s, &code)) << run->Output();
  EXPECT_EQ(code, 0) << run->Output();
  std::this_thread::sleep_for(5500ms);
  CliRun stopped = Cli(dir_, "fence " + spec_.string() + " --timeout 10");
  EXPECT_EQ(stopped.exit_code, 2) << stopped.out << stopped.err;
  EXPECT_NE(stopped.err.find("FailedPrecondition: no `cutover run` is running for migration "
                             "fence-test (its status record in " +
                             (dir_ / "state").string() +
                             " is missing or older than 5 s): a fence works through the "
                             "running capture and applier; start `cutover run " +
                             spec_.string() + "`, then try again"),
            std::string::npos)
      << stopped.err;
  CliRun finish = Cli(dir_, "finish " + spec_.string() + " --timeout 10");
  EXPECT_EQ(finish.exit_code, 2) << finish.out << finish.err;
  EXPECT_NE(finish.err.find("`cutover finish` works through the running capture and applier"),
            std::string::npos)
      << finish.err;
  // Refused before writing anything to the source: only the copy's start watermark table is
  // there, no fence table.
  EXPECT_EQ(CutoverTablesOnSource(), (std::vector<std::string>{"cutover_watermarks"}));
}

TEST_F(FenceTest, FinishAfterWorkloadStopsEndsTheRunAndCleansTheSource) {
  std::unique_ptr<runtest::CutoverProcess> run = StartRun();
  ASSERT_FALSE(HasFailure());
  // A repair first, so the source has a watermark table too and the state a verify report.
  copytest::Exec(*target_, "UPDATE " + target_db_ + ".accounts SET owner = 'mallory' WHERE id = 7");
  CliRun repaired = Cli(dir_, "verify " + spec_.string() + " --repair");
  ASSERT_EQ(repaired.exit_code, 0) << repaired.out << repaired.err;

  runtest::Workload workload(testing::MariaDbSource(), db_, kRows);
  workload.Start(5ms);
  std::this_thread::sleep_for(3s);
  workload.Stop();
  EXPECT_GT(workload.transactions(), 100);
  EXPECT_EQ(workload.failures(), 0);
  EXPECT_EQ(CutoverTablesOnSource(), (std::vector<std::string>{"cutover_watermarks"}));

  CliRun finish = FinishRun(*run);
  ASSERT_FALSE(HasFailure());

  // The report as printed, and as stored with the state (what it prints, as JSON).
  StateStoreOptions read_only;
  read_only.read_only = true;
  auto state = StateStore::Open(dir_ / "state", read_only);
  ASSERT_TRUE(state.ok());
  auto stored = (*state)->GetMeta("finish.report");
  ASSERT_TRUE(stored.ok() && stored->has_value());
  json report = json::parse(**stored, nullptr, false);
  ASSERT_TRUE(report.is_object()) << **stored;
  for (const std::string& line :
       {std::string("migration fence-test finished at "),
        fmt::format("  {:<40} {:<16} {:>12}\n", db_ + ".accounts", "done", kRows),
        fmt::format("  {:<40} {:<16} {:>12}\n", "total", "", 2 * kRows),
        fmt::format("events: {} captured, {} applied\n", report["events_captured"].get<int64_t>(),
                    report["events_applied"].get<int64_t>()),
        fmt::format("fence {}: applied ", report["fence"]["id"].get<std::string>()),
        std::string("last verify: 0 differences\n"), std::string("stage history: none recorded\n"),
        fmt::format("removed from the source: `{0}`.`cutover_fence` `{0}`.`cutover_watermarks`\n",
                    db_)}) {
    EXPECT_NE(finish.out.find(line), std::string::npos) << line << " in\n" << finish.out;
  }
  EXPECT_EQ(report["migration"], "fence-test");
  ASSERT_EQ(report["tables"].size(), 2u) << finish.out;
  for (const json& table : report["tables"]) {
    EXPECT_EQ(table["rows_copied"], kRows) << finish.out;
    EXPECT_EQ(table["state"], "done") << finish.out;
  }
  // Every transaction changed at least one row, most of them several.
  EXPECT_GE(report["events_captured"].get<int64_t>(), workload.transactions() / 2) << finish.out;
  EXPECT_GE(report["events_applied"].get<int64_t>(), report["events_captured"].get<int64_t>())
      << finish.out;
  EXPECT_GE(report["quiet_seconds"].get<double>(), 2.0) << finish.out;
  EXPECT_GE(report["fence"]["lag_seconds"].get<double>(), 0.0) << finish.out;
  // The verify after the repair: complete, 0 differences.
  EXPECT_EQ(report["verify"]["differences"], 0) << finish.out;
  EXPECT_EQ(report["verify"]["complete"], true) << finish.out;
  EXPECT_TRUE(report["stage_history"].is_array()) << finish.out;
  EXPECT_EQ(report["removed"],
            json::array({"`" + db_ + "`.`cutover_fence`", "`" + db_ + "`.`cutover_watermarks`"}))
      << finish.out;
  EXPECT_NE(finish.err.find("fence "), std::string::npos) << finish.err;

  // Nothing of cutover's is left on the source; the target equals it.
  EXPECT_TRUE(CutoverTablesOnSource().empty());
  CliRun verify = Cli(dir_, "verify " + spec_.string());
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  CliRun status = Cli(dir_, "status " + spec_.string() + " --json");
  EXPECT_EQ(json::parse(status.out, nullptr, false)["phase"], "finished") << status.out;
}

TEST_F(FenceTest, FinishRefusesWhileWritesGoOnAndLeavesTheRunRunning) {
  std::unique_ptr<runtest::CutoverProcess> run = StartRun();
  ASSERT_FALSE(HasFailure());
  runtest::Workload workload(testing::MariaDbSource(), db_, kRows);
  workload.Start(20ms);
  std::this_thread::sleep_for(1s);

  auto started = std::chrono::steady_clock::now();
  CliRun finish = Cli(dir_, "finish " + spec_.string() + " --quiet-seconds 2 --timeout 6");
  auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(finish.exit_code, 2) << finish.out << finish.err;
  EXPECT_NE(finish.err.find("DeadlineExceeded: changes kept coming for longer than --timeout 6 s: "
                            "the last change of a selected table was captured "),
            std::string::npos)
      << finish.err;
  EXPECT_NE(finish.err.find("`cutover run` keeps running"), std::string::npos) << finish.err;
  EXPECT_LT(took, 20s);

  // The run goes on: no stop request, still applying, and a fence passes.
  int code = 0;
  EXPECT_FALSE(run->WaitFor(1s, &code)) << run->Output();
  CliRun fence = Cli(dir_, "fence " + spec_.string() + " --timeout 60");
  EXPECT_EQ(fence.exit_code, 0) << fence.out << fence.err;
  workload.Stop();
  EXPECT_EQ(workload.failures(), 0);
  EXPECT_EQ(run->Output().find("stop requested"), std::string::npos) << run->Output();
  run->Signal(SIGTERM);
  ASSERT_TRUE(run->WaitFor(30s, &code)) << run->Output();
  EXPECT_EQ(code, 0) << run->Output();
}

// With a Kafka change log (librdkafka's mock cluster, a log topic of 4 partitions): the fence
// passes once the appliers' consumer group has committed, on every partition, the end offset
// capture recorded when it saw the marker.
class FenceKafkaTest : public FenceTest {
 protected:
  void SetUp() override {
    name_ = "fence-kafka";
    kafka_ = std::make_unique<testing::MockKafka>(3);
    kafka_->CreateTopic("cutover.fence-kafka.log", 4, 3);
    kafka_->CreateTopic("cutover.fence-kafka.log.control", 1, 3);
    FenceTest::SetUp();
  }
  std::string ChangeLogYaml() override {
    return "change_log:\n  kind: kafka\n  kafka: {brokers: \"" + kafka_->bootstraps() +
           "\", partitions: 4}\n";
  }
  std::vector<std::string> Rows(mysql::Connection& sql, const std::string& db,
                                const std::string& table) {
    std::string order = table == "accounts" ? "id" : "order_id, line";
    return copytest::Lines(sql, "SELECT * FROM " + db + ".`" + table + "` ORDER BY " + order);
  }
  // A second applier (`cutover apply`) in the group, started under a workload that runs until
  // it has joined and applied some of it (its partitions then are its own).
  std::unique_ptr<runtest::CutoverProcess> StartSecondApplier() {
    auto second = std::make_unique<runtest::CutoverProcess>(
        "apply " + spec_.string() + " --status-every 1", "", dir_ / "apply.out");
    runtest::Workload workload(testing::MariaDbSource(), db_, kRows);
    workload.Start(5ms);
    // Joining takes a group rebalance: usually a few seconds, allow 45.
    for (int waited = 0; waited < 90 && testing::MostAppliedPerSecond(second->Output()) == 0;
         ++waited) {
      std::this_thread::sleep_for(500ms);
    }
    workload.Stop();
    EXPECT_GT(workload.transactions(), 100);
    EXPECT_EQ(workload.failures(), 0);
    EXPECT_GT(testing::MostAppliedPerSecond(second->Output()), 0) << second->Output();
    return second;
  }
  std::unique_ptr<testing::MockKafka> kafka_;
};

TEST_F(FenceKafkaTest, FenceUnderLiveWorkloadPassesAndReportsItsLag) {
  FencesPassUnderLiveWorkload();
}

// The fence cannot pass early: a change before the marker that one partition's applier cannot
// apply (its row is locked on the target) holds the fence, though capture saw the marker and
// every other partition is applied. Once the lock goes, a fence passes and the row is there.
TEST_F(FenceKafkaTest, FenceDoesNotPassWhileApplyIsBlocked) {
  std::unique_ptr<runtest::CutoverProcess> run = StartRun();
  ASSERT_FALSE(HasFailure());
  std::unique_ptr<mysql::Connection> blocker = copytest::Connect(testing::MariaDbTarget());
  ASSERT_NE(blocker, nullptr);
  copytest::Exec(*blocker, "START TRANSACTION");
  ASSERT_EQ(copytest::Lines(*blocker,
                            "SELECT id FROM " + target_db_ + ".accounts WHERE id = 7 FOR UPDATE"),
            std::vector<std::string>{"7"});
  copytest::Exec(*source_, "UPDATE " + db_ + ".accounts SET owner = 'before-fence' WHERE id = 7");

  auto started = std::chrono::steady_clock::now();
  CliRun held = Cli(dir_, "fence " + spec_.string() + " --timeout 4");
  auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(held.exit_code, 2) << held.out << held.err << run->Output();
  EXPECT_TRUE(held.out.empty()) << held.out;
  EXPECT_NE(held.err.find("DeadlineExceeded: fence "), std::string::npos) << held.err;
  EXPECT_NE(held.err.find(": capture saw the marker, but the appliers (consumer group "
                          "cutover.fence-kafka) did not apply everything before it within 4 s: "
                          "partition "),
            std::string::npos)
      << held.err;
  EXPECT_NE(held.err.find("; are `cutover run` and every `cutover apply` applying (see their "
                          "output)?"),
            std::string::npos)
      << held.err;
  std::printf("fence while apply is blocked: %s", held.err.c_str());
  EXPECT_GE(took, 4s);
  EXPECT_LT(took, 20s);
  // Not applied indeed, and no fence recorded as passed.
  EXPECT_EQ(
      copytest::Lines(*target_, "SELECT owner FROM " + target_db_ + ".accounts WHERE id = 7"),
      copytest::Lines(*blocker, "SELECT owner FROM " + target_db_ + ".accounts WHERE id = 7"));
  EXPECT_NE(copytest::Lines(*target_, "SELECT owner FROM " + target_db_ + ".accounts WHERE id = 7"),
            std::vector<std::string>{"before-fence"});
  {
    StateStoreOptions read_only;
    read_only.read_only = true;
    auto state = StateStore::Open(dir_ / "state", read_only);
    ASSERT_TRUE(state.ok()) << state.status().ToString();
    auto last = (*state)->GetMeta("fence.last");
    ASSERT_TRUE(last.ok());
    EXPECT_FALSE(last->has_value()) << **last;
  }

  copytest::Exec(*blocker, "ROLLBACK");
  CliRun passed = Cli(dir_, "fence " + spec_.string() + " --timeout 60");
  EXPECT_EQ(passed.exit_code, 0) << passed.out << passed.err << run->Output();
  EXPECT_EQ(copytest::Lines(*target_, "SELECT owner FROM " + target_db_ + ".accounts WHERE id = 7"),
            std::vector<std::string>{"before-fence"});
  std::printf("fence after the lock went: %s", passed.out.c_str());
  int code = 0;
  run->Signal(SIGTERM);
  ASSERT_TRUE(run->WaitFor(30s, &code)) << run->Output();
  EXPECT_EQ(code, 0) << run->Output();
}

// With a second applier (`cutover apply`) in the group: a fence waits for every applier (with
// the second one stopped, it does not pass on the partitions that one owns); finish stops the
// run once the whole group has applied everything captured, the target equals the source, and
// the second applier, told to stop, exits cleanly.
TEST_F(FenceKafkaTest, FenceWaitsForEveryApplierAndFinishEndsTheRun) {
  std::unique_ptr<runtest::CutoverProcess> run = StartRun();
  ASSERT_FALSE(HasFailure());
  std::unique_ptr<runtest::CutoverProcess> second = StartSecondApplier();
  ASSERT_FALSE(HasFailure());

  // The second applier stopped (SIGSTOP: Kafka moves its partitions only after the 10 s
  // session timeout), a change to every row: `cutover run` applies its partitions, the fence
  // waits for the others.
  CliRun before = Cli(dir_, "fence " + spec_.string() + " --timeout 60");
  ASSERT_EQ(before.exit_code, 0) << before.out << before.err;
  second->Signal(SIGSTOP);
  copytest::Exec(*source_, "UPDATE " + db_ + ".accounts SET owner = CONCAT('all-', id)");
  CliRun held = Cli(dir_, "fence " + spec_.string() + " --timeout 3");
  bool equal_while_stopped =
      Rows(*target_, target_db_, "accounts") == Rows(*source_, db_, "accounts");
  second->Signal(SIGCONT);
  EXPECT_EQ(held.exit_code, 2) << held.out << held.err;
  EXPECT_NE(held.err.find("did not apply everything before it within 3 s: partition "),
            std::string::npos)
      << held.err;
  std::printf("fence while the second applier is stopped: %s", held.err.c_str());
  // Only the stopped applier's partitions are named: each of the two owns some of the four.
  size_t named = 0;
  for (size_t at = held.err.find("partition "); at != std::string::npos;
       at = held.err.find("partition ", at + 1)) {
    ++named;
  }
  EXPECT_GE(named, 1u) << held.err;
  EXPECT_LE(named, 3u) << held.err;
  EXPECT_FALSE(equal_while_stopped);
  CliRun passed = Cli(dir_, "fence " + spec_.string() + " --timeout 60");
  EXPECT_EQ(passed.exit_code, 0) << passed.out << passed.err;
  EXPECT_TRUE(Rows(*target_, target_db_, "accounts") == Rows(*source_, db_, "accounts"));

  CliRun finish = FinishRun(*run);
  ASSERT_FALSE(HasFailure());
  EXPECT_NE(finish.err.find("every partition of the Kafka change log is applied; stop any "
                            "`cutover apply` of consumer group cutover.fence-kafka (SIGTERM): it "
                            "has nothing left to apply\n"),
            std::string::npos)
      << finish.err;
  // The fence's table, and the watermarks' (the copy's start watermark).
  EXPECT_NE(finish.out.find(fmt::format(
                "removed from the source: `{0}`.`cutover_fence` `{0}`.`cutover_watermarks`\n", db_)),
            std::string::npos)
      << finish.out;
  EXPECT_TRUE(CutoverTablesOnSource().empty());
  // Equal right away: finish returned after the group had applied everything.
  for (const char* table : {"accounts", "lines"}) {
    std::vector<std::string> source_rows = Rows(*source_, db_, table);
    EXPECT_GT(source_rows.size(), 0u) << table;
    EXPECT_TRUE(Rows(*target_, target_db_, table) == source_rows) << table << " differs";
  }
  EXPECT_GT(testing::MostAppliedPerSecond(second->Output()), 0) << second->Output();
  int code = -1;
  second->Signal(SIGTERM);
  ASSERT_TRUE(second->WaitFor(30s, &code)) << second->Output();
  EXPECT_EQ(code, 0) << second->Output();
  CliRun status = Cli(dir_, "status " + spec_.string() + " --json");
  EXPECT_EQ(json::parse(status.out, nullptr, false)["phase"], "finished") << status.out;
}

// `cutover verify --repair` with a Kafka change log waits (through a fence) until every applier
// has applied the re-sent rows: with the applier that owns some of the partitions stopped, the
// repair does not return; once that applier runs again, it ends with 0 differences and the
// target equals the source.
TEST_F(FenceKafkaTest, RepairWaitsForEveryApplier) {
  std::unique_ptr<runtest::CutoverProcess> run = StartRun();
  ASSERT_FALSE(HasFailure());
  std::unique_ptr<runtest::CutoverProcess> second = StartSecondApplier();
  ASSERT_FALSE(HasFailure());
  CliRun drained = Cli(dir_, "fence " + spec_.string() + " --timeout 60");
  ASSERT_EQ(drained.exit_code, 0) << drained.out << drained.err;
  ASSERT_TRUE(Rows(*target_, target_db_, "accounts") == Rows(*source_, db_, "accounts"));

  copytest::Exec(*target_, "UPDATE " + target_db_ + ".accounts SET owner = 'mallory'");
  second->Signal(SIGSTOP);
  runtest::CutoverProcess repair("verify " + spec_.string() + " --repair --json", "",
                                 dir_ / "repair.out");
  int code = -1;
  bool returned_early = repair.WaitFor(10s, &code);
  second->Signal(SIGCONT);
  EXPECT_FALSE(returned_early) << "exit " << code << "\n" << repair.Output();
  if (!returned_early) {
    ASSERT_TRUE(repair.WaitFor(120s, &code)) << repair.Output();
  }
  std::string output = repair.Output();
  EXPECT_EQ(code, 0) << output;
  json report = json::parse(output.substr(output.find('{')), nullptr, false);
  ASSERT_TRUE(report.is_object()) << output;
  EXPECT_EQ(report["differences"], 0) << output;
  EXPECT_GT(report["repair"]["resent"].get<int64_t>(), 0) << output;
  EXPECT_TRUE(Rows(*target_, target_db_, "accounts") == Rows(*source_, db_, "accounts"));

  second->Signal(SIGTERM);
  ASSERT_TRUE(second->WaitFor(30s, &code)) << second->Output();
  run->Signal(SIGTERM);
  ASSERT_TRUE(run->WaitFor(60s, &code)) << run->Output();
  EXPECT_EQ(code, 0) << run->Output();
}

}  // namespace
}  // namespace cutover
