// `cutover run` from a PostgreSQL source, end to end on real PostgreSQL 15 servers, under a live
// workload of its own (inserts, updates that leave a large TOASTed column unchanged, updates that
// change it, primary-key changes, deletes, multi-row transactions): the copy reads in the slot's
// exported snapshot, CDC reads the slot, and `cutover run` is killed with SIGKILL during the copy
// and during CDC and run again. Each test ends with every row equal on both sides, compared by
// text on both servers (not through cutover verify), and no TOASTed value NULL on the target.
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "db/postgres/connection.h"
#include "postgres_source_support.h"
#include "run_support.h"

namespace cutover {
namespace {

using copytest::Lines;
using namespace std::chrono_literals;

using namespace pgsource;

class RunPostgresSourceTest : public PostgresSourceTest {
 protected:
  RunPostgresSourceTest() : PostgresSourceTest("pgsrc") {}

  std::unique_ptr<runtest::CutoverProcess> StartRun(const std::string& env = "") {
    return std::make_unique<runtest::CutoverProcess>("run " + spec_.string() + " --status-every 1",
                                                     env, dir_ / "run.out");
  }

  // Every row of docs and lines as text, in key order, the same way on each server: the body by
  // its md5 and length (NULL stays NULL), timestamps in UTC with six fraction digits.
  std::vector<std::string> SourceRows(const std::string& table) {
    return PgLines(*source_, PgSelect(table));
  }
  std::string PgSelect(const std::string& table) const {
    if (table == "docs") {
      return "SELECT id, title, md5(body), length(body), n, to_char(updated AT TIME ZONE 'UTC', "
             "'YYYY-MM-DD HH24:MI:SS.US'), price FROM " +
             schema_ + ".docs ORDER BY id";
    }
    return "SELECT order_id, line, sku, qty FROM " + schema_ + ".lines ORDER BY order_id, line";
  }
  std::vector<std::string> TargetRows(const std::string& table) {
    if (pg_target_) return PgLines(*pg_target_, PgSelect(table));
    if (table == "docs") {
      return Lines(*maria_target_,
                   "SELECT id, title, MD5(body), CHAR_LENGTH(body), n, DATE_FORMAT(updated, "
                   "'%Y-%m-%d %H:%i:%s.%f'), price FROM " +
                       schema_ + ".docs ORDER BY id");
    }
    return Lines(*maria_target_, "SELECT order_id, line, sku, qty FROM " + schema_ +
                                     ".lines ORDER BY order_id, line");
  }

  void ExpectConverges(std::chrono::seconds timeout, const std::string& context) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (SourceRows("docs") == TargetRows("docs") && SourceRows("lines") == TargetRows("lines")) {
        break;
      }
      if (std::chrono::steady_clock::now() > deadline) break;
      std::this_thread::sleep_for(300ms);
    }
    for (const char* table : {"docs", "lines"}) {
      std::vector<std::string> source_rows = SourceRows(table);
      std::vector<std::string> target_rows = TargetRows(table);
      EXPECT_EQ(target_rows.size(), source_rows.size()) << table;
      EXPECT_TRUE(target_rows == source_rows)
          << table << " differs\n"
          << runtest::RowsDiff(source_rows, target_rows) << context;
    }
  }

  // The TOASTed bodies the source has that the target lost (NULL on the target only): none.
  void ExpectNoBodyLost() {
    std::vector<std::string> source_null =
        PgLines(*source_, "SELECT count(*) FROM " + schema_ + ".docs WHERE body IS NULL");
    std::vector<std::string> target_null =
        pg_target_
            ? PgLines(*pg_target_, "SELECT count(*) FROM " + schema_ + ".docs WHERE body IS NULL")
            : Lines(*maria_target_, "SELECT COUNT(*) FROM " + schema_ + ".docs WHERE body IS NULL");
    EXPECT_EQ(target_null, source_null);
  }

  // The slot's confirmed flush LSN as pg_lsn text.
  std::string ConfirmedFlush() {
    std::vector<std::string> lines = PgLines(
        *source_, "SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '" +
                      SlotName() + "'");
    return lines.empty() ? "" : lines[0];
  }

  // The live-workload scenario: copy (throttled so the workload overlaps it, in the slot's
  // snapshot) and CDC, killed with SIGKILL once in CDC, then right after capture appended, right
  // after an applied batch, and at random (RunKilledAndResumedUnderLoad); this test found that a
  // copy resumed outside its snapshot is not exact (docs/copy.md, "A resumed copy on PostgreSQL").
  void LiveWorkloadKilledAndResumed() {
    PgWorkload workload(testing::PostgresSource(), schema_);
    workload.Start(5ms);
    auto run = RunKilledAndResumedUnderLoad(
        workload, [this](const std::string& env) { return StartRun(env); },
        {"capture_appended:25:kill", "apply_after:6:kill"});
    if (HasFatalFailure()) return;
    ExpectConverges(60s, run->Output());
    ExpectNoBodyLost();
    runtest::StopRun(*run);
  }
};

TEST_F(RunPostgresSourceTest, ToPostgresUnderLoadKilledAndResumedEndsEqual) {
  UsePostgresTarget(
      "parallelism: {copy_workers: 2, chunk_rows: 100, apply_lanes: 4}\n"
      "throttle: {copy_rows_per_second: 1500}\n");
  ASSERT_NO_FATAL_FAILURE(LiveWorkloadKilledAndResumed());
}

TEST_F(RunPostgresSourceTest, ToMariaDbUnderLoadKilledAndResumedEndsEqual) {
  UseMariaDbTarget(
      "parallelism: {copy_workers: 2, chunk_rows: 100, apply_lanes: 4}\n"
      "throttle: {copy_rows_per_second: 1500}\n");
  ASSERT_NO_FATAL_FAILURE(LiveWorkloadKilledAndResumed());
}

// The slot only ever advances to what the change log holds, and on a database whose writes are
// all to unselected tables it still advances (the keepalives' WAL end, once everything received
// is durable), so it does not hold WAL back while the migration is idle.
TEST_F(RunPostgresSourceTest, TheSlotAdvancesOnWritesElsewhere) {
  UsePostgresTarget("");
  PgExec(*source_, "CREATE TABLE " + schema_ + "_other (id int)");
  auto run = StartRun();
  ASSERT_TRUE(runtest::WaitForCdc(*run, 60s)) << run->Output();
  PgExec(*source_, "INSERT INTO " + schema_ + "_other SELECT generate_series(1, 1000)");
  const std::string written = PgLines(*source_, "SELECT pg_current_wal_lsn()")[0];
  bool advanced = false;
  for (int i = 0; i < 100 && !advanced; ++i) {
    std::this_thread::sleep_for(200ms);
    advanced = PgLines(*source_, "SELECT '" + ConfirmedFlush() + "'::pg_lsn >= '" + written +
                                     "'::pg_lsn")[0] == "t";
  }
  EXPECT_TRUE(advanced) << "confirmed " << ConfirmedFlush() << ", written " << written;
  runtest::StopRun(*run);
  PgExec(*source_, "DROP TABLE " + schema_ + "_other");
}

// `cutover tail` on a PostgreSQL source: its own temporary slot over the migration's publication
// (created by the run), from now; an update that leaves the TOASTed body alone shows no body.
TEST_F(RunPostgresSourceTest, TailPrintsChangesWithoutTheUnchangedToastValue) {
  UsePostgresTarget("");
  {
    auto run = StartRun();
    ASSERT_TRUE(runtest::WaitForCdc(*run, 60s)) << run->Output();
    runtest::StopRun(*run);
  }
  runtest::CutoverProcess tail("tail " + spec_.string() + " --limit 2 --tables '*.docs'", "",
                               dir_ / "tail.out");
  // The temporary slot exists once tail is reading: then write.
  for (int i = 0; i < 100; ++i) {
    if (PgLines(*source_, "SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE "
                          "'cutover_tail_%' AND active")[0] == "1") {
      break;
    }
    std::this_thread::sleep_for(100ms);
  }
  PgExec(*source_, "UPDATE " + schema_ + ".lines SET qty = 0 WHERE order_id = 1");
  PgExec(*source_, "UPDATE " + schema_ + ".docs SET n = 99 WHERE id = 1");
  PgExec(*source_, "DELETE FROM " + schema_ + ".docs WHERE id = 2");
  int code = 0;
  ASSERT_TRUE(tail.WaitFor(30s, &code)) << tail.Output();
  EXPECT_EQ(code, 0) << tail.Output();
  std::vector<std::string> lines;
  std::istringstream in(tail.Output());
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("{")) lines.push_back(line);
  }
  ASSERT_EQ(lines.size(), 2u) << tail.Output();
  const std::string docs = schema_ + ".docs";
  EXPECT_NE(lines[0].find("\"table\":\"" + docs + "\",\"op\":\"update\""), std::string::npos)
      << lines[0];
  EXPECT_NE(lines[0].find("\"n\":\"99\""), std::string::npos) << lines[0];
  EXPECT_EQ(lines[0].find("\"body\""), std::string::npos) << "unchanged TOAST shown: " << lines[0];
  EXPECT_NE(lines[1].find("\"op\":\"delete\""), std::string::npos) << lines[1];
}

// A slot dropped under a stopped migration: the next run says so and what to do, instead of
// retrying or silently copying again.
TEST_F(RunPostgresSourceTest, ALostSlotIsReportedClearly) {
  UsePostgresTarget("");
  {
    auto run = StartRun();
    ASSERT_TRUE(runtest::WaitForCdc(*run, 60s)) << run->Output();
    runtest::StopRun(*run);
  }
  PgExec(*source_, "SELECT pg_drop_replication_slot('" + SlotName() + "')");
  auto run = StartRun();
  int code = 0;
  ASSERT_TRUE(run->WaitFor(60s, &code)) << run->Output();
  EXPECT_NE(code, 0);
  EXPECT_NE(run->Output().find("the source's replication slot " + SlotName() +
                               " does not exist (it was dropped): the changes made since the "
                               "copy are no longer on the source"),
            std::string::npos)
      << run->Output();
}

}  // namespace
}  // namespace cutover
