// `cutover run` MariaDB -> MariaDB end to end, with a write workload on the source for the whole
// migration (inserts, updates including primary-key changes, deletes, multi-row transactions):
// uninterrupted; killed with SIGKILL at several points and run again; with the target stopped
// for 30 s during CDC; with the source restarted during CDC; started again and again while many
// connections commit back to back (the start position's boundary). Each ends with the target
// equal to the source row by row.
#include <nlohmann/json.hpp>
#include <set>

#include <gtest/gtest.h>

#include "run_support.h"

namespace cutover {
namespace {

using copytest::Lines;
using namespace std::chrono_literals;

constexpr int kRows = 3000;

class RunTest : public runtest::WorkloadPairTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(SetUpPair("run_test", "cutover_run", kRows));
    // A throttled copy (about 3 s for 6,000 rows) so the workload overlaps it.
    WriteSpec("run-test",
              "parallelism: {copy_workers: 2, chunk_rows: 200, apply_lanes: 4}\n"
              "throttle: {copy_rows_per_second: 2000}\n");
  }

  std::unique_ptr<runtest::CutoverProcess> StartRun(const std::string& env = "") {
    return std::make_unique<runtest::CutoverProcess>("run " + spec_.string() + " --status-every 1",
                                                     env, dir_ / "run.out");
  }

  // Polls until both tables are equal on source and target (the workload has stopped), at most
  // `timeout`; then asserts they are.
  void ExpectTargetCatchesUp(std::chrono::seconds timeout) {
    runtest::ExpectTargetCatchesUp(*source_, db_, *target_, target_db_, timeout);
  }
};

TEST_F(RunTest, LiveWorkloadThroughCopyAndCdcEndsEqual) {
  runtest::Workload workload(testing::MariaDbSource(), db_, kRows);
  workload.Start(5ms);
  auto run = StartRun();
  std::this_thread::sleep_for(8s);
  workload.Stop();
  EXPECT_GT(workload.transactions(), 200);
  EXPECT_EQ(workload.failures(), 0);
  ExpectTargetCatchesUp(60s);
  // `cutover status` from another process while the run goes on.
  runtest::CutoverProcess status("status " + spec_.string() + " --json", "", dir_ / "status.out");
  ASSERT_EQ(status.Wait(), 0) << status.Output();
  nlohmann::json json = nlohmann::json::parse(status.Output());
  EXPECT_EQ(json["phase"], "cdc") << status.Output();
  EXPECT_EQ(json["tables"].size(), 2u);
  EXPECT_EQ(json["tables"][0]["state"], "done");
  EXPECT_LT(json["cdc"]["lag_seconds"].get<double>(), 5.0) << status.Output();
  runtest::StopRun(*run);
  EXPECT_NE(run->Output().find("cdc: cdc, lag"), std::string::npos) << run->Output();
  // Every selected table was written with its secondary index, and the checkpoints are there.
  EXPECT_EQ(Lines(*target_,
                  "SELECT COUNT(*) FROM information_schema.STATISTICS WHERE "
                  "TABLE_SCHEMA = '" +
                      target_db_ + "' AND INDEX_NAME = 'by_owner'"),
            std::vector<std::string>{"1"});
  EXPECT_EQ(Lines(*target_, "SELECT COUNT(*) FROM " + target_db_ +
                                ".cutover_checkpoints WHERE migration = 'run-test'"),
            std::vector<std::string>{"4"});
}

// kill -9 during the copy, right after a transaction reached the log (before it was applied),
// before a batch was applied, right after a batch and its checkpoint committed, and at a random
// moment of CDC; each time the next run resumes. The workload never stops meanwhile. The log's
// segments are 4 KiB: each restart of capture and each segment state the tables' shapes again,
// so lane batches hold one table's rows under many shape records (the appliers once let an
// older image win there: sink/common/final_images.h).
TEST_F(RunTest, KilledAtSeveralPointsResumesToEqual) {
  WriteSpec("run-test",
            "parallelism: {copy_workers: 2, chunk_rows: 200, apply_lanes: 4}\n"
            "throttle: {copy_rows_per_second: 2000}\nchange_log: {segment_size: 4KiB}\n");
  runtest::Workload workload(testing::MariaDbSource(), db_, kRows);
  workload.Start(5ms);
  runtest::KillAtEachPointThenAtRandom([this](const std::string& env) { return StartRun(env); },
                                       {"after_record:6:kill", "capture_appended:30:kill",
                                        "apply_before:5:kill", "apply_after:8:kill"});
  if (HasFatalFailure()) return;
  auto run = StartRun();
  std::this_thread::sleep_for(2s);
  workload.Stop();
  EXPECT_EQ(workload.failures(), 0);
  ExpectTargetCatchesUp(60s);
  runtest::StopRun(*run);
}

TEST_F(RunTest, TargetDownForThirtySecondsDuringCdc) {
  runtest::Workload workload(testing::MariaDbSource(), db_, kRows);
  workload.Start(5ms);
  auto run = StartRun();
  std::this_thread::sleep_for(6s);  // past the copy
  std::string servers = testing::SourceDir() + "/scripts/servers";
  ASSERT_EQ(std::system((servers + " stop mariadb-target > /dev/null").c_str()), 0);
  std::this_thread::sleep_for(30s);
  ASSERT_TRUE(testing::EnsureServer("mariadb-target"));
  target_ = copytest::Connect(testing::MariaDbTarget());
  ASSERT_NE(target_, nullptr);
  std::this_thread::sleep_for(2s);
  workload.Stop();
  ExpectTargetCatchesUp(90s);
  runtest::StopRun(*run);
  EXPECT_NE(run->Output().find("applying"), std::string::npos) << "no retry was logged";
}

TEST_F(RunTest, SourceRestartDuringCdc) {
  runtest::Workload workload(testing::MariaDbSource(), db_, kRows);
  workload.Start(5ms);
  auto run = StartRun();
  std::this_thread::sleep_for(6s);
  std::string servers = testing::SourceDir() + "/scripts/servers";
  ASSERT_EQ(std::system((servers + " stop mariadb-source > /dev/null").c_str()), 0);
  std::this_thread::sleep_for(3s);
  ASSERT_TRUE(testing::EnsureServer("mariadb-source"));
  source_ = copytest::Connect(testing::MariaDbSource());
  ASSERT_NE(source_, nullptr);
  std::this_thread::sleep_for(3s);
  workload.Stop();
  ExpectTargetCatchesUp(90s);
  runtest::StopRun(*run);
}

// The start position under commits that never pause: several connections commit back to back
// (single-row updates of their own keys, inserts and deletes of their own new rows) while `cutover
// run` starts, takes P0 and copies; after the copy and CDC the target equals the source, every
// repetition. A transaction in the binlog before P0 but not yet visible to the copy's reads would
// be lost here (docs/copy.md, "The start position"). CUTOVER_P0_REPETITIONS sets the count (the
// long run: 50).
TEST_F(RunTest, StartUnderConcurrentCommits) {
  int repetitions = 3;
  if (const char* text = std::getenv("CUTOVER_P0_REPETITIONS")) repetitions = std::atoi(text);
  constexpr int kWriters = 6;
  for (int repetition = 0; repetition < repetitions; ++repetition) {
    SCOPED_TRACE(fmt::format("repetition {}", repetition + 1));
    copytest::Exec(*target_, "DROP DATABASE IF EXISTS " + target_db_);
    std::filesystem::remove_all(dir_ / "state");
    std::atomic<bool> stop{false};
    std::atomic<int> commits{0};
    std::atomic<int> failures{0};
    std::vector<std::thread> writers;
    for (int writer = 0; writer < kWriters; ++writer) {
      writers.emplace_back([&, writer] {
        std::unique_ptr<mysql::Connection> sql = copytest::Connect(testing::MariaDbSource());
        if (sql == nullptr) {
          ++failures;
          return;
        }
        std::mt19937 random(static_cast<unsigned>(repetition * 100 + writer));
        // Own keys: updates of ids writer, writer + kWriters, ...; new rows from a range of its
        // own, deleted again now and then.
        int next = 1000000 + (repetition * kWriters + writer) * 100000;
        int oldest = next;
        while (!stop.load()) {
          std::string statement;
          switch (random() % 4) {
            case 0:
            case 1: {
              int id = writer + 1 + kWriters * static_cast<int>(random() % (kRows / kWriters));
              statement = fmt::format(
                  "UPDATE {}.accounts SET balance = balance + 1, updated = NOW(6) WHERE id = {}",
                  db_, id);
              break;
            }
            case 2:
              statement = fmt::format(
                  "INSERT INTO {}.accounts VALUES ({}, 'p0', 1.00, NOW(6), NULL)", db_, next++);
              break;
            default:
              if (oldest == next) continue;
              statement = fmt::format("DELETE FROM {}.accounts WHERE id = {}", db_, oldest++);
          }
          if (sql->Execute(statement).ok()) {
            ++commits;
          } else {
            ++failures;
          }
        }
      });
    }
    std::this_thread::sleep_for(300ms);
    auto run = StartRun();
    // Commits go on through P0 and the copy's first chunks.
    std::this_thread::sleep_for(2500ms);
    stop = true;
    for (std::thread& writer : writers) writer.join();
    EXPECT_GT(commits.load(), 200);
    EXPECT_EQ(failures.load(), 0);
    ExpectTargetCatchesUp(90s);
    runtest::StopRun(*run);
    if (HasFailure()) break;
  }
}

// A row filter through copy and CDC: while `cutover run` copies and follows, updates move rows
// into and out of the filter (balances and dates crossing its bounds, notes becoming NULL and
// back, keys changing, inserts and deletes on both sides of it); the target holds exactly the source rows
// the filter keeps, and every row of the unfiltered table.
TEST_F(RunTest, RowFilterHoldsThroughCdc) {
  // The initial rows' `updated` runs from 00:00:01 to 00:50:00 (one second per id).
  const std::string filter =
      "balance BETWEEN 1000 AND 3000 AND updated >= '2024-01-01 00:10:00' AND "
      "(note IS NULL OR note LIKE 'note%')";
  copytest::WriteFile(
      spec_, copytest::CopySpec("run-filter", testing::MariaDbSource(),
                                copytest::MariaDbTargetYaml(testing::MariaDbTarget(), target_db_),
                                "  - match: " + db_ + ".accounts\n    filter: \"" + filter +
                                    "\"\n  - match: \"" + db_ + ".*\"\n",
                                (dir_ / "state").string(),
                                "parallelism: {copy_workers: 2, chunk_rows: 200, apply_lanes: 4}\n"
                                "throttle: {copy_rows_per_second: 2000}\n"));
  std::atomic<bool> stop{false};
  std::atomic<int> writes{0};
  std::atomic<int> failures{0};
  std::thread writer([&] {
    std::unique_ptr<mysql::Connection> sql = copytest::Connect(testing::MariaDbSource());
    std::mt19937 random(2024);
    int next = 100000;
    while (!stop.load()) {
      int id = 1 + static_cast<int>(random() % kRows);
      std::string table = db_ + ".accounts";
      std::string statement;
      switch (random() % 6) {
        case 0:
        case 1: {  // a new balance and time anywhere: in, out, across every bound
          uint32_t balance = random() % 4000;
          statement = fmt::format(
              "UPDATE {} SET balance = {}.25, updated = '2024-01-01 00:10:00' + INTERVAL {} "
              "SECOND WHERE id = {}",
              table, balance, static_cast<int>(random() % 1200) - 600, id);
          break;
        }
        case 2:  // the note leaves the LIKE, becomes NULL, or comes back
          statement = fmt::format(
              "UPDATE {} SET note = ELT(1 + (id + {}) % 3, NULL, 'note again', 'other') WHERE "
              "id = {}",
              table, random() % 3, id);
          break;
        case 3:
          statement = fmt::format("INSERT INTO {} VALUES ({}, 'new', {}.50, NOW(6), NULL)", table,
                                  next++, random() % 4000);
          break;
        case 4: statement = fmt::format("DELETE FROM {} WHERE id = {}", table, id); break;
        default:  // a key change, in or out of the filter
          statement = fmt::format("UPDATE {} SET id = {} WHERE id = {}", table, next++, id);
      }
      if (sql->Execute(statement).ok()) {
        ++writes;
      } else {
        ++failures;
      }
      std::this_thread::sleep_for(3ms);
    }
  });
  auto run = StartRun();
  std::this_thread::sleep_for(8s);
  stop = true;
  writer.join();
  EXPECT_GT(writes.load(), 300);
  EXPECT_EQ(failures.load(), 0);
  auto filtered = [&] {
    return Lines(*source_, "SELECT * FROM " + db_ + ".accounts WHERE " + filter + " ORDER BY id");
  };
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (runtest::WorkloadRows(*target_, target_db_, "accounts") != filtered() &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(500ms);
  }
  std::vector<std::string> expected = filtered();
  std::vector<std::string> target_rows = runtest::WorkloadRows(*target_, target_db_, "accounts");
  EXPECT_GT(expected.size(), 100u);
  EXPECT_LT(expected.size(), runtest::WorkloadRows(*source_, db_, "accounts").size());
  EXPECT_TRUE(target_rows == expected) << runtest::RowsDiff(expected, target_rows);
  EXPECT_TRUE(runtest::WorkloadRows(*target_, target_db_, "lines") ==
              runtest::WorkloadRows(*source_, db_, "lines"));
  runtest::StopRun(*run);
}

// With a source that starts empty, the log holds every row: `cutover replay --from 0` into an
// empty second target builds the same tables and rows; a position and a time work as starts.
// Unique e-mails moving between rows (swapped through temporary values, handed to new rows)
// under 8 lanes: the table goes to one lane, so REPLACE never deletes a row whose own later image
// another lane applied already; every row ends at its last image.
TEST_F(RunTest, UniqueValuesMovingBetweenRowsConverge) {
  runtest::CreatePeople(*source_, db_);
  WriteSpec("run-test", "parallelism: {apply_lanes: 8}\n");
  auto run = StartRun();
  ASSERT_TRUE(runtest::WaitForCdc(*run)) << run->Output();
  runtest::MoveUniqueValues(*source_, db_);
  auto rows = [&](mysql::Connection& sql, const std::string& db) {
    return Lines(sql, "SELECT * FROM " + db + ".people ORDER BY id");
  };
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (rows(*source_, db_) != rows(*target_, target_db_) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(300ms);
  }
  std::vector<std::string> source_rows = rows(*source_, db_);
  std::vector<std::string> target_rows = rows(*target_, target_db_);
  EXPECT_TRUE(source_rows == target_rows) << runtest::RowsDiff(source_rows, target_rows)
                                          << run->Output();
  runtest::StopRun(*run);
}

TEST_F(RunTest, ReplayIntoAnEmptySecondTarget) {
  runtest::CreateWorkloadSchema(*source_, db_, 0);
  std::string spec_text =
      copytest::CopySpec("run-test", testing::MariaDbSource(),
                         copytest::MariaDbTargetYaml(testing::MariaDbTarget(), target_db_),
                         "  - match: \"" + db_ + ".*\"\n", (dir_ / "state").string(),
                         "parallelism: {apply_lanes: 3}\nchange_log: {retention_size: 1GiB}\n");
  copytest::WriteFile(spec_, spec_text);
  // The workload starts once the run took its start position: a row written before it comes
  // only through the copy, and one never touched again would be missing from the log.
  auto run = StartRun();
  ASSERT_TRUE(runtest::WaitForCdc(*run)) << run->Output();
  runtest::Workload workload(testing::MariaDbSource(), db_, 0);
  workload.Start(5ms);
  std::this_thread::sleep_for(5s);
  workload.Stop();
  ExpectTargetCatchesUp(60s);
  runtest::StopRun(*run);

  std::string second_db = db_ + "_t2";
  copytest::Exec(*target_, "DROP DATABASE IF EXISTS " + second_db);
  std::filesystem::path second = dir_ / "second.yaml";
  copytest::WriteFile(
      second, copytest::CopySpec("run-test-replay", testing::MariaDbSource(),
                                 copytest::MariaDbTargetYaml(testing::MariaDbTarget(), second_db),
                                 "  - match: \"" + db_ + ".*\"\n", (dir_ / "state2").string()));
  runtest::CutoverProcess replay(
      "replay " + spec_.string() + " --from 0 --target " + second.string(), "",
      dir_ / "replay.out");
  ASSERT_EQ(replay.Wait(), 0) << replay.Output();
  EXPECT_NE(replay.Output().find("replayed log offsets 0 to "), std::string::npos)
      << replay.Output();
  for (const char* table : {"accounts", "lines"}) {
    std::vector<std::string> source_rows = runtest::WorkloadRows(*source_, db_, table);
    EXPECT_GT(source_rows.size(), 50u) << table;
    EXPECT_TRUE(runtest::WorkloadRows(*target_, second_db, table) == source_rows) << table;
  }
  // The second target has the source's secondary index too.
  EXPECT_EQ(Lines(*target_,
                  "SELECT COUNT(*) FROM information_schema.STATISTICS WHERE "
                  "TABLE_SCHEMA = '" +
                      second_db + "' AND INDEX_NAME = 'by_owner'"),
            std::vector<std::string>{"1"});
  // Replaying again from a time before the migration or from its start position rewrites the
  // same rows (full images, in order).
  for (const std::string& from :
       {std::string("'2000-01-01 00:00:00'"), std::string("gtid:0-0-0")}) {
    runtest::CutoverProcess again(
        "replay " + spec_.string() + " --from " + from + " --target " + second.string(), "",
        dir_ / "replay2.out");
    ASSERT_EQ(again.Wait(), 0) << again.Output();
    EXPECT_TRUE(runtest::WorkloadRows(*target_, second_db, "accounts") ==
                runtest::WorkloadRows(*source_, db_, "accounts"));
  }
  // A bad --from names the accepted forms.
  runtest::CutoverProcess bad("replay " + spec_.string() + " --from yesterday", "",
                              dir_ / "bad.out");
  EXPECT_EQ(bad.Wait(), 2);
  EXPECT_NE(bad.Output().find("cutover replay: --from: 'yesterday' is not a log offset, a time"),
            std::string::npos)
      << bad.Output();
  copytest::Exec(*target_, "DROP DATABASE IF EXISTS " + second_db);
}

}  // namespace
}  // namespace cutover
