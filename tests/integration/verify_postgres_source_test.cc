// `cutover verify` and `cutover verify --repair` from a PostgreSQL source, on real servers, while
// `cutover run` follows the slot and a workload writes to the source (postgres_source_support.h):
// into a PostgreSQL target (checksums computed alike on both servers) and into a MariaDB target
// (row by row, each value compared as the mapping stores it). Differences planted in the target
// in tables the workload does not touch are reported with exact counts; --repair sends the
// chunks again inside watermark windows that travel through the slot as logical messages; the
// verify after it finds nothing, and every table is then equal to the source by an independent
// comparison (text on both servers), with no trace of the watermarks on the target.
#include <algorithm>
#include <set>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "postgres_source_support.h"
#include "run_support.h"
#include "verify_support.h"

namespace cutover {
namespace {

using copytest::Lines;
using namespace std::chrono_literals;
using namespace pgsource;
using verifytest::EntryOf;
using verifytest::json;
using verifytest::Listed;
using verifytest::Verify;
using verifytest::VerifyRun;

constexpr int kQuiet = 300;
constexpr int kNamed = 50;
constexpr const char* kParallelism =
    "parallelism: {copy_workers: 2, chunk_rows: 100, apply_lanes: 4}\n";

class VerifyPostgresSourceTest : public PostgresSourceTest {
 protected:
  VerifyPostgresSourceTest() : PostgresSourceTest("pgvs") {}

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(PostgresSourceTest::SetUp());
    // Tables the workload does not touch: their planted differences are counted exactly.
    PgExec(*source_,
           fmt::format("CREATE TABLE {0}.quiet (id bigint PRIMARY KEY, amount numeric, at "
                       "timestamptz(3), flag boolean, tag uuid, doc jsonb, label text, span "
                       "interval, tags text[], pad char(6));"
                       "INSERT INTO {0}.quiet SELECT i, i * 1.25, timestamptz '2024-01-01 "
                       "00:00:00+00' + i * interval '61.123 seconds', i % 2 = 0, "
                       "md5(i::text)::uuid, jsonb_build_object('i', i, 'name', 'n' || i), "
                       "CASE WHEN i % 9 = 0 THEN NULL ELSE 'label ' || i END, i * interval '1 "
                       "hour 2 minutes', ARRAY['a' || i, 'b c'], 'p' || (i % 10) FROM "
                       "generate_series(1, {1}) i;"
                       "CREATE TABLE {0}.named (name text PRIMARY KEY, score integer);"
                       "INSERT INTO {0}.named SELECT 'name-' || lpad(i::text, 3, '0'), i FROM "
                       "generate_series(1, {2}) i",
                       schema_, kQuiet, kNamed));
  }

  void TargetExec(const std::string& sql) {
    if (pg_target_) {
      PgExec(*pg_target_, sql);
    } else {
      copytest::Exec(*maria_target_, sql);
    }
  }

  // Every row of `table` as text in key order, spelled alike on both servers (independent of
  // cutover's reading and comparing).
  std::string SourceSelect(const std::string& table) const {
    const std::string from = " FROM " + schema_ + "." + table;
    if (table == "docs") {
      return "SELECT id, title, md5(body), length(body), n, to_char(updated AT TIME ZONE 'UTC', "
             "'YYYY-MM-DD HH24:MI:SS.US'), price" +
             from + " ORDER BY id";
    }
    if (table == "lines") return "SELECT order_id, line, sku, qty" + from + " ORDER BY 1, 2";
    if (table == "named") return "SELECT name, score" + from + " ORDER BY name";
    return "SELECT id, trim_scale(amount), to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD "
           "HH24:MI:SS.US'), flag::int, tag, doc::text, label, span, tags::text, pad" +
           from + " ORDER BY id";
  }
  std::vector<std::string> SourceRows(const std::string& table) {
    return PgLines(*source_, SourceSelect(table));
  }
  std::vector<std::string> TargetRows(const std::string& table) {
    if (pg_target_) return PgLines(*pg_target_, SourceSelect(table));
    const std::string from = " FROM " + schema_ + "." + table;
    if (table == "docs") {
      return Lines(*maria_target_,
                   "SELECT id, title, MD5(body), CHAR_LENGTH(body), n, DATE_FORMAT(updated, "
                   "'%Y-%m-%d %H:%i:%s.%f'), price" +
                       from + " ORDER BY id");
    }
    if (table == "lines") return Lines(*maria_target_, "SELECT order_id, line, sku, qty" + from + " ORDER BY 1, 2");
    if (table == "named") return Lines(*maria_target_, "SELECT name, score" + from + " ORDER BY name");
    return Lines(*maria_target_,
                 "SELECT id, TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM amount)), "
                 "DATE_FORMAT(at, '%Y-%m-%d %H:%i:%s.%f'), flag, tag, doc, label, span, tags, pad" +
                     from + " ORDER BY id");
  }

  // Waits until every table is equal on both servers, then expects it.
  void ExpectEqual(std::chrono::seconds timeout, const std::string& context) {
    const std::vector<std::string> tables = {"docs", "lines", "quiet", "named"};
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    auto all_equal = [&] {
      for (const std::string& table : tables) {
        if (SourceRows(table) != TargetRows(table)) return false;
      }
      return true;
    };
    while (!all_equal() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(300ms);
    }
    for (const std::string& table : tables) {
      std::vector<std::string> source_rows = SourceRows(table);
      std::vector<std::string> target_rows = TargetRows(table);
      EXPECT_TRUE(source_rows == target_rows)
          << table << " differs\n"
          << runtest::RowsDiff(source_rows, target_rows) << context;
    }
  }

  // The scenario on either target: run to CDC with the workload going, a clean verify, planted
  // differences found with exact counts, a repair under the workload, then equality.
  void VerifyAndRepairUnderLoad() {
    runtest::CutoverProcess run("run " + spec_.string() + " --status-every 1", "",
                                dir_ / "run.out");
    ASSERT_TRUE(runtest::WaitForCdc(run, 60s)) << run.Output();
    PgWorkload workload(testing::PostgresSource(), schema_);
    workload.Start(10ms);

    VerifyRun clean = Verify(dir_, spec_.string() + " --json");
    ASSERT_EQ(clean.exit_code, 0) << clean.out << clean.err << run.Output();
    EXPECT_EQ(clean.report["differences"], 0) << clean.out;
    EXPECT_EQ(clean.report["live"], true) << clean.out;
    EXPECT_EQ(EntryOf(clean.report, schema_ + ".quiet")["rows"], kQuiet);
    EXPECT_EQ(EntryOf(clean.report, schema_ + ".named")["rows"], kNamed);

    const std::string quiet = schema_ + ".quiet";
    const std::string named = schema_ + ".named";
    TargetExec("DELETE FROM " + quiet + " WHERE id IN (10, 20)");
    TargetExec("UPDATE " + quiet + " SET amount = amount + 0.01 WHERE id = 30");
    TargetExec("UPDATE " + quiet + " SET label = NULL WHERE id = 40");
    TargetExec("UPDATE " + quiet + " SET tags = '{x}' WHERE id = 50");
    TargetExec("INSERT INTO " + quiet + " (id, amount) VALUES (0, 1), (100000, 2)");
    TargetExec("UPDATE " + named + " SET score = -1 WHERE name = 'name-007'");
    TargetExec("DELETE FROM " + named + " WHERE name = 'name-008'");
    // And rows of a table the workload writes to (counted only by the repair's result).
    TargetExec("UPDATE " + schema_ + ".lines SET sku = 'damaged' WHERE order_id > 150");
    TargetExec("DELETE FROM " + schema_ + ".docs WHERE id BETWEEN 300 AND 310");

    VerifyRun found = Verify(dir_, spec_.string() + " --json");
    ASSERT_EQ(found.exit_code, 1) << found.out << found.err << run.Output();
    const json& quiet_entry = EntryOf(found.report, quiet);
    EXPECT_EQ(quiet_entry["missing"], 2) << quiet_entry;
    EXPECT_EQ(quiet_entry["extra"], 2) << quiet_entry;
    EXPECT_EQ(quiet_entry["different"], 3) << quiet_entry;
    std::set<std::string> listed = Listed(quiet_entry);
    EXPECT_TRUE(listed.contains("missing id=10")) << quiet_entry;
    EXPECT_TRUE(listed.contains("extra id=100000")) << quiet_entry;
    EXPECT_TRUE(std::any_of(listed.begin(), listed.end(), [](const std::string& line) {
      return line.starts_with("different id=40 label \"label 40\" ");
    })) << quiet_entry;
    const json& named_entry = EntryOf(found.report, named);
    EXPECT_EQ(named_entry["missing"], 1) << named_entry;
    EXPECT_EQ(named_entry["different"], 1) << named_entry;

    VerifyRun repaired = Verify(dir_, spec_.string() + " --json --repair --delete-extra");
    ASSERT_EQ(repaired.exit_code, 0) << repaired.out << repaired.err << run.Output();
    EXPECT_EQ(repaired.report["differences"], 0) << repaired.out;
    EXPECT_GE(repaired.report["repair"]["deleted"], 2) << repaired.out;

    workload.Stop();
    EXPECT_GT(workload.transactions(), 50);
    EXPECT_EQ(workload.failures(), 0);
    ExpectEqual(60s, run.Output());
    VerifyRun quiet_end = Verify(dir_, spec_.string() + " --json");
    EXPECT_EQ(quiet_end.exit_code, 0) << quiet_end.out << quiet_end.err;
    last_report_ = quiet_end.report;
    runtest::StopRun(run);
  }

  json last_report_;  // the verify after the workload stopped
};

TEST_F(VerifyPostgresSourceTest, IntoPostgresFindsExactlyThePlantedDifferencesAndRepairsThem) {
  ASSERT_NO_FATAL_FAILURE(UsePostgresTarget(kParallelism));
  ASSERT_NO_FATAL_FAILURE(VerifyAndRepairUnderLoad());
  // Equal tables keyed by numbers are settled by the checksums alone.
  for (const char* table : {".docs", ".lines", ".quiet"}) {
    EXPECT_EQ(EntryOf(last_report_, schema_ + table)["chunks_compared_by_rows"], 0)
        << last_report_.dump();
  }
  EXPECT_EQ(PgLines(*pg_target_,
                    "SELECT count(*) FROM information_schema.tables WHERE table_name = "
                    "'cutover_watermarks'"),
            std::vector<std::string>{"0"});
}

TEST_F(VerifyPostgresSourceTest, IntoMariaDbFindsExactlyThePlantedDifferencesAndRepairsThem) {
  ASSERT_NO_FATAL_FAILURE(UseMariaDbTarget(kParallelism));
  ASSERT_NO_FATAL_FAILURE(VerifyAndRepairUnderLoad());
  EXPECT_EQ(Lines(*maria_target_,
                  "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = "
                  "'cutover_watermarks'"),
            std::vector<std::string>{"0"});
}

}  // namespace
}  // namespace cutover
