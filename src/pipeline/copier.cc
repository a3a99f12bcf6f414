// Copier: the orchestration of the full load: state, P0, table preparation, workers, report.
#include "pipeline/copier.h"

#include <algorithm>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "core/throttle_stats.h"
#include "filter/filter.h"
#include "pipeline/state_options.h"
#include "pipeline/test_hooks.h"

namespace cutover::pipeline {
namespace {

Result<TableProgress> GetProgress(StateStore& state, const std::string& table) {
  CUTOVER_ASSIGN_OR_RETURN(std::optional<TableProgress> progress, state.GetTable(table));
  if (!progress) return Status::Internal("table " + table + " is not in the state store");
  return *std::move(progress);
}

}  // namespace

Copier::Copier(const Spec& spec, const CopyOptions& options)
    : spec_(spec),
      options_(options),
      started_(std::chrono::steady_clock::now()),
      limiter_(spec.throttle.copy_rows_per_second, &ProcessThrottleStats().copy_wait_us) {}

// The copy, as a checklist: source and state; the selected tables (refusing those without a
// key); P0 before any row is read; the target tables and their ranges, recorded; the workers.
Result<CopyReport> Copier::Run() {
  CUTOVER_RETURN_IF_ERROR(OpenSourceAndState());
  CUTOVER_RETURN_IF_ERROR(LoadTables());
  CUTOVER_RETURN_IF_ERROR(TakeStartPosition());
  const Target* target = options_.target;
  if (target == nullptr) {
    CUTOVER_ASSIGN_OR_RETURN(owned_target_, OpenTarget(spec_));
    target = owned_target_.get();
  }
  CUTOVER_ASSIGN_OR_RETURN(sink_, target->OpenSink());
  for (auto& job : tables_) {
    if (Stopping()) break;
    CUTOVER_RETURN_IF_ERROR(PrepareTable(*job));
  }
  // Which target table each selected table writes, finished ones included (their plans were not
  // made again by PrepareTable): a table that shares its target table is never emptied.
  std::map<TableId, int> writers;
  if (std::any_of(tables_.begin(), tables_.end(),
                  [](const auto& job) { return job->copy_again; })) {
    std::vector<SourceTable> sources;
    for (const auto& job : tables_) sources.push_back(job->source);
    CUTOVER_ASSIGN_OR_RETURN(std::vector<TargetTablePlan> plans, target->Plans(sources));
    for (const TargetTablePlan& plan : plans) ++writers[plan.target];
  }
  for (auto& job : tables_) {
    if (Stopping() || !job->copy_again) continue;
    CUTOVER_RETURN_IF_ERROR(CopyAgainFromTheFirstRow(*job, writers[job->plan.target] > 1));
    CUTOVER_RETURN_IF_ERROR(QueueTable(*job));
  }
  if (options_.stop != nullptr && options_.stop->load()) {
    return Status::Cancelled("copy stopped on request; run again to resume");
  }
  if (resumed_ && !ranges_.empty()) CUTOVER_RETURN_IF_ERROR(BeginResumedCopy());
  if (options_.on_chunks_start) options_.on_chunks_start();
  Status copied = RunWorkers();
  source_->EndCopyReads();
  CUTOVER_RETURN_IF_ERROR(copied);
  return MakeReport();
}

// The source first: a source kind that cannot be read is refused before the state directory
// is touched.
Status Copier::OpenSourceAndState() {
  source_ = options_.source;
  if (source_ == nullptr) {
    CUTOVER_ASSIGN_OR_RETURN(owned_source_, OpenSource(spec_));
    source_ = owned_source_.get();
  }
  state_ = options_.state;
  if (state_ == nullptr) {
    CUTOVER_ASSIGN_OR_RETURN(owned_state_,
                             StateStore::Open(spec_.state_dir, StateOptionsFor(spec_)));
    state_ = owned_state_.get();
  }
  return Status::Ok();
}

namespace {

// A row filter must be one cutover evaluates exactly on the table's columns (the same condition
// will filter the change stream), refused before anything is copied.
Status CheckFilter(const SourceTable& table) {
  if (table.rule->filter.empty()) return Status::Ok();
  CUTOVER_ASSIGN_OR_RETURN(filter::Filter parsed, filter::Filter::Parse(table.rule->filter));
  Status checked = parsed.Check(table.schema);
  if (checked.ok()) return checked;
  return Status::InvalidArgument(fmt::format("the filter of {} ({}): {}",
                                             table.schema.id.ToString(), table.rule->match,
                                             checked.message()));
}

}  // namespace

Status Copier::LoadTables() {
  CUTOVER_ASSIGN_OR_RETURN(std::vector<SourceTable> selected, source_->LoadSelectedTables());
  if (selected.empty()) {
    return Status::InvalidArgument("no source table matches the spec's `tables` patterns");
  }
  for (SourceTable& table : selected) {
    CUTOVER_RETURN_IF_ERROR(CheckFilter(table));
    auto job = std::make_unique<TableJob>();
    job->name = table.schema.id.ToString();
    job->source = std::move(table);
    tables_.push_back(std::move(job));
  }
  return Status::Ok();
}

// P0 is taken once, before the first chunk is read, and kept for every rerun: chunks read in
// any later run are still reads made after P0, which is all the catch-up needs.
Status Copier::TakeStartPosition() {
  CUTOVER_ASSIGN_OR_RETURN(std::optional<Position> stored, state_->GetPosition(kStartPosition));
  if (stored) {
    start_ = *stored;
    resumed_ = true;
  } else {
    CUTOVER_ASSIGN_OR_RETURN(start_, source_->TakeStartPosition());
    CUTOVER_RETURN_IF_ERROR(state_->SetPosition(kStartPosition, start_));
  }
  CUTOVER_ASSIGN_OR_RETURN(Phase phase, state_->GetPhase());
  if (phase == Phase::kNew || phase == Phase::kPreflight) {
    CUTOVER_RETURN_IF_ERROR(state_->SetPhase(Phase::kCopy));
  }
  if (options_.on_start_position) return options_.on_start_position(start_);
  return Status::Ok();
}

Status Copier::PrepareTable(TableJob& job) {
  CUTOVER_RETURN_IF_ERROR(state_->AddTable(job.name, job.source.rows_estimate));
  CUTOVER_ASSIGN_OR_RETURN(TableProgress progress, GetProgress(*state_, job.name));
  progress_.AddTable(job.name, job.source.rows_estimate, progress.rows_copied);
  job.plan.source = job.source.schema.id;
  job.plan.target = job.source.schema.id;
  if (progress.state == TableState::kDone) {
    progress_.SetStatus(job.name, "done");
    CUTOVER_ASSIGN_OR_RETURN(std::optional<std::string> json,
                             state_->GetMeta(PlanMetaKey(job.source.schema.id)));
    if (json) {
      CUTOVER_ASSIGN_OR_RETURN(job.stored, StoredTablePlan::FromJson(*json));
    }
    return Status::Ok();
  }
  // Marked before the sink acts, so a crash inside PrepareTable makes the rerun "resuming"
  // (the sink then accepts the table it created itself).
  CUTOVER_ASSIGN_OR_RETURN(std::optional<std::string> prepared,
                           state_->GetMeta(PreparedMetaKey(job.source.schema.id)));
  CUTOVER_RETURN_IF_ERROR(state_->SetMeta(PreparedMetaKey(job.source.schema.id), "1"));
  CUTOVER_ASSIGN_OR_RETURN(
      job.plan, sink_->PrepareTable(job.source.narrowed, *job.source.rule, prepared.has_value()));
  CUTOVER_ASSIGN_OR_RETURN(job.stored, LoadOrPlanRanges(job));
  job.read_whole = progress.state == TableState::kPending;
  // Queued once every table is prepared (Run): whether another table writes its target table
  // is known then.
  job.copy_again = progress.state == TableState::kCopying && !job.source.whole_row_changes;
  if (job.copy_again) return Status::Ok();
  return QueueTable(job);
}

// A table whose changes can lack values, left half copied by an earlier run, is read again from
// its first row: its chunks must all come from one view of the source, or a key change that left
// a TOASTed value out would find neither its old row (read after it) nor its new one (read before
// it) on the target. What the earlier run wrote goes first (the sink empties the table), so that
// apply may skip the table's changes before this run's view: a row deleted in between is not
// left behind (docs/copy.md, "A resumed copy on PostgreSQL"). Emptied before the table is
// marked pending, so a crash in between empties it again.
Status Copier::CopyAgainFromTheFirstRow(TableJob& job, bool shared_target) {
  Status emptied =
      shared_target
          ? Status::Unimplemented(fmt::format("its target table {} holds rows of other tables too",
                                              job.plan.target.ToString()))
          : sink_->EmptyTable(job.plan);
  if (emptied.code() == StatusCode::kUnimplemented) {
    job.replay_from_start = true;
    spdlog::warn(
        "copy: {} was half copied by an earlier run and its changes can lack unchanged values; "
        "copying it again from its first row, but {}: every change since the copy's start is "
        "applied again over it, which is exact unless a row was deleted and then re-created by "
        "a key change that left a TOASTed value unchanged; run cutover verify --repair after the "
        "copy, or give the table REPLICA IDENTITY FULL (docs/copy.md)",
        job.name, emptied.message());
  } else {
    CUTOVER_RETURN_IF_ERROR(emptied);
    spdlog::info(
        "copy: {} was half copied by an earlier run and its changes can lack unchanged values: "
        "emptied its target table, copying it again from its first row in this run's snapshot",
        job.name);
  }
  CUTOVER_RETURN_IF_ERROR(state_->ResetTable(job.name));
  job.read_whole = true;
  CUTOVER_ASSIGN_OR_RETURN(TableProgress progress, GetProgress(*state_, job.name));
  progress_.AddTable(job.name, job.source.rows_estimate, progress.rows_copied);
  return Status::Ok();
}

// The resumed run's view of the source: where the source gives one, each table this run reads
// whole is recorded as copied as of that view's position, so that apply skips its changes
// before it (they are in the rows read; applying them again over those rows is not exact where
// changes can lack values: docs/copy.md, "A resumed copy on PostgreSQL"). A table this run goes
// on copying keeps what it had: its earlier chunks need the changes since then.
Status Copier::BeginResumedCopy() {
  CUTOVER_ASSIGN_OR_RETURN(std::optional<Position> view, source_->BeginResumedCopy());
  if (!view) return Status::Ok();
  for (const auto& job : tables_) {
    if (!job->read_whole || job->replay_from_start) continue;
    CUTOVER_RETURN_IF_ERROR(
        state_->SetMeta(CopiedAsOfMetaKey(job->source.schema.id), view->Encode()));
  }
  return Status::Ok();
}

Result<StoredTablePlan> Copier::LoadOrPlanRanges(TableJob& job) {
  std::string key = PlanMetaKey(job.source.schema.id);
  CUTOVER_ASSIGN_OR_RETURN(std::optional<std::string> json, state_->GetMeta(key));
  if (json) return StoredTablePlan::FromJson(*json);
  StoredTablePlan plan;
  plan.deferred = job.plan.deferred;
  plan.created = job.plan.created;
  int ranges = RangeCount(job.source.rows_estimate, spec_.parallelism.chunk_rows,
                          spec_.parallelism.copy_workers);
  CUTOVER_ASSIGN_OR_RETURN(
      plan.boundaries,
      source_->PlanKeyBoundaries(job.source.narrowed, job.source.rows_estimate, ranges));
  CUTOVER_RETURN_IF_ERROR(state_->SetMeta(key, plan.ToJson()));
  return plan;
}

Status Copier::QueueTable(TableJob& job) {
  CUTOVER_ASSIGN_OR_RETURN(std::vector<ChunkRecord> chunks, state_->ListChunks(job.name));
  std::vector<RangeJob> pending;
  for (const KeyRange& range : RangesFromBoundaries(job.stored.boundaries)) {
    CUTOVER_ASSIGN_OR_RETURN(RangeResume resume, ResumeRange(range, chunks));
    if (!resume.done) pending.push_back(RangeJob{&job, range, std::move(resume)});
  }
  job.ranges_left = static_cast<int>(pending.size());
  if (pending.empty()) return FinishRange(job, /*counted=*/false);
  std::lock_guard lock(mutex_);
  for (RangeJob& range : pending) ranges_.push_back(std::move(range));
  return Status::Ok();
}

Status Copier::RunWorkers() {
  std::vector<std::thread> copiers;
  std::vector<std::thread> builders;
  for (int worker = 0; worker < std::max(spec_.parallelism.copy_workers, 1); ++worker) {
    copiers.emplace_back([this] { CopyWorkerLoop(); });
  }
  for (int worker = 0; worker < std::max(spec_.parallelism.index_builders, 1); ++worker) {
    builders.emplace_back([this] { IndexBuilderLoop(); });
  }
  std::thread reporter([this] { ProgressLoop(); });
  for (std::thread& thread : copiers) thread.join();
  {
    std::lock_guard lock(mutex_);
    copy_workers_done_ = true;
  }
  changed_.notify_all();
  for (std::thread& thread : builders) thread.join();
  {
    std::lock_guard lock(mutex_);
    all_done_ = true;
  }
  changed_.notify_all();
  reporter.join();
  std::lock_guard lock(mutex_);
  if (!first_error_.ok()) return first_error_;
  if (options_.stop != nullptr && options_.stop->load()) {
    return Status::Cancelled("copy stopped on request; run again to resume");
  }
  return Status::Ok();
}

void Copier::CopyWorkerLoop() {
  std::unique_ptr<ChunkReader> chunk_reader;  // this worker's session, kept across its ranges
  while (!Stopping()) {
    RangeJob job;
    {
      std::lock_guard lock(mutex_);
      if (ranges_.empty()) return;
      job = std::move(ranges_.front());
      ranges_.pop_front();
    }
    Status status = CopyRange(job, chunk_reader);
    if (!status.ok()) Fail(status.WithContext(job.table->name));
  }
}

void Copier::IndexBuilderLoop() {
  while (true) {
    std::pair<TableJob*, Index> task;
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [&] { return !indexes_.empty() || copy_workers_done_ || failed_; });
      if (failed_ || indexes_.empty()) return;
      task = std::move(indexes_.front());
      indexes_.pop_front();
    }
    Status status = BuildIndex(*task.first, task.second);
    if (!status.ok()) Fail(status.WithContext(task.first->name));
  }
}

// Called when a range of `table` is complete (counted) or at queueing time for a table whose
// ranges were all done by earlier runs. The last range marks the table copied and queues its
// indexes that are not recorded as built.
Status Copier::FinishRange(TableJob& table, bool counted) {
  if (counted && table.ranges_left.fetch_sub(1) != 1) return Status::Ok();
  table.finished = std::chrono::steady_clock::now();
  CUTOVER_ASSIGN_OR_RETURN(TableProgress progress, GetProgress(*state_, table.name));
  if (progress.state == TableState::kPending || progress.state == TableState::kCopying) {
    CUTOVER_RETURN_IF_ERROR(state_->SetTableState(table.name, TableState::kCopied));
  }
  return EnqueueIndexes(table);
}

Status Copier::EnqueueIndexes(TableJob& table) {
  std::vector<Index> missing;
  for (const Index& index : table.stored.deferred) {
    CUTOVER_ASSIGN_OR_RETURN(std::optional<std::string> built,
                             state_->GetMeta(IndexMetaKey(table.source.schema.id, index.name)));
    if (!built) missing.push_back(index);
  }
  if (missing.empty()) return TableDone(table);
  CUTOVER_RETURN_IF_ERROR(state_->SetTableState(table.name, TableState::kIndexesBuilding));
  progress_.SetStatus(table.name, "indexes");
  table.indexes_left = static_cast<int>(missing.size());
  {
    std::lock_guard lock(mutex_);
    for (Index& index : missing) indexes_.emplace_back(&table, std::move(index));
  }
  changed_.notify_all();
  return Status::Ok();
}

// BuildIndex succeeds when the index exists already, so a crash between the build and the
// record below only repeats a cheap check.
// A target unreachable for a moment (a dropped or refused connection: Unavailable) is tried
// again with backoff, as a chunk's write is, rather than ending the copy.
Status Copier::BuildIndex(TableJob& table, const Index& index) {
  constexpr int kAttempts = 10;
  if (Stopping()) return Status::Ok();
  Status built;
  for (int attempt = 0;; ++attempt) {
    built = sink_->BuildIndex(table.plan, index);
    if (built.code() != StatusCode::kUnavailable || attempt + 1 >= kAttempts || Stopping()) break;
    spdlog::warn("{}: building index {} failed, retrying: {}", table.name, index.name,
                 built.ToString());
    std::this_thread::sleep_for(std::chrono::milliseconds(200 << std::min(attempt, 5)));
  }
  CUTOVER_RETURN_IF_ERROR(built);
  TEST_PausePoint("after_index");
  CUTOVER_RETURN_IF_ERROR(
      state_->SetMeta(IndexMetaKey(table.source.schema.id, index.name), "built"));
  table.indexes_built.fetch_add(1);
  if (table.indexes_left.fetch_sub(1) == 1) return TableDone(table);
  return Status::Ok();
}

Status Copier::TableDone(TableJob& table) {
  table.finished = std::chrono::steady_clock::now();
  CUTOVER_RETURN_IF_ERROR(state_->SetTableState(table.name, TableState::kDone));
  progress_.SetStatus(table.name, "done");
  return Status::Ok();
}

void Copier::ProgressLoop() {
  if (options_.progress == nullptr) return;
  bool terminal = isatty(fileno(options_.progress)) == 1;
  auto interval = terminal ? std::chrono::milliseconds(1000) : options_.progress_interval;
  size_t drawn_lines = 0;
  bool done = false;
  while (!done) {
    {
      std::unique_lock lock(mutex_);
      changed_.wait_for(lock, interval, [&] { return all_done_; });
      done = all_done_;
    }
    // Written without mutex_ held: a slow reader of stdout must not stall the workers.
    std::string text = progress_.Render(terminal, CopyProgress::Clock::now());
    if (terminal) {
      // Move up over the previous bar and redraw it in place.
      for (size_t line = 0; line < drawn_lines; ++line) {
        std::fputs("\x1b[1A\x1b[2K", options_.progress);
      }
      drawn_lines = static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
    }
    std::fputs(text.c_str(), options_.progress);
    std::fflush(options_.progress);
  }
}

void Copier::Fail(const Status& status) {
  {
    std::lock_guard lock(mutex_);
    if (first_error_.ok()) first_error_ = status;
    failed_ = true;
  }
  changed_.notify_all();
}

bool Copier::Stopping() const {
  return failed_.load() || (options_.stop != nullptr && options_.stop->load());
}

CopyReport Copier::MakeReport() const {
  CopyReport report;
  report.start = start_;
  report.resumed = resumed_;
  report.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  for (const auto& job : tables_) {
    TableCopyReport table;
    table.table = job->name;
    table.target = job->plan.target.ToString();
    Result<std::optional<TableProgress>> progress = state_->GetTable(job->name);
    if (progress.ok() && progress->has_value()) {
      table.rows = (*progress)->rows_copied;
      table.bytes = (*progress)->bytes;
    }
    table.rows_this_run = progress_.RowsThisRun(job->name);
    table.indexes_built = job->indexes_built.load();
    if (job->started.load()) {
      table.seconds = std::chrono::duration<double>(job->finished - job->first_start).count();
    }
    report.tables.push_back(std::move(table));
  }
  return report;
}

}  // namespace cutover::pipeline

namespace cutover {

// A copy whose view of the source was lost (Aborted: a PostgreSQL source's exporting session
// ended, e.g. with a restart of the server) is run again in this process as a resumed copy, in a
// new view, a few times with backoff; so is such a resumed copy that found the source still
// unreachable. A copy that finds a server unreachable otherwise fails at once, as it always did.
Result<CopyReport> RunCopy(const Spec& spec, const CopyOptions& options) {
  constexpr int kAttempts = 6;
  bool view_lost = false;
  for (int attempt = 1;; ++attempt) {
    pipeline::Copier copier(spec, options);
    Result<CopyReport> report = copier.Run();
    const StatusCode code = report.status().code();
    view_lost = view_lost || code == StatusCode::kAborted;
    if (report.ok() || attempt == kAttempts || !view_lost ||
        (code != StatusCode::kAborted && code != StatusCode::kUnavailable) ||
        (options.stop != nullptr && options.stop->load())) {
      return report;
    }
    const auto wait = std::chrono::seconds(1 << std::min(attempt, 4));
    spdlog::warn("copy: {}; resuming the copy in a new view of the source in {} s", 
                 report.status().message(), wait.count());
    std::this_thread::sleep_for(wait);
  }
}

}  // namespace cutover
