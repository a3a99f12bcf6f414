// `cutover run` MariaDB -> PostgreSQL end to end, under the run tests' live write workload
// (inserts, updates including primary-key changes, deletes, multi-row transactions): through
// copy, catch-up and CDC; killed with SIGKILL at named points and run again; `replay --from 0`
// into an empty second database; schema changes followed (ADD COLUMN with a default, a widened
// column, a new default, TRUNCATE) and a dropped column stopping only its table until `cutover
// ddl resume --recopy`. Each ends with every column of every row equal, compared on both
// servers by its text (not through cutover verify).
#include <iostream>
#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "db/postgres/connection.h"
#include "postgres_source_support.h"
#include "run_support.h"

namespace cutover {
namespace {

using copytest::Lines;
using namespace std::chrono_literals;

constexpr int kRows = 2000;

using pgsource::PgLines;  // every row as a tab-separated line, as copytest::Lines

class RunPostgresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::EnsureServer("mariadb-source"));
    ASSERT_TRUE(testing::EnsureServer("postgres-target"));
    source_ = copytest::Connect(testing::MariaDbSource());
    ASSERT_NE(source_, nullptr);
    target_ = ConnectPg(testing::PostgresTarget().database);
    ASSERT_NE(target_, nullptr);
    db_ = "run_pg_" + std::to_string(getpid());
    migration_ = "run-pg-" + std::to_string(getpid());
    dir_ = copytest::MakeTempDir("cutover_run_pg");
    spec_ = dir_ / "spec.yaml";
    PgExec(*target_, "DROP SCHEMA IF EXISTS " + db_ + " CASCADE");
    runtest::CreateWorkloadSchema(*source_, db_, kRows);
  }
  void TearDown() override {
    if (HasFailure() && std::getenv("CUTOVER_TEST_KEEP") != nullptr) return;
    if (source_) copytest::Exec(*source_, "DROP DATABASE IF EXISTS " + db_);
    if (target_) {
      PgExec(*target_, "DROP SCHEMA IF EXISTS " + db_ + " CASCADE");
      PgExec(*target_, "DELETE FROM cutover.cutover_checkpoints WHERE migration LIKE '" +
                           migration_ + "%'");
    }
    std::filesystem::remove_all(dir_);
  }

  static std::unique_ptr<postgres::Connection> ConnectPg(const std::string& database) {
    ConnectionSpec spec = copytest::ConnectionFor(testing::PostgresTarget(), database);
    Result<std::unique_ptr<postgres::Connection>> opened = postgres::Connection::Open(spec);
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    return opened.ok() ? *std::move(opened) : nullptr;
  }
  static void PgExec(postgres::Connection& connection, const std::string& sql) {
    Status status = connection.Execute(sql).status();
    EXPECT_TRUE(status.ok() || status.code() == StatusCode::kNotFound)
        << sql << ": " << status.ToString();
  }

  // spec_: migration_ (+ `suffix`), every table of db_ into `database` of the PostgreSQL target,
  // state in dir_/`state`, then `extra`.
  std::string SpecText(const std::string& database, const std::string& suffix,
                       const std::string& state, const std::string& extra) {
    testing::ServerInfo pg = testing::PostgresTarget();
    pg.database = database;
    return copytest::CopySpec(migration_ + suffix, testing::MariaDbSource(),
                              copytest::PostgresTargetYaml(pg), "  - match: \"" + db_ + ".*\"\n",
                              (dir_ / state).string(), extra);
  }
  void WriteSpec(const std::string& extra) {
    copytest::WriteFile(spec_, SpecText(testing::PostgresTarget().database, "", "state", extra));
  }

  std::unique_ptr<runtest::CutoverProcess> StartRun(const std::string& env = "") {
    return std::make_unique<runtest::CutoverProcess>("run " + spec_.string() + " --status-every 1",
                                                     env, dir_ / "run.out");
  }
  // `cutover <args>`, waited for; its output (each call its own file).
  std::string Cutover(const std::string& args, int* code) {
    runtest::CutoverProcess process(args, "", dir_ / ("cli" + std::to_string(++calls_) + ".out"));
    *code = process.Wait();
    return process.Output();
  }

  // Every column of `table` as text on both servers, in key order: the source's DATETIME(6)
  // with all six fraction digits, as PostgreSQL's to_char writes them; DECIMAL as both write it.
  std::vector<std::string> SourceRows(const std::string& table, const std::string& db = "") {
    return Lines(*source_, "SELECT " + Columns(table, false) + " FROM " +
                               (db.empty() ? db_ : db) + ".`" + table + "` ORDER BY " +
                               Order(table));
  }
  std::vector<std::string> TargetRows(const std::string& table,
                                      postgres::Connection* connection = nullptr) {
    return PgLines(connection ? *connection : *target_,
                   "SELECT " + Columns(table, true) + " FROM " + db_ + ".\"" + table +
                       "\" ORDER BY " + Order(table));
  }
  static std::string Order(const std::string& table) {
    return table == "lines" ? "order_id, line" : "id";
  }
  std::string Columns(const std::string& table, bool postgres) {
    if (table == "accounts") {
      return postgres ? "id, owner, balance, to_char(updated, 'YYYY-MM-DD HH24:MI:SS.US'), note" +
                            extra_accounts_
                      : "id, owner, balance, DATE_FORMAT(updated, '%Y-%m-%d %H:%i:%s.%f'), note" +
                            extra_accounts_;
    }
    if (table == "lines") return "order_id, line, sku, qty";
    return "*";
  }

  // Polls until `tables` are equal on source and target (at most `timeout`); then asserts so.
  void ExpectConverges(std::initializer_list<const char*> tables, std::chrono::seconds timeout,
                       const std::string& context = "") {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      bool equal = true;
      for (const char* table : tables) equal = equal && SourceRows(table) == TargetRows(table);
      if (equal || std::chrono::steady_clock::now() > deadline) break;
      std::this_thread::sleep_for(300ms);
    }
    for (const char* table : tables) {
      std::vector<std::string> source_rows = SourceRows(table);
      std::vector<std::string> target_rows = TargetRows(table);
      EXPECT_EQ(target_rows.size(), source_rows.size()) << table;
      EXPECT_TRUE(target_rows == source_rows)
          << table << " differs\n" << runtest::RowsDiff(source_rows, target_rows) << context;
    }
  }

  std::unique_ptr<mysql::Connection> source_;
  std::unique_ptr<postgres::Connection> target_;
  std::string db_;
  std::string migration_;
  std::filesystem::path dir_;
  std::filesystem::path spec_;
  std::string extra_accounts_;  // columns added to accounts by a test, ", tier"
  int calls_ = 0;
};

TEST_F(RunPostgresTest, LiveWorkloadThroughCopyAndCdcEndsEqual) {
  // A throttled copy (about 2 s for 4,000 rows) so the workload overlaps it.
  WriteSpec("parallelism: {copy_workers: 2, chunk_rows: 200, apply_lanes: 4}\n"
            "throttle: {copy_rows_per_second: 2000}\n");
  runtest::Workload workload(testing::MariaDbSource(), db_, kRows);
  workload.Start(5ms);
  auto run = StartRun();
  std::this_thread::sleep_for(6s);
  workload.Stop();
  EXPECT_GT(workload.transactions(), 150);
  EXPECT_EQ(workload.failures(), 0);
  ExpectConverges({"accounts", "lines"}, 60s, run->Output());
  int code = 0;
  std::string status = Cutover("status " + spec_.string() + " --json", &code);
  ASSERT_EQ(code, 0) << status;
  nlohmann::json json = nlohmann::json::parse(status);
  EXPECT_EQ(json["phase"], "cdc") << status;
  EXPECT_LT(json["cdc"]["lag_seconds"].get<double>(), 5.0) << status;
  EXPECT_TRUE(runtest::WaitForCdc(*run, 20s)) << run->Output();
  runtest::StopRun(*run);
  // One checkpoint row per lane, and the source's secondary index and key on the target.
  EXPECT_EQ(PgLines(*target_, "SELECT count(*), min(lanes) FROM cutover.cutover_checkpoints "
                              "WHERE migration = '" + migration_ + "'"),
            std::vector<std::string>{"4\t4"});
  EXPECT_EQ(PgLines(*target_, "SELECT string_agg(indexname, ',' ORDER BY indexname) FROM "
                              "pg_indexes WHERE schemaname = '" + db_ + "'"),
            std::vector<std::string>{"accounts_by_owner,accounts_pkey,lines_pkey"});
}

// kill -9 during the copy (a chunk written, not recorded), right after a transaction reached
// the log, before a batch was applied, right after a batch and its checkpoint committed, and at
// a random moment; each time the next run resumes. The workload never stops meanwhile. 4 KiB
// log segments: every segment and every restart of capture states the tables' shapes again.
// This test found, under load, rows left at an older image with every checkpoint past their
// last change: the appliers wrote a batch per shape object, in the order the objects first
// appeared, and the router could hand out an older object's applied schema again when a freed
// address came back (sink/common/final_images.h, RouterTest.AShapeStatedAgain...).
TEST_F(RunPostgresTest, KilledAtSeveralPointsResumesToEqual) {
  WriteSpec("parallelism: {copy_workers: 2, chunk_rows: 200, apply_lanes: 4}\n"
            "throttle: {copy_rows_per_second: 4000}\nchange_log: {segment_size: 4KiB}\n");
  runtest::Workload workload(testing::MariaDbSource(), db_, kRows);
  workload.Start(5ms);
  runtest::KillAtEachPointThenAtRandom([this](const std::string& env) { return StartRun(env); },
                                       {"after_write:4:kill", "capture_appended:30:kill",
                                        "apply_before:5:kill", "apply_after:8:kill"});
  if (HasFatalFailure()) return;
  auto run = StartRun();
  std::this_thread::sleep_for(2s);
  workload.Stop();
  EXPECT_EQ(workload.failures(), 0);
  ExpectConverges({"accounts", "lines"}, 60s);
  if (HasFailure()) std::cerr << "the last run's output:\n" << run->Output();
  runtest::StopRun(*run);
}

// Unique values moving between rows: two rows swap e-mails through a temporary value within
// one transaction, a row hands its e-mail to a new row, under 8 lanes. A lane may write a row
// whose new value another lane's row still holds on the target; the applier deletes that
// holder as MariaDB's REPLACE would (its own later image follows), so nothing waits on another
// lane and every row ends at its last image.
TEST_F(RunPostgresTest, UniqueValuesMovingBetweenRowsAcrossLanesConverge) {
  runtest::CreatePeople(*source_, db_);
  WriteSpec("parallelism: {apply_lanes: 8}\n");
  auto run = StartRun();
  ASSERT_TRUE(runtest::WaitForCdc(*run)) << run->Output();
  runtest::MoveUniqueValues(*source_, db_);
  ExpectConverges({"people"}, 60s, run->Output());
  runtest::StopRun(*run);
}

// With a source that starts empty the log holds every row: `cutover replay --from 0` into an
// empty second PostgreSQL database builds the same tables (with their keys) and rows.
TEST_F(RunPostgresTest, ReplayFromZeroIntoAnEmptySecondDatabase) {
  runtest::CreateWorkloadSchema(*source_, db_, 0);
  WriteSpec("parallelism: {apply_lanes: 3}\nchange_log: {retention_size: 1GiB}\n");
  // The workload starts once the run took its start position: a row written before it comes
  // only through the copy, and one never touched again would be missing from the log.
  auto run = StartRun();
  ASSERT_TRUE(runtest::WaitForCdc(*run)) << run->Output();
  runtest::Workload workload(testing::MariaDbSource(), db_, 0);
  workload.Start(5ms);
  std::this_thread::sleep_for(4s);
  workload.Stop();
  ExpectConverges({"accounts", "lines"}, 60s);
  runtest::StopRun(*run);

  std::string second_db = "run_pg_second_" + std::to_string(getpid());
  PgExec(*target_, "DROP DATABASE IF EXISTS " + second_db);
  PgExec(*target_, "CREATE DATABASE " + second_db);
  std::filesystem::path second = dir_ / "second.yaml";
  copytest::WriteFile(second, SpecText(second_db, "-replay", "state2", ""));
  int code = 0;
  std::string replay =
      Cutover("replay " + spec_.string() + " --from 0 --target " + second.string(), &code);
  EXPECT_EQ(code, 0) << replay;
  EXPECT_NE(replay.find("replayed log offsets 0 to "), std::string::npos) << replay;
  {
    std::unique_ptr<postgres::Connection> other = ConnectPg(second_db);
    ASSERT_NE(other, nullptr);
    for (const char* table : {"accounts", "lines"}) {
      std::vector<std::string> source_rows = SourceRows(table);
      EXPECT_GT(source_rows.size(), 30u) << table;
      std::vector<std::string> target_rows = TargetRows(table, other.get());
      EXPECT_TRUE(target_rows == source_rows)
          << table << "\n" << runtest::RowsDiff(source_rows, target_rows) << replay;
    }
    EXPECT_EQ(PgLines(*other, "SELECT count(*) FROM pg_constraint WHERE contype = 'p' AND "
                              "connamespace = to_regnamespace('" + db_ + "')"),
              std::vector<std::string>{"2"});
  }
  PgExec(*target_, "DROP DATABASE IF EXISTS " + second_db);
}

// Schema changes under the workload: ADD COLUMN with a default (the rows that were there get
// it), writes using it, a widened column, a new default, TRUNCATE: followed, the target equal.
// A dropped column stops only its table (the others keep applying) until `cutover ddl resume
// --recopy` copies it again, after which it follows the source.
TEST_F(RunPostgresTest, SchemaChangesFollowedAndADroppedColumnStopsOnlyItsTable) {
  copytest::Exec(*source_, "CREATE TABLE " + db_ +
                               ".extra (id INT PRIMARY KEY, a INT NOT NULL, b VARCHAR(20))");
  copytest::Exec(*source_, "INSERT INTO " + db_ +
                               ".extra SELECT seq, seq * 2, CONCAT('b', seq) FROM " + db_ +
                               ".seq_1_to_300");
  copytest::Exec(*source_, "CREATE TABLE " + db_ + ".gone (id INT PRIMARY KEY, a INT, b INT)");
  copytest::Exec(*source_, "INSERT INTO " + db_ + ".gone SELECT seq, seq, seq FROM " + db_ +
                               ".seq_1_to_200");
  WriteSpec("parallelism: {copy_workers: 2, chunk_rows: 500, apply_lanes: 4}\n"
            "change_log: {retention_size: 1GiB}\n");
  runtest::Workload workload(testing::MariaDbSource(), db_, kRows);
  auto run = StartRun();
  ASSERT_TRUE(runtest::WaitForCdc(*run)) << run->Output();
  workload.Start(5ms);
  std::this_thread::sleep_for(1s);
  runtest::AlterAccounts(*source_, db_);
  copytest::Exec(*source_, "TRUNCATE TABLE " + db_ + ".extra");
  copytest::Exec(*source_, "INSERT INTO " + db_ + ".extra VALUES (1, 1, 'after truncate')");
  copytest::Exec(*source_, "ALTER TABLE " + db_ + ".gone DROP COLUMN b");
  copytest::Exec(*source_, "UPDATE " + db_ + ".gone SET a = a + 1 WHERE id % 4 = 0");
  std::this_thread::sleep_for(1s);
  workload.Stop();
  EXPECT_LE(workload.failures(), 3);  // a copying ALTER can fail a concurrent transaction
  extra_accounts_ = ", tier";
  ExpectConverges({"accounts", "lines", "extra"}, 60s, run->Output());
  EXPECT_EQ(PgLines(*target_, "SELECT column_default, character_maximum_length FROM "
                              "information_schema.columns WHERE table_schema = '" + db_ +
                              "' AND table_name = 'accounts' AND column_name IN ('tier', "
                              "'owner') ORDER BY column_name"),
            (std::vector<std::string>{"NULL\t80", "9\tNULL"}));
  int code = 0;
  std::string status = Cutover("status " + spec_.string(), &code);
  EXPECT_NE(status.find("STOPPED " + db_ + ".gone: column b of " + db_ +
                        ".gone was dropped on the source"),
            std::string::npos)
      << status;
  EXPECT_NE(SourceRows("gone"), TargetRows("gone"));
  std::string resumed =
      Cutover("ddl resume " + spec_.string() + " " + db_ + ".gone --recopy", &code);
  EXPECT_EQ(code, 0) << resumed << run->Output();
  copytest::Exec(*source_, "UPDATE " + db_ + ".gone SET a = 0 WHERE id = 20");
  ExpectConverges({"gone"}, 60s, run->Output());
  status = Cutover("status " + spec_.string(), &code);
  EXPECT_EQ(status.find("STOPPED"), std::string::npos) << status;
  runtest::StopRun(*run);
}

}  // namespace
}  // namespace cutover
