// Durability: a writer killed with SIGKILL at random moments loses no committed chunk and
// leaves an intact store whose counts match its chunks.
#include <chrono>
#include <cstdint>
#include <random>
#include <set>

#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cutover/state_store.h"

#include "state/test_support.h"

namespace cutover {
namespace {

using state::TempDir;

constexpr char kTable[] = "shop.orders";

int64_t RowsOf(int64_t chunk_id) { return chunk_id % 97 + 1; }

// The child: records chunks first_id, first_id+1, ... until killed, writing each chunk id to
// `fd` after its commit returned. With `grouped`, each chunk and the "copy" offset (= its id)
// commit in one Transaction. Never returns.
[[noreturn]] void RecordChunksUntilKilled(const std::filesystem::path& dir, int fd,
                                          int64_t first_id, bool grouped) {
  auto store = StateStore::Open(dir);
  if (!store.ok()) _exit(2);
  for (int64_t chunk_id = first_id;; ++chunk_id) {
    std::string lower = fmt::format("k{}", chunk_id);
    std::string upper = fmt::format("k{}", chunk_id + 1);
    Status status;
    if (grouped) {
      auto txn = (*store)->Begin();
      if (!txn.ok()) _exit(3);
      status = (*store)->RecordChunk(kTable, chunk_id, lower, upper, RowsOf(chunk_id), 8);
      if (status.ok()) status = (*store)->SetOffset("copy", static_cast<uint64_t>(chunk_id));
      if (status.ok()) status = txn->Commit();
    } else {
      status = (*store)->RecordChunk(kTable, chunk_id, lower, upper, RowsOf(chunk_id), 8);
    }
    if (!status.ok()) _exit(4);
    if (write(fd, &chunk_id, sizeof chunk_id) != sizeof chunk_id) _exit(5);
  }
}

// Reads chunk ids from `fd` until `deadline` (or EOF when deadline is nullopt) into `ids`.
void ReadIds(int fd, std::optional<std::chrono::steady_clock::time_point> deadline,
             std::set<int64_t>* ids) {
  int64_t chunk_id = 0;
  while (true) {
    if (deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          *deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return;
      pollfd readable{fd, POLLIN, 0};
      if (poll(&readable, 1, static_cast<int>(left.count())) <= 0) continue;
    }
    ssize_t got = read(fd, &chunk_id, sizeof chunk_id);
    if (got == 0) return;                                   // EOF: the child is gone
    ASSERT_EQ(got, static_cast<ssize_t>(sizeof chunk_id));  // pipe writes this small are atomic
    ids->insert(chunk_id);
  }
}

struct Round {
  std::set<int64_t> reported;  // committed, per the child
};

// Runs one child from first_id, kills it after `delay`, returns what it reported.
Round KillAfter(const std::filesystem::path& dir, int64_t first_id, bool grouped,
                std::chrono::milliseconds delay) {
  Round round;
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    RecordChunksUntilKilled(dir, fds[1], first_id, grouped);
  }
  close(fds[1]);
  ReadIds(fds[0], std::chrono::steady_clock::now() + delay, &round.reported);
  EXPECT_EQ(kill(pid, SIGKILL), 0);
  int wait_status = 0;
  EXPECT_EQ(waitpid(pid, &wait_status, 0), pid);
  EXPECT_TRUE(WIFSIGNALED(wait_status) && WTERMSIG(wait_status) == SIGKILL)
      << "the child stopped by itself with exit code " << WEXITSTATUS(wait_status);
  ReadIds(fds[0], std::nullopt, &round.reported);
  close(fds[0]);
  return round;
}

TEST(DurabilityTest, KillNineNeverLosesACommittedChunk) {
  TempDir tmp;
  {
    auto store = StateStore::Open(tmp.state_dir());
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->AddTable(kTable, 1000000).ok());
  }  // closed before forking: an SQLite connection must not cross fork()
  unsigned seed = std::random_device()();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 random(seed);
  std::set<int64_t> all_reported;
  int64_t next_id = 1;
  for (int round_idx = 0; round_idx < 10; ++round_idx) {
    bool grouped = round_idx % 2 == 1;
    auto delay = std::chrono::milliseconds(20 + random() % 80);
    Round round = KillAfter(tmp.state_dir(), next_id, grouped, delay);
    all_reported.insert(round.reported.begin(), round.reported.end());

    auto store = StateStore::Open(tmp.state_dir());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    EXPECT_TRUE((*store)->CheckIntegrity().ok());
    std::vector<ChunkRecord> chunks = (*store)->ListChunks(kTable).value();
    std::set<int64_t> stored;
    int64_t rows = 0;
    for (const ChunkRecord& chunk : chunks) {
      stored.insert(chunk.chunk_id);
      rows += chunk.rows;
      EXPECT_EQ(chunk.rows, RowsOf(chunk.chunk_id));
      EXPECT_EQ(chunk.lower_key, fmt::format("k{}", chunk.chunk_id));
    }
    for (int64_t chunk_id : all_reported) {
      EXPECT_TRUE(stored.count(chunk_id)) << "chunk " << chunk_id << " was committed but is lost";
    }
    // At most the one chunk committed just before the kill, not yet reported, is extra.
    EXPECT_LE(stored.size(), all_reported.size() + round_idx + 1);
    TableProgress table = (*store)->GetTable(kTable).value().value();
    EXPECT_EQ(table.rows_copied, rows);
    EXPECT_EQ(table.bytes, 8 * static_cast<int64_t>(chunks.size()));
    if (grouped && !round.reported.empty()) {
      // The offset and its chunk committed together.
      uint64_t offset = (*store)->GetOffset("copy").value().value();
      EXPECT_GE(offset, static_cast<uint64_t>(*round.reported.rbegin()));
      EXPECT_TRUE(stored.count(static_cast<int64_t>(offset)));
      EXPECT_EQ(offset, static_cast<uint64_t>(*stored.rbegin()));
    }
    next_id = stored.empty() ? 1 : *stored.rbegin() + 1;
  }
  RecordProperty("committed_chunks", static_cast<int>(all_reported.size()));
  EXPECT_GT(all_reported.size(), 10u) << "the children committed too little to test anything";
}

}  // namespace
}  // namespace cutover
