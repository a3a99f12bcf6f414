// Verifier: THE verify loop. For each selected source table, in key order, one chunk at a time:
// read the rows the copy would copy, hand them to the target's checker, record the chunk in
// the state store; then let the checker look for target records no source row produced.
#include <map>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cutover/state_store.h"
#include "cutover/verify.h"

#include "pipeline/apply.h"
#include "pipeline/state_options.h"
#include "pipeline/test_hooks.h"
#include "source/mysql/connection.h"
#include "source/mysql/snapshot_reader.h"
#include "source/mysql/snapshot_schema.h"
#include "verify/checker.h"
#include "verify/progress.h"
#include "verify/repair.h"

namespace cutover::verify {

void ChunkResult::Add(VerifyDifference difference) {
  switch (difference.kind) {
    case VerifyDifference::Kind::kMissing: ++missing; break;
    case VerifyDifference::Kind::kExtra: ++extra; break;
    case VerifyDifference::Kind::kDifferent: ++different; break;
  }
  differences.push_back(std::move(difference));
}

std::string KeyText(const TableSchema& schema, const Row& row) {
  std::string out;
  for (size_t column : schema.key) {
    if (!out.empty()) out += ' ';
    out += schema.columns[column].name + "=" +
           ValueText(schema.columns[column].type, row.values[column]);
  }
  return out;
}

std::string ValueText(const ColumnType& type, const Value& value) {
  return value.is_null() ? "NULL" : DisplayValue(type, value);
}

namespace {

// One table being verified: what ApplyPlans decided and the rule's row filter.
struct TableJob {
  TargetTablePlan plan;
  std::string filter;
  TableSchema keys;  // plan.schema's key columns only: the checksum path reads just the keys
};

TableSchema KeyColumnsOnly(const TableSchema& schema) {
  TableSchema keys;
  keys.id = schema.id;
  for (size_t column : schema.key) {
    keys.key.push_back(keys.columns.size());
    keys.columns.push_back(schema.columns[column]);
  }
  return keys;
}

class Verifier {
 public:
  Verifier(const Spec& spec, const VerifyOptions& options) : spec_(spec), options_(options) {}

  // The verify, as a checklist: the tables and the checker; continue or start over; each
  // table chunk by chunk; the extras; the report, stored.
  Result<VerifyReport> Run() {
    CUTOVER_RETURN_IF_ERROR(CheckKinds());
    CUTOVER_ASSIGN_OR_RETURN(state_,
                             StateStore::Open(spec_.state_dir, pipeline::StateOptionsFor(spec_)));
    CUTOVER_RETURN_IF_ERROR(LoadTables());
    CUTOVER_RETURN_IF_ERROR(OpenChecker());
    CUTOVER_RETURN_IF_ERROR(ContinueOrStartOver());
    VerifyReport report;
    report.resumed = resumed_;
    bool stopped = false;
    for (const TableJob& job : jobs_) {
      CUTOVER_ASSIGN_OR_RETURN(VerifyTableReport table, VerifyTable(job));
      stopped = !table.done;
      report.tables.push_back(std::move(table));
      if (stopped) break;
    }
    if (!stopped) {
      CUTOVER_ASSIGN_OR_RETURN(std::vector<VerifyTableReport> extras,
                               checker_->FindExtras(options_.max_listed));
      for (VerifyTableReport& extra : extras) report.tables.push_back(std::move(extra));
      report.complete = true;
    }
    CUTOVER_RETURN_IF_ERROR(StoreReport(report));
    if (!options_.repair || !report.complete || report.differences() == 0) return report;
    return RepairThenVerifyAgain(report);
  }

 private:
  Status CheckKinds() const {
    if (spec_.source.kind == SourceKind::kPostgres) {
      return Status::Unimplemented(
          "cutover verify does not read PostgreSQL sources yet; MariaDB and MySQL sources are "
          "read");
    }
    switch (spec_.target.kind) {
      case TargetKind::kMariaDB:
      case TargetKind::kMySQL:
      case TargetKind::kDynamoDB: return Status::Ok();
      default:
        return Status::Unimplemented(
            fmt::format("cutover verify does not check {} targets yet; MariaDB, MySQL and DynamoDB "
                        "targets are checked",
                        TargetKindName(spec_.target.kind)));
    }
  }

  // The tables the applier writes (same target names, same narrowed schemas), restricted
  // to --tables, each with its rule's row filter.
  Status LoadTables() {
    CUTOVER_ASSIGN_OR_RETURN(std::vector<TargetTablePlan> plans, pipeline::ApplyPlans(spec_));
    CUTOVER_ASSIGN_OR_RETURN(source_, mysql::Connection::Open(spec_.source.connection));
    CUTOVER_ASSIGN_OR_RETURN(std::vector<mysql::SelectedTable> selected,
                             mysql::LoadSelectedTables(*source_, spec_));
    std::map<TableId, std::string> filters;
    for (const mysql::SelectedTable& table : selected) {
      filters[table.schema.id] = table.rule->filter;
    }
    for (TargetTablePlan& plan : plans) {
      if (!options_.tables.empty() && !GlobMatch(options_.tables, plan.source.ToString())) {
        continue;
      }
      TableJob job;
      job.filter = filters[plan.source];
      job.keys = KeyColumnsOnly(plan.schema);
      job.plan = std::move(plan);
      jobs_.push_back(std::move(job));
    }
    if (jobs_.empty()) {
      return Status::InvalidArgument(
          options_.tables.empty()
              ? "no source table matches the spec's `tables` patterns"
              : fmt::format("no selected source table matches --tables '{}'", options_.tables));
    }
    chunk_rows_ = options_.chunk_rows > 0 ? options_.chunk_rows
                                          : std::max<int64_t>(spec_.parallelism.chunk_rows, 1);
    return Status::Ok();
  }

  Status OpenChecker() {
    if (spec_.target.kind == TargetKind::kDynamoDB) {
      CUTOVER_ASSIGN_OR_RETURN(checker_, OpenDynamoDbChecker(spec_));
    } else {
      CUTOVER_ASSIGN_OR_RETURN(checker_, OpenMysqlChecker(spec_));
    }
    std::vector<TargetTablePlan> plans;
    for (const TableJob& job : jobs_) plans.push_back(job.plan);
    return checker_->Prepare(plans);
  }

  // A stopped verify with the same settings continues; anything else (none recorded, a
  // finished one, other settings, --restart) starts over with no progress.
  Status ContinueOrStartOver() {
    CUTOVER_ASSIGN_OR_RETURN(std::optional<std::string> stored, state_->GetMeta(kRunMetaKey));
    RunSettings previous;
    if (stored) {
      CUTOVER_ASSIGN_OR_RETURN(previous, RunSettings::FromJson(*stored));
    }
    resumed_ = stored && !previous.finished && !options_.restart &&
               previous.tables == options_.tables && previous.chunk_rows == chunk_rows_;
    if (stored && !previous.finished && !resumed_ && !options_.restart) {
      spdlog::warn(
          "verify: a stopped verify used other settings (--tables, chunk size); "
          "starting over");
    }
    RunSettings settings;
    settings.tables = options_.tables;
    settings.chunk_rows = chunk_rows_;
    for (const TableJob& job : jobs_) settings.keyed.push_back(job.plan.source.ToString());
    CUTOVER_ASSIGN_OR_RETURN(StateStore::Transaction transaction, state_->Begin());
    if (!resumed_) {
      for (const std::string& table : previous.keyed) {
        CUTOVER_RETURN_IF_ERROR(state_->DeleteMeta("verify.table/" + table));
      }
    }
    CUTOVER_RETURN_IF_ERROR(state_->SetMeta(kRunMetaKey, settings.ToJson()));
    return transaction.Commit();
  }

  // One table, from its recorded progress to its end or a stop request.
  Result<VerifyTableReport> VerifyTable(const TableJob& job) {
    TableVerifyState progress;
    if (resumed_) {
      CUTOVER_ASSIGN_OR_RETURN(std::optional<std::string> stored,
                               state_->GetMeta(TableMetaKey(job.plan.source)));
      if (stored) {
        CUTOVER_ASSIGN_OR_RETURN(progress, TableVerifyState::FromJson(*stored));
      }
      if (progress.chunks > 0 && checker_->NeedsCheckedRows()) {
        CUTOVER_RETURN_IF_ERROR(RememberChecked(job, progress));
      }
    }
    int64_t checked = 0;
    int64_t by_rows = 0;
    while (!progress.done && !Stopping()) {
      CUTOVER_ASSIGN_OR_RETURN(bool compared_rows, CheckNextChunk(job, progress));
      ++checked;
      by_rows += compared_rows ? 1 : 0;
      pipeline::TEST_PausePoint("verify_chunk_recorded");
    }
    VerifyTableReport report;
    report.table = job.plan.source.ToString();
    report.target =
        job.plan.target.schema.empty() ? job.plan.target.name : job.plan.target.ToString();
    report.rows = progress.rows;
    report.missing = progress.missing;
    report.extra = progress.extra;
    report.different = progress.different;
    report.chunks = progress.chunks;
    report.chunks_checked = checked;
    report.chunks_compared_by_rows = by_rows;
    report.done = progress.done;
    report.listed = std::move(progress.listed);
    return report;
  }

  // Checks and records the chunk after progress.lower; true when its rows were compared one
  // by one (always without checksums; with them, only when the checksums differ). The chunk's
  // upper bound is the key of its chunk_rows-th row, or open for the table's last chunk, so
  // the chunks cover every key.
  Result<bool> CheckNextChunk(const TableJob& job, TableVerifyState& progress) {
    ChunkResult result;
    std::optional<Key> upper;
    bool last = false;
    std::optional<int64_t> same;
    if (options_.checksums && checker_->HasChecksums()) {
      mysql::ChunkSelect select{progress.lower, std::nullopt, job.filter, chunk_rows_};
      CUTOVER_ASSIGN_OR_RETURN(mysql::ChunkRows keys, ReadSource(job, job.keys, select));
      last = static_cast<int64_t>(keys.rows.size()) < chunk_rows_;
      if (!last) upper = KeyOf(job.keys, keys.rows.back());
      CUTOVER_ASSIGN_OR_RETURN(
          same, checker_->SameChecksum(*source_, job.plan, job.filter, progress.lower, upper));
      if (same) result.rows = *same;
    }
    if (!same) {
      std::vector<Row> rows;
      if (options_.checksums && checker_->HasChecksums()) {
        CUTOVER_ASSIGN_OR_RETURN(rows, ReadSourceRange(job, progress.lower, upper));
      } else {
        mysql::ChunkSelect select{progress.lower, std::nullopt, job.filter, chunk_rows_};
        CUTOVER_ASSIGN_OR_RETURN(mysql::ChunkRows chunk, ReadSource(job, job.plan.schema, select));
        rows = std::move(chunk.rows);
        last = static_cast<int64_t>(rows.size()) < chunk_rows_;
        if (!last) upper = KeyOf(job.plan.schema, rows.back());
      }
      CUTOVER_RETURN_IF_ERROR(checker_->CheckChunk(job.plan, progress.lower, upper, rows, &result));
    }
    if (result.missing + result.extra + result.different > 0) {
      progress.dirty.emplace_back(progress.lower, upper);
    }
    progress.rows += result.rows;
    progress.missing += result.missing;
    progress.extra += result.extra;
    progress.different += result.different;
    for (VerifyDifference& difference : result.differences) {
      if (static_cast<int>(progress.listed.size()) >= options_.max_listed) break;
      progress.listed.push_back(std::move(difference));
    }
    ++progress.chunks;
    progress.lower = upper;
    progress.done = last;
    CUTOVER_RETURN_IF_ERROR(state_->SetMeta(TableMetaKey(job.plan.source), progress.ToJson()));
    return !same.has_value();
  }

  // Every source row with lower < key <= upper, in pages (rows may have arrived since the
  // range's keys were read); a lost connection is opened again once.
  Result<std::vector<Row>> ReadSourceRange(const TableJob& job, const std::optional<Key>& lower,
                                           const std::optional<Key>& upper) {
    Result<std::vector<Row>> rows =
        mysql::ReadKeyRange(*source_, job.plan.schema, job.filter, lower, upper, chunk_rows_);
    if (rows.status().code() == StatusCode::kUnavailable) {
      CUTOVER_ASSIGN_OR_RETURN(source_, mysql::Connection::Open(spec_.source.connection));
      rows = mysql::ReadKeyRange(*source_, job.plan.schema, job.filter, lower, upper, chunk_rows_);
    }
    if (!rows.ok())
      return rows.status().WithContext("reading source table " + job.plan.source.ToString());
    return rows;
  }

  // The rows of the chunks an earlier run finished, read again for checkers that need them
  // (DynamoDB's extra-item scan needs every item key the source produces).
  Status RememberChecked(const TableJob& job, const TableVerifyState& progress) {
    std::optional<Key> lower;
    while (true) {
      mysql::ChunkSelect select{lower, progress.done ? std::nullopt : progress.lower, job.filter,
                                chunk_rows_};
      CUTOVER_ASSIGN_OR_RETURN(mysql::ChunkRows rows, ReadSource(job, job.plan.schema, select));
      CUTOVER_RETURN_IF_ERROR(checker_->Remember(job.plan, rows.rows));
      if (static_cast<int64_t>(rows.rows.size()) < chunk_rows_) return Status::Ok();
      lower = KeyOf(job.plan.schema, rows.rows.back());
    }
  }

  // One chunk select; a lost connection is opened again once.
  Result<mysql::ChunkRows> ReadSource(const TableJob& job, const TableSchema& schema,
                                      const mysql::ChunkSelect& select) {
    Result<mysql::ChunkRows> rows = mysql::ReadChunk(*source_, schema, select);
    if (rows.status().code() == StatusCode::kUnavailable) {
      CUTOVER_ASSIGN_OR_RETURN(source_, mysql::Connection::Open(spec_.source.connection));
      rows = mysql::ReadChunk(*source_, schema, select);
    }
    if (!rows.ok())
      return rows.status().WithContext("reading source table " + job.plan.source.ToString());
    return rows;
  }

  // --repair: every chunk that differed goes through the change log again, then the tables
  // that had differences are verified once more (from the start).
  Result<VerifyReport> RepairThenVerifyAgain(const VerifyReport& first) {
    std::vector<RepairRange> ranges;
    std::string tables;  // a --tables glob per table is not possible: verify them all again
    for (const TableJob& job : jobs_) {
      CUTOVER_ASSIGN_OR_RETURN(std::optional<std::string> stored,
                               state_->GetMeta(TableMetaKey(job.plan.source)));
      if (!stored) continue;
      CUTOVER_ASSIGN_OR_RETURN(TableVerifyState progress, TableVerifyState::FromJson(*stored));
      for (const auto& [lower, upper] : progress.dirty) {
        ranges.push_back(RepairRange{job.plan, job.filter, lower, upper});
      }
    }
    VerifyRepair repair;
    repair.ranges = static_cast<int64_t>(ranges.size());
    repair.differences_before = first.differences();
    if (!ranges.empty()) {
      RepairOptions options;
      options.delete_extra = options_.delete_extra;
      options.stop = options_.stop;
      CUTOVER_ASSIGN_OR_RETURN(RepairResult result,
                               RepairRanges(spec_, *state_, *source_, ranges, options));
      repair.resent = result.resent;
      repair.deleted = result.deleted;
      repair.left_to_cdc = result.left_to_cdc;
    }
    VerifyOptions again = options_;
    again.repair = false;
    again.restart = true;
    CUTOVER_ASSIGN_OR_RETURN(VerifyReport second, Verifier(spec_, again).Run());
    second.repair = repair;
    return second;
  }

  // The report goes to the state store; a complete one also ends the verify, so the next
  // starts over.
  Status StoreReport(const VerifyReport& report) {
    CUTOVER_ASSIGN_OR_RETURN(StateStore::Transaction transaction, state_->Begin());
    CUTOVER_RETURN_IF_ERROR(state_->SetMeta(kReportMetaKey, VerifyReportToJson(report).dump()));
    if (report.complete) {
      CUTOVER_ASSIGN_OR_RETURN(std::optional<std::string> stored, state_->GetMeta(kRunMetaKey));
      CUTOVER_ASSIGN_OR_RETURN(RunSettings settings, RunSettings::FromJson(stored.value_or("{}")));
      settings.finished = true;
      CUTOVER_RETURN_IF_ERROR(state_->SetMeta(kRunMetaKey, settings.ToJson()));
    }
    return transaction.Commit();
  }

  bool Stopping() const { return options_.stop != nullptr && options_.stop->load(); }

  // Constant after construction
  const Spec& spec_;
  const VerifyOptions options_;
  // Set up by Run() before the first chunk.
  std::unique_ptr<StateStore> state_;
  std::unique_ptr<mysql::Connection> source_;
  std::unique_ptr<TargetChecker> checker_;
  std::vector<TableJob> jobs_;
  int64_t chunk_rows_ = 0;
  bool resumed_ = false;
};

}  // namespace
}  // namespace cutover::verify

namespace cutover {

Result<VerifyReport> RunVerify(const Spec& spec, const VerifyOptions& options) {
  return verify::Verifier(spec, options).Run();
}

}  // namespace cutover
