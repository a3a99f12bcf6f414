// kill -9 of `cutover finish` from a PostgreSQL source at the points where the run can no longer
// be started again (docs/reliability.md): after the replication slot was dropped
// (finish_table_dropped:1, the publication still there) and after both were dropped
// (finish_removed). `cutover run` is then refused, so only finish itself can complete: run
// again, without a run, it exits 0, drops what is left, and reports everything removed, the
// interrupted finish's part included; the target equals the source row by row.
#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "postgres_source_support.h"
#include "run_support.h"
#include "verify_support.h"

namespace cutover {
namespace {

using namespace std::chrono_literals;
using namespace pgsource;

class KillPointsPostgresTest : public PostgresSourceTest,
                               public ::testing::WithParamInterface<const char*> {
 protected:
  KillPointsPostgresTest() : PostgresSourceTest("pgkill") {}

  verifytest::VerifyRun Cli(const std::string& args, const std::string& env = "") {
    return verifytest::RunCutover(dir_, args, env);
  }
  std::vector<std::string> Named(const std::string& sql) {
    return PgLines(*source_, fmt::format(fmt::runtime(sql), SlotName()));
  }
};

TEST_P(KillPointsPostgresTest, InterruptedFinishCompletesWhenRunAgain) {
  UsePostgresTarget("parallelism: {copy_workers: 1, chunk_rows: 100}\n");
  const std::string slot = SlotName();
  auto run = StartRun();
  ASSERT_TRUE(runtest::WaitForCdc(*run, 60s)) << run->Output();
  {
    PgWorkload workload(testing::PostgresSource(), schema_);
    workload.Start(10ms);
    std::this_thread::sleep_for(1500ms);
    workload.Stop();
  }
  const std::string finish = "finish " + spec_.string() + " --quiet-seconds 1 --timeout 60";
  verifytest::VerifyRun killed =
      Cli(finish, fmt::format("CUTOVER_TEST_PAUSE_AT={}:kill", GetParam()));
  EXPECT_EQ(killed.signal, SIGKILL) << killed.out << killed.err;
  int code = 0;
  ASSERT_TRUE(run->WaitFor(60s, &code)) << run->Output();
  EXPECT_EQ(code, 0) << run->Output();
  EXPECT_EQ(Named("SELECT slot_name FROM pg_replication_slots WHERE slot_name = '{}'"),
            std::vector<std::string>{});
  // The slot is gone: the run cannot go on, only finish can complete.
  auto refused = StartRun();
  ASSERT_TRUE(refused->WaitFor(30s, &code)) << refused->Output();
  EXPECT_EQ(code, 1) << refused->Output();
  verifytest::VerifyRun again = Cli(finish);
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_NE(again.err.find("completing the finish that was interrupted after fence "),
            std::string::npos)
      << again.err;
  EXPECT_NE(again.out.find("removed from the source: replication slot " + slot + " publication " +
                           slot + "\n"),
            std::string::npos)
      << again.out;
  EXPECT_EQ(Named("SELECT pubname FROM pg_publication WHERE pubname = '{}'"),
            std::vector<std::string>{});
  verifytest::VerifyRun status = Cli("status " + spec_.string() + " --json");
  EXPECT_EQ(status.report.value("phase", ""), "finished") << status.out;
  ExpectConverges(10s, run->Output());
  ExpectNoBodyLost();
}

INSTANTIATE_TEST_SUITE_P(FinishPoints, KillPointsPostgresTest,
                         ::testing::Values("finish_table_dropped:1", "finish_removed:1"),
                         [](const ::testing::TestParamInfo<const char*>& param_info) {
                           std::string name = param_info.param;
                           return name.substr(0, name.find(':'));
                         });

}  // namespace
}  // namespace cutover
