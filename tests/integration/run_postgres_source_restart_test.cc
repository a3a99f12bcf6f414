// `cutover run` from a PostgreSQL source whose server restarts (a fast shutdown, then a start,
// through scripts/servers) under a live workload (inserts, updates that leave a large TOASTed
// column unchanged, key changes, deletes, multi-row transactions): during CDC, and during the
// copy. The run reconnects with backoff and goes on by itself; each test ends with every row equal
// on both sides and no TOASTed value NULL on the target. RUN_SERIAL: it stops postgres-source.
#include <cstdlib>
#include <thread>

#include <gtest/gtest.h>

#include "postgres_source_support.h"
#include "run_support.h"

namespace cutover {
namespace {

using namespace std::chrono_literals;
using namespace pgsource;

class RunPostgresSourceRestartTest : public PostgresSourceTest {
 protected:
  RunPostgresSourceRestartTest() : PostgresSourceTest("pgrst") {}

  // Stops postgres-source (a fast shutdown: open sessions and the walsender are cut), keeps it
  // down for `down`, starts it again and reopens the test's own session.
  void RestartSource(std::chrono::seconds down) {
    const std::string servers = testing::SourceDir() + "/scripts/servers";
    ASSERT_EQ(std::system((servers + " stop postgres-source > /dev/null").c_str()), 0);
    std::this_thread::sleep_for(down);
    ASSERT_TRUE(testing::EnsureServer("postgres-source"));
    source_ = ConnectPg(testing::PostgresSource());
    ASSERT_NE(source_, nullptr);
  }

  // The run went on by itself: it said it lost the stream and reconnected, and it is still
  // running (it stops cleanly when asked).
  void ExpectReconnected(runtest::CutoverProcess& run) {
    EXPECT_NE(run.Output().find("replication stream: "), std::string::npos) << run.Output();
    EXPECT_NE(run.Output().find("reconnecting in "), std::string::npos) << run.Output();
    runtest::StopRun(run);
  }
};

TEST_F(RunPostgresSourceRestartTest, SourceRestartDuringCdcEndsEqual) {
  UsePostgresTarget("parallelism: {copy_workers: 2, chunk_rows: 100, apply_lanes: 4}\n");
  PgWorkload workload(testing::PostgresSource(), schema_);
  workload.Start(5ms);
  auto run = StartRun();
  ASSERT_TRUE(runtest::WaitForCdc(*run, 60s)) << run->Output();
  std::this_thread::sleep_for(3s);
  ASSERT_NO_FATAL_FAILURE(RestartSource(3s));
  const int before = workload.transactions();
  // The workload writes again after the restart, and the run has to read it.
  std::this_thread::sleep_for(5s);
  workload.Stop();
  EXPECT_GT(workload.transactions(), before + 100);
  ExpectConverges(90s, run->Output());
  ExpectNoBodyLost();
  ExpectReconnected(*run);
}

// During the copy the exporting connection dies with the server: the copy stops reading in a
// snapshot that is gone and runs again by itself as a resumed copy, in a snapshot of its own
// (docs/copy.md, "A resumed copy on PostgreSQL"), with docs' keys changing while their TOASTed
// bodies do not.
TEST_F(RunPostgresSourceRestartTest, SourceRestartDuringCopyEndsEqual) {
  UsePostgresTarget(
      "parallelism: {copy_workers: 2, chunk_rows: 50, apply_lanes: 4}\n"
      "throttle: {copy_rows_per_second: 100}\n");
  PgWorkload workload(testing::PostgresSource(), schema_);
  workload.Start(5ms);
  auto run = StartRun();
  // Some chunks copied, most not yet (1200 rows at 100 a second).
  std::this_thread::sleep_for(4s);
  ASSERT_EQ(run->Output().find("cdc: cdc"), std::string::npos) << "copy over too soon";
  ASSERT_NO_FATAL_FAILURE(RestartSource(3s));
  ASSERT_TRUE(runtest::WaitForCdc(*run, 120s)) << run->Output();
  std::this_thread::sleep_for(2s);
  workload.Stop();
  ExpectConverges(90s, run->Output());
  ExpectNoBodyLost();
  EXPECT_NE(run->Output().find("resuming the copy in a new view of the source"), std::string::npos)
      << run->Output();
  ExpectReconnected(*run);
}

}  // namespace
}  // namespace cutover
