// ReplayLog: the change log from a chosen point into a target, through RunApply with a fixed
// start and end per partition (the same code path for the local and the Kafka log).
#include <fmt/format.h>

#include "cutover/run.h"
#include "cutover/sink.h"
#include "cutover/source.h"
#include "cutover/target.h"

#include "log/change_log.h"
#include "pipeline/apply.h"
#include "pipeline/dir_lock.h"

namespace cutover {
namespace {

// A target that never had the copy (a second target, or one dropped to rebuild it) gets its
// tables as the copy would create them, with every index; existing tables stay as they are
// (PrepareTable "resuming" accepts them).
Status ReadyTargetTables(const Spec& target, const Target& opened,
                         const std::vector<TargetTablePlan>& plans) {
  CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<Sink> sink, opened.OpenSink());
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

Status CheckReplayFrom(std::string_view from) { return log::ParseReplayFrom(from).status(); }

Result<ReplayReport> ReplayLog(const Spec& spec, const ReplayOptions& options) {
  auto began = std::chrono::steady_clock::now();
  CUTOVER_RETURN_IF_ERROR(CheckReplayFrom(options.from).WithContext("--from"));
  Spec target = spec;
  if (!options.target_spec.empty()) {
    CUTOVER_ASSIGN_OR_RETURN(Spec other, LoadSpec(options.target_spec));
    target.name = other.name;
    target.target = other.target;
    target.mapping = other.mapping;
  }
  // A log in the state directory is read by one process at a time; a log other processes
  // share (Kafka) is replayed while the migration goes on.
  Result<std::unique_ptr<pipeline::DirLock>> lock = pipeline::DirLock::Acquire(spec.state_dir);
  if (!lock.ok()) {
    log::OpenLogOptions peek;
    peek.create = false;
    peek.read_only = true;
    Result<std::unique_ptr<log::ChangeLog>> shared = log::OpenChangeLog(spec, peek);
    if (!shared.ok() || !(*shared)->shared_by_processes()) return lock.status();
  }
  log::OpenLogOptions log_options;
  log_options.create = false;
  CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<log::ChangeLog> log,
                           log::OpenChangeLog(spec, log_options));
  ReplayReport report;
  CUTOVER_ASSIGN_OR_RETURN(std::vector<uint64_t> from, log::ResolveReplayFrom(*log, options.from));
  CUTOVER_ASSIGN_OR_RETURN(std::vector<uint64_t> until, log->DurableEnds());
  for (size_t partition = 0; partition < from.size() && partition < until.size(); ++partition) {
    from[partition] = std::min(from[partition], until[partition]);
    report.from_offset += from[partition];
    report.until_offset += until[partition];
  }
  report.from_offsets = from;
  report.until_offsets = until;
  // The applied tables as the source has them now, named as the (other) target names them.
  CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<Source> source, OpenSource(spec));
  CUTOVER_ASSIGN_OR_RETURN(std::vector<SourceTable> tables, source->LoadSelectedTables());
  source.reset();
  CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<Target> opened, OpenTarget(target));
  CUTOVER_ASSIGN_OR_RETURN(std::vector<TargetTablePlan> plans, opened->Plans(tables));
  CUTOVER_RETURN_IF_ERROR(ReadyTargetTables(target, *opened, plans));
  CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<Appliers> appliers,
                           opened->OpenAppliers(plans, /*state=*/nullptr));
  pipeline::ApplyOptions apply;
  apply.lanes = target.parallelism.apply_lanes;
  apply.max_rows_per_second = target.throttle.apply_rows_per_second;
  apply.stop = options.stop;
  apply.group = false;  // a replay commits no progress for the migration's appliers
  apply.from = from;
  apply.until = until;
  pipeline::ApplyStats stats;
  if (report.from_offset < report.until_offset) {
    CUTOVER_RETURN_IF_ERROR(pipeline::RunApply(*log, *appliers, plans, apply, &stats));
    if (options.stop != nullptr && options.stop->load()) {
      return Status::Cancelled(fmt::format(
          "replay stopped on request; every change below offset {} (summed over partitions) is "
          "applied",
          stats.applied_offset.load()));
    }
  }
  report.changes = stats.applied_changes.load();
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  return report;
}

}  // namespace cutover
