// Fence: proves the change stream has caught up (docs/cutover.md). A fence writes a marker row
// into a small table on the source (kFenceTable), waits until the running `cutover run` has
// captured it and its applier has passed it, and measures how long that took: the lag between a
// write on the source and the moment the target holds it. `cutover finish` builds on it: a
// passed fence plus a quiet time without changes means the stream is drained.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "cutover/spec.h"
#include "cutover/status.h"

namespace cutover {

struct FenceOptions {
  // How long to wait for the applier to pass the marker before giving up (DeadlineExceeded).
  std::chrono::seconds timeout{300};
  // Set (from any thread or a signal handler) to give up early (Cancelled); null: never.
  const std::atomic<bool>* stop = nullptr;
};

struct FenceResult {
  std::string id;             // the marker's id (32 hex digits), also the key of its row
  int64_t written_at_ms = 0;  // when the marker row was committed on the source (Unix ms)
  int64_t applied_at_ms = 0;  // when cutover saw the applier past it (Unix ms)
  double lag_seconds = 0;     // applied_at_ms - written_at_ms, in seconds
};

// Writes a fence marker for `spec` and waits until the running `cutover run` has applied past
// it. The result is also stored as state meta "fence.last" (JSON {"id", "written_at_ms",
// "applied_at_ms", "lag_seconds", "passed": true}). FailedPrecondition when no `cutover run` is
// running for the spec (its status record is missing or stale) or the run is not in CDC yet;
// DeadlineExceeded after options.timeout; Cancelled when options.stop was set; Unimplemented
// for a PostgreSQL source (capture is binlog only today). With change_log.kind: kafka the fence
// passes once the appliers' consumer group has committed, on every partition of the log topic,
// the end offset capture recorded when it saw the marker (docs/cutover.md).
Result<FenceResult> RunFence(const Spec& spec, const FenceOptions& options);

}  // namespace cutover
