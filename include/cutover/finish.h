// Finish: ends a migration once the change stream is drained (docs/cutover.md). A fence must pass
// (everything written to the source before it is applied) with no change of a selected table
// captured for the quiet time before it; then the running `cutover run` is asked to stop (it
// stops capture, applies what it logged and exits 0), what cutover created on the source is
// removed, and the final report is returned.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cutover/fence.h"
#include "cutover/spec.h"
#include "cutover/status.h"

namespace cutover {

struct FinishOptions {
  // How long no change of a selected table must have been captured before a passed fence.
  std::chrono::seconds quiet{10};
  // How long to wait for the stream to drain (changes that keep coming) before refusing.
  std::chrono::seconds timeout{300};
  // Set (from any thread or a signal handler) to give up before the run is asked to stop.
  const std::atomic<bool>* stop = nullptr;
  // Where a line per fence goes while waiting; null: nowhere.
  std::FILE* progress = nullptr;
};

struct FinishTable {
  std::string table;  // source "schema.table"
  std::string state;  // the copy state ("done", ...)
  int64_t rows_copied = 0;
};

struct FinishReport {
  std::string migration;
  std::vector<FinishTable> tables;
  // Changes of selected tables captured and applied over every run (as the runs counted them).
  uint64_t events_captured = 0;
  uint64_t events_applied = 0;
  FenceResult fence;         // the fence that proved the stream drained
  double quiet_seconds = 0;  // no change captured for this long before that fence
  nlohmann::json verify;     // meta "verify.report" (null: no verify was run)
  // The flag stage changes (meta "flags.history/..."), oldest first per group; may be empty.
  std::vector<nlohmann::json> stage_history;
  // What was dropped on the source: tables (`schema`.`table`) on MariaDB/MySQL; on PostgreSQL
  // "replication slot <name>" and "publication <name>".
  std::vector<std::string> removed;
  int64_t finished_at_ms = 0;
};

// Drains and finishes the migration of `spec`. The report is also stored as state meta
// "finish.report" and the phase becomes "finished". Refused, with the run left running:
// FailedPrecondition when no `cutover run` is running for the spec (or it is still copying);
// DeadlineExceeded when changes kept coming for longer than options.timeout (the message says
// when the last one was seen); Cancelled when options.stop was set.
Result<FinishReport> FinishMigration(const Spec& spec, const FinishOptions& options);

// Whether `cutover run` (or `cutover capture`) may go on with a migration whose phase is
// "finished": OK for a MariaDB/MySQL source (CDC continues where it stopped); FailedPrecondition
// for a PostgreSQL source, whose replication slot and publication finish dropped (the changes
// since are not kept on the source), saying how to start again. Exact text; tests quote it.
Status ContinueAfterFinish(const Spec& spec);

// The report as `cutover finish` prints it.
std::string FormatFinishReport(const FinishReport& report);
nlohmann::json FinishReportToJson(const FinishReport& report);

}  // namespace cutover
