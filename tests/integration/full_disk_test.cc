// `cutover run` on a full disk: a small tmpfs under the change log (<state_dir>/log, its
// segments kept by retention_size so that it grows) and, apart, under the state store
// (<state_dir>, state.db, filled by a file). Under a write workload the disk fills; the run must
// stop with an error that names the directory, says "No space left on device" and what to do,
// lose nothing, and once space is made (the tmpfs remounted bigger, the file removed) a rerun
// resumes and ends with the target equal to the source (`cutover verify` 0 and row by row).
// Needs root (mount); skipped otherwise (docs/reliability.md).
#include <nlohmann/json.hpp>

#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include "run_support.h"
#include "verify_support.h"

namespace cutover {
namespace runtest {
constexpr char kDiskFullText[] = "No space left on device";
}  // namespace runtest
namespace {

using namespace std::chrono_literals;

constexpr int kRows = 2000;

class FullDiskTest : public runtest::WorkloadPairTest {
 protected:
  void SetUp() override {
    if (geteuid() != 0) {
      GTEST_SKIP() << "full_disk_test mounts a small tmpfs (mount -t tmpfs) and needs root; run "
                      "it as root to test a full disk";
    }
    ASSERT_NO_FATAL_FAILURE(SetUpPair("full_disk", "cutover_full", kRows));
    WriteSpec("full-disk",
              "parallelism: {copy_workers: 2, chunk_rows: 200, apply_lanes: 2}\n"
              "change_log: {segment_size: 64KiB, retention_size: 1GiB}\n");
  }

  void TearDown() override {
    // Innermost first.
    for (auto mount = mounts_.rbegin(); mount != mounts_.rend(); ++mount) {
      if (::umount2(mount->c_str(), MNT_DETACH) != 0) {
        ADD_FAILURE() << "umount " << *mount << ": " << std::strerror(errno);
      }
    }
    if (geteuid() == 0) runtest::WorkloadPairTest::TearDown();
  }

  // A tmpfs of `size` ("512k") at `dir` (created).
  void Mount(const std::filesystem::path& dir, const std::string& size) {
    std::filesystem::create_directories(dir);
    std::string options = "size=" + size;
    ASSERT_EQ(::mount("tmpfs", dir.c_str(), "tmpfs", 0, options.c_str()), 0)
        << "mount tmpfs at " << dir << ": " << std::strerror(errno);
    mounts_.push_back(dir);
  }
  void Grow(const std::filesystem::path& dir, const std::string& size) {
    std::string options = "size=" + size;
    ASSERT_EQ(::mount("tmpfs", dir.c_str(), "tmpfs", MS_REMOUNT, options.c_str()), 0)
        << "remount " << dir << ": " << std::strerror(errno);
  }

  std::unique_ptr<runtest::CutoverProcess> StartRun() {
    return std::make_unique<runtest::CutoverProcess>("run " + spec_.string() + " --status-every 1",
                                                     "", dir_ / "run.out");
  }

  // The run ends by itself (within 90 s) with exit 1 and says why: the directory, the errno
  // text and what to do.
  void ExpectStopsOnFullDisk(runtest::CutoverProcess& run, const std::filesystem::path& dir) {
    int code = 0;
    ASSERT_TRUE(run.WaitFor(90s, &code)) << "the run did not stop on a full disk\n" << run.Output();
    EXPECT_EQ(code, 1) << run.Output();
    std::string output = run.Output();
    EXPECT_NE(output.find(dir.string()), std::string::npos) << output;
    EXPECT_NE(output.find(runtest::kDiskFullText), std::string::npos) << output;
    EXPECT_NE(output.find("make room"), std::string::npos) << output;
    std::printf("%s", output.substr(output.rfind("cutover run:")).c_str());
  }

  // After the space was made: the rerun resumes and ends equal.
  void ExpectRerunEndsEqual(runtest::Workload& workload) {
    auto run = StartRun();
    ASSERT_TRUE(runtest::WaitForCdc(*run)) << run->Output();
    std::this_thread::sleep_for(1s);
    workload.Stop();
    EXPECT_EQ(workload.failures(), 0);
    size_t rows = runtest::ExpectTargetCatchesUp(*source_, db_, *target_, target_db_, 60s);
    verifytest::VerifyRun verify = verifytest::RunCutover(dir_, "verify " + spec_.string());
    EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
    std::printf("%zu rows compared, equal; %d workload transactions\n", rows,
                workload.transactions());
    runtest::StopRun(*run);
  }

  std::vector<std::filesystem::path> mounts_;
};

// The change log's tmpfs (512 KiB) fills with kept segments under the workload.
TEST_F(FullDiskTest, ChangeLogDiskFullStopsThenResumes) {
  const std::filesystem::path log = dir_ / "state" / "log";
  ASSERT_NO_FATAL_FAILURE(Mount(log, "512k"));
  runtest::Workload workload(testing::MariaDbSource(), db_, kRows);
  workload.Start(2ms);
  auto run = StartRun();
  ASSERT_NO_FATAL_FAILURE(ExpectStopsOnFullDisk(*run, log));
  ASSERT_NO_FATAL_FAILURE(Grow(log, "64m"));
  ExpectRerunEndsEqual(workload);
}

// The state store's tmpfs: a file takes all its room during the copy (throttled to about 4 s),
// whose chunk records then fail. The run either stops or holds, saying so, and goes on by itself
// once the file is gone; either way nothing is lost.
TEST_F(FullDiskTest, StateStoreDiskFullStopsOrHoldsThenResumes) {
  const std::filesystem::path state = dir_ / "state";
  ASSERT_NO_FATAL_FAILURE(Mount(state, "4m"));
  ASSERT_NO_FATAL_FAILURE(Mount(state / "log", "64m"));
  WriteSpec("full-disk",
            "parallelism: {copy_workers: 2, chunk_rows: 100, apply_lanes: 2}\n"
            "throttle: {copy_rows_per_second: 1000}\n");
  runtest::Workload workload(testing::MariaDbSource(), db_, kRows);
  workload.Start(2ms);
  auto run = StartRun();
  while (run->Output().find(" rows/s ") == std::string::npos &&
         run->Output().find("copy:") == std::string::npos) {
    std::this_thread::sleep_for(100ms);
  }
  std::this_thread::sleep_for(500ms);
  const std::filesystem::path filler = state / "filler";
  std::system(("dd if=/dev/zero of=" + filler.string() + " bs=4k 2>/dev/null").c_str());
  // Said within 30 s: the directory, the errno text and what to do.
  auto deadline = std::chrono::steady_clock::now() + 30s;
  int code = 0;
  bool ended = false;
  while (std::chrono::steady_clock::now() < deadline && !ended) {
    if (run->Output().find(runtest::kDiskFullText) != std::string::npos) break;
    ended = run->WaitFor(200ms, &code);
  }
  std::string output = run->Output();
  size_t said = output.find(runtest::kDiskFullText);
  ASSERT_NE(said, std::string::npos) << output;
  std::string line = output.substr(output.rfind('\n', said) + 1);
  line = line.substr(0, line.find('\n'));
  EXPECT_NE(line.find(state.string()), std::string::npos) << line;
  EXPECT_NE(line.find("make room"), std::string::npos) << line;
  std::printf("%s\n", line.c_str());
  std::this_thread::sleep_for(3s);  // held or stopped for a while on the full disk
  std::filesystem::remove(filler);
  if (!ended) ended = run->WaitFor(1s, &code);
  if (ended) {
    EXPECT_EQ(code, 1) << output;
    ExpectRerunEndsEqual(workload);
    return;
  }
  std::printf("the run held on the full disk and went on\n");
  std::this_thread::sleep_for(1s);
  workload.Stop();
  size_t rows = runtest::ExpectTargetCatchesUp(*source_, db_, *target_, target_db_, 60s);
  verifytest::VerifyRun verify = verifytest::RunCutover(dir_, "verify " + spec_.string());
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  std::printf("%zu rows compared, equal\n", rows);
  runtest::StopRun(*run);
}

}  // namespace
}  // namespace cutover
