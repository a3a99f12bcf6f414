// Source: what the pipeline needs of a source database, whatever its engine (MariaDB/MySQL now,
// PostgreSQL next). The change stream half: capture reads committed transactions through a
// ChangeStream into a ChangeEventSink, so capture is written once and tested with a fake stream.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>

#include "cutover/change.h"
#include "cutover/position.h"
#include "cutover/schema.h"
#include "cutover/status.h"

namespace cutover {

// What a change stream delivers, on the thread that called ChangeStream::Run: each committed
// transaction exactly once and whole (OnBegin, its OnChange calls in source order, OnCommit),
// and OnIdle when the source has had nothing new for a heartbeat period.
class ChangeEventSink {
 public:
  virtual ~ChangeEventSink() = default;
  virtual Status OnBegin() { return Status::Ok(); }
  // A row change or a schema change (kSchema). The Change may be reused: copy what you keep.
  virtual Status OnChange(const Change& change) = 0;
  // The transaction's end; `resume` is where reading the source continues after it.
  virtual Status OnCommit(const Position& resume) = 0;
  virtual Status OnIdle() { return Status::Ok(); }
};

struct ChangeStreamOptions {
  // The first transaction delivered is the one after `start`.
  Position start;
  // Which tables to decode; null selects every table.
  std::function<bool(const TableId&)> table_filter;
  // The idle heartbeat; also bounds how long a stop request waits.
  std::chrono::milliseconds heartbeat_period{1000};
  // Set from any thread to make Run() return OK at the next event or heartbeat. Not owned.
  const std::atomic<bool>* stop = nullptr;
};

class ChangeStream {
 public:
  virtual ~ChangeStream() = default;
  // Streams into `sink` until stopped (OK) or failed (the sink's own error unchanged; DataLoss
  // when the source no longer holds `start`).
  virtual Status Run(ChangeEventSink* sink) = 0;
};

// Opens a change stream; how (connection, replica id) is the source's business.
using ChangeStreamFactory =
    std::function<Result<std::unique_ptr<ChangeStream>>(ChangeStreamOptions options)>;

}  // namespace cutover
