// Run: the whole migration in one process (docs/run.md): capture the binlog from the copy's
// start position P0 into the change log while the full load runs, then apply the log to the
// target and keep applying (continuous CDC) until stopped. Every step resumes from its
// checkpoints, so running again after a stop or a crash continues where it was.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "cutover/spec.h"
#include "cutover/status.h"

namespace cutover {

struct RunOptions {
  // Set (from any thread or a signal handler) to stop cleanly; Run then returns OK.
  const std::atomic<bool>* stop = nullptr;
  // Where progress and status lines go; null: nowhere.
  FILE* progress = nullptr;
  std::chrono::milliseconds status_interval{10000};
  // A table created on the source (or renamed into the selection) that the spec's patterns
  // select, seen by the running apply (docs/ddl.md): its target table has been made and the
  // apply follows it; this copies its rows (the CLI runs `cutover ddl resume TABLE --recopy`
  // on a thread of its own). Null: the table stays stopped, saying so, until that command runs.
  std::function<void(const std::string& table)> on_new_table;
  // A source or target unreachable (Unavailable: connection refused or dropped) before the
  // copy's chunks begin (opening the servers, P0, the target tables) starts the run again with
  // backoff (1 s, doubling up to 8 s), a warning per attempt, while the waits add up to at most
  // this; then that error ends it. 0: the first error ends it. Any other error (bad credentials,
  // a missing table) ends it at once; so does one after startup (docs/run.md, "Startup").
  std::chrono::milliseconds startup_retry{60000};
};

// Runs (or resumes) the migration of `spec` until options.stop is set (OK) or an error that
// retrying cannot mend (that error). Errors before anything starts: InvalidArgument for spec
// options `run` cannot honour (row filters), Unimplemented for a target it cannot apply to yet.
Status RunMigration(const Spec& spec, const RunOptions& options);

// `cutover capture`: the run without its applier (copy with capture, then capture until
// options.stop is set): `cutover apply` processes apply the change log, on this machine or
// others. FailedPrecondition for a change log only this process can read (local).
Status RunCaptureOnly(const Spec& spec, const RunOptions& options);

// One more applier of a Kafka change log (`cutover apply`, docs/change-log.md): waits until
// the copy of `cutover run` is finished, then applies the partitions Kafka assigns it (sharing
// them with every other applier of the migration) until options.stop is set (OK).
// FailedPrecondition for a local change log.
Status RunApplier(const Spec& spec, const RunOptions& options);

struct ReplayOptions {
  // Where to start: a log offset (digits only), a source position (Position::Parse: GTID,
  // binlog file:pos, or Encode()'s text), or a UTC time "YYYY-MM-DD HH:MM:SS" (or with a "T").
  std::string from;
  // A spec whose target (and mapping) receive the replay, checkpointed under its name; empty:
  // the migration's own target.
  std::filesystem::path target_spec;
  const std::atomic<bool>* stop = nullptr;
};

struct ReplayReport {
  uint64_t from_offset = 0;   // the first log record replayed (summed over partitions)
  uint64_t until_offset = 0;  // the log's end when the replay started (summed likewise)
  std::vector<uint64_t> from_offsets;   // per partition of the log
  std::vector<uint64_t> until_offsets;
  uint64_t changes = 0;       // changes applied
  double seconds = 0;
};

// Checks a replay's --from without opening anything: OK when it is a log offset, a source
// position or a UTC time as ReplayOptions::from describes, else InvalidArgument saying which
// forms are allowed (the text does not name the option).
Status CheckReplayFrom(std::string_view from);

// Applies the change log of `spec` from options.from up to its end (as it is when the replay
// starts) to the target, through the same applier as `cutover run`, then returns. The log must
// still hold `from` (change_log.retention_size/retention_age keep applied segments). Refused
// while another cutover process uses the state directory.
Result<ReplayReport> ReplayLog(const Spec& spec, const ReplayOptions& options);

// What `cutover status` prints: the phase, the copy per table, and the last CDC status the
// running (or last) `cutover run` recorded: as text, or as one JSON object.
Result<std::string> FormatStatus(const Spec& spec, bool json);

// `cutover status --watch` (docs/operations.md): one gh-ost-style line from the JSON of two
// FormatStatus calls `seconds` apart (`before`: null the first time): phase; rows copied of the
// estimate with % and an ETA at the rate between the two; CDC lag; changes applied per second;
// what is paused or held, and why.
std::string FormatWatchLine(const nlohmann::json& now, const nlohmann::json* before,
                            double seconds);

}  // namespace cutover
