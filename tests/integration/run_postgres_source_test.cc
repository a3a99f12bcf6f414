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

using namespace std::chrono_literals;

using namespace pgsource;

class RunPostgresSourceTest : public PostgresSourceTest {
 protected:
  RunPostgresSourceTest() : PostgresSourceTest("pgsrc") {}

  // The live-workload scenario: copy (throttled so the workload overlaps it, in the slot's
  // snapshot) and CDC, killed with SIGKILL once in CDC, then right after capture appended, right
  // after an applied batch, and at random. Not killed during the copy: a copy resumed outside its
  // snapshot is not exact for a key change that leaves a TOASTed value unchanged (docs/copy.md,
  // "A resumed copy on PostgreSQL"); this test found that.
  void LiveWorkloadKilledAndResumed() {
    PgWorkload workload(testing::PostgresSource(), schema_);
    workload.Start(5ms);
    {
      auto first = StartRun();
      ASSERT_TRUE(runtest::WaitForCdc(*first, 60s)) << first->Output();
      first->Signal(SIGKILL);
      EXPECT_EQ(first->Wait(), -SIGKILL);
    }
    runtest::KillAtEachPointThenAtRandom([this](const std::string& env) { return StartRun(env); },
                                         {"capture_appended:25:kill", "apply_after:6:kill"});
    if (HasFatalFailure()) return;
    auto run = StartRun();
    ASSERT_TRUE(runtest::WaitForCdc(*run, 60s)) << run->Output();
    std::this_thread::sleep_for(2s);
    workload.Stop();
    EXPECT_GT(workload.transactions(), 200);
    EXPECT_EQ(workload.failures(), 0);
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
  ExpectSlotReachesCurrentWal();
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
