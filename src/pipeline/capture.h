// Capture: the source's change stream into the change log, whatever the log (log/change_log.h).
// Each committed source transaction becomes its change records, appended whole with the position
// where the source resumes after it; the writer makes them durable at least every sync period
// (and on an idle heartbeat). On start, capture resumes where the log says (after the last whole
// transaction it holds durably), or at `start` for an empty log: so the log holds every
// committed transaction after `start` at least once (exactly once for the local log), whatever
// crashes happen.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "cutover/position.h"
#include "cutover/source.h"
#include "cutover/state_store.h"
#include "cutover/status.h"

#include "log/change_log.h"
#include "pipeline/fence_marks.h"
#include "pipeline/router.h"

namespace cutover::pipeline {

struct CaptureStats {
  std::atomic<uint64_t> transactions{0};  // appended by this run
  std::atomic<uint64_t> changes{0};
  Position resumed_from;  // where this run started reading the source
  // When capture last saw a change of a selected table (Unix ms); the time capture started
  // until it sees one. Read by other threads (the run's status record).
  std::atomic<int64_t> last_event_ms{0};
};

struct CaptureOptions {
  // Where capture starts when the log holds nothing yet (P0).
  Position start;
  // What the change stream reads (its start is set by capture).
  ChangeStreamOptions stream;
  // The writer is synced at least this often while changes arrive.
  std::chrono::milliseconds sync_every{200};
  // Repair watermarks are honoured with a state store (RepairWindows); dropped without one.
  StateStore* state = nullptr;
  // Fence markers go here; dropped when null.
  FenceMarks* fences = nullptr;
  // Chooses each change's partition when the log has more than one (the appliers' lane hash);
  // may be null for a one-partition log.
  ChangeRouter* router = nullptr;
};

// Streams from the log's resume position (or options.start) into `writer` until
// options.stream.stop is set (returns OK, after a final Sync) or the stream fails.
Status RunCapture(const ChangeStreamFactory& open_stream, log::LogWriter& writer,
                  CaptureOptions options, CaptureStats* stats);

}  // namespace cutover::pipeline
