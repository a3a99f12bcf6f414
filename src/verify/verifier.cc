// Verifier: THE verify loop. For each selected source table, in key order, one chunk at a time:
// read the rows the copy would copy, hand them to the target's checker, record the chunk in
// the state store; then let the checker look for target records no source row produced.
// The re-check under live CDC, the continuous mode and --repair are in their own files
// (verifier.h lists them).
#include "verify/verifier.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <map>
#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cutover/source.h"
#include "cutover/target.h"

#include "pipeline/apply.h"
#include "pipeline/clock.h"
#include "pipeline/state_options.h"
#include "pipeline/test_hooks.h"
#include "source/mysql/snapshot_schema.h"
#include "state/table_ddl.h"
#include "state/verify_report.h"
#include "verify/live.h"

namespace cutover::verify {

void ChunkResult::Add(VerifyDifference difference, Key key) {
  switch (difference.kind) {
    case VerifyDifference::Kind::kMissing: ++missing; break;
    case VerifyDifference::Kind::kExtra: ++extra; break;
    case VerifyDifference::Kind::kDifferent: ++different; break;
  }
  differences.push_back(std::move(difference));
  keys.push_back(std::move(key));
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

// Under live CDC: chunks checked ahead while earlier ones wait for their re-checks.
constexpr size_t kMaxOpenChunks = 32;

// Checksum chunks grow so that each takes about `seconds` (as pt-table-checksum's
// --chunk-time): from the configured chunk_rows (never below it) up to kMaxChunkRows, at most
// doubling from one chunk to the next. A differing grown chunk sends the size back (Reset).
class ChunkSizer {
 public:
  static constexpr int64_t kMaxChunkRows = 1'000'000;

  ChunkSizer(int64_t base, double seconds) : base_(base), rows_(base), seconds_(seconds) {}

  int64_t rows() const { return rows_; }
  void Reset() { rows_ = base_; }

  // A chunk of `rows` rows whose checksums matched, checked in `took`.
  void Checked(int64_t rows, std::chrono::steady_clock::duration took) {
    if (seconds_ <= 0 || rows < rows_) return;  // fixed size, or the table's last chunk
    double took_seconds = std::max(std::chrono::duration<double>(took).count(), 1e-3);
    double fitting = static_cast<double>(rows) * seconds_ / took_seconds;
    fitting = std::min(fitting, static_cast<double>(rows_) * 2);
    rows_ = std::clamp(static_cast<int64_t>(fitting), base_, std::max(base_, kMaxChunkRows));
  }

 private:
  const int64_t base_;
  int64_t rows_;
  const double seconds_;
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

}  // namespace

// The verify, as a checklist: the tables and the checker; continue or start over; each
// table chunk by chunk; the extras; the report, stored.
Result<VerifyReport> Verifier::Run() {
  CUTOVER_RETURN_IF_ERROR(CheckKinds());
  CUTOVER_ASSIGN_OR_RETURN(state_,
                           StateStore::Open(spec_.state_dir, pipeline::StateOptionsFor(spec_)));
  CUTOVER_RETURN_IF_ERROR(LoadTables());
  CUTOVER_RETURN_IF_ERROR(OpenChecker());
  if (options_.continuous) return RunContinuous();
  CUTOVER_RETURN_IF_ERROR(ContinueOrStartOver());
  if (options_.recheck) {
    CUTOVER_ASSIGN_OR_RETURN(std::optional<int64_t> applied, AppliedThrough(*state_));
    live_ = applied.has_value();
  }
  VerifyReport report;
  CUTOVER_ASSIGN_OR_RETURN(report.schema, SchemaDifferences());
  report.live = live_;
  report.resumed = resumed_;
  report.started_at_ms = started_at_ms_;
  report.tables_glob = options_.tables;
  bool stopped = false;
  for (const TableJob& job : jobs_) {
    CUTOVER_ASSIGN_OR_RETURN(VerifyTableReport table, VerifyTable(job));
    stopped = !table.done;
    report.tables.push_back(std::move(table));
    if (stopped) break;
  }
  if (!stopped) {
    // Live CDC: rows inserted since their chunk was read produce items the scan would
    // count as extra; the source is read once more first.
    if (live_ && checker_->NeedsCheckedRows()) CUTOVER_RETURN_IF_ERROR(RememberEverything());
    CUTOVER_ASSIGN_OR_RETURN(std::vector<VerifyTableReport> extras,
                             checker_->FindExtras(options_.max_listed));
    if (live_) {
      CUTOVER_ASSIGN_OR_RETURN(extras, RecheckExtras(std::move(extras)));
    }
    for (VerifyTableReport& extra : extras) report.tables.push_back(std::move(extra));
    report.complete = true;
  }
  CUTOVER_RETURN_IF_ERROR(StoreReport(report));
  if (!options_.repair || !report.complete || report.differences() == 0) return report;
  return RepairThenVerifyAgain(report);
}

// What `cutover run` recorded about the selected tables' schema changes (state/table_ddl.h).
Result<std::vector<std::string>> Verifier::SchemaDifferences() {
  CUTOVER_ASSIGN_OR_RETURN(std::vector<state::TableDdl> records, state::LoadTableDdl(*state_));
  std::vector<std::string> differences;
  for (const state::TableDdl& record : records) {
    if (record.held) {
      differences.push_back(fmt::format("{}: its changes are not applied since {}: {}",
                                        record.table, record.position.Encode(), record.reason));
    }
    for (const auto& [column, why] : record.not_carried) {
      if (why == "not in the table rule's columns") continue;  // chosen in the spec
      const std::string name = record.table + "." + column;
      differences.push_back(fmt::format("{}: on the source, not on the target ({})", name, why));
      missing_columns_.erase(name);  // said once
    }
  }
  for (const auto& [name, why] : missing_columns_) {
    differences.push_back(fmt::format("{}: {}", name, why));
  }
  return differences;
}

Status Verifier::CheckKinds() const {
  if (options_.repair && spec_.target.kind == TargetKind::kKafka) {
    return Status::InvalidArgument(
        "--repair does not repair Kafka targets: a topic is a log its consumers have read, and "
        "records sent again would reach them as new events; run verify without --repair to list "
        "the differing keys (docs/kafka.md, \"Verify\")");
  }
  switch (spec_.target.kind) {
    case TargetKind::kMariaDB:
    case TargetKind::kMySQL:
    case TargetKind::kPostgres:
    case TargetKind::kDynamoDB:
    case TargetKind::kKafka: return Status::Ok();
  }
  return Status::Unimplemented(fmt::format("cutover verify does not check {} targets yet",
                                           TargetKindName(spec_.target.kind)));
}

// The tables the applier writes (same target names, same narrowed schemas), restricted
// to --tables, each with its rule's row filter.
Status Verifier::LoadTables() {
  // The selected tables through the Source (once), named as the target names them.
  // The source reads of the checks (rows) through the Source, whatever its engine.
  CUTOVER_ASSIGN_OR_RETURN(source_, SourceReads::Open(spec_));
  CUTOVER_ASSIGN_OR_RETURN(std::vector<SourceTable> selected, source_->LoadSelectedTables());
  CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<Target> target, OpenTarget(spec_));
  CUTOVER_ASSIGN_OR_RETURN(std::vector<TargetTablePlan> plans, target->Plans(selected));
  std::map<TableId, std::string> filters;
  for (const SourceTable& table : selected) filters[table.schema.id] = table.rule->filter;
  CUTOVER_RETURN_IF_ERROR(NarrowToTargetColumns(*target, plans));
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

// A SQL target table without a column the source has (a schema change not followed, docs/
// ddl.md) is compared on the columns both have, and each missing column is a schema difference.
Status Verifier::NarrowToTargetColumns(const Target& target, std::vector<TargetTablePlan>& plans) {
  if (spec_.target.kind != TargetKind::kMariaDB && spec_.target.kind != TargetKind::kMySQL) {
    return Status::Ok();
  }
  CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<Appliers> appliers,
                           target.OpenAppliers(plans, state_.get()));
  for (TargetTablePlan& plan : plans) {
    if (!options_.tables.empty() && !GlobMatch(options_.tables, plan.source.ToString())) continue;
    CUTOVER_ASSIGN_OR_RETURN(std::optional<std::vector<std::string>> columns,
                             appliers->TargetColumns(plan));
    if (!columns || columns->empty()) continue;  // no table: the checker says so
    std::set<std::string> on_target(columns->begin(), columns->end());
    TableSchema narrowed = plan.schema;
    narrowed.columns.clear();
    narrowed.key.clear();
    for (const Column& column : plan.schema.columns) {
      const bool key = std::any_of(plan.schema.key.begin(), plan.schema.key.end(),
                                   [&](size_t k) { return plan.schema.columns[k].name == column.name; });
      if (!key && !on_target.contains(column.name)) {
        missing_columns_[plan.source.ToString() + "." + column.name] =
            "on the source, not on the target table";
        continue;
      }
      narrowed.columns.push_back(column);
    }
    for (size_t k : plan.schema.key) {
      narrowed.key.push_back(*narrowed.ColumnIndex(plan.schema.columns[k].name));
    }
    plan.schema = std::move(narrowed);
  }
  return Status::Ok();
}

Status Verifier::OpenChecker() {
  if (spec_.target.kind == TargetKind::kDynamoDB) {
    CUTOVER_ASSIGN_OR_RETURN(checker_, OpenDynamoDbChecker(spec_));
  } else if (spec_.target.kind == TargetKind::kKafka) {
    CUTOVER_ASSIGN_OR_RETURN(checker_, OpenKafkaChecker(spec_));
  } else if (spec_.target.kind == TargetKind::kPostgres) {
    CUTOVER_ASSIGN_OR_RETURN(checker_, OpenPostgresChecker(spec_));
  } else {
    CUTOVER_ASSIGN_OR_RETURN(checker_, OpenMysqlChecker(spec_));
  }
  std::vector<TargetTablePlan> plans;
  for (const TableJob& job : jobs_) plans.push_back(job.plan);
  return checker_->Prepare(plans);
}

// A stopped verify with the same settings continues; anything else (none recorded, a
// finished one, other settings, --restart) starts over with no progress.
Status Verifier::ContinueOrStartOver() {
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
  settings.started_at_ms =
      resumed_ && previous.started_at_ms > 0 ? previous.started_at_ms : pipeline::NowMs();
  started_at_ms_ = settings.started_at_ms;
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

// One table, from its recorded progress to its end or a stop request. Under live CDC a
// chunk with differences is recorded only once they are re-checked (RecheckReady); the
// next chunks are checked meanwhile, at most kMaxOpenChunks ahead, and recorded in order,
// so a stopped verify never skips a chunk whose re-check it had not finished.
Result<VerifyTableReport> Verifier::VerifyTable(const TableJob& job) {
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
  std::deque<OpenChunk> open;
  std::optional<Key> next_lower = progress.lower;
  bool read_all = progress.done;
  ChunkSizer sizer(chunk_rows_, options_.chunk_seconds);
  while (!Stopping()) {
    if (!read_all && open.size() < kMaxOpenChunks) {
      auto started = std::chrono::steady_clock::now();
      CUTOVER_ASSIGN_OR_RETURN(OpenChunk chunk, CheckChunkAfter(job, next_lower, sizer.rows()));
      if (chunk.oversized_mismatch) {
        sizer.Reset();  // the same range again in chunks of the configured size
        continue;
      }
      if (!chunk.compared_rows) {
        sizer.Checked(chunk.result.rows, std::chrono::steady_clock::now() - started);
      }
      next_lower = chunk.upper;
      read_all = chunk.last;
      ++checked;
      by_rows += chunk.compared_rows ? 1 : 0;
      if (live_ && chunk.result.differences.size() > 0) {
        CUTOVER_RETURN_IF_ERROR(Suspect(job, chunk));
      }
      open.push_back(std::move(chunk));
    }
    CUTOVER_RETURN_IF_ERROR(
        RecheckReady(job, open, /*wait=*/read_all || open.size() >= kMaxOpenChunks));
    while (!open.empty() && open.front().suspects.empty()) {
      CUTOVER_RETURN_IF_ERROR(Record(job, open.front(), progress));
      open.pop_front();
      pipeline::TEST_PausePoint("verify_chunk_recorded");
    }
    if (read_all && open.empty()) break;
  }
  VerifyTableReport report;
  report.table = job.plan.source.ToString();
  report.target =
      job.plan.target.schema.empty() ? job.plan.target.name : job.plan.target.ToString();
  report.rows = progress.rows;
  report.missing = progress.missing;
  report.extra = progress.extra;
  report.different = progress.different;
  report.settled = progress.settled;
  report.unsettled = progress.unsettled;
  report.chunks = progress.chunks;
  report.chunks_checked = checked;
  report.chunks_compared_by_rows = by_rows;
  report.done = progress.done;
  report.listed = std::move(progress.listed);
  return report;
}

// Checks the chunk of up to `rows` rows after `lower`. Its upper bound is the key of its
// rows-th row, or open for the table's last chunk, so the chunks cover every key. With
// checksums (SQL targets) the bound is found on the source (LIMIT 1 OFFSET rows-1) and the
// rows are read and compared one by one only when the checksums differ; a chunk grown beyond
// chunk_rows_ that differs is given up (oversized_mismatch) and checked again in chunks of
// chunk_rows_, so row compares and repair ranges stay that small.
Result<OpenChunk> Verifier::CheckChunkAfter(const TableJob& job, const std::optional<Key>& lower,
                                            int64_t rows_wanted) {
  OpenChunk chunk;
  chunk.lower = lower;
  std::optional<int64_t> same;
  bool checksums = options_.checksums && checker_->HasChecksums(job.plan);
  if (checksums) {
    ChunkSelect select{lower, std::nullopt, job.filter, 1};
    select.offset = rows_wanted - 1;
    CUTOVER_ASSIGN_OR_RETURN(ChunkRows bound, ReadSource(job, job.keys, select));
    chunk.last = bound.rows.empty();
    if (!chunk.last) chunk.upper = KeyOf(job.keys, bound.rows.front());
    CUTOVER_ASSIGN_OR_RETURN(same, SameChecksum(job, lower, chunk.upper));
    if (same) chunk.result.rows = *same;
    if (!same && rows_wanted > chunk_rows_) {
      chunk.oversized_mismatch = true;
      return chunk;
    }
  }
  if (!same) {
    std::vector<Row> rows;
    if (checksums) {
      CUTOVER_ASSIGN_OR_RETURN(rows, ReadSourceRange(job, lower, chunk.upper));
    } else {
      ChunkSelect select{lower, std::nullopt, job.filter, chunk_rows_};
      CUTOVER_ASSIGN_OR_RETURN(ChunkRows read, ReadSource(job, job.plan.schema, select));
      rows = std::move(read.rows);
      chunk.last = static_cast<int64_t>(rows.size()) < chunk_rows_;
      if (!chunk.last) chunk.upper = KeyOf(job.plan.schema, rows.back());
    }
    CUTOVER_RETURN_IF_ERROR(
        checker_->CheckChunk(job.plan, lower, chunk.upper, rows, &chunk.result));
    chunk.compared_rows = true;
  }
  return chunk;
}

// Records a chunk whose re-checks are finished: its counts, listed differences, and the
// range when a difference stands (what --repair sends again).
Status Verifier::Record(const TableJob& job, OpenChunk& chunk, TableVerifyState& progress) {
  ChunkResult& result = chunk.result;
  if (result.missing + result.extra + result.different > 0) {
    progress.dirty.emplace_back(chunk.lower, chunk.upper);
  }
  progress.rows += result.rows;
  progress.missing += result.missing;
  progress.extra += result.extra;
  progress.different += result.different;
  progress.settled += chunk.settled;
  progress.unsettled += chunk.unsettled;
  for (VerifyDifference& difference : result.differences) {
    if (static_cast<int>(progress.listed.size()) >= options_.max_listed) break;
    progress.listed.push_back(std::move(difference));
  }
  ++progress.chunks;
  progress.lower = chunk.upper;
  progress.done = chunk.last;
  return state_->SetMeta(TableMetaKey(job.plan.source), progress.ToJson());
}

// The rows of the chunks an earlier run finished, read again for checkers that need them
// (DynamoDB's extra-item scan needs every item key the source produces).
Status Verifier::RememberChecked(const TableJob& job, const TableVerifyState& progress) {
  std::optional<Key> lower;
  while (true) {
    ChunkSelect select{lower, progress.done ? std::nullopt : progress.lower, job.filter,
                       chunk_rows_};
    CUTOVER_ASSIGN_OR_RETURN(ChunkRows rows, ReadSource(job, job.plan.schema, select));
    CUTOVER_RETURN_IF_ERROR(checker_->Remember(job.plan, rows.rows));
    if (static_cast<int64_t>(rows.rows.size()) < chunk_rows_) return Status::Ok();
    lower = KeyOf(job.plan.schema, rows.rows.back());
  }
}

// Every selected source row as it is now, handed to the checker's Remember.
Status Verifier::RememberEverything() {
  TableVerifyState whole;
  whole.done = true;
  for (const TableJob& job : jobs_) CUTOVER_RETURN_IF_ERROR(RememberChecked(job, whole));
  return Status::Ok();
}

// The report goes to the state store; a complete one also ends the verify, so the next
// starts over.
Status Verifier::StoreReport(VerifyReport& report) {
  report.finished_at_ms = pipeline::NowMs();
  CUTOVER_ASSIGN_OR_RETURN(StateStore::Transaction transaction, state_->Begin());
  CUTOVER_RETURN_IF_ERROR(state::WriteVerifyReport(*state_, ReportRecord(report)));
  if (report.complete) {
    CUTOVER_ASSIGN_OR_RETURN(std::optional<std::string> stored, state_->GetMeta(kRunMetaKey));
    CUTOVER_ASSIGN_OR_RETURN(RunSettings settings, RunSettings::FromJson(stored.value_or("{}")));
    settings.finished = true;
    CUTOVER_RETURN_IF_ERROR(state_->SetMeta(kRunMetaKey, settings.ToJson()));
  }
  return transaction.Commit();
}

// One chunk select through the Source (a lost session is opened again once).
Result<ChunkRows> Verifier::ReadSource(const TableJob& job, const TableSchema& schema,
                                       const ChunkSelect& select) {
  (void)job;  // the errors name schema's table, which is the job's source table
  return source_->Read(schema, select);
}

// The source rows with one of `keys` now, by Key::Encode(); a key without a row is left out.
Result<std::map<std::string, Row>> Verifier::ReadSourceKeys(const TableJob& job,
                                                            const std::vector<Key>& keys) {
  return source_->ReadKeys(job.plan.schema, job.filter, keys);
}

// Every source row with lower < key <= upper, in pages (rows may have arrived since the
// range's keys were read).
Result<std::vector<Row>> Verifier::ReadSourceRange(const TableJob& job,
                                                   const std::optional<Key>& lower,
                                                   const std::optional<Key>& upper) {
  return source_->ReadRange(job.plan.schema, job.filter, lower, upper, chunk_rows_);
}

Result<std::optional<int64_t>> Verifier::SameChecksum(const TableJob& job,
                                                      const std::optional<Key>& lower,
                                                      const std::optional<Key>& upper) {
  CUTOVER_ASSIGN_OR_RETURN(ChecksumSource session, ChecksumSession());
  Result<std::optional<int64_t>> same =
      checker_->SameChecksum(session, job.plan, job.filter, lower, upper);
  if (same.status().code() != StatusCode::kUnavailable) return same;
  // On stderr, never stdout: that holds the report (--json).
  fmt::print(stderr,
             "verify: the checksum session was lost ({}); computing the checksums again "
             "in a new one\n",
             same.status().ToString());
  checksum_mysql_.reset();
  checksum_postgres_.reset();
  CUTOVER_ASSIGN_OR_RETURN(session, ChecksumSession());
  return checker_->SameChecksum(session, job.plan, job.filter, lower, upper);
}

// The source session the checksums run in, of the source's engine; a PostgreSQL one with the
// settings that fix how values are spelled, as the target's session has them.
Result<ChecksumSource> Verifier::ChecksumSession() {
  if (spec_.source.kind == SourceKind::kPostgres) {
    if (checksum_postgres_ == nullptr) {
      CUTOVER_ASSIGN_OR_RETURN(checksum_postgres_, OpenPostgresSourceSession(spec_));
    }
    return ChecksumSource{nullptr, checksum_postgres_.get()};
  }
  if (checksum_mysql_ == nullptr) {
    CUTOVER_ASSIGN_OR_RETURN(checksum_mysql_, mysql::Connection::Open(spec_.source.connection));
  }
  return ChecksumSource{checksum_mysql_.get(), nullptr};
}

}  // namespace cutover::verify

namespace cutover {

Result<VerifyReport> RunVerify(const Spec& spec, const VerifyOptions& options) {
  return verify::Verifier(spec, options).Run();
}

}  // namespace cutover
