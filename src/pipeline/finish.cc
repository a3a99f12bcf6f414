// Finish: waits for a drained stream, stops the running `cutover run`, removes cutover's tables
// from the source and reports.
#include "cutover/finish.h"

#include <algorithm>
#include <ctime>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "cutover/state_store.h"

#include "db/mysql/connection.h"
#include "db/postgres/connection.h"
#include "log/change_log.h"
#include "pipeline/clock.h"
#include "pipeline/dir_lock.h"
#include "pipeline/fence.h"
#include "pipeline/test_hooks.h"
#include "source/mysql/snapshot_schema.h"
#include "source/postgres/slot.h"
#include "state/run_status.h"
#include "state/stop_request.h"
#include "state/verify_report.h"

namespace cutover {
namespace {

using Clock = std::chrono::steady_clock;
using pipeline::NowMs;

constexpr char kFinishReportKey[] = "finish.report";
using state::kFinishDrainedKey;  // {"fence": {...}, "quiet_seconds": q}
constexpr char kFinishBy[] = "cutover finish";
constexpr char kStageHistoryPrefix[] = "flags.history/";
// After a passed fence little is left to apply; a run that takes longer to stop is stuck.
constexpr auto kStopWait = std::chrono::seconds(120);

std::string UtcText(int64_t ms) {
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &utc);
  return std::string(text) + " UTC";
}

class Finisher {
 public:
  Finisher(const Spec& spec, StateStore& state, const FinishOptions& options)
      : spec_(spec), state_(state), options_(options) {}

  Result<FinishReport> Run() {
    CUTOVER_ASSIGN_OR_RETURN(pipeline::FenceOutcome drained, WaitDrained());
    CUTOVER_RETURN_IF_ERROR(state_.DeleteMeta(state::kFinishRemovedKey));
    nlohmann::json record = {{"fence", FenceToJson(drained.result)},
                             {"quiet_seconds", quiet_seconds_}};
    CUTOVER_RETURN_IF_ERROR(state_.SetMeta(kFinishDrainedKey, record.dump()));
    state::StopRequest request{NowMs(), kFinishBy, drained.result.id, std::nullopt};
    CUTOVER_RETURN_IF_ERROR(state::WriteStopRequest(state_, request));
    pipeline::TEST_PausePoint("finish_stop_written");
    CUTOVER_RETURN_IF_ERROR(WaitStopped());
    return Complete(drained.result);
  }

  // A finish that was interrupted (killed, or the connection lost) after the stream had
  // drained: waits for the run to stop if it has not yet, then completes. `drained` is the
  // record kFinishDrainedKey.
  Result<FinishReport> Resume(const nlohmann::json& drained) {
    Progress("completing the finish that was interrupted after fence " +
             drained["fence"].value("id", std::string("?")) + "\n");
    quiet_seconds_ = drained.value("quiet_seconds", 0.0);
    CUTOVER_ASSIGN_OR_RETURN(std::optional<std::string> removed,
                             state_.GetMeta(state::kFinishRemovedKey));
    nlohmann::json list = nlohmann::json::parse(removed.value_or("[]"), nullptr, false);
    if (list.is_array()) {
      for (const nlohmann::json& what : list) {
        if (what.is_string()) removed_.push_back(what.get<std::string>());
      }
    }
    CUTOVER_RETURN_IF_ERROR(WaitStopped());
    return Complete(FenceFromJson(drained["fence"]));
  }

 private:
  // The steps after the run stopped, each one safe to do again: the phase, the source's
  // clean-up (what is already gone is skipped), the report.
  Result<FinishReport> Complete(const FenceResult& fence) {
    pipeline::TEST_PausePoint("finish_stopped");
    CUTOVER_RETURN_IF_ERROR(NoteOtherAppliers());
    CUTOVER_RETURN_IF_ERROR(state_.SetPhase(Phase::kFinished));
    pipeline::TEST_PausePoint("finish_phase_recorded");
    CUTOVER_ASSIGN_OR_RETURN(std::vector<std::string> removed, RemoveSourceTables());
    pipeline::TEST_PausePoint("finish_removed");
    CUTOVER_ASSIGN_OR_RETURN(FinishReport report, Report(fence, std::move(removed)));
    CUTOVER_RETURN_IF_ERROR(state_.SetMeta(kFinishReportKey, FinishReportToJson(report).dump()));
    return report;
  }

  static nlohmann::json FenceToJson(const FenceResult& fence) {
    return {{"id", fence.id},
            {"written_at_ms", fence.written_at_ms},
            {"applied_at_ms", fence.applied_at_ms},
            {"lag_seconds", fence.lag_seconds}};
  }
  static FenceResult FenceFromJson(const nlohmann::json& json) {
    FenceResult fence;
    fence.id = json.value("id", std::string());
    fence.written_at_ms = json.value("written_at_ms", int64_t{0});
    fence.applied_at_ms = json.value("applied_at_ms", int64_t{0});
    fence.lag_seconds = json.value("lag_seconds", 0.0);
    return fence;
  }

  // Fences until one passes with no change captured for options_.quiet before it.
  Result<pipeline::FenceOutcome> WaitDrained() {
    const auto deadline = Clock::now() + options_.timeout;
    const int64_t quiet_ms = std::chrono::milliseconds(options_.quiet).count();
    while (true) {
      FenceOptions fence;
      fence.timeout = std::max(std::chrono::seconds(1),
                               std::chrono::ceil<std::chrono::seconds>(deadline - Clock::now()));
      fence.stop = options_.stop;
      Result<pipeline::FenceOutcome> outcome = pipeline::WriteFence(spec_, state_, fence);
      if (!outcome.ok()) {
        if (outcome.status().code() != StatusCode::kDeadlineExceeded) return outcome.status();
        return Status::DeadlineExceeded(fmt::format(
            "the stream did not drain within --timeout {} s ({}); `cutover run` keeps running",
            options_.timeout.count(), outcome.status().message()));
      }
      int64_t quiet = outcome->result.written_at_ms - outcome->last_event_ms;
      Progress(fmt::format(
          "fence {}: applied {} ms after it was written; last change captured {:.1f} s before "
          "it\n",
          outcome->result.id, outcome->result.applied_at_ms - outcome->result.written_at_ms,
          static_cast<double>(quiet) / 1000.0));
      if (quiet >= quiet_ms) {
        quiet_seconds_ = static_cast<double>(quiet) / 1000.0;
        return outcome;
      }
      // The next fence once the quiet time could have passed since that last change.
      auto wait = std::chrono::milliseconds(
          std::max<int64_t>(outcome->last_event_ms + quiet_ms - NowMs(), 200));
      if (Clock::now() + wait > deadline) {
        return Status::DeadlineExceeded(fmt::format(
            "changes kept coming for longer than --timeout {} s: the last change of a selected "
            "table was captured {:.1f} s before the last fence, and {} s without one are "
            "needed (--quiet-seconds); `cutover run` keeps running",
            options_.timeout.count(), static_cast<double>(std::max<int64_t>(quiet, 0)) / 1000.0,
            options_.quiet.count()));
      }
      CUTOVER_RETURN_IF_ERROR(Sleep(wait));
    }
  }

  Status Sleep(std::chrono::milliseconds wait) const {
    auto until = Clock::now() + wait;
    while (Clock::now() < until) {
      if (options_.stop != nullptr && options_.stop->load()) {
        return Status::Cancelled("stopped while waiting for the stream to drain");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return Status::Ok();
  }

  // The run stopped once every applier had applied everything; appliers in other processes
  // (`cutover apply`, where the change log allows them) now idle.
  Status NoteOtherAppliers() {
    log::OpenLogOptions log_options;
    log_options.create = false;
    log_options.read_only = true;
    Result<std::unique_ptr<log::ChangeLog>> log = log::OpenChangeLog(spec_, log_options);
    if (!log.ok() || !(*log)->shared_by_processes()) return Status::Ok();
    Progress(fmt::format(
        "every partition of the {} change log is applied; stop any `cutover apply` of {} "
        "(SIGTERM): it has nothing left to apply\n",
        (*log)->title(), (*log)->ProgressName()));
    return Status::Ok();
  }

  // Waits until the run confirmed the stop request (everything captured applied) and exited.
  Status WaitStopped() {
    Progress("stopping `cutover run`: capture first, then apply once it applied the rest\n");
    const auto deadline = Clock::now() + kStopWait;
    while (Clock::now() < deadline) {
      CUTOVER_ASSIGN_OR_RETURN(std::optional<state::StopRequest> answer,
                               state::ReadStopRequest(state_));
      if (answer && answer->stopped_at_ms) return WaitExited(deadline);
      CUTOVER_ASSIGN_OR_RETURN(std::optional<state::RunStatus> status,
                               state::ReadFreshRunStatus(state_, NowMs()));
      if (!status) {
        return Status::Aborted(
            "`cutover run` ended without confirming the stop request (see its output); start it "
            "again and run `cutover finish` again");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return Status::DeadlineExceeded(
        fmt::format("`cutover run` did not stop within {} s of the stop request; see its output",
                    kStopWait.count()));
  }

  // The run answers just before it returns; the state directory's lock tells it has exited.
  Status WaitExited(Clock::time_point deadline) const {
    while (true) {
      Result<std::unique_ptr<pipeline::DirLock>> lock = pipeline::DirLock::Acquire(spec_.state_dir);
      if (lock.ok()) return Status::Ok();
      if (Clock::now() >= deadline) {
        return Status::DeadlineExceeded(fmt::format(
            "`cutover run` confirmed the stop but has not exited: {}", lock.status().message()));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  // Drops the fence and watermark tables from the schemas of the selected tables; on a
  // PostgreSQL source the migration's slot (which holds WAL for it) and its publication.
  Result<std::vector<std::string>> RemoveSourceTables() {
    if (spec_.source.kind == SourceKind::kPostgres) return RemoveSlotAndPublication();
    CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<mysql::Connection> source,
                             mysql::Connection::Open(spec_.source.connection));
    CUTOVER_ASSIGN_OR_RETURN(std::vector<mysql::SelectedTable> selected,
                             mysql::LoadSelectedTables(*source, spec_));
    std::set<std::string> schemas;
    for (const mysql::SelectedTable& table : selected) schemas.insert(table.schema.id.schema);
    for (const std::string& schema : schemas) {
      for (std::string_view table : {kFenceTable, kWatermarkTable}) {
        CUTOVER_ASSIGN_OR_RETURN(
            mysql::QueryResult found,
            source->Query(fmt::format("SELECT 1 FROM information_schema.TABLES WHERE "
                                      "TABLE_SCHEMA = {} AND TABLE_NAME = {}",
                                      source->QuoteString(schema), source->QuoteString(table))));
        if (found.rows.empty()) continue;
        std::string name = mysql::QuoteQualified(schema, table);
        CUTOVER_RETURN_IF_ERROR(source->Execute("DROP TABLE IF EXISTS " + name).status());
        CUTOVER_RETURN_IF_ERROR(NoteRemoved(name));
      }
    }
    return removed_;
  }

  // Adds `what` to the list of what finish removed, kept in the state store as it goes so that
  // a finish completed after an interruption reports what the interrupted one removed too.
  Status NoteRemoved(const std::string& what) {
    if (std::find(removed_.begin(), removed_.end(), what) == removed_.end()) {
      removed_.push_back(what);
    }
    CUTOVER_RETURN_IF_ERROR(
        state_.SetMeta(state::kFinishRemovedKey, nlohmann::json(removed_).dump()));
    pipeline::TEST_PausePoint("finish_table_dropped");
    return Status::Ok();
  }

  Result<std::vector<std::string>> RemoveSlotAndPublication() {
    CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<postgres::Connection> source,
                             postgres::Connection::Open(spec_.source.connection));
    CUTOVER_ASSIGN_OR_RETURN(std::optional<postgres::SlotState> slot,
                             postgres::ReadSlot(*source, spec_.source.slot));
    if (slot) {
      CUTOVER_RETURN_IF_ERROR(postgres::DropSlot(*source, spec_.source.slot));
      CUTOVER_RETURN_IF_ERROR(NoteRemoved("replication slot " + spec_.source.slot));
    }
    CUTOVER_ASSIGN_OR_RETURN(
        bool dropped, postgres::DropPublication(*source, spec_.source.publication, spec_.name));
    if (dropped) CUTOVER_RETURN_IF_ERROR(NoteRemoved("publication " + spec_.source.publication));
    return removed_;
  }

  Result<FinishReport> Report(const FenceResult& fence, std::vector<std::string> removed) {
    FinishReport report;
    report.migration = spec_.name;
    report.fence = fence;
    report.quiet_seconds = quiet_seconds_;
    report.removed = std::move(removed);
    report.finished_at_ms = NowMs();
    CUTOVER_ASSIGN_OR_RETURN(std::vector<TableProgress> tables, state_.ListTables());
    for (const TableProgress& table : tables) {
      report.tables.push_back(
          FinishTable{table.name, std::string(TableStateName(table.state)), table.rows_copied});
    }
    // The run has stopped and the source is cleaned: a record that cannot be read is left
    // out of the report (and said), it does not fail the finished migration.
    Result<std::optional<state::RunStatus>> run = state::ReadRunStatus(state_);
    if (!run.ok()) Progress("report: no event counts: " + run.status().ToString() + "\n");
    if (run.ok() && *run) {
      report.events_captured = (*run)->captured_changes_total;
      report.events_applied = (*run)->applied_changes_total;
    }
    Result<std::optional<state::VerifyReportRecord>> verify = state::ReadVerifyReport(state_);
    if (!verify.ok()) Progress("report: no verify result: " + verify.status().ToString() + "\n");
    report.verify = verify.ok() && *verify ? (*verify)->ToJson() : nlohmann::json(nullptr);
    CUTOVER_ASSIGN_OR_RETURN(auto history, state_.ListMeta(kStageHistoryPrefix));
    for (const auto& [key, value] : history) {
      nlohmann::json change = nlohmann::json::parse(value, nullptr, false);
      if (change.is_object()) report.stage_history.push_back(std::move(change));
    }
    return report;
  }

  void Progress(const std::string& line) const {
    if (options_.progress == nullptr) return;
    std::fputs(line.c_str(), options_.progress);
    std::fflush(options_.progress);
  }

  const Spec& spec_;
  StateStore& state_;
  const FinishOptions& options_;
  double quiet_seconds_ = 0;
  std::vector<std::string> removed_;  // what this finish (and an interrupted one) removed
};

std::string FormatStageChange(const nlohmann::json& change) {
  std::string text =
      fmt::format("  {}  {}: {} -> {}", UtcText(change.value("at_ms", int64_t{0})),
                  change.value("group", std::string("?")), change.value("from", std::string("?")),
                  change.value("to", std::string("?")));
  if (change.value("forced", false)) text += " (forced)";
  std::string reason = change.value("reason", std::string());
  if (!reason.empty()) text += ": " + reason;
  std::string by = change.value("by", std::string());
  if (!by.empty()) text += " [" + by + "]";
  return text + "\n";
}

// The drained record of a finish that was interrupted after asking the run to stop (the stop
// request is there), or after the run stopped (the phase is finished and no run is there);
// nullopt when there is none: a finish from the start.
Result<std::optional<nlohmann::json>> InterruptedFinish(const Spec& spec, StateStore& state) {
  CUTOVER_ASSIGN_OR_RETURN(std::optional<std::string> text, state.GetMeta(kFinishDrainedKey));
  if (!text) return std::optional<nlohmann::json>();
  nlohmann::json drained = nlohmann::json::parse(*text, nullptr, false);
  if (!drained.is_object() || !drained.contains("fence")) return std::optional<nlohmann::json>();
  CUTOVER_ASSIGN_OR_RETURN(std::optional<state::StopRequest> request,
                           state::ReadStopRequest(state));
  if (request && request->by == kFinishBy) return std::optional<nlohmann::json>(drained);
  // A run started after the stop deletes the request: only a finished phase with no run since
  // (the state directory's lock free) means the finish got past the stop.
  CUTOVER_ASSIGN_OR_RETURN(Phase phase, state.GetPhase());
  if (phase != Phase::kFinished) return std::optional<nlohmann::json>();
  Result<std::unique_ptr<pipeline::DirLock>> lock = pipeline::DirLock::Acquire(spec.state_dir);
  if (!lock.ok()) return std::optional<nlohmann::json>();
  return std::optional<nlohmann::json>(drained);
}

}  // namespace

Result<FinishReport> FinishMigration(const Spec& spec, const FinishOptions& options) {
  CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<StateStore> state, pipeline::OpenStateForFence(spec));
  CUTOVER_ASSIGN_OR_RETURN(std::optional<nlohmann::json> interrupted,
                           InterruptedFinish(spec, *state));
  if (interrupted) return Finisher(spec, *state, options).Resume(*interrupted);
  CUTOVER_RETURN_IF_ERROR(pipeline::CheckRunApplying(spec, *state, "`cutover finish`"));
  return Finisher(spec, *state, options).Run();
}

Status ContinueAfterFinish(const Spec& spec) {
  if (spec.source.kind != SourceKind::kPostgres) return Status::Ok();
  return Status::FailedPrecondition(fmt::format(
      "migration {} is finished: `cutover finish` dropped its replication slot {} and its "
      "publication {} on the source, so CDC cannot continue where it stopped. To migrate again "
      "from the start, remove the state_dir {} (and drop the target tables, or set "
      "target.existing_tables: truncate) and run `cutover run` again: it copies afresh and "
      "creates a new slot (docs/cutover.md, \"Drain and finish\")",
      spec.name, spec.source.slot, spec.source.publication, spec.state_dir.string()));
}

nlohmann::json FinishReportToJson(const FinishReport& report) {
  nlohmann::json tables = nlohmann::json::array();
  for (const FinishTable& table : report.tables) {
    tables.push_back(
        {{"table", table.table}, {"state", table.state}, {"rows_copied", table.rows_copied}});
  }
  return {{"migration", report.migration},
          {"finished_at_ms", report.finished_at_ms},
          {"tables", tables},
          {"events_captured", report.events_captured},
          {"events_applied", report.events_applied},
          {"fence",
           {{"id", report.fence.id},
            {"written_at_ms", report.fence.written_at_ms},
            {"applied_at_ms", report.fence.applied_at_ms},
            {"lag_seconds", report.fence.lag_seconds}}},
          {"quiet_seconds", report.quiet_seconds},
          {"verify", report.verify},
          {"stage_history", report.stage_history},
          {"removed", report.removed}};
}

std::string FormatFinishReport(const FinishReport& report) {
  std::string text = fmt::format("migration {} finished at {}\n", report.migration,
                                 UtcText(report.finished_at_ms));
  text += "rows copied:\n";
  int64_t rows = 0;
  for (const FinishTable& table : report.tables) {
    text += fmt::format("  {:<40} {:<16} {:>12}\n", table.table, table.state, table.rows_copied);
    rows += table.rows_copied;
  }
  text += fmt::format("  {:<40} {:<16} {:>12}\n", "total", "", rows);
  text += fmt::format("events: {} captured, {} applied\n", report.events_captured,
                      report.events_applied);
  text += fmt::format(
      "fence {}: applied {} ms after it was written; no change for {:.1f} s "
      "before it\n",
      report.fence.id, report.fence.applied_at_ms - report.fence.written_at_ms,
      report.quiet_seconds);
  if (report.verify.is_object()) {
    text += fmt::format("last verify: {} differences{}\n",
                        report.verify.value("differences", int64_t{0}),
                        report.verify.value("complete", false) ? "" : " (stopped before the end)");
  } else {
    text += "last verify: none recorded (run `cutover verify` before finishing)\n";
  }
  if (report.stage_history.empty()) {
    text += "stage history: none recorded\n";
  } else {
    text += "stage history:\n";
    for (const nlohmann::json& change : report.stage_history) text += FormatStageChange(change);
  }
  if (report.removed.empty()) {
    text += "removed from the source: nothing (cutover created no table there)\n";
  } else {
    text += "removed from the source:";
    for (const std::string& table : report.removed) text += " " + table;
    text += "\n";
  }
  return text;
}

}  // namespace cutover
