// Schema changes during `cutover run` MariaDB -> MariaDB (docs/ddl.md), under the run tests'
// live write workload: ADD COLUMN with a default, a widened column, a changed default and a
// TRUNCATE are followed (the target has the column and every value, verify finds 0
// differences), and a table created on the source is copied while CDC runs, then followed; a
// dropped column and a primary-key change stop only their table (the others keep applying;
// `cutover status` says which and why; a fence refuses) until `cutover ddl resume --recopy`
// copies it again; `replay` from before the changes into an empty second target gives the same
// tables; `ddl: ignore` reports the column it leaves behind.
#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "run_support.h"

namespace cutover {
namespace {

using copytest::Lines;
using namespace std::chrono_literals;

constexpr int kRows = 2000;

class DdlTest : public runtest::WorkloadPairTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(SetUpPair("ddl_test", "cutover_ddl", kRows));
    // Two tables beside the workload's: `extra` loses a column, `keyed` gets a new key.
    copytest::Exec(*source_, "CREATE TABLE " + db_ +
                                 ".extra (id INT PRIMARY KEY, a INT NOT NULL, b VARCHAR(20))");
    copytest::Exec(*source_, "INSERT INTO " + db_ +
                                 ".extra SELECT seq, seq * 2, CONCAT('b', seq) FROM " + db_ +
                                 ".seq_1_to_300");
    copytest::Exec(*source_, "CREATE TABLE " + db_ +
                                 ".keyed (id INT PRIMARY KEY, part INT NOT NULL, v INT NOT NULL)");
    copytest::Exec(*source_, "INSERT INTO " + db_ + ".keyed SELECT seq, seq % 3, seq FROM " +
                                 db_ + ".seq_1_to_300");
  }

  void WriteDdlSpec(const std::string& rules) {
    copytest::WriteFile(
        spec_, copytest::CopySpec("ddl-test", testing::MariaDbSource(),
                                  copytest::MariaDbTargetYaml(testing::MariaDbTarget(), target_db_),
                                  rules, (dir_ / "state").string(),
                                  "parallelism: {copy_workers: 2, chunk_rows: 500, "
                                  "apply_lanes: 4}\nchange_log: {retention_size: 1GiB}\n"));
  }

  std::unique_ptr<runtest::CutoverProcess> StartRun() {
    return std::make_unique<runtest::CutoverProcess>("run " + spec_.string() + " --status-every 1",
                                                     "", dir_ / "run.out");
  }

  // `cutover <args>`, waited for; its output (each call its own file).
  std::string Cutover(const std::string& args, int* code) {
    runtest::CutoverProcess process(args, "",
                                    dir_ / ("cli" + std::to_string(++calls_) + ".out"));
    *code = process.Wait();
    return process.Output();
  }

  std::vector<std::string> Rows(mysql::Connection& sql, const std::string& db,
                                const std::string& table, const std::string& order = "1") {
    return Lines(sql, "SELECT * FROM " + db + ".`" + table + "` ORDER BY " + order);
  }

  static std::string OrderOf(const std::string& table) {
    return table == "lines" ? "order_id, line" : "id";
  }

  // Polls (at most `timeout`) until `table` is equal on source and target.
  bool Converges(const std::string& table, std::chrono::seconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (Rows(*source_, db_, table, OrderOf(table)) !=
           Rows(*target_, target_db_, table, OrderOf(table))) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(300ms);
    }
    return true;
  }

  // Polls `cutover status` until it says `text`.
  bool StatusSays(const std::string& text, std::chrono::seconds timeout, std::string* last) {
    int code = 0;
    return runtest::OutputSays([&] { return Cutover("status " + spec_.string(), &code); }, text,
                               timeout, last);
  }

  int calls_ = 0;

};

// ADD COLUMN with a default and writes using it, a widened column, a new default, TRUNCATE:
// followed under the workload; verify 0; replay from offset 0 into an empty second target
// gives the same tables (the added column's default reaches the rows that were there).
TEST_F(DdlTest, AddColumnWidenDefaultAndTruncateAreFollowed) {
  WriteDdlSpec("  - match: \"" + db_ + ".*\"\n");
  runtest::Workload workload(testing::MariaDbSource(), db_, kRows);
  auto run = StartRun();
  ASSERT_TRUE(runtest::WaitForCdc(*run)) << run->Output();
  workload.Start(5ms);
  std::this_thread::sleep_for(1s);
  runtest::AlterAccounts(*source_, db_);
  std::this_thread::sleep_for(1s);
  copytest::Exec(*source_, "TRUNCATE TABLE " + db_ + ".extra");
  copytest::Exec(*source_, "INSERT INTO " + db_ + ".extra VALUES (1, 1, 'after truncate')");
  // A new table the spec's pattern selects: copied while CDC runs, then followed.
  copytest::Exec(*source_, "CREATE TABLE " + db_ + ".fresh (id INT PRIMARY KEY, v VARCHAR(10))");
  copytest::Exec(*source_, "INSERT INTO " + db_ + ".fresh SELECT seq, CONCAT('v', seq) FROM " +
                               db_ + ".seq_1_to_500");
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (Lines(*target_, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '" +
                             target_db_ + "' AND TABLE_NAME = 'fresh'") !=
             std::vector<std::string>{"1"} &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(300ms);
  }
  copytest::Exec(*source_, "UPDATE " + db_ + ".fresh SET v = 'later' WHERE id <= 10");
  copytest::Exec(*source_, "DELETE FROM " + db_ + ".fresh WHERE id > 490");
  std::this_thread::sleep_for(2s);
  workload.Stop();
  EXPECT_GT(workload.transactions(), 100);
  // A copying ALTER can make a concurrent transaction fail (a deadlock or lock wait on the
  // source); it is rolled back and changes nothing.
  EXPECT_LE(workload.failures(), 3);
  for (const char* table : {"accounts", "lines", "extra", "keyed", "fresh"}) {
    EXPECT_TRUE(Converges(table, 60s)) << table << "\n" << run->Output();
  }
  EXPECT_EQ(Rows(*target_, target_db_, "fresh").size(), 490u);
  // The new table's copy ends (its last window applied): status no longer lists it.
  std::string copying;
  for (auto until = std::chrono::steady_clock::now() + 60s;
       std::chrono::steady_clock::now() < until;) {
    int status_code = 0;
    copying = Cutover("status " + spec_.string(), &status_code);
    if (copying.find("COPYING") == std::string::npos) break;
    std::this_thread::sleep_for(500ms);
  }
  EXPECT_EQ(copying.find("COPYING"), std::string::npos) << copying;
  EXPECT_EQ(Lines(*target_, "SELECT COLUMN_DEFAULT, CHARACTER_MAXIMUM_LENGTH IS NULL FROM "
                            "information_schema.COLUMNS WHERE TABLE_SCHEMA = '" +
                                target_db_ + "' AND TABLE_NAME = 'accounts' AND COLUMN_NAME = "
                                             "'tier'"),
            std::vector<std::string>{"9\t1"});
  EXPECT_EQ(Lines(*target_, "SELECT CHARACTER_MAXIMUM_LENGTH FROM information_schema.COLUMNS "
                            "WHERE TABLE_SCHEMA = '" +
                                target_db_ + "' AND TABLE_NAME = 'accounts' AND COLUMN_NAME = "
                                             "'owner'"),
            std::vector<std::string>{"80"});
  EXPECT_EQ(Rows(*target_, target_db_, "extra"),
            std::vector<std::string>{"1\t1\tafter truncate"});
  int code = 0;
  std::string verify = Cutover("verify " + spec_.string(), &code);
  EXPECT_EQ(code, 0) << verify;
  std::string status = Cutover("status " + spec_.string(), &code);
  EXPECT_EQ(status.find("STOPPED"), std::string::npos) << status;
  runtest::StopRun(*run);

  // Replay from the log's start into an empty second target: the tables are made from the
  // source's schema now, and the log's statements bring the rows there (the rows that existed
  // at the ADD COLUMN get its default 7, as on the source).
  std::string second_db = db_ + "_t2";
  copytest::Exec(*target_, "DROP DATABASE IF EXISTS " + second_db);
  std::filesystem::path second = dir_ / "second.yaml";
  copytest::WriteFile(
      second, copytest::CopySpec("ddl-test-replay", testing::MariaDbSource(),
                                 copytest::MariaDbTargetYaml(testing::MariaDbTarget(), second_db),
                                 "  - match: \"" + db_ + ".*\"\n", (dir_ / "state2").string()));
  std::string replay =
      Cutover("replay " + spec_.string() + " --from 0 --target " + second.string(), &code);
  ASSERT_EQ(code, 0) << replay;
  // The copy's rows are not in the log (it starts at P0): compare the rows CDC wrote, those
  // past the initial ids, and the truncated table entirely.
  auto fresh = [&](mysql::Connection& sql, const std::string& db) {
    return Lines(sql, "SELECT * FROM " + db + ".accounts WHERE id > " + std::to_string(kRows) +
                          " ORDER BY id");
  };
  EXPECT_TRUE(fresh(*target_, second_db) == fresh(*source_, db_));
  EXPECT_GT(fresh(*source_, db_).size(), 20u);
  EXPECT_EQ(Rows(*target_, second_db, "extra"), Rows(*source_, db_, "extra"));
  copytest::Exec(*target_, "DROP DATABASE IF EXISTS " + second_db);
}

// A dropped column and a new primary key stop only their tables, with the reason in `cutover
// status`; the workload's tables keep applying; `cutover ddl resume --recopy` copies each again
// and they follow the source after.
TEST_F(DdlTest, DropColumnAndKeyChangeStopOnlyTheirTableUntilRecopy) {
  WriteDdlSpec("  - match: \"" + db_ + ".*\"\n");
  runtest::Workload workload(testing::MariaDbSource(), db_, kRows);
  auto run = StartRun();
  ASSERT_TRUE(runtest::WaitForCdc(*run)) << run->Output();
  workload.Start(5ms);
  copytest::Exec(*source_, "ALTER TABLE " + db_ + ".extra DROP COLUMN b");
  copytest::Exec(*source_, "UPDATE " + db_ + ".extra SET a = a + 1 WHERE id % 4 = 0");
  copytest::Exec(*source_, "ALTER TABLE " + db_ + ".keyed DROP PRIMARY KEY, ADD PRIMARY KEY (id, "
                                                  "part)");
  copytest::Exec(*source_, "INSERT INTO " + db_ + ".keyed VALUES (1, 9, 1)");
  std::string status;
  EXPECT_TRUE(StatusSays("STOPPED " + db_ + ".keyed", 30s, &status)) << status << run->Output();
  EXPECT_NE(status.find("STOPPED " + db_ + ".extra: column b of " + db_ +
                        ".extra was dropped on the source"),
            std::string::npos)
      << status;
  EXPECT_NE(status.find("the primary key of " + db_ + ".keyed changed on the source"),
            std::string::npos)
      << status;
  // A fence cannot pass while a table's changes are held, and says why at once.
  int fence_code = 0;
  std::string fence = Cutover("fence " + spec_.string() + " --timeout 30", &fence_code);
  EXPECT_EQ(fence_code, 2) << fence;
  EXPECT_NE(fence.find("is stopped by a schema change"), std::string::npos) << fence;
  // The other tables go on under the workload.
  std::this_thread::sleep_for(2s);
  workload.Stop();
  EXPECT_LE(workload.failures(), 3);  // as above
  for (const char* table : {"accounts", "lines"}) {
    EXPECT_TRUE(Converges(table, 60s)) << table << "\n" << run->Output();
  }
  EXPECT_NE(Rows(*target_, target_db_, "extra"), Rows(*source_, db_, "extra"));
  // More changes while stopped, then the re-copies.
  copytest::Exec(*source_, "DELETE FROM " + db_ + ".extra WHERE id <= 10");
  copytest::Exec(*source_, "UPDATE " + db_ + ".keyed SET v = v + 100 WHERE id % 5 = 0");
  for (const std::string table : {"extra", "keyed"}) {
    int code = 0;
    std::string resumed =
        Cutover("ddl resume " + spec_.string() + " " + db_ + "." + table + " --recopy", &code);
    EXPECT_EQ(code, 0) << resumed << run->Output();
    EXPECT_NE(resumed.find("copied again"), std::string::npos) << resumed;
  }
  // Followed again from here.
  copytest::Exec(*source_, "UPDATE " + db_ + ".extra SET a = 0 WHERE id = 20");
  copytest::Exec(*source_, "INSERT INTO " + db_ + ".keyed VALUES (1, 10, 5)");
  EXPECT_TRUE(Converges("extra", 60s)) << run->Output();
  EXPECT_TRUE(Converges("keyed", 60s)) << run->Output();
  int code = 0;
  status = Cutover("status " + spec_.string(), &code);
  EXPECT_EQ(status.find("STOPPED"), std::string::npos) << status;
  // Resuming a table that is not stopped says so.
  std::string again = Cutover("ddl resume " + spec_.string() + " " + db_ + ".extra", &code);
  EXPECT_EQ(code, 1);
  EXPECT_NE(again.find(db_ + ".extra is not stopped by a schema change"), std::string::npos)
      << again;
  runtest::StopRun(*run);
}

// `ddl: stop` stops a table at any change; `ddl resume` (no re-copy) after the person made the
// target follow applies the changes held since; `ddl: ignore` goes on and reports the column.
TEST_F(DdlTest, StopPolicyResumesWithHeldChangesAndIgnoreReports) {
  WriteDdlSpec("  - match: " + db_ + ".extra\n    ddl: stop\n  - match: " + db_ +
               ".keyed\n    ddl: ignore\n  - match: \"" + db_ + ".*\"\n");
  auto run = StartRun();
  ASSERT_TRUE(runtest::WaitForCdc(*run)) << run->Output();
  copytest::Exec(*source_, "ALTER TABLE " + db_ + ".extra ADD COLUMN c INT NULL");
  copytest::Exec(*source_, "UPDATE " + db_ + ".extra SET c = id, a = a + 1 WHERE id % 3 = 0");
  copytest::Exec(*source_, "ALTER TABLE " + db_ + ".keyed ADD COLUMN w INT NOT NULL DEFAULT 3");
  copytest::Exec(*source_, "UPDATE " + db_ + ".keyed SET v = v + 1, w = 4 WHERE id % 2 = 0");
  std::string status;
  EXPECT_TRUE(StatusSays("STOPPED " + db_ + ".extra", 30s, &status)) << status << run->Output();
  EXPECT_NE(status.find("its rule says ddl: stop"), std::string::npos) << status;
  // (keyed had no change before the ALTER: its first rows already have w.)
  EXPECT_TRUE(StatusSays("not carried: " + db_ + ".keyed.w: not on the target table; ddl: ignore",
                         30s, &status))
      << status;
  // keyed goes on without w.
  auto keyed = [&](mysql::Connection& sql, const std::string& db) {
    return Lines(sql, "SELECT id, part, v FROM " + db + ".keyed ORDER BY id");
  };
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (keyed(*target_, target_db_) != keyed(*source_, db_) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(300ms);
  }
  EXPECT_TRUE(keyed(*target_, target_db_) == keyed(*source_, db_));
  // verify says so before rows: the stopped table, and the column ignore leaves behind.
  int verify_code = 0;
  std::string verify =
      Cutover("verify " + spec_.string() + " --tables " + db_ + ".extra", &verify_code);
  EXPECT_EQ(verify_code, 1) << verify;
  EXPECT_NE(verify.find("schema: " + db_ + ".extra: its changes are not applied since"),
            std::string::npos)
      << verify;
  EXPECT_NE(verify.find("schema: " + db_ + ".keyed.w: on the source, not on the target"),
            std::string::npos)
      << verify;
  // The person follows the change on the target, then resumes: the held updates arrive.
  copytest::Exec(*target_, "ALTER TABLE " + target_db_ + ".extra ADD COLUMN c INT NULL");
  int code = 0;
  std::string resumed = Cutover("ddl resume " + spec_.string() + " " + db_ + ".extra", &code);
  EXPECT_EQ(code, 0) << resumed << run->Output();
  EXPECT_NE(resumed.find("caught up"), std::string::npos) << resumed;
  EXPECT_TRUE(Converges("extra", 60s)) << run->Output();
  runtest::StopRun(*run);
}

// Two tables held by `ddl: stop` and resumed in the other order than they stopped: resuming
// the first one held reads the log again from before the second one's holding statement, which
// must not stop that table again.
TEST_F(DdlTest, TwoHeldTablesResumedOutOfOrderBothFollow) {
  WriteDdlSpec("  - match: " + db_ + ".extra\n    ddl: stop\n  - match: " + db_ +
               ".keyed\n    ddl: stop\n  - match: \"" + db_ + ".*\"\n");
  auto run = StartRun();
  ASSERT_TRUE(runtest::WaitForCdc(*run)) << run->Output();
  copytest::Exec(*source_, "ALTER TABLE " + db_ + ".extra ADD COLUMN c INT NULL");
  copytest::Exec(*source_, "UPDATE " + db_ + ".extra SET c = id WHERE id % 3 = 0");
  std::string status;
  EXPECT_TRUE(StatusSays("STOPPED " + db_ + ".extra", 30s, &status)) << status << run->Output();
  copytest::Exec(*source_, "ALTER TABLE " + db_ + ".keyed ADD COLUMN d INT NULL");
  copytest::Exec(*source_, "UPDATE " + db_ + ".keyed SET d = id WHERE id % 4 = 0");
  EXPECT_TRUE(StatusSays("STOPPED " + db_ + ".keyed", 30s, &status)) << status << run->Output();
  int code = 0;
  copytest::Exec(*target_, "ALTER TABLE " + target_db_ + ".keyed ADD COLUMN d INT NULL");
  std::string resumed = Cutover("ddl resume " + spec_.string() + " " + db_ + ".keyed", &code);
  EXPECT_EQ(code, 0) << resumed << run->Output();
  copytest::Exec(*target_, "ALTER TABLE " + target_db_ + ".extra ADD COLUMN c INT NULL");
  resumed = Cutover("ddl resume " + spec_.string() + " " + db_ + ".extra", &code);
  EXPECT_EQ(code, 0) << resumed << run->Output();
  copytest::Exec(*source_, "UPDATE " + db_ + ".keyed SET d = 0 WHERE id = 1");
  EXPECT_TRUE(Converges("extra", 60s)) << run->Output();
  EXPECT_TRUE(Converges("keyed", 60s)) << run->Output();
  status = Cutover("status " + spec_.string(), &code);
  EXPECT_EQ(status.find("STOPPED"), std::string::npos) << status;
  runtest::StopRun(*run);
}

}  // namespace
}  // namespace cutover
