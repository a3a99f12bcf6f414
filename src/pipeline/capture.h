// Capture: the binlog stream into the change log, checkpointed by the log itself. Each committed
// source transaction becomes its change records plus a commit record (whose position is where
// the source is read again after it), appended in one call; the log is synced at least every
// sync period. On start, capture resumes after the last commit record in the log (a transaction
// whose end never reached the log is cut off first), or at `start` for an empty log: so the log
// holds every committed transaction after `start` exactly once, whatever crashes happen.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "cutover/position.h"
#include "cutover/state_store.h"
#include "cutover/status.h"

#include "log/change_codec.h"
#include "log/local_log.h"
#include "pipeline/fence_marks.h"
#include "pipeline/repair_windows.h"
#include "source/mysql/binlog_stream.h"

namespace cutover::pipeline {

struct CaptureStats {
  uint64_t transactions = 0;  // appended by this run
  uint64_t changes = 0;
  Position resumed_from;  // where this run started reading the source
  // When capture last saw a change of a selected table (Unix ms); the time capture started
  // until it sees one. Read by other threads (the run's status record).
  std::atomic<int64_t> last_event_ms{0};
};

// Where capture must start reading: after the last whole transaction in `log` (cutting any
// records after it), or `start` when the log has no commit record yet.
Result<Position> RecoverCapturePosition(log::LocalLog& log, const Position& start);

// Streams from RecoverCapturePosition(log, options.start) into `log` until options.stop is set
// (returns OK, after a final Sync) or the stream fails. With a state store, repair watermarks
// are honoured (RepairWindows); without one they are dropped. Fence markers go to `fences`
// (dropped when null).
Status RunCapture(mysql::BinlogStreamOptions options, log::LocalLog& log, CaptureStats* stats,
                  StateStore* state = nullptr, FenceMarks* fences = nullptr);

}  // namespace cutover::pipeline
