// `cutover ddl resume`: hands a held table back to the running apply, and for --recopy sends the
// table's source rows through the change log by watermark windows, as repair does.
#include <algorithm>
#include <thread>

#include <fmt/format.h>

#include "cutover/ddl.h"
#include "cutover/source.h"
#include "cutover/state_store.h"
#include "cutover/target.h"

#include "db/mysql/connection.h"
#include "pipeline/clock.h"
#include "source/mysql/snapshot_reader.h"
#include "source/mysql/snapshot_schema.h"
#include "state/run_status.h"
#include "state/table_ddl.h"
#include "verify/repair.h"
#include "verify/source_reads.h"

namespace cutover {
namespace {

// Rows per watermark window of a re-copy: what one window holds in memory and in the state
// store.
constexpr int64_t kRecopyRangeRows = 5000;

void Note(const DdlResumeOptions& options, const std::string& line) {
  if (options.progress == nullptr) return;
  std::fprintf(options.progress, "ddl resume: %s\n", line.c_str());
  std::fflush(options.progress);
}

// Waits until `done` says so, the timeout passes (DeadlineExceeded saying `what`) or a stop.
Status WaitFor(StateStore& state, std::string_view table, const DdlResumeOptions& options,
               std::string_view what,
               const std::function<bool(const std::optional<state::TableDdl>&)>& done) {
  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  for (;;) {
    CUTOVER_ASSIGN_OR_RETURN(std::optional<state::TableDdl> record,
                             state::LoadTableDdl(state, table));
    if (done(record)) return Status::Ok();
    if (options.stop != nullptr && options.stop->load()) return Status::Cancelled("stopped");
    if (std::chrono::steady_clock::now() >= deadline) {
      return Status::DeadlineExceeded(fmt::format(
          "the running `cutover run` did not {} within {} s; its log says why (the request "
          "stays recorded and is taken when it can)",
          what, options.timeout.count()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

Result<TargetTablePlan> CurrentPlan(const Spec& spec, const TableId& table) {
  CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<Source> source, OpenSource(spec));
  CUTOVER_ASSIGN_OR_RETURN(std::vector<SourceTable> tables, source->LoadSelectedTables());
  for (SourceTable& candidate : tables) {
    if (candidate.schema.id != table) continue;
    CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<Target> target, OpenTarget(spec));
    CUTOVER_ASSIGN_OR_RETURN(std::vector<TargetTablePlan> plans,
                             target->Plans({std::move(candidate)}));
    return std::move(plans.front());
  }
  return Status::NotFound(fmt::format(
      "{} is not on the source (or the spec no longer selects it)", table.ToString()));
}

// Keys splitting the table into windows of about kRecopyRangeRows rows: on MariaDB/MySQL the
// key of every kRecopyRangeRows-th row (one scan of the key); on PostgreSQL the source's own
// split for its row estimate (the split only balances the windows, it never loses a row).
Result<std::vector<Key>> RecopyBoundaries(const Spec& spec, verify::SourceReads& source,
                                          const TableId& id) {
  CUTOVER_ASSIGN_OR_RETURN(std::vector<SourceTable> tables, source.LoadSelectedTables());
  for (const SourceTable& candidate : tables) {
    if (candidate.schema.id != id) continue;
    if (spec.source.kind == SourceKind::kPostgres) {
      int ranges = static_cast<int>(
          std::min<int64_t>(candidate.rows_estimate / kRecopyRangeRows + 1, 1 << 20));
      return source.PlanKeyBoundaries(candidate.schema, candidate.rows_estimate, ranges);
    }
    CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<mysql::Connection> connection,
                             mysql::Connection::Open(spec.source.connection));
    return mysql::SampleKeyBoundaries(*connection, candidate.schema, kRecopyRangeRows, 1 << 20);
  }
  return Status::NotFound(
      fmt::format("{} is not on the source (or the spec no longer selects it)", id.ToString()));
}

}  // namespace

Result<DdlResumeReport> ResumeTable(const Spec& spec, std::string_view table,
                                    const DdlResumeOptions& options) {
  const size_t dot = table.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == table.size()) {
    return Status::InvalidArgument(
        fmt::format("TABLE '{}' is not schema.table; name the stopped table with its schema, e.g. "
                    "shop.orders (cutover status lists the stopped tables)",
                    table));
  }
  DdlResumeReport report;
  report.table = std::string(table);
  report.recopied = options.recopy;
  CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<StateStore> state, StateStore::Open(spec.state_dir));
  CUTOVER_ASSIGN_OR_RETURN(std::optional<state::TableDdl> record,
                           state::LoadTableDdl(*state, table));
  if (!record || !record->held) {
    return Status::FailedPrecondition(fmt::format(
        "{} is not stopped by a schema change (cutover status lists the stopped tables)",
        table));
  }
  CUTOVER_ASSIGN_OR_RETURN(std::optional<state::RunStatus> run,
                           state::ReadFreshRunStatus(*state, pipeline::NowMs()));
  if (!options.recopy) {
    record->resume = "resume";
    CUTOVER_RETURN_IF_ERROR(state::SaveTableDdl(*state, *record));
    if (!run) {
      Note(options, fmt::format("{}: recorded; the next `cutover run` applies its changes held "
                                "since {}", table, record->position.Encode()));
      return report;
    }
    Note(options, fmt::format("{}: the running apply reads its changes again from {}", table,
                              record->position.Encode()));
    CUTOVER_RETURN_IF_ERROR(WaitFor(*state, table, options, "catch up with the table's changes",
                                    [](const std::optional<state::TableDdl>& now) {
                                      return !now || !now->held;
                                    }));
    report.applied = true;
    Note(options, fmt::format("{}: caught up; the table follows the source again", table));
    return report;
  }
  if (!run) {
    return Status::FailedPrecondition(
        "--recopy sends the table's rows through the change log: start `cutover run` for this "
        "spec (it must be running while the table is copied again), then resume again");
  }
  // Which table: by its name as the spec selects it.
  const TableId id{std::string(table.substr(0, dot)), std::string(table.substr(dot + 1))};
  if (record->resume != "recopy" || !record->recopy_ready) {
    record->resume = "recopy";
    record->recopy_ready = false;
    CUTOVER_RETURN_IF_ERROR(state::SaveTableDdl(*state, *record));
    Note(options, fmt::format("{}: asked the running apply to make the target table anew", table));
    CUTOVER_RETURN_IF_ERROR(WaitFor(*state, table, options, "make the target table anew",
                                    [](const std::optional<state::TableDdl>& now) {
                                      return !now || !now->held || now->recopy_ready;
                                    }));
  }  // else: made anew already (a new table, or a re-copy that stopped halfway): copy again
  CUTOVER_ASSIGN_OR_RETURN(TargetTablePlan plan, CurrentPlan(spec, id));
  CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<verify::SourceReads> source,
                           verify::SourceReads::Open(spec));
  CUTOVER_ASSIGN_OR_RETURN(std::vector<Key> boundaries, RecopyBoundaries(spec, *source, id));
  std::vector<verify::RepairRange> ranges;
  std::optional<Key> lower;
  for (size_t index = 0; index <= boundaries.size(); ++index) {
    verify::RepairRange& range = ranges.emplace_back();
    range.plan = plan;
    range.filter = plan.filter;
    range.lower = lower;
    if (index < boundaries.size()) range.upper = boundaries[index];
    lower = range.upper;
  }
  Note(options, fmt::format("{}: sending its rows in {} windows", table, ranges.size()));
  verify::RepairOptions repair;
  repair.stop = options.stop;
  repair.timeout = options.timeout;
  CUTOVER_ASSIGN_OR_RETURN(verify::RepairResult sent,
                           verify::RepairRanges(spec, *state, *source, ranges, repair));
  report.rows_resent = sent.resent;
  report.left_to_cdc = sent.left_to_cdc;
  report.applied = true;
  CUTOVER_ASSIGN_OR_RETURN(record, state::LoadTableDdl(*state, table));
  if (record) {
    record->held = false;
    record->resume.clear();
    record->recopy_ready = false;
    record->is_new = false;
    CUTOVER_RETURN_IF_ERROR(state::SaveTableDdl(*state, *record));
  }
  Note(options, fmt::format("{}: copied again ({} rows sent, {} left to CDC); the table "
                            "follows the source", table, sent.resent, sent.left_to_cdc));
  return report;
}

}  // namespace cutover
