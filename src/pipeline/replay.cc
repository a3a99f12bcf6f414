// ReplayLog: the change log from a chosen point into a target, through RunApply with a fixed
// start and end.
#include <fmt/format.h>

#include "cutover/run.h"
#include "cutover/sink.h"

#include "log/local_log.h"
#include "pipeline/apply.h"
#include "pipeline/dir_lock.h"
#include "pipeline/replay_from.h"

namespace cutover {
namespace {

Result<uint64_t> ResolveFrom(log::LocalLog& log, const pipeline::ReplayFrom& from) {
  switch (from.kind) {
    case pipeline::ReplayFrom::Kind::kOffset: return from.offset;
    case pipeline::ReplayFrom::Kind::kTime: return log.OffsetAtTime(from.time_ms);
    case pipeline::ReplayFrom::Kind::kPosition: return log.OffsetAtPosition(from.position);
  }
  return Status::Internal("unknown --from kind");
}

// A target that never had the copy (a second target, or one dropped to rebuild it) gets its
// tables as the copy would create them, with every index; existing tables stay as they are
// (PrepareTable "resuming" accepts them).
Status ReadyTargetTables(const Spec& target, const std::vector<TargetTablePlan>& plans) {
  CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<Sink> sink, OpenSink(target));
  for (const TargetTablePlan& plan : plans) {
    const TableRule* rule = SelectTable(target, plan.source.schema, plan.source.name);
    if (rule == nullptr) continue;
    CUTOVER_ASSIGN_OR_RETURN(TargetTablePlan prepared,
                             sink->PrepareTable(plan.schema, *rule, /*resuming=*/true));
    for (const Index& index : prepared.deferred) {
      CUTOVER_RETURN_IF_ERROR(sink->BuildIndex(prepared, index));
    }
  }
  return Status::Ok();
}

}  // namespace

Result<ReplayReport> ReplayLog(const Spec& spec, const ReplayOptions& options) {
  if (spec.change_log.kind == ChangeLogSpec::Kind::kKafka) {
    return Status::Unimplemented(
        "`cutover replay` reads the local change log; with change_log.kind: kafka, point a new "
        "consumer at the log topic instead (the records are the same change records)");
  }
  auto began = std::chrono::steady_clock::now();
  // A bad --from is the user's typo: say so before any state or server is touched.
  CUTOVER_ASSIGN_OR_RETURN(pipeline::ReplayFrom from, pipeline::ParseReplayFrom(options.from));
  Spec target = spec;
  if (!options.target_spec.empty()) {
    CUTOVER_ASSIGN_OR_RETURN(Spec other, LoadSpec(options.target_spec));
    target.name = other.name;
    target.target = other.target;
    target.mapping = other.mapping;
  }
  CUTOVER_ASSIGN_OR_RETURN(auto lock, pipeline::DirLock::Acquire(spec.state_dir));
  log::LocalLogOptions log_options;
  log_options.dir = spec.state_dir / "log";
  log_options.segment_bytes = spec.change_log.segment_bytes;
  if (!std::filesystem::exists(log_options.dir)) {
    return Status::NotFound(
        fmt::format("{} has no change log: `cutover run` writes it", spec.state_dir.string()));
  }
  CUTOVER_ASSIGN_OR_RETURN(std::shared_ptr<log::LocalLog> log, log::LocalLog::Open(log_options));
  ReplayReport report;
  CUTOVER_ASSIGN_OR_RETURN(report.from_offset, ResolveFrom(*log, from));
  report.until_offset = log->durable_offset();
  CUTOVER_ASSIGN_OR_RETURN(std::vector<TargetTablePlan> plans, pipeline::ApplyPlans(target));
  CUTOVER_RETURN_IF_ERROR(ReadyTargetTables(target, plans));
  pipeline::ApplyOptions apply;
  apply.lanes = target.parallelism.apply_lanes;
  apply.max_rows_per_second = target.throttle.apply_rows_per_second;
  apply.stop = options.stop;
  apply.from = report.from_offset;
  apply.until = report.until_offset;
  pipeline::ApplyStats stats;
  if (report.from_offset < report.until_offset) {
    CUTOVER_RETURN_IF_ERROR(pipeline::RunApply(target, log, plans, apply, &stats));
    if (options.stop != nullptr && options.stop->load()) {
      return Status::Cancelled(
          fmt::format("replay stopped on request; every change below offset {} is applied",
                      stats.applied_offset.load()));
    }
  }
  report.changes = stats.applied_changes.load();
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  return report;
}

}  // namespace cutover
