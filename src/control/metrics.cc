// Metrics: one family at a time, each with its HELP and TYPE lines, values from the state store.
#include "control/metrics.h"

#include <fmt/format.h>

#include "control/router_reports.h"
#include "pipeline/live_settings.h"
#include "state/fence_record.h"
#include "state/live_controls.h"
#include "state/run_status.h"
#include "state/table_ddl.h"
#include "state/verify_report.h"

namespace cutover::control {
namespace {

// A label value with \, " and newlines escaped as the text format requires.
std::string Escape(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

class Writer {
 public:
  void Family(std::string_view name, std::string_view type, std::string_view help) {
    text_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  }
  void Sample(std::string_view name, std::string_view labels, double value) {
    text_ += fmt::format("{}{}{}{} {}\n", name, labels.empty() ? "" : "{", labels,
                         labels.empty() ? "" : "}", value);
  }
  std::string Take() { return std::move(text_); }

 private:
  std::string text_;
};

std::string Label(std::string_view name, std::string_view value) {
  return fmt::format("{}=\"{}\"", name, Escape(value));
}

Status WriteCopy(StateStore& state, Writer& out) {
  CUTOVER_ASSIGN_OR_RETURN(Phase phase, state.GetPhase());
  out.Family("cutover_phase", "gauge", "The migration's phase (1 for the current one).");
  for (Phase each : {Phase::kNew, Phase::kPreflight, Phase::kCopy, Phase::kCatchUp, Phase::kCdc,
                     Phase::kFinished}) {
    out.Sample("cutover_phase", Label("phase", PhaseName(each)), each == phase ? 1 : 0);
  }
  CUTOVER_ASSIGN_OR_RETURN(std::vector<TableProgress> tables, state.ListTables());
  out.Family("cutover_rows_copied_total", "counter", "Rows copied by the full load, per table.");
  for (const TableProgress& table : tables) {
    out.Sample("cutover_rows_copied_total", Label("table", table.name),
               static_cast<double>(table.rows_copied));
  }
  out.Family("cutover_rows_estimate", "gauge", "The source's row count estimate, per table.");
  for (const TableProgress& table : tables) {
    out.Sample("cutover_rows_estimate", Label("table", table.name),
               static_cast<double>(table.rows_total_estimate));
  }
  return Status::Ok();
}

// `status`: the run's status record; all zeros when none was written.
void WriteCdc(const state::RunStatus& status, int64_t now_ms, Writer& out) {
  out.Family("cutover_captured_transactions_total", "counter",
             "Source transactions captured into the change log by the running `cutover run`.");
  out.Sample("cutover_captured_transactions_total", "",
             static_cast<double>(status.captured_transactions));
  out.Family("cutover_applied_changes_total", "counter",
             "Changes applied to the target by the running `cutover run`.");
  out.Sample("cutover_applied_changes_total", "", static_cast<double>(status.applied_changes));
  out.Family("cutover_lag_seconds", "gauge",
             "Age of the oldest change captured but not yet applied (0 when none).");
  out.Sample("cutover_lag_seconds", "", status.lag_seconds);
  out.Family("cutover_lag_records", "gauge", "Change log records not yet applied.");
  out.Sample("cutover_lag_records", "", static_cast<double>(status.lag_records));
  out.Family("cutover_capture_last_event_timestamp_seconds", "gauge",
             "When capture last saw a change of a selected table (Unix seconds; when the run "
             "started, until it sees one; 0: no run recorded its status).");
  out.Sample("cutover_capture_last_event_timestamp_seconds", "",
             static_cast<double>(status.last_event_ms) / 1000.0);
  double updated = static_cast<double>(status.updated_at_ms);
  out.Family("cutover_run_status_age_seconds", "gauge",
             "Seconds since `cutover run` last recorded its status (-1: never); above 5 it is "
             "not running.");
  out.Sample("cutover_run_status_age_seconds", "",
             updated > 0 ? (static_cast<double>(now_ms) - updated) / 1000.0 : -1);
  // A PostgreSQL source's slot: what it keeps, and whether that is past the spec's threshold.
  if (const std::optional<state::RunRetention>& kept = status.source_retention) {
    out.Family("cutover_source_retained_bytes", "gauge",
               "Bytes the source keeps for the migration (a PostgreSQL slot's WAL).");
    out.Sample("cutover_source_retained_bytes", "", static_cast<double>(kept->retained_bytes));
    out.Family("cutover_source_retention_warning", "gauge",
               "1 while the source keeps more than source.retained_wal_warn, or the slot is "
               "about to be lost (wal_status unreserved) or lost.");
    out.Sample("cutover_source_retention_warning", "", kept->warning ? 1 : 0);
    if (kept->headroom_bytes) {
      out.Family("cutover_source_retention_headroom_bytes", "gauge",
                 "Bytes of WAL left before the source invalidates the slot "
                 "(max_slot_wal_keep_size).");
      out.Sample("cutover_source_retention_headroom_bytes", "",
                 static_cast<double>(*kept->headroom_bytes));
    }
  }
}

// Whether each stage is held and why, and the seconds held per reason (docs/operations.md).
void WriteHolds(const state::RunThrottle& throttle, bool running, Writer& out) {
  out.Family("cutover_throttle_held", "gauge",
             "1 while the stage (copy, apply) is held back, labelled with why (paused, "
             "throttled_by_hand, source_load, replica_lag, target_load).");
  for (const auto& [stage, hold] :
       {std::pair{"copy", &throttle.copy}, std::pair{"apply", &throttle.apply}}) {
    const bool held = running && hold->held;
    out.Sample("cutover_throttle_held",
               Label("stage", stage) + "," + Label("reason", held ? hold->reason : "none"),
               held ? 1 : 0);
  }
  out.Family("cutover_throttle_held_seconds_total", "counter",
             "Seconds the stage was held back, by reason, since `cutover run` started.");
  for (const auto& [stage, reasons] : throttle.held_seconds) {
    for (const auto& [reason, seconds] : reasons) {
      out.Sample("cutover_throttle_held_seconds_total",
                 Label("stage", stage) + "," + Label("reason", reason), seconds);
    }
  }
  out.Family("cutover_throttle_probe_errors", "gauge",
             "Load probes that failed at their last try (they hold nothing; `cutover status` "
             "says which).");
  out.Sample("cutover_throttle_probe_errors", "",
             running ? static_cast<double>(throttle.probe_errors.size()) : 0);
}

Status WriteThrottle(const Spec& spec, StateStore& state, const state::RunStatus& status,
                     bool running, Writer& out) {
  CUTOVER_ASSIGN_OR_RETURN(state::LiveControls controls, state::ReadLiveControls(state));
  out.Family("cutover_throttle_rows_per_second", "gauge",
             "Rate limits in force (the spec's, or a live `cutover ctl set`); 0: unlimited.");
  out.Sample(
      "cutover_throttle_rows_per_second", Label("stage", "copy"),
      static_cast<double>(pipeline::EffectiveSetting(spec, controls, state::kCopyRowsPerSecond)));
  out.Sample(
      "cutover_throttle_rows_per_second", Label("stage", "apply"),
      static_cast<double>(pipeline::EffectiveSetting(spec, controls, state::kApplyRowsPerSecond)));
  out.Family("cutover_paused", "gauge", "1 while `cutover ctl pause` holds the stage.");
  out.Sample("cutover_paused", Label("stage", "copy"), controls.copy_paused ? 1 : 0);
  out.Sample("cutover_paused", Label("stage", "apply"), controls.apply_paused ? 1 : 0);
  WriteHolds(status.throttle, running, out);
  // What throttling cost the running `cutover run` (its status record's "throttle").
  const state::RunThrottle& throttle = status.throttle;
  out.Family("cutover_throttle_wait_seconds_total", "counter",
             "Time the rate limits held the copy workers and apply lanes back (summed over "
             "them), since `cutover run` started.");
  out.Sample("cutover_throttle_wait_seconds_total", Label("stage", "copy"),
             throttle.copy_wait_seconds);
  out.Sample("cutover_throttle_wait_seconds_total", Label("stage", "apply"),
             throttle.apply_wait_seconds);
  out.Family("cutover_target_throttled_total", "counter",
             "Throttling answers from the target (DynamoDB ProvisionedThroughputExceeded, "
             "ThrottlingException, RequestLimitExceeded), each retried with backoff, since "
             "`cutover run` started.");
  out.Sample("cutover_target_throttled_total", "", static_cast<double>(throttle.target_throttled));
  return Status::Ok();
}

Status WriteVerify(StateStore& state, Writer& out) {
  CUTOVER_ASSIGN_OR_RETURN(std::optional<state::VerifyReportRecord> report,
                           state::ReadVerifyReport(state));
  out.Family("cutover_verify_complete", "gauge",
             "1 when the last verify checked every table, 0 when it stopped early or none ran.");
  bool complete = report && report->complete;
  out.Sample("cutover_verify_complete", "", complete ? 1 : 0);
  out.Family("cutover_verify_differences", "gauge",
             "Differences the last verify found, per table and kind (missing, extra, "
             "different).");
  if (!report) return Status::Ok();
  for (const state::VerifyTableRecord& table : report->tables) {
    for (auto [kind, count] : {std::pair{"missing", table.missing}, std::pair{"extra", table.extra},
                               std::pair{"different", table.different}}) {
      out.Sample("cutover_verify_differences",
                 Label("table", table.table) + "," + Label("kind", kind),
                 static_cast<double>(count));
    }
  }
  return Status::Ok();
}

// docs/ddl.md: tables a schema change stopped, and source columns the target does not get.
Status WriteSchemaChanges(StateStore& state, Writer& out) {
  CUTOVER_ASSIGN_OR_RETURN(std::vector<state::TableDdl> records, state::LoadTableDdl(state));
  out.Family("cutover_table_stopped", "gauge",
             "1 for a table whose changes are not applied because a schema change stopped it "
             "(reason: why; cutover ddl resume lets it go on).");
  for (const state::TableDdl& record : records) {
    if (!record.held) continue;
    std::string reason = record.reason.substr(0, 200);
    out.Sample("cutover_table_stopped", Label("table", record.table) + "," +
                                            Label("reason", reason), 1);
  }
  out.Family("cutover_columns_not_carried", "gauge",
             "Source columns the target does not get, per table (cutover status says why).");
  for (const state::TableDdl& record : records) {
    if (record.not_carried.empty()) continue;
    out.Sample("cutover_columns_not_carried", Label("table", record.table),
               static_cast<double>(record.not_carried.size()));
  }
  return Status::Ok();
}

Status WriteStages(const Spec& spec, StateStore& state, Writer& out) {
  CUTOVER_ASSIGN_OR_RETURN(std::vector<StageState> stages, ListStages(spec, state));
  out.Family("cutover_flag_stage", "gauge",
             "Each group's flag stage as its index: 0 source_only, 1 dual_write, 2 shadow, "
             "3 target_reads, 4 target_primary, 5 target_only.");
  for (const StageState& stage : stages) {
    out.Sample("cutover_flag_stage", Label("group", stage.group), static_cast<int>(stage.stage));
  }
  out.Family("cutover_flag_stage_info", "gauge", "1 for each group's current stage.");
  for (const StageState& stage : stages) {
    out.Sample("cutover_flag_stage_info",
               Label("group", stage.group) + "," + Label("stage", StageName(stage.stage)), 1);
  }
  return Status::Ok();
}

Status WriteFence(StateStore& state, Writer& out) {
  CUTOVER_ASSIGN_OR_RETURN(std::optional<state::LastFence> fence, state::ReadLastFence(state));
  state::LastFence last = fence.value_or(state::LastFence{});
  out.Family("cutover_fence_lag_seconds", "gauge",
             "The last passed fence's lag: from its write on the source to its apply.");
  out.Sample("cutover_fence_lag_seconds", "", last.lag_seconds);
  out.Family("cutover_fence_timestamp_seconds", "gauge",
             "When the last passed fence was written (Unix seconds; 0: none).");
  out.Sample("cutover_fence_timestamp_seconds", "",
             static_cast<double>(last.written_at_ms) / 1000.0);
  return Status::Ok();
}

Status WriteRouter(const Spec& spec, StateStore& state, Writer& out) {
  CUTOVER_ASSIGN_OR_RETURN(RouterTotals totals, ReadRouterTotals(state));
  for (std::string_view counter : kRouterCounters) {
    std::string name = fmt::format("cutover_router_{}_total", counter);
    out.Family(name, "counter",
               fmt::format("Applications' {} (POST /v1/router-reports), per group.", counter));
    for (const std::string& group : StageGroups(spec)) {
      uint64_t value = 0;
      if (auto found = totals.find(group); found != totals.end()) {
        if (auto count = found->second.find(std::string(counter)); count != found->second.end()) {
          value = count->second;
        }
      }
      out.Sample(name, Label("group", group), static_cast<double>(value));
    }
  }
  return Status::Ok();
}

}  // namespace

Result<std::string> RenderMetrics(const Spec& spec, StateStore& state, int64_t now_ms) {
  Writer out;
  out.Family("cutover_info", "gauge", "The migration this API serves.");
  out.Sample("cutover_info", Label("migration", spec.name), 1);
  // No transaction around the reads: on a writable store it would take the write lock and
  // hold up `cutover run` at every scrape; families a moment apart are fine for monitoring.
  CUTOVER_RETURN_IF_ERROR(WriteCopy(state, out));
  CUTOVER_ASSIGN_OR_RETURN(std::optional<state::RunStatus> run_status, state::ReadRunStatus(state));
  state::RunStatus status = run_status.value_or(state::RunStatus{});
  WriteCdc(status, now_ms, out);
  CUTOVER_RETURN_IF_ERROR(
      WriteThrottle(spec, state, status,
                    run_status && run_status->FreshAt(now_ms, state::BootClock::Now()), out));
  CUTOVER_RETURN_IF_ERROR(WriteVerify(state, out));
  CUTOVER_RETURN_IF_ERROR(WriteSchemaChanges(state, out));
  CUTOVER_RETURN_IF_ERROR(WriteStages(spec, state, out));
  CUTOVER_RETURN_IF_ERROR(WriteFence(state, out));
  CUTOVER_RETURN_IF_ERROR(WriteRouter(spec, state, out));
  return out.Take();
}

}  // namespace cutover::control
