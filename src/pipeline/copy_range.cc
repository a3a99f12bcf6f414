// CopyRange: one key range of one table, copied by a reader thread (source chunks by keyset
// pagination) and the worker thread as writer, joined by a bounded queue; every chunk is
// recorded in the state store only after the target acknowledged it.
#include <random>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "pipeline/copier.h"
#include "pipeline/test_hooks.h"

namespace cutover::pipeline {
namespace {

constexpr int kMaxAttempts = 10;
constexpr size_t kQueueDepth = 1;              // chunks read ahead per range
constexpr int64_t kMaxChunkBytes = 4ll << 20;  // values read per chunk (memory bound)

// Full jitter, so writers that deadlocked on each other do not retry in lockstep.
std::chrono::milliseconds Backoff(int attempt) {
  static thread_local std::mt19937 random(std::random_device{}());
  int64_t ceiling = int64_t{200} << std::min(attempt, 5);
  return std::chrono::milliseconds(
      std::uniform_int_distribution<int64_t>(ceiling / 4, ceiling)(random));
}

bool Retryable(const Status& status) { return status.retry() != Retry::kNeedsPerson; }

// A read Aborted is the copy's view of the source lost: no retry of the chunk gets it back; the
// copy as a whole is run again in a new view (RunCopy).
bool RetryableRead(const Status& status) {
  return Retryable(status) && status.code() != StatusCode::kAborted;
}

int64_t Nanos(std::chrono::steady_clock::duration duration) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(duration).count();
}

}  // namespace

Status Copier::CopyRange(RangeJob& job, std::unique_ptr<ChunkReader>& chunk_reader) {
  TableJob& table = *job.table;
  if (!table.started.exchange(true)) {
    table.first_start = std::chrono::steady_clock::now();
    CUTOVER_RETURN_IF_ERROR(state_->SetTableState(table.name, TableState::kCopying));
    progress_.SetStatus(table.name, "copying");
  }
  ChunkQueue queue(kQueueDepth);
  std::atomic<int64_t> last_write_ns{0};
  Status read_status;
  std::thread reader([&] {
    read_status = ReadRange(job, chunk_reader, queue, last_write_ns);
    queue.Close();
  });
  Status write_status = WriteRange(job, queue, last_write_ns);
  queue.Close();  // unblocks the reader when the writer stopped early
  reader.join();
  CUTOVER_RETURN_IF_ERROR(write_status);
  CUTOVER_RETURN_IF_ERROR(read_status);
  if (Stopping()) return Status::Ok();
  return FinishRange(table, /*counted=*/true);
}

// Reads the range chunk by chunk. Each chunk is one read of its own (ChunkReader: no
// transaction spans chunks). A chunk shorter than its limit is the range's last and extends to the
// range's upper bound, so that target rows left in that tail by an earlier run are replaced too.
Status Copier::ReadRange(RangeJob& job, std::unique_ptr<ChunkReader>& reader, ChunkQueue& queue,
                         std::atomic<int64_t>& last_write_ns) {
  const TableJob& table = *job.table;
  std::optional<Key> lower = job.resume.lower;
  int64_t limit = std::max<int64_t>(spec_.parallelism.chunk_rows, 1);
  while (!Stopping()) {
    // Between chunks: a held copy reads and writes nothing more; the chunks queued are written.
    if (options_.hold) options_.hold();
    if (Stopping()) break;
    ChunkSelect select{lower, job.range.upper, table.source.rule->filter, limit};
    auto began = std::chrono::steady_clock::now();
    Result<ChunkRows> rows = Status::Internal("not read");
    for (int attempt = 0;; ++attempt) {
      if (reader == nullptr) {
        Result<std::unique_ptr<ChunkReader>> opened = source_->OpenChunkReader();
        if (opened.ok()) reader = *std::move(opened);
        rows = opened.status();
      }
      if (reader != nullptr) rows = reader->ReadChunk(table.source.narrowed, select);
      if (rows.ok() || !RetryableRead(rows.status()) || attempt + 1 >= kMaxAttempts ||
          Stopping()) {
        break;
      }
      spdlog::warn("{}: reading a chunk failed, retrying: {}", table.name,
                   rows.status().ToString());
      reader.reset();
      std::this_thread::sleep_for(Backoff(attempt));
    }
    if (!rows.ok()) return rows.status().WithContext("reading from the source");
    TEST_PausePoint("after_read");
    bool last = static_cast<int64_t>(rows->rows.size()) < limit;
    PendingChunk chunk;
    chunk.bounds.lower = lower;
    chunk.bounds.upper = last ? job.range.upper : KeyOf(table.source.narrowed, rows->rows.back());
    chunk.bytes = rows->bytes;
    chunk.rows = std::move(rows->rows);
    if (options_.pace) {
      options_.pace(static_cast<int64_t>(chunk.rows.size()));
    } else {
      limiter_.Acquire(static_cast<int64_t>(chunk.rows.size()));
    }
    // The wait for the rate limit counts as the chunk's time: under a copy rate limit a chunk
    // then stays about chunk_time long (instead of doubling each time its quick read allows),
    // so progress moves in small steps and a pause or a new rate takes effect within about
    // chunk_time rather than after one huge paced chunk.
    int64_t paced_ns = Nanos(std::chrono::steady_clock::now() - began);
    lower = chunk.bounds.upper;
    int64_t chunk_bytes = chunk.bytes;
    if (!queue.Push(std::move(chunk)) || last) break;
    auto elapsed = std::chrono::nanoseconds(std::max(paced_ns, last_write_ns.load()));
    limit =
        NextChunkRows(limit, elapsed, spec_.parallelism.chunk_time, chunk_bytes, kMaxChunkBytes);
  }
  return Status::Ok();
}

// Writes the chunks in key order and records each one after WriteChunk returned; a failed
// write is repeated (WriteChunk is idempotent over its bounds) with a fresh writer session.
// In a table the sink emptied in this run, no row of a chunk is in the target before its first
// write, and the ranges never overlap; a repeated write may find the rows of an attempt whose
// COMMIT arrived although its acknowledgement did not, so it says so (may_exist).
Status Copier::WriteRange(RangeJob& job, ChunkQueue& queue, std::atomic<int64_t>& last_write_ns) {
  TableJob& table = *job.table;
  std::unique_ptr<TableWriter> writer;
  int64_t sequence = job.resume.next_sequence;
  while (std::optional<PendingChunk> chunk = queue.Pop()) {
    if (Stopping()) return Status::Ok();
    auto began = std::chrono::steady_clock::now();
    Status written;
    bool sent = false;  // a WriteChunk of this chunk ran, so it may have committed
    for (int attempt = 0;; ++attempt) {
      if (writer == nullptr) {
        Result<std::unique_ptr<TableWriter>> opened = sink_->OpenWriter(table.plan);
        if (opened.ok()) writer = *std::move(opened);
        written = opened.status();
      }
      if (writer != nullptr) {
        chunk->bounds.may_exist = sent || !table.plan.starts_empty;
        sent = true;
        written = writer->WriteChunk(chunk->bounds, chunk->rows);
      }
      if (written.ok() || !Retryable(written) || attempt + 1 >= kMaxAttempts || Stopping()) {
        break;
      }
      spdlog::warn("{}: writing a chunk failed, retrying: {}", table.name, written.ToString());
      writer.reset();
      std::this_thread::sleep_for(Backoff(attempt));
    }
    if (!written.ok()) return written.WithContext("writing to the target");
    last_write_ns = Nanos(std::chrono::steady_clock::now() - began);
    TEST_PausePoint("after_write");
    auto rows = static_cast<int64_t>(chunk->rows.size());
    CUTOVER_RETURN_IF_ERROR(state_->RecordChunk(
        table.name, ChunkId(job.range.index, sequence++), EncodeBound(chunk->bounds.lower),
        EncodeBound(chunk->bounds.upper), rows, chunk->bytes));
    TEST_PausePoint("after_record");
    table.bytes.fetch_add(chunk->bytes);
    progress_.AddRows(table.name, rows);
  }
  return Status::Ok();
}

}  // namespace cutover::pipeline
