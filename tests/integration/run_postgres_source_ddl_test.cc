// Schema changes from a PostgreSQL source during `cutover run` (docs/ddl.md, "PostgreSQL
// sources"), the cases of ddl_follow_test from pgoutput's Relation messages, into PostgreSQL and
// MariaDB targets under the source workload: ADD COLUMN with a constant default (the rows that
// existed get it) and without one, widened types (integer to bigint, a longer varchar, more
// numeric digits) and TRUNCATE are followed, and the tables end equal, verify finding 0
// differences; a dropped column, a renamed column and a column added with a volatile default
// stop only their table, with the reason in `cutover status`, a fence refuses, and `cutover ddl
// resume --recopy` ends with each equal to the source; `ddl: stop` resumes with the held changes
// once the target was changed by hand.
#include <thread>

#include <gtest/gtest.h>

#include "postgres_source_support.h"
#include "run_support.h"

namespace cutover {
namespace {

using copytest::Lines;
using namespace std::chrono_literals;
using namespace pgsource;

class PostgresSourceDdlTest : public PostgresSourceTest {
 protected:
  PostgresSourceDdlTest() : PostgresSourceTest("pgddl") {}

  void SetUp() override {
    PostgresSourceTest::SetUp();
    if (HasFatalFailure()) return;
    // Beside the workload's tables: `extra` and `keyed` change while nothing else writes them.
    PgExec(*source_,
           fmt::format("CREATE TABLE {0}.extra (id integer PRIMARY KEY, a integer NOT NULL, b "
                       "varchar(20)); INSERT INTO {0}.extra SELECT i, i * 2, 'b' || i FROM "
                       "generate_series(1, 300) i; CREATE TABLE {0}.keyed (id integer PRIMARY "
                       "KEY, part integer NOT NULL, v integer NOT NULL); INSERT INTO {0}.keyed "
                       "SELECT i, i % 3, i FROM generate_series(1, 300) i",
                       schema_));
  }

  static constexpr const char* kSettings =
      "parallelism: {copy_workers: 2, chunk_rows: 500, apply_lanes: 4}\n";

  std::unique_ptr<runtest::CutoverProcess> StartRun() {
    return std::make_unique<runtest::CutoverProcess>("run " + spec_.string() + " --status-every 1",
                                                     "", dir_ / "run.out");
  }

  std::string Cutover(const std::string& args, int* code) {
    runtest::CutoverProcess process(args, "", dir_ / ("cli" + std::to_string(++calls_) + ".out"));
    *code = process.Wait();
    return process.Output();
  }

  // A table's rows as text, the same on every server: `columns` in key order.
  std::string Select(const std::string& table, const std::string& columns) const {
    return "SELECT " + columns + " FROM " + schema_ + "." + table + " ORDER BY 1, 2";
  }
  std::vector<std::string> SourceRows(const std::string& table, const std::string& columns) {
    return PgLines(*source_, Select(table, columns));
  }
  std::vector<std::string> TargetRows(const std::string& table, const std::string& columns) {
    if (pg_target_) return PgLines(*pg_target_, Select(table, columns));
    return Lines(*maria_target_, Select(table, columns));
  }

  // Polls (at most `timeout`) until `table`'s `columns` are equal on both sides.
  bool Converges(const std::string& table, const std::string& columns,
                 std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (SourceRows(table, columns) != TargetRows(table, columns)) {
      if (std::chrono::steady_clock::now() > deadline) {
        ADD_FAILURE() << table << " differs\n"
                      << runtest::RowsDiff(SourceRows(table, columns), TargetRows(table, columns));
        return false;
      }
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

  // The follow scenario, into whichever target the test chose.
  void AddWidenAndTruncateAreFollowed() {
    PgWorkload workload(testing::PostgresSource(), schema_);
    auto run = StartRun();
    ASSERT_TRUE(runtest::WaitForCdc(*run)) << run->Output();
    workload.Start(5ms);
    std::this_thread::sleep_for(1s);
    const std::string s = schema_;
    // A constant default: the rows that existed get 9 (the catalog's missing value); the
    // workload's inserts, which do not name it, too.
    PgExec(*source_, "ALTER TABLE " + s + ".docs ADD COLUMN tier integer NOT NULL DEFAULT 9");
    PgExec(*source_, "UPDATE " + s + ".docs SET tier = 3 WHERE id % 50 = 0");
    // Widened: a longer varchar and more numeric digits (no rewrite), written at once.
    PgExec(*source_, "ALTER TABLE " + s +
                         ".lines ALTER COLUMN sku TYPE varchar(80), ALTER "
                         "COLUMN qty TYPE numeric(14,2)");
    PgExec(*source_, "INSERT INTO " + s + ".lines VALUES (1, 7, '" + std::string(60, 'k') +
                         "', 123456789.25)");
    // integer to bigint (a rewrite), then a column without default (the rows have NULL).
    PgExec(*source_, "ALTER TABLE " + s + ".extra ALTER COLUMN a TYPE bigint");
    PgExec(*source_, "UPDATE " + s + ".extra SET a = 5000000000 WHERE id = 2");
    PgExec(*source_, "ALTER TABLE " + s + ".extra ADD COLUMN note text");
    PgExec(*source_, "UPDATE " + s + ".extra SET note = 'n' || id WHERE id % 3 = 0");
    PgExec(*source_, "TRUNCATE " + s + ".keyed");
    PgExec(*source_, "INSERT INTO " + s + ".keyed VALUES (1, 1, 1)");
    // NOT NULL dropped, then a NULL written: dropped on the target too. SET NOT NULL: the
    // target's column stays nullable (its values are the source's either way).
    PgExec(*source_, "ALTER TABLE " + s + ".keyed ALTER COLUMN v DROP NOT NULL");
    PgExec(*source_, "INSERT INTO " + s + ".keyed VALUES (2, 2, NULL)");
    PgExec(*source_, "UPDATE " + s + ".keyed SET v = NULL WHERE id = 1");
    PgExec(*source_, "ALTER TABLE " + s + ".extra ALTER COLUMN b SET NOT NULL");
    PgExec(*source_, "UPDATE " + s + ".extra SET b = 'set' WHERE id = 4");
    std::this_thread::sleep_for(2s);
    workload.Stop();
    EXPECT_GT(workload.transactions(), 100);
    EXPECT_EQ(workload.failures(), 0);
    EXPECT_TRUE(Converges("docs", "id, title, md5(body), n, price, tier", 60s)) << run->Output();
    EXPECT_TRUE(Converges("lines", "order_id, line, sku, qty", 60s)) << run->Output();
    EXPECT_TRUE(Converges("extra", "id, a, b, note", 60s)) << run->Output();
    EXPECT_TRUE(Converges("keyed", "id, part, v", 60s)) << run->Output();
    EXPECT_EQ(TargetRows("keyed", "id, part, v"),
              (std::vector<std::string>{"1\t1\tNULL", "2\t2\tNULL"}));
    // The rows that were there before tier came have 9 on the source (and so on the target).
    EXPECT_EQ(PgLines(*source_, "SELECT count(*) > 500 FROM " + s + ".docs WHERE tier = 9"),
              std::vector<std::string>{"t"});
    int code = 0;
    std::string verify = Cutover("verify " + spec_.string(), &code);
    EXPECT_EQ(code, 0) << verify;
    std::string status = Cutover("status " + spec_.string(), &code);
    EXPECT_EQ(status.find("STOPPED"), std::string::npos) << status;
    runtest::StopRun(*run);
  }

  // A table the spec's patterns select, created during the run with rows, then written while
  // the rest of the workload runs: made on the target, copied and followed.
  void ANewTableIsMadeCopiedAndFollowed() {
    PgWorkload workload(testing::PostgresSource(), schema_);
    auto run = StartRun();
    ASSERT_TRUE(runtest::WaitForCdc(*run)) << run->Output();
    workload.Start(5ms);
    const std::string s = schema_;
    // Created with rows in one transaction: only the copy can bring these.
    PgExec(*source_, "BEGIN; CREATE TABLE " + s +
                         ".fresh (id integer PRIMARY KEY, v text NOT NULL, day date); "
                         "INSERT INTO " +
                         s +
                         ".fresh SELECT i, 'v' || i, date '2026-01-01' + i FROM "
                         "generate_series(1, 700) i; COMMIT");
    // Made on the target (information_schema answers alike on both engines).
    const std::string made =
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = '" + s +
        "' AND table_name = 'fresh'";
    for (int attempt = 0; attempt < 120; ++attempt) {
      std::vector<std::string> count =
          pg_target_ ? PgLines(*pg_target_, made) : Lines(*maria_target_, made);
      if (count == std::vector<std::string>{"1"}) break;
      std::this_thread::sleep_for(500ms);
    }
    EXPECT_TRUE(Converges("fresh", "id, v, day", 60s)) << run->Output();
    // Then changed: followed.
    PgExec(*source_, "UPDATE " + s + ".fresh SET v = v || '!' WHERE id % 7 = 0");
    PgExec(*source_, "DELETE FROM " + s + ".fresh WHERE id % 11 = 0");
    PgExec(*source_, "INSERT INTO " + s + ".fresh VALUES (5000, 'late', NULL)");
    std::this_thread::sleep_for(1s);
    workload.Stop();
    EXPECT_EQ(workload.failures(), 0);
    EXPECT_TRUE(Converges("fresh", "id, v, day", 60s)) << run->Output();
    EXPECT_TRUE(Converges("docs", "id, title, md5(body), n, price", 60s)) << run->Output();
    EXPECT_NE(run->Output().find("source: new table " + s +
                                 ".fresh matches the spec's tables: added to publication"),
              std::string::npos)
        << run->Output();
    // The copy's end: the table is followed like the others (no longer held).
    int code = 0;
    std::string status;
    for (int attempt = 0; attempt < 120; ++attempt) {
      status = Cutover("status " + spec_.string(), &code);
      if (status.find("being copied") == std::string::npos) break;
      std::this_thread::sleep_for(500ms);
    }
    EXPECT_EQ(status.find("being copied"), std::string::npos) << status;
    std::string verify = Cutover("verify " + spec_.string(), &code);
    EXPECT_EQ(code, 0) << verify;
    runtest::StopRun(*run);
  }

  int calls_ = 0;
};

TEST_F(PostgresSourceDdlTest, ANewTableIsMadeCopiedAndFollowedIntoPostgres) {
  ASSERT_NO_FATAL_FAILURE(UsePostgresTarget(kSettings));
  ANewTableIsMadeCopiedAndFollowed();
}

TEST_F(PostgresSourceDdlTest, ANewTableIsMadeCopiedAndFollowedIntoMariaDb) {
  ASSERT_NO_FATAL_FAILURE(UseMariaDbTarget(kSettings));
  ANewTableIsMadeCopiedAndFollowed();
}

TEST_F(PostgresSourceDdlTest, AddWidenAndTruncateAreFollowedIntoPostgres) {
  ASSERT_NO_FATAL_FAILURE(UsePostgresTarget(kSettings));
  ASSERT_NO_FATAL_FAILURE(AddWidenAndTruncateAreFollowed());
  auto type = [&](const std::string& table, const std::string& column) {
    return PgLines(*pg_target_,
                   "SELECT format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN "
                   "' NOT NULL' ELSE '' END || coalesce(' DEFAULT ' || pg_get_expr(d.adbin, "
                   "d.adrelid), '') FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = "
                   "a.attrelid AND d.adnum = a.attnum WHERE a.attrelid = '" +
                       schema_ + "." + table + "'::regclass AND a.attname = '" + column + "'");
  };
  EXPECT_EQ(type("docs", "tier"), std::vector<std::string>{"integer NOT NULL DEFAULT 9"});
  EXPECT_EQ(type("lines", "sku"), std::vector<std::string>{"character varying(80)"});
  EXPECT_EQ(type("lines", "qty"), std::vector<std::string>{"numeric(14,2)"});
  EXPECT_EQ(type("extra", "a"), std::vector<std::string>{"bigint NOT NULL"});
  EXPECT_EQ(type("extra", "note"), std::vector<std::string>{"text"});
}

TEST_F(PostgresSourceDdlTest, AddWidenAndTruncateAreFollowedIntoMariaDb) {
  ASSERT_NO_FATAL_FAILURE(UseMariaDbTarget(kSettings));
  ASSERT_NO_FATAL_FAILURE(AddWidenAndTruncateAreFollowed());
  auto type = [&](const std::string& table, const std::string& column) {
    return Lines(*maria_target_,
                 "SELECT CONCAT(COLUMN_TYPE, ' ', IS_NULLABLE, ' ', IFNULL(COLUMN_DEFAULT, "
                 "'-')) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '" +
                     schema_ + "' AND TABLE_NAME = '" + table + "' AND COLUMN_NAME = '" + column +
                     "'");
  };
  EXPECT_EQ(type("docs", "tier"), std::vector<std::string>{"int(11) NO 9"});
  EXPECT_EQ(type("lines", "sku"), std::vector<std::string>{"varchar(80) YES NULL"});
  EXPECT_EQ(type("lines", "qty"), std::vector<std::string>{"decimal(14,2) YES NULL"});
  EXPECT_EQ(type("extra", "a"), std::vector<std::string>{"bigint(20) NO -"});
  EXPECT_EQ(type("extra", "note"), std::vector<std::string>{"longtext YES NULL"});
}

// A dropped column, a renamed one and a column whose existing rows got a volatile default stop
// only their tables; the workload's other table keeps applying; a fence refuses; `ddl resume
// --recopy` copies each again and they follow the source after.
TEST_F(PostgresSourceDdlTest, DropRenameAndVolatileDefaultStopOnlyTheirTableUntilRecopy) {
  ASSERT_NO_FATAL_FAILURE(UsePostgresTarget(kSettings));
  PgWorkload workload(testing::PostgresSource(), schema_);
  auto run = StartRun();
  ASSERT_TRUE(runtest::WaitForCdc(*run)) << run->Output();
  workload.Start(5ms);
  std::this_thread::sleep_for(1s);
  const std::string s = schema_;
  PgExec(*source_, "ALTER TABLE " + s + ".extra DROP COLUMN b");
  PgExec(*source_, "UPDATE " + s + ".extra SET a = a + 1 WHERE id % 4 = 0");
  PgExec(*source_, "ALTER TABLE " + s + ".keyed RENAME COLUMN v TO w");
  PgExec(*source_, "UPDATE " + s + ".keyed SET w = w + 1 WHERE id % 5 = 0");
  PgExec(*source_, "ALTER TABLE " + s + ".docs ADD COLUMN mark double precision DEFAULT random()");
  std::string status;
  EXPECT_TRUE(StatusSays("STOPPED " + s + ".docs", 30s, &status)) << status << run->Output();
  EXPECT_TRUE(StatusSays("STOPPED " + s + ".keyed", 30s, &status)) << status << run->Output();
  EXPECT_NE(status.find("STOPPED " + s + ".extra: column(s) b of " + s +
                        ".extra are gone from the source's rows"),
            std::string::npos)
      << status;
  EXPECT_NE(status.find("column(s) v of " + s + ".keyed are gone from the source's rows"),
            std::string::npos)
      << status;
  EXPECT_NE(status.find("column mark was added to " + s +
                        ".docs, and the values the rows it was added to hold on the source are "
                        "not known"),
            std::string::npos)
      << status;
  int fence_code = 0;
  std::string fence = Cutover("fence " + spec_.string() + " --timeout 30", &fence_code);
  EXPECT_EQ(fence_code, 2) << fence;
  EXPECT_NE(fence.find("is stopped by a schema change"), std::string::npos) << fence;
  std::this_thread::sleep_for(1s);
  workload.Stop();
  EXPECT_EQ(workload.failures(), 0);
  EXPECT_TRUE(Converges("lines", "order_id, line, sku, qty", 60s)) << run->Output();
  PgExec(*source_, "DELETE FROM " + s + ".extra WHERE id <= 10");
  for (const std::string table : {"extra", "keyed", "docs"}) {
    int code = 0;
    std::string resumed =
        Cutover("ddl resume " + spec_.string() + " " + s + "." + table + " --recopy", &code);
    EXPECT_EQ(code, 0) << resumed << run->Output();
    EXPECT_NE(resumed.find("copied again"), std::string::npos) << resumed;
  }
  PgExec(*source_, "UPDATE " + s + ".extra SET a = 0 WHERE id = 20");
  PgExec(*source_, "INSERT INTO " + s + ".keyed VALUES (1000, 1, 5)");
  PgExec(*source_, "UPDATE " + s + ".docs SET mark = 0.5 WHERE id = 3");
  EXPECT_TRUE(Converges("extra", "id, a", 60s)) << run->Output();
  EXPECT_TRUE(Converges("keyed", "id, part, w", 60s)) << run->Output();
  EXPECT_TRUE(Converges("docs", "id, title, md5(body), n, price, mark", 60s)) << run->Output();
  int code = 0;
  status = Cutover("status " + spec_.string(), &code);
  EXPECT_EQ(status.find("STOPPED"), std::string::npos) << status;
  runtest::StopRun(*run);
}

// Changes made while cutover was not running: compared with the shapes recorded as followed,
// not taken as they are. A dropped column stops its table; an added column is followed with the
// value its existing rows got.
TEST_F(PostgresSourceDdlTest, AChangeWhileCutoverIsDownIsSeen) {
  ASSERT_NO_FATAL_FAILURE(UsePostgresTarget(kSettings));
  const std::string s = schema_;
  {
    auto run = StartRun();
    ASSERT_TRUE(runtest::WaitForCdc(*run)) << run->Output();
    PgExec(*source_, "UPDATE " + s + ".keyed SET v = v + 1 WHERE id = 1");
    EXPECT_TRUE(Converges("keyed", "id, part, v", 60s)) << run->Output();
    runtest::StopRun(*run);
  }
  PgExec(*source_, "ALTER TABLE " + s + ".extra DROP COLUMN b");
  PgExec(*source_, "UPDATE " + s + ".extra SET a = a + 1 WHERE id = 5");
  PgExec(*source_, "ALTER TABLE " + s + ".keyed ADD COLUMN tier integer NOT NULL DEFAULT 4");
  PgExec(*source_, "UPDATE " + s + ".keyed SET v = v + 1, tier = 5 WHERE id = 5");
  auto run = StartRun();
  ASSERT_TRUE(runtest::WaitForCdc(*run)) << run->Output();
  std::string status;
  EXPECT_TRUE(StatusSays(
      "STOPPED " + s + ".extra: column(s) b of " + s + ".extra are gone from the source's rows",
      30s, &status))
      << status << run->Output();
  EXPECT_TRUE(Converges("keyed", "id, part, v, tier", 60s)) << run->Output();
  runtest::StopRun(*run);
}

// `ddl: stop` stops a table at its first changed Relation; `ddl resume` after the person changed
// the target applies the changes held since. Two tables are held and resumed in the other order
// than they stopped: neither stops again.
TEST_F(PostgresSourceDdlTest, StopPolicyResumesWithTheHeldChangesInAnyOrder) {
  rules_ = "  - match: " + schema_ + ".extra\n    ddl: stop\n  - match: " + schema_ +
           ".keyed\n    ddl: stop\n";
  ASSERT_NO_FATAL_FAILURE(UseMariaDbTarget(kSettings));
  auto run = StartRun();
  ASSERT_TRUE(runtest::WaitForCdc(*run)) << run->Output();
  const std::string s = schema_;
  PgExec(*source_, "ALTER TABLE " + s + ".extra ADD COLUMN c integer");
  PgExec(*source_, "UPDATE " + s + ".extra SET c = id, a = a + 1 WHERE id % 3 = 0");
  std::string status;
  EXPECT_TRUE(StatusSays("STOPPED " + s + ".extra", 30s, &status)) << status << run->Output();
  EXPECT_NE(status.find("column c was added to " + s + ".extra on the source"), std::string::npos)
      << status;
  EXPECT_NE(status.find("its rule says ddl: stop"), std::string::npos) << status;
  PgExec(*source_, "ALTER TABLE " + s + ".keyed ADD COLUMN d text");
  PgExec(*source_, "UPDATE " + s + ".keyed SET d = 'd' || id, v = v + 1 WHERE id % 4 = 0");
  EXPECT_TRUE(StatusSays("STOPPED " + s + ".keyed", 30s, &status)) << status << run->Output();
  // The one that stopped last first.
  copytest::Exec(*maria_target_, "ALTER TABLE " + s + ".keyed ADD COLUMN d LONGTEXT NULL");
  int code = 0;
  std::string resumed = Cutover("ddl resume " + spec_.string() + " " + s + ".keyed", &code);
  EXPECT_EQ(code, 0) << resumed << run->Output();
  EXPECT_NE(resumed.find("caught up"), std::string::npos) << resumed;
  copytest::Exec(*maria_target_, "ALTER TABLE " + s + ".extra ADD COLUMN c INT NULL");
  resumed = Cutover("ddl resume " + spec_.string() + " " + s + ".extra", &code);
  EXPECT_EQ(code, 0) << resumed << run->Output();
  EXPECT_NE(resumed.find("caught up"), std::string::npos) << resumed;
  PgExec(*source_, "UPDATE " + s + ".keyed SET d = 'later' WHERE id = 1");
  EXPECT_TRUE(Converges("extra", "id, a, b, c", 60s)) << run->Output();
  EXPECT_TRUE(Converges("keyed", "id, part, v, d", 60s)) << run->Output();
  status = Cutover("status " + spec_.string(), &code);
  EXPECT_EQ(status.find("STOPPED"), std::string::npos) << status;
  runtest::StopRun(*run);
}

}  // namespace
}  // namespace cutover
