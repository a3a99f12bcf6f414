// kill -9 of `cutover` at every named point (CUTOVER_TEST_PAUSE_AT, pipeline/test_hooks.h), one
// case per point: `cutover run` in the copy, capture and apply and while a `verify --repair`
// goes through its capture; `cutover verify --repair`, `cutover fence`, `cutover finish` and
// `cutover flags set` at theirs. A write workload on the source runs through every case but the
// stage moves. Each case then runs the same command again and checks what a user relies on: the
// rerun succeeds, the target equals the source row by row and `cutover verify` finds 0
// differences; a fence passes; finish completes once (the run stopped, the phase finished, no
// `cutover_*` table left on the source) and again when repeated; a stage move is recorded once,
// with its audit, or not at all (docs/reliability.md).
#include <nlohmann/json.hpp>
#include <regex>

#include <gtest/gtest.h>
#include <httplib.h>

#include "run_support.h"
#include "verify_support.h"

namespace cutover {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr int kRows = 1000;

// What is killed: the command that passes the point.
enum class Killed {
  kRun,           // `cutover run`
  kRunInRepair,   // `cutover run`, while `cutover verify --repair` goes through its capture
  kVerifyRepair,  // `cutover verify --repair --delete-extra`
  kFence,         // `cutover fence`
  kFinish,        // `cutover finish`
  kStage,         // `cutover flags set`
  kStageApi,      // `cutover run`, serving PUT /v1/flags/default
};

struct KillCase {
  const char* point;
  int n;  // killed the n-th time the point is passed
  Killed killed;
  const char* name = nullptr;  // the case's name when not the point's
};

// Every named point of test_hooks.h.
const KillCase kCases[] = {
    {"after_read", 3, Killed::kRun},
    {"after_write", 3, Killed::kRun},
    {"after_record", 3, Killed::kRun},
    {"after_index", 1, Killed::kRun},
    {"capture_appended", 20, Killed::kRun},
    {"apply_before", 5, Killed::kRun},
    {"apply_after", 5, Killed::kRun},
    {"repair_window_open", 1, Killed::kRunInRepair},
    {"repair_emitted", 1, Killed::kRunInRepair},
    {"verify_chunk_recorded", 2, Killed::kVerifyRepair},
    {"repair_rows_stored", 1, Killed::kVerifyRepair},
    {"fence_marked", 1, Killed::kFence},
    {"fence_passed", 1, Killed::kFence},
    {"finish_stop_written", 1, Killed::kFinish},
    {"finish_stopped", 1, Killed::kFinish},
    {"finish_phase_recorded", 1, Killed::kFinish},
    {"finish_table_dropped", 1, Killed::kFinish},
    {"finish_removed", 1, Killed::kFinish},
    {"stage_written", 1, Killed::kStage},
    {"stage_audited", 1, Killed::kStage},
    {"stage_written", 1, Killed::kStageApi, "stage_written_api"},
    {"stage_audited", 1, Killed::kStageApi, "stage_audited_api"},
};

constexpr char kToken[] = "kill-points-token-5d21";

class KillPointTest : public runtest::WorkloadPairTest,
                      public ::testing::WithParamInterface<KillCase> {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(SetUpPair("kill_points", "cutover_kill", kRows));
    WriteSpec("kill-points",
              "parallelism: {copy_workers: 2, chunk_rows: 100, apply_lanes: 2}\n"
              "change_log: {segment_size: 16KiB}\n");
  }

  void TearDown() override {
    ::unsetenv("CUTOVER_CONTROL_TOKEN");  // set by the control API cases
    runtest::WorkloadPairTest::TearDown();
  }

  std::string KillEnv() const {
    return fmt::format("CUTOVER_TEST_PAUSE_AT={}:{}:kill", GetParam().point, GetParam().n);
  }

  std::unique_ptr<runtest::CutoverProcess> StartRun(const std::string& env = "") {
    return std::make_unique<runtest::CutoverProcess>("run " + spec_.string() + " --status-every 1",
                                                     env, dir_ / "run.out");
  }

  verifytest::VerifyRun Cli(const std::string& args, const std::string& env = "") {
    return verifytest::RunCutover(dir_, args, env);
  }

  // Expects `command` killed at the case's point: SIGKILL, and the shell's 128 + 9.
  static void ExpectKilled(const verifytest::VerifyRun& command) {
    EXPECT_EQ(command.signal, SIGKILL) << "not killed at its point\n" << command.out << command.err;
  }

  // Rows the target lacks or has wrong: what the repair cases mend.
  void DamageTarget() {
    copytest::Exec(*target_, "UPDATE " + target_db_ +
                                 ".accounts SET owner = 'mallory' WHERE id "
                                 "BETWEEN 100 AND 119");
    copytest::Exec(*target_, "DELETE FROM " + target_db_ + ".`lines` WHERE order_id < 5");
  }

  // The end every case but the stage moves checks: the target catches up, equal row by row, and
  // `cutover verify` finds 0 differences.
  void ExpectEqualEnd() {
    size_t rows = runtest::ExpectTargetCatchesUp(*source_, db_, *target_, target_db_, 60s);
    verifytest::VerifyRun verify = Cli("verify " + spec_.string() + " --json");
    EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
    EXPECT_EQ(verify.report.value("differences", -1), 0) << verify.out;
    std::printf("%s: %zu rows compared, equal\n", GetParam().point, rows);
  }

  void KillRun();
  void KillRunInRepair();
  void KillVerifyRepair();
  void KillFence();
  void KillFinish();
  void KillStage();
  void KillStageApi();
};

void KillPointTest::KillRun() {
  runtest::Workload workload(testing::MariaDbSource(), db_, kRows);
  workload.Start(5ms);
  {
    auto killed = StartRun(KillEnv());
    int code = 0;
    ASSERT_TRUE(killed->WaitFor(60s, &code)) << "not killed at its point\n" << killed->Output();
    ASSERT_EQ(code, -SIGKILL) << killed->Output();
  }
  auto run = StartRun();
  ASSERT_TRUE(runtest::WaitForCdc(*run)) << run->Output();
  std::this_thread::sleep_for(1s);
  workload.Stop();
  EXPECT_EQ(workload.failures(), 0);
  ExpectEqualEnd();
  runtest::StopRun(*run);
}

// The run dies inside the repair's watermark window; the verify that asked fails or ends, and
// once the run runs again a second repair mends what is left.
void KillPointTest::KillRunInRepair() {
  runtest::Workload workload(testing::MariaDbSource(), db_, kRows);
  {
    auto killed = StartRun(KillEnv());
    ASSERT_TRUE(runtest::WaitForCdc(*killed)) << killed->Output();
    workload.Start(5ms);
    DamageTarget();
    runtest::CutoverProcess repair("verify " + spec_.string() + " --repair --delete-extra", "",
                                   dir_ / "repair1.out");
    int code = 0;
    ASSERT_TRUE(killed->WaitFor(60s, &code)) << "not killed at its point\n" << killed->Output();
    ASSERT_EQ(code, -SIGKILL) << killed->Output();
    auto run = StartRun();
    ASSERT_TRUE(runtest::WaitForCdc(*run)) << run->Output();
    // The first repair either completes through the new run or gives up: both are fine, as
    // long as what it did is true; it must not hang past its own 120 s timeout.
    if (!repair.WaitFor(130s, &code))
      ADD_FAILURE() << "the first repair hangs\n" << repair.Output();
    // Exit 0 only with every difference mended: a repair that says it re-sent rows the killed
    // capture never logged would exit 1 here (its verify after the repair finds them).
    EXPECT_EQ(code, 0) << repair.Output() << killed->Output();
    std::printf("%s: the interrupted repair exited %d\n", GetParam().point, code);
    verifytest::VerifyRun again = Cli("verify " + spec_.string() + " --repair --delete-extra");
    EXPECT_EQ(again.exit_code, 0) << again.out << again.err << run->Output();
    workload.Stop();
    EXPECT_EQ(workload.failures(), 0);
    ExpectEqualEnd();
    runtest::StopRun(*run);
  }
}

void KillPointTest::KillVerifyRepair() {
  auto run = StartRun();
  ASSERT_TRUE(runtest::WaitForCdc(*run)) << run->Output();
  runtest::Workload workload(testing::MariaDbSource(), db_, kRows);
  workload.Start(5ms);
  DamageTarget();
  const std::string repair = "verify " + spec_.string() + " --json --repair --delete-extra";
  ExpectKilled(Cli(repair, KillEnv()));
  workload.Stop();
  EXPECT_EQ(workload.failures(), 0);
  verifytest::VerifyRun again = Cli(repair);
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err << run->Output();
  EXPECT_EQ(again.report.value("differences", -1), 0) << again.out;
  ExpectEqualEnd();
  runtest::StopRun(*run);
}

void KillPointTest::KillFence() {
  auto run = StartRun();
  ASSERT_TRUE(runtest::WaitForCdc(*run)) << run->Output();
  runtest::Workload workload(testing::MariaDbSource(), db_, kRows);
  workload.Start(5ms);
  const std::string fence = "fence " + spec_.string() + " --timeout 60";
  ExpectKilled(Cli(fence, KillEnv()));
  verifytest::VerifyRun again = Cli(fence);
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err << run->Output();
  EXPECT_NE(again.out.find(" ms after it was written"), std::string::npos) << again.out;
  workload.Stop();
  EXPECT_EQ(workload.failures(), 0);
  ExpectEqualEnd();
  runtest::StopRun(*run);
}

void KillPointTest::KillFinish() {
  auto run = StartRun();
  ASSERT_TRUE(runtest::WaitForCdc(*run)) << run->Output();
  {
    runtest::Workload workload(testing::MariaDbSource(), db_, kRows);
    workload.Start(5ms);
    std::this_thread::sleep_for(1500ms);
    workload.Stop();
    EXPECT_EQ(workload.failures(), 0);
  }
  const std::string finish = "finish " + spec_.string() + " --quiet-seconds 1 --timeout 60";
  ExpectKilled(Cli(finish, KillEnv()));
  // Every point is after the stop request: the run drains, answers and exits 0 by itself.
  int code = 0;
  ASSERT_TRUE(run->WaitFor(60s, &code)) << run->Output();
  EXPECT_EQ(code, 0) << run->Output();
  verifytest::VerifyRun again = Cli(finish);
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_NE(again.out.find("migration kill-points finished at"), std::string::npos) << again.out;
  // What the interrupted finish removed is reported too (cutover_watermarks: the copy's start
  // watermark made it).
  const std::string removed =
      "removed from the source: `" + db_ + "`.`cutover_fence` `" + db_ + "`.`cutover_watermarks`\n";
  EXPECT_NE(again.out.find(removed), std::string::npos) << again.out;
  EXPECT_EQ(copytest::Lines(*source_,
                            "SELECT TABLE_NAME FROM information_schema.TABLES WHERE "
                            "TABLE_SCHEMA = '" +
                                db_ + "' AND TABLE_NAME LIKE 'cutover\\_%'"),
            std::vector<std::string>{});
  verifytest::VerifyRun status = Cli("status " + spec_.string() + " --json");
  EXPECT_EQ(status.report.value("phase", ""), "finished") << status.out;
  ExpectEqualEnd();
  // Finish again: the same report, nothing else happens.
  verifytest::VerifyRun repeated = Cli(finish);
  EXPECT_EQ(repeated.exit_code, 0) << repeated.out << repeated.err;
  EXPECT_NE(repeated.out.find(removed), std::string::npos) << repeated.out;
}

void KillPointTest::KillStage() {
  const std::string set =
      "flags set " + spec_.string() + " default dual_write --reason \"kill test\"";
  const std::string history = "flags history " + spec_.string() + " default --json";
  ExpectKilled(Cli(set, KillEnv()));
  // Killed inside the transaction: neither the stage nor its audit record.
  EXPECT_EQ(json::parse(Cli(history).out, nullptr, false), json::array());
  EXPECT_NE(Cli("flags get " + spec_.string() + " default").out.find("source_only"),
            std::string::npos);
  verifytest::VerifyRun again = Cli(set);
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_EQ(Cli(set).exit_code, 0);  // already there: no second audit record
  json audit = json::parse(Cli(history).out, nullptr, false);
  ASSERT_TRUE(audit.is_array()) << audit.dump();
  ASSERT_EQ(audit.size(), 1u) << audit.dump();
  EXPECT_EQ(audit[0]["from"], "source_only");
  EXPECT_EQ(audit[0]["to"], "dual_write");
  EXPECT_EQ(audit[0]["reason"], "kill test");
  EXPECT_NE(Cli("flags get " + spec_.string() + " default").out.find("dual_write"),
            std::string::npos);
}

// The stage moved through the control API of the running `cutover run`, which dies inside the
// move: the run started again shows neither the stage nor an audit record; the move made again
// is recorded once; the migration goes on to equal.
void KillPointTest::KillStageApi() {
  WriteSpec("kill-points",
            "parallelism: {copy_workers: 2, chunk_rows: 100, apply_lanes: 2}\n"
            "control:\n  listen: 127.0.0.1:0\n  token_env: CUTOVER_CONTROL_TOKEN\n");
  // Every cutover command of this case reads the spec, which names the token's variable.
  ::setenv("CUTOVER_CONTROL_TOKEN", kToken, 1);
  // The port the run's last start reported.
  auto control_port = [](const runtest::Process& run) {
    const std::regex listening(R"(control API listening on http://127\.0\.0\.1:(\d+))");
    std::string output = run.Output();
    int port = 0;
    for (auto match = std::sregex_iterator(output.begin(), output.end(), listening);
         match != std::sregex_iterator(); ++match) {
      port = std::stoi((*match)[1]);
    }
    return port;
  };
  auto put_stage = [](int port) {
    httplib::Client client("127.0.0.1", port);
    client.set_bearer_token_auth(kToken);
    return client.Put("/v1/flags/default", R"({"stage": "dual_write", "reason": "kill test"})",
                      "application/json");
  };
  runtest::Workload workload(testing::MariaDbSource(), db_, kRows);
  workload.Start(5ms);
  {
    auto killed = StartRun(KillEnv());
    ASSERT_TRUE(runtest::WaitForCdc(*killed)) << killed->Output();
    int port = control_port(*killed);
    ASSERT_NE(port, 0) << killed->Output();
    EXPECT_FALSE(put_stage(port)) << "the run answered the move it was killed in";
    int code = 0;
    ASSERT_TRUE(killed->WaitFor(30s, &code)) << killed->Output();
    ASSERT_EQ(code, -SIGKILL) << killed->Output();
  }
  std::filesystem::remove(dir_ / "run.out");  // the next start's port only
  auto run = StartRun();
  ASSERT_TRUE(runtest::WaitForCdc(*run)) << run->Output();
  const std::string history = "flags history " + spec_.string() + " default --json";
  verifytest::VerifyRun before = Cli(history);
  EXPECT_EQ(json::parse(before.out, nullptr, false), json::array()) << before.out << before.err;
  int port = control_port(*run);
  ASSERT_NE(port, 0) << run->Output();
  httplib::Result moved = put_stage(port);
  ASSERT_TRUE(moved);
  EXPECT_EQ(moved->status, 200) << moved->body;
  verifytest::VerifyRun after = Cli(history);
  json audit = json::parse(after.out, nullptr, false);
  ASSERT_TRUE(audit.is_array() && audit.size() == 1u) << after.out << after.err;
  EXPECT_EQ(audit[0]["to"], "dual_write");
  workload.Stop();
  EXPECT_EQ(workload.failures(), 0);
  ExpectEqualEnd();
  runtest::StopRun(*run);
}

TEST_P(KillPointTest, RerunAfterKillEndsEqual) {
  switch (GetParam().killed) {
    case Killed::kRun: KillRun(); break;
    case Killed::kRunInRepair: KillRunInRepair(); break;
    case Killed::kVerifyRepair: KillVerifyRepair(); break;
    case Killed::kFence: KillFence(); break;
    case Killed::kFinish: KillFinish(); break;
    case Killed::kStage: KillStage(); break;
    case Killed::kStageApi: KillStageApi(); break;
  }
}

INSTANTIATE_TEST_SUITE_P(EveryPoint, KillPointTest, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<KillCase>& param_info) {
                           const KillCase& param = param_info.param;
                           return std::string(param.name ? param.name : param.point);
                         });

}  // namespace
}  // namespace cutover
