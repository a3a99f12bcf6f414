// The wall clock stepped (an NTP step) under `cutover run`: libfaketime (LD_PRELOAD, the
// faketime package) moves CLOCK_REALTIME by what a file says, read on every call, and leaves the
// monotonic and boot clocks alone (FAKETIME_DONT_FAKE_MONOTONIC=1). Every cutover process of the
// test reads the same file, as every process of a machine sees its clock step. The clock steps
// +1 h during the copy, then -1 h and -1 h again during CDC, under a write workload; after each
// step settles `cutover status` shows a lag under a minute and never a negative one, the run
// keeps applying (no throttle or timeout stuck); a fence run right after a last +1 h step passes
// (the run's liveness is judged by the boot clock), and the end is equal row by row with
// `cutover verify` 0. Skipped when libfaketime is not installed (scripts/setup installs it).
#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "run_support.h"
#include "verify_support.h"

namespace cutover {
namespace {

using namespace std::chrono_literals;

constexpr int kRows = 3000;
constexpr char kFakeTime[] = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1";

class ClockStepTest : public runtest::WorkloadPairTest {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kFakeTime)) {
      GTEST_SKIP() << "clock_step_test needs libfaketime (" << kFakeTime
                   << "): apt-get install faketime libfaketime, or scripts/setup";
    }
    ASSERT_NO_FATAL_FAILURE(SetUpPair("clock_step", "cutover_clock", kRows));
    // A throttled copy (about 3 s for 6,000 rows) so that a step falls inside it.
    WriteSpec("clock-step",
              "parallelism: {copy_workers: 2, chunk_rows: 200, apply_lanes: 2}\n"
              "throttle: {copy_rows_per_second: 2000}\n");
    clock_file_ = dir_ / "clock";
    Step(0);
  }

  // The offset of every faked clock from now on, in hours.
  void Step(int hours) {
    copytest::WriteFile(clock_file_, fmt::format("{:+d}h\n", hours));
    offset_ms_ = int64_t{hours} * 3600 * 1000;
    std::printf("clock step to %+d h\n", hours);
  }

  std::string FakeEnv() const {
    return fmt::format(
        "LD_PRELOAD={} FAKETIME_TIMESTAMP_FILE={} FAKETIME_NO_CACHE=1 "
        "FAKETIME_DONT_FAKE_MONOTONIC=1",
        kFakeTime, clock_file_.string());
  }

  verifytest::VerifyRun Cli(const std::string& args) {
    return verifytest::RunCutover(dir_, args, FakeEnv());
  }

  // `cutover status --json`: the run's lag once the step settled (3 s), and its captured
  // transactions, which must keep growing.
  void ExpectSaneStatus(const std::string& when, uint64_t* captured) {
    std::this_thread::sleep_for(3s);
    verifytest::VerifyRun status = Cli("status " + spec_.string() + " --json");
    ASSERT_EQ(status.exit_code, 0) << when << "\n" << status.out << status.err;
    const nlohmann::json& cdc = status.report["cdc"];
    ASSERT_TRUE(cdc.is_object()) << when << "\n" << status.out;
    double lag = cdc.value("lag_seconds", -1.0);
    EXPECT_GE(lag, 0.0) << when << "\n" << status.out;
    EXPECT_LT(lag, 60.0) << when << "\n" << status.out;
    // The run's clock did step: its status record carries the faked time.
    int64_t real_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
    EXPECT_NEAR(static_cast<double>(cdc.value("updated_at_ms", int64_t{0})),
                static_cast<double>(real_ms + offset_ms_), 5000.0)
        << when << "\n"
        << status.out;
    uint64_t now = cdc.value("captured_transactions", uint64_t{0});
    EXPECT_GT(now, *captured) << when << ": capture stopped\n" << status.out;
    std::printf("%s: lag %.1f s, %llu transactions captured\n", when.c_str(), lag,
                static_cast<unsigned long long>(now));
    *captured = now;
  }

  std::filesystem::path clock_file_;
  int64_t offset_ms_ = 0;  // what the clock file says
};

TEST_F(ClockStepTest, StepsDuringCopyAndCdcEndEqual) {
  runtest::Workload workload(testing::MariaDbSource(), db_, kRows);
  workload.Start(5ms);
  runtest::CutoverProcess run("run " + spec_.string() + " --status-every 1", FakeEnv(),
                              dir_ / "run.out");
  std::this_thread::sleep_for(1s);
  Step(1);  // during the copy
  ASSERT_TRUE(runtest::WaitForCdc(run)) << run.Output();
  uint64_t captured = 0;
  ExpectSaneStatus("+1 h in the copy", &captured);
  Step(0);  // -1 h during CDC
  ExpectSaneStatus("-1 h in CDC", &captured);
  Step(-1);  // -1 h again: behind the source's clock
  ExpectSaneStatus("-1 h again in CDC", &captured);
  // +1 h, and a fence at once: the run's last status record is an hour old by the wall clock
  // until it writes the next one, but the fence judges it by the boot clock: the run is running.
  Step(0);
  verifytest::VerifyRun fence = Cli("fence " + spec_.string() + " --timeout 30");
  EXPECT_EQ(fence.exit_code, 0) << fence.out << fence.err << run.Output();
  workload.Stop();
  EXPECT_EQ(workload.failures(), 0);
  size_t rows = runtest::ExpectTargetCatchesUp(*source_, db_, *target_, target_db_, 60s);
  verifytest::VerifyRun verify = Cli("verify " + spec_.string());
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  std::printf("%zu rows compared, equal\n", rows);
  runtest::StopRun(run);
  // The run's own status lines ("cdc: cdc, lag X s / ...", one a second) through the steps:
  // never negative; an hour only in a line written while a change logged before a +1 h step was
  // still pending (at most one per +1 h step in CDC; the one in the copy shows none).
  std::istringstream lines(run.Output());
  int shown = 0;
  int hour_sized = 0;
  for (std::string line; std::getline(lines, line);) {
    size_t at = line.find("cdc: cdc, lag ");
    if (at == std::string::npos) continue;
    double lag = std::strtod(line.c_str() + at + 14, nullptr);
    ++shown;
    EXPECT_GE(lag, 0.0) << line;
    if (lag >= 60.0) ++hour_sized;
  }
  EXPECT_LE(hour_sized, 2) << run.Output();
  std::printf("%d status lines, %d with an hour-sized lag\n", shown, hour_sized);
}

}  // namespace
}  // namespace cutover
