// `cutover run` started while a server is down (docs/run.md, "Startup"): an unreachable target
// (connection refused: Unavailable) before the copy's chunks is waited for with a warning per
// attempt, and once the server is back the run goes on and ends equal, verify 0; the wait is
// bounded (--startup-retry), 0 fails at once as before; a wrong password fails at once with its
// text. Stops and starts mariadb-target (scripts/servers), so RUN_SERIAL.
#include <cstdlib>

#include <gtest/gtest.h>

#include "run_support.h"
#include "verify_support.h"

namespace cutover {
namespace {

using namespace std::chrono_literals;

// "scripts/servers <verb> <name>", quiet; true when it succeeded.
bool Servers(const std::string& verb, const std::string& name) {
  std::string command =
      testing::SourceDir() + "/scripts/servers " + verb + " " + name + " >/dev/null 2>&1";
  return std::system(command.c_str()) == 0;
}

// The first (or, with `last`, the last) line of `text` that contains `part`, "" when none does.
std::string LineWith(const std::string& text, const std::string& part, bool last = false) {
  size_t at = last ? text.rfind(part) : text.find(part);
  if (at == std::string::npos) return "";
  size_t start = text.rfind('\n', at);
  start = start == std::string::npos ? 0 : start + 1;
  return text.substr(start, text.find('\n', at) - start);
}

class StartupRetryTest : public runtest::WorkloadPairTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(SetUpPair("startup_retry", "cutover_startup_retry", 500));
    WriteSpec("startup-retry", "parallelism: {copy_workers: 2, chunk_rows: 100}\n");
  }
  void TearDown() override {
    // The target is up again whatever happened, for the tests after this one.
    EXPECT_TRUE(testing::EnsureServer("mariadb-target"));
    target_ = copytest::Connect(testing::MariaDbTarget());
    WorkloadPairTest::TearDown();
  }

  std::string Refused() const {
    return "cannot connect to 127.0.0.1:" + std::to_string(testing::MariaDbTarget().port) +
           " as user 'cutover': ";
  }
};

TEST_F(StartupRetryTest, ATargetDownAtStartIsWaitedForAndTheRunEndsEqual) {
  ASSERT_TRUE(Servers("stop", "mariadb-target"));
  // --startup-retry 0: the first error ends the run, at once, as before the retry.
  {
    auto started = std::chrono::steady_clock::now();
    runtest::CutoverProcess run("run " + spec_.string() + " --startup-retry 0", "",
                                dir_ / "run0.out");
    int code = 0;
    ASSERT_TRUE(run.WaitFor(15s, &code)) << run.Output();
    EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
    EXPECT_EQ(code, 1) << run.Output();
    EXPECT_EQ(
        LineWith(run.Output(), "cutover run: ").rfind("cutover run: Unavailable: " + Refused(), 0),
        0u)
        << run.Output();
    EXPECT_EQ(run.Output().find("trying again"), std::string::npos) << run.Output();
  }
  // A budget of 2 s: two waits (1 s, then the 1 s left), then the error says how long it tried.
  {
    runtest::CutoverProcess run("run " + spec_.string() + " --startup-retry 2", "",
                                dir_ / "run2.out");
    int code = 0;
    ASSERT_TRUE(run.WaitFor(20s, &code)) << run.Output();
    EXPECT_EQ(code, 1) << run.Output();
    const std::string last = LineWith(run.Output(), "cutover run: Unavailable", /*last=*/true);
    EXPECT_EQ(last.rfind("cutover run: Unavailable: " + Refused(), 0), 0u) << run.Output();
    EXPECT_TRUE(last.ends_with("; still unreachable after 2 s of retries at startup"))
        << run.Output();
  }
  // The default: the run waits, saying so, and goes on once the target is back.
  runtest::CutoverProcess run("run " + spec_.string() + " --status-every 1", "", dir_ / "run.out");
  auto deadline = std::chrono::steady_clock::now() + 15s;
  while (run.Output().find("trying again in 2 s") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
  }
  const std::string first = LineWith(run.Output(), "trying again in 1 s");
  EXPECT_NE(first.find("[warning] cutover run: Unavailable: " + Refused()), std::string::npos)
      << run.Output();
  EXPECT_TRUE(
      first.ends_with("; startup waits out Unavailable errors: trying again in "
                      "1 s (attempt 1 failed; 59 s of retries left)"))
      << run.Output();
  EXPECT_NE(run.Output().find("trying again in 2 s (attempt 2 failed; 57 s of retries left)"),
            std::string::npos)
      << run.Output();
  ASSERT_TRUE(Servers("start", "mariadb-target"));
  target_ = copytest::Connect(testing::MariaDbTarget());
  ASSERT_NE(target_, nullptr);
  ASSERT_TRUE(runtest::WaitForCdc(run)) << run.Output();
  runtest::Workload workload(testing::MariaDbSource(), db_, 500);
  workload.Start(5ms);
  std::this_thread::sleep_for(2s);
  workload.Stop();
  runtest::ExpectTargetCatchesUp(*source_, db_, *target_, target_db_, 60s);
  runtest::StopRun(run);
  verifytest::VerifyRun verify = verifytest::RunCutover(dir_, "verify " + spec_.string(), "");
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  EXPECT_NE(verify.out.find("\n0 differences\n"), std::string::npos) << verify.out;
}

// A permanent error is never waited for: a wrong password ends the run at once with its text.
TEST_F(StartupRetryTest, AWrongPasswordFailsAtOnceWithItsText) {
  auto started = std::chrono::steady_clock::now();
  runtest::CutoverProcess run("run " + spec_.string(), "COPY_TEST_PASSWORD=wrong-password",
                              dir_ / "run.out");
  int code = 0;
  ASSERT_TRUE(run.WaitFor(15s, &code)) << run.Output();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
  EXPECT_EQ(code, 1) << run.Output();
  const std::string line = LineWith(run.Output(), "cutover run: ");
  EXPECT_EQ(line.rfind("cutover run: FailedPrecondition: cannot connect to 127.0.0.1:" +
                           std::to_string(testing::MariaDbSource().port) +
                           " as user 'cutover': Access denied for user 'cutover'@",
                       0),
            0u)
      << run.Output();
  EXPECT_TRUE(line.ends_with(
      "(using password: YES) (MySQL error 1045); check the user name, the password (from env "
      "COPY_TEST_PASSWORD) and the hosts the account may connect from"))
      << run.Output();
  EXPECT_EQ(run.Output().find("trying again"), std::string::npos) << run.Output();
}

}  // namespace
}  // namespace cutover
