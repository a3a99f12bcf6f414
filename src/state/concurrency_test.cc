// Concurrency: writers in two threads and two processes, a reader beside a writer, and a writer
// that waits too long for the lock.
#include <atomic>
#include <thread>

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cutover/state_store.h"

#include "state/test_support.h"

namespace cutover {
namespace {

using state::TempDir;

constexpr int kChunksPerWriter = 100;

std::unique_ptr<StateStore> OpenOrDie(const std::filesystem::path& dir,
                                      const StateStoreOptions& options = {}) {
  auto store = StateStore::Open(dir, options);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(store).value() : nullptr;
}

// Records chunks first_id .. first_id+count-1 of `table`; every third one grouped with an
// offset in a Transaction. Returns the first failure.
Status WriteChunks(StateStore& store, std::string_view table, int64_t first_id, int count) {
  for (int64_t chunk_id = first_id; chunk_id < first_id + count; ++chunk_id) {
    if (chunk_id % 3 == 0) {
      CUTOVER_ASSIGN_OR_RETURN(auto txn, store.Begin());
      CUTOVER_RETURN_IF_ERROR(store.RecordChunk(table, chunk_id, "", "", 2));
      CUTOVER_RETURN_IF_ERROR(
          store.SetOffset(std::string(table) + ".last", static_cast<uint64_t>(chunk_id)));
      CUTOVER_RETURN_IF_ERROR(txn.Commit());
    } else {
      CUTOVER_RETURN_IF_ERROR(store.RecordChunk(table, chunk_id, "", "", 2));
    }
  }
  return Status::Ok();
}

void ExpectChunks(StateStore& store, std::string_view table, size_t count) {
  EXPECT_EQ(store.ListChunks(table).value().size(), count);
  EXPECT_EQ(store.GetTable(table).value()->rows_copied, static_cast<int64_t>(2 * count));
}

TEST(ConcurrencyTest, TwoThreadsShareOneStore) {
  TempDir tmp;
  auto store = OpenOrDie(tmp.state_dir());
  ASSERT_TRUE(store->AddTable("t", 0).ok());
  Status first;
  Status second;
  std::thread one([&] { first = WriteChunks(*store, "t", 0, kChunksPerWriter); });
  std::thread two([&] { second = WriteChunks(*store, "t", 10000, kChunksPerWriter); });
  one.join();
  two.join();
  EXPECT_TRUE(first.ok()) << first.ToString();
  EXPECT_TRUE(second.ok()) << second.ToString();
  ExpectChunks(*store, "t", 2 * kChunksPerWriter);
}

TEST(ConcurrencyTest, TwoThreadsWithTheirOwnStoresWaitForEachOther) {
  TempDir tmp;
  auto setup = OpenOrDie(tmp.state_dir());
  ASSERT_TRUE(setup->AddTable("a", 0).ok());
  ASSERT_TRUE(setup->AddTable("b", 0).ok());
  Status first;
  Status second;
  std::thread one([&] {
    auto store = OpenOrDie(tmp.state_dir());
    first = WriteChunks(*store, "a", 0, kChunksPerWriter);
  });
  std::thread two([&] {
    auto store = OpenOrDie(tmp.state_dir());
    second = WriteChunks(*store, "b", 0, kChunksPerWriter);
  });
  one.join();
  two.join();
  EXPECT_TRUE(first.ok()) << first.ToString();
  EXPECT_TRUE(second.ok()) << second.ToString();
  ExpectChunks(*setup, "a", kChunksPerWriter);
  ExpectChunks(*setup, "b", kChunksPerWriter);
}

// Forks a child that opens its own store and runs `work`; the child exits 0 when it succeeded.
template <typename Work>
pid_t ForkWriter(const std::filesystem::path& dir, Work work) {
  pid_t pid = fork();
  if (pid != 0) return pid;
  auto store = StateStore::Open(dir);
  _exit(store.ok() && work(**store).ok() ? 0 : 1);
}

int ExitCode(pid_t pid) {
  int wait_status = 0;
  if (waitpid(pid, &wait_status, 0) != pid || !WIFEXITED(wait_status)) return -1;
  return WEXITSTATUS(wait_status);
}

TEST(ConcurrencyTest, TwoProcessesWriteTheSameStore) {
  TempDir tmp;
  {
    auto setup = OpenOrDie(tmp.state_dir());
    ASSERT_TRUE(setup->AddTable("a", 0).ok());
    ASSERT_TRUE(setup->AddTable("b", 0).ok());
  }  // closed before forking
  pid_t one = ForkWriter(tmp.state_dir(), [](StateStore& store) {
    return WriteChunks(store, "a", 0, kChunksPerWriter);
  });
  pid_t two = ForkWriter(tmp.state_dir(), [](StateStore& store) {
    return WriteChunks(store, "b", 0, kChunksPerWriter);
  });
  EXPECT_EQ(ExitCode(one), 0);
  EXPECT_EQ(ExitCode(two), 0);
  auto store = OpenOrDie(tmp.state_dir());
  ExpectChunks(*store, "a", kChunksPerWriter);
  ExpectChunks(*store, "b", kChunksPerWriter);
  EXPECT_EQ(store->GetOffset("a.last").value(), 99u);
  EXPECT_TRUE(store->CheckIntegrity().ok());
}

TEST(ConcurrencyTest, ReadOnlyReaderSeesConsistentProgressWhileAnotherProcessWrites) {
  TempDir tmp;
  {
    auto setup = OpenOrDie(tmp.state_dir());
    ASSERT_TRUE(setup->AddTable("t", 0).ok());
  }
  pid_t writer = ForkWriter(tmp.state_dir(), [](StateStore& store) {
    return WriteChunks(store, "t", 0, 2 * kChunksPerWriter);
  });
  StateStoreOptions options;
  options.read_only = true;
  auto reader = OpenOrDie(tmp.state_dir(), options);
  ASSERT_NE(reader, nullptr);
  int reads = 0;
  int64_t last_rows = 0;
  bool writer_done = false;
  while (!writer_done) {
    writer_done = waitpid(writer, nullptr, WNOHANG) == writer;
    auto snapshot = reader->Begin();  // one consistent view for both reads
    ASSERT_TRUE(snapshot.ok()) << snapshot.status().ToString();
    auto table = reader->GetTable("t");
    auto chunks = reader->ListChunks("t");
    ASSERT_TRUE(table.ok()) << table.status().ToString();
    ASSERT_TRUE(chunks.ok()) << chunks.status().ToString();
    ASSERT_TRUE(snapshot->Commit().ok());
    EXPECT_EQ((*table)->rows_copied, 2 * static_cast<int64_t>(chunks->size()));
    EXPECT_GE((*table)->rows_copied, last_rows);
    last_rows = (*table)->rows_copied;
    ++reads;
  }
  EXPECT_EQ(last_rows, 2 * 2 * kChunksPerWriter);
  EXPECT_GT(reads, 1);
}

TEST(ConcurrencyTest, AWriterBlockedPastTheBusyTimeoutGetsUnavailable) {
  TempDir tmp;
  auto holder = OpenOrDie(tmp.state_dir());
  StateStoreOptions impatient;
  impatient.busy_timeout = std::chrono::milliseconds(50);
  auto waiter = OpenOrDie(tmp.state_dir(), impatient);
  auto txn = holder->Begin();  // holds the write lock
  ASSERT_TRUE(txn.ok());
  auto started = std::chrono::steady_clock::now();
  Status status = waiter->SetMeta("k", "v");
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(40));
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_TRUE(status.IsRetryable());
  EXPECT_EQ(status.message(),
            "set meta \"k\": state store " + waiter->path().string() + ": database is locked");
  EXPECT_EQ(waiter->GetMeta("k").value(), std::nullopt);  // readers are not blocked
  ASSERT_TRUE(txn->Commit().ok());
  EXPECT_TRUE(waiter->SetMeta("k", "v").ok());  // the retry succeeds
}

}  // namespace
}  // namespace cutover
