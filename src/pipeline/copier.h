// Copier: THE full-load loop. Takes P0, prepares every selected table on the target, splits it
// into key ranges, copies the ranges with parallel reader->writer workers, records each chunk
// after the target acknowledged it, then builds the deferred indexes in parallel. Every
// decision is in the state store before it is acted on, so a rerun after kill -9 resumes at
// the first unfinished chunk and still ends with every index (docs/copy.md).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cutover/copy.h"
#include "cutover/sink.h"
#include "cutover/source.h"
#include "cutover/spec.h"
#include "cutover/state_store.h"

#include "db/mysql/connection.h"
#include "pipeline/bounded_queue.h"
#include "pipeline/copy_plan.h"
#include "pipeline/copy_progress.h"
#include "pipeline/rate_limiter.h"

namespace cutover::pipeline {

// One table of the copy, shared by the workers copying its ranges.
struct TableJob {
  SourceTable source;      // schemas (source.narrowed: the columns copied), rule, row estimate
  TargetTablePlan plan;    // the sink's decision for the target table
  StoredTablePlan stored;  // ranges and deferred indexes, as first recorded
  std::string name;        // "schema.table", the state store's table name
  std::atomic<int> ranges_left{0};
  std::atomic<int> indexes_left{0};
  std::atomic<int> indexes_built{0};
  std::atomic<int64_t> bytes{0};
  std::atomic<bool> started{false};
  bool read_whole = false;  // this run reads all of it (no chunk of it recorded before)
  // Half copied by an earlier run, to be read again from its first row (PrepareTable).
  bool copy_again = false;
  // Read again whole, but the sink could not empty it: apply replays it from P0.
  bool replay_from_start = false;
  std::chrono::steady_clock::time_point first_start{};
  std::chrono::steady_clock::time_point finished{};
};

// One range still to copy.
struct RangeJob {
  TableJob* table = nullptr;
  KeyRange range;
  RangeResume resume;
};

// A chunk read from the source, waiting for the writer.
struct PendingChunk {
  ChunkBounds bounds;
  std::vector<Row> rows;
  int64_t bytes = 0;
};
using ChunkQueue = BoundedQueue<PendingChunk>;

class Copier {
 public:
  Copier(const Spec& spec, const CopyOptions& options);
  Result<CopyReport> Run();

 private:
  Status OpenSourceAndState();
  Status LoadTables();
  Status TakeStartPosition();
  Status BeginResumedCopy();
  Status CopyAgainFromTheFirstRow(TableJob& job, bool shared_target);
  Status PrepareTable(TableJob& job);
  Result<StoredTablePlan> LoadOrPlanRanges(TableJob& job);
  Status QueueTable(TableJob& job);
  Status RunWorkers();
  void CopyWorkerLoop();
  void IndexBuilderLoop();
  Status CopyRange(RangeJob& job, std::unique_ptr<ChunkReader>& chunk_reader);
  Status ReadRange(RangeJob& job, std::unique_ptr<ChunkReader>& reader, ChunkQueue& queue,
                   std::atomic<int64_t>& last_write_ns);
  Status WriteRange(RangeJob& job, ChunkQueue& queue, std::atomic<int64_t>& last_write_ns);
  Status FinishRange(TableJob& table, bool counted);
  Status EnqueueIndexes(TableJob& table);
  Status BuildIndex(TableJob& table, const Index& index);
  Status TableDone(TableJob& table);
  void ProgressLoop();
  void Fail(const Status& status);
  bool Stopping() const;
  CopyReport MakeReport() const;

  // Constant after construction.
  const Spec& spec_;
  const CopyOptions options_;
  const std::chrono::steady_clock::time_point started_;

  // Set up by Run() before any worker starts; then only read (the objects are thread-safe:
  // the state store locks, progress_ locks, the sink opens a session per writer).
  std::unique_ptr<StateStore> owned_state_;  // when options.state is null
  StateStore* state_ = nullptr;
  std::unique_ptr<Target> owned_target_;  // when options.target is null
  std::unique_ptr<Source> owned_source_;  // when options.source is null
  Source* source_ = nullptr;              // main thread only (schemas, P0, key boundaries);
                                          // workers read through their own ChunkReader
  std::unique_ptr<Sink> sink_;
  std::vector<std::unique_ptr<TableJob>> tables_;
  Position start_;
  bool resumed_ = false;
  CopyProgress progress_;
  RateLimiter limiter_;

  // Guards everything below.
  std::mutex mutex_;
  std::condition_variable changed_;  // a queue grew, the copy ended, or an error happened
  std::deque<RangeJob> ranges_;
  std::deque<std::pair<TableJob*, Index>> indexes_;
  bool copy_workers_done_ = false;
  bool all_done_ = false;
  Status first_error_;
  std::atomic<bool> failed_{false};
};

}  // namespace cutover::pipeline
