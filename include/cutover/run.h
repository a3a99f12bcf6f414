// Run: the whole migration in one process (docs/run.md): capture the binlog from the copy's
// start position P0 into the change log while the full load runs, then apply the log to the
// target and keep applying (continuous CDC) until stopped. Every step resumes from its
// checkpoints, so running again after a stop or a crash continues where it was.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>

#include "cutover/spec.h"
#include "cutover/status.h"

namespace cutover {

struct RunOptions {
  // Set (from any thread or a signal handler) to stop cleanly; Run then returns OK.
  const std::atomic<bool>* stop = nullptr;
  // Where progress and status lines go; null: nowhere.
  FILE* progress = nullptr;
  std::chrono::milliseconds status_interval{10000};
};

// Runs (or resumes) the migration of `spec` until options.stop is set (OK) or an error that
// retrying cannot mend (that error). Errors before anything starts: InvalidArgument for spec
// options `run` cannot honour (row filters), Unimplemented for a target it cannot apply to yet.
Status RunMigration(const Spec& spec, const RunOptions& options);

// What `cutover status` prints: the phase, the copy per table, and the last CDC status the
// running (or last) `cutover run` recorded: as text, or as one JSON object.
Result<std::string> FormatStatus(const Spec& spec, bool json);

}  // namespace cutover
