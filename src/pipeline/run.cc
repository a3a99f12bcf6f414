// RunMigration: a migration as a checklist of phases (start position, capture, copy, catch-up,
// CDC), over dependencies built once (state store, change log, applied tables, applier factory,
// change stream) and handed to each part; a monitor thread whose duties (stop signals, status
// record, stop requests, continuous-verify keys, retention, status lines) each have their own
// method and period. The same code runs whatever the change log; `cutover capture` is the run
// without its applier, `cutover apply` the applier alone (docs/run.md, docs/change-log.md).
#include "cutover/run.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cutover/copy.h"
#include "cutover/finish.h"
#include "cutover/source.h"
#include "cutover/state_store.h"
#include "cutover/target.h"

#include "core/throttle_stats.h"
#include "log/change_log.h"
#include "pipeline/apply.h"
#include "pipeline/capture.h"
#include "pipeline/clock.h"
#include "pipeline/dir_lock.h"
#include "pipeline/fence_marks.h"
#include "pipeline/followed_shapes.h"
#include "pipeline/live_control.h"
#include "pipeline/live_settings.h"
#include "pipeline/router.h"
#include "pipeline/startup_retry.h"
#include "pipeline/state_options.h"
#include "pipeline/touched_keys.h"
#include "state/live_controls.h"
#include "state/run_status.h"
#include "state/status_history.h"
#include "state/stop_request.h"
#include "state/table_ddl.h"

namespace cutover {
namespace {

using Clock = std::chrono::steady_clock;

// The lag under which the catch-up phase ends (docs/run.md).
constexpr std::chrono::milliseconds kCaughtUpLag{2000};

using pipeline::NowMs;

// The source's change stream (cutover/source.h).
ChangeStreamFactory ChangeStreams(Source& source) {
  return [&source](ChangeStreamOptions options) { return source.OpenChangeStream(options); };
}

// The phases of a run, in order; the monitor and status read it.
enum class RunPhase { kOpening, kCopy, kCatchUp, kCdc };

std::string_view RunPhaseName(RunPhase phase) {
  switch (phase) {
    case RunPhase::kOpening:
    case RunPhase::kCopy: return "copy";
    case RunPhase::kCatchUp: return "catch_up";
    case RunPhase::kCdc: return "cdc";
  }
  return "copy";
}

// Calls a duty at most once per period.
class Every {
 public:
  explicit Every(std::chrono::milliseconds period) : period_(period) {}
  bool Due() {
    if (Clock::now() - last_ < period_) return false;
    last_ = Clock::now();
    return true;
  }

 private:
  std::chrono::milliseconds period_;
  Clock::time_point last_ = Clock::now();
};

class Migration {
 public:
  // `apply`: apply in this process (`cutover run`); false: capture only (`cutover capture`,
  // with `cutover apply` processes applying).
  Migration(const Spec& spec, const RunOptions& options, bool apply)
      : spec_(spec), options_(options), apply_(apply) {
    apply_stats_.touched = &touched_;
  }

  Status Run() {
    CUTOVER_RETURN_IF_ERROR(Open());
    monitor_ = std::thread([this] { Monitor(); });
    retention_thread_ = std::thread([this] { WatchRetention(); });
    return Finish(Phases());
  }

  // The copy's chunks began (or it had finished): an error from now on is not startup's.
  bool past_startup() const { return past_startup_; }

 private:
  // Everything the parts need, built once.
  Status Open() {
    // First, and without connecting: a source engine that cannot be migrated yet is refused
    // before anything is created.
    CUTOVER_ASSIGN_OR_RETURN(source_, OpenSource(spec_));
    CUTOVER_ASSIGN_OR_RETURN(target_, OpenTarget(spec_));
    CUTOVER_ASSIGN_OR_RETURN(lock_, pipeline::DirLock::Acquire(spec_.state_dir));
    CUTOVER_ASSIGN_OR_RETURN(state_,
                             StateStore::Open(spec_.state_dir, pipeline::StateOptionsFor(spec_)));
    CUTOVER_ASSIGN_OR_RETURN(Phase phase, state_->GetPhase());
    if (phase == Phase::kFinished) CUTOVER_RETURN_IF_ERROR(ContinueAfterFinish(spec_));
    // Pauses, the hand throttle, live settings and the load probes (docs/operations.md).
    live_ = std::make_unique<pipeline::LiveControl>(spec_, state_.get(), &halt_);
    live_->Start();
    CUTOVER_RETURN_IF_ERROR(LoadTotals());
    history_.Load(*state_);
    // A stop request left from before this run (a finish that gave up) must not stop it.
    CUTOVER_RETURN_IF_ERROR(state::DeleteStopRequest(*state_));
    CUTOVER_RETURN_IF_ERROR(state_->DeleteMeta(state::kFinishDrainedKey));
    CUTOVER_RETURN_IF_ERROR(state_->DeleteMeta(state::kFinishRemovedKey));
    fences_ = std::make_unique<pipeline::FenceMarks>(state_.get());
    log::OpenLogOptions log_options;
    log_options.state = state_.get();
    CUTOVER_ASSIGN_OR_RETURN(log_, log::OpenChangeLog(spec_, log_options));
    if (!apply_ && !log_->shared_by_processes()) {
      return Status::FailedPrecondition(fmt::format(
          "change_log.kind is {}: only this process can apply it, so capture alone would apply "
          "nothing; use `cutover run`, or change_log.kind: kafka for capture and appliers in "
          "separate processes",
          log_->kind()));
    }
    CUTOVER_ASSIGN_OR_RETURN(std::vector<SourceTable> tables, source_->LoadSelectedTables());
    CUTOVER_ASSIGN_OR_RETURN(plans_, target_->Plans(tables));
    CUTOVER_RETURN_IF_ERROR(pipeline::RecordFirstShapes(*state_, plans_));
    // Also for capture alone: a partitioned log is routed by the appliers' mapper.
    CUTOVER_ASSIGN_OR_RETURN(appliers_, target_->OpenAppliers(plans_, state_.get()));
    return Status::Ok();
  }

  // The checklist. The copy takes (or reads back) the start position P0 and starts capture
  // from it before reading a row; then the log says the copy is done, and apply follows it
  // from the lanes' checkpoints: catch-up until the lag is small, then CDC.
  Status Phases() {
    phase_ = RunPhase::kCopy;
    CUTOVER_ASSIGN_OR_RETURN(bool copied, Copy());
    if (!copied) return Status::Ok();  // stopped during the copy
    CUTOVER_RETURN_IF_ERROR(EnterCatchUp());
    if (!apply_) return CaptureOnly();
    return pipeline::RunApply(*log_, *appliers_, plans_, ApplyOptions(), &apply_stats_);
  }

  // Phase copy: false when stopped before it finished.
  Result<bool> Copy() {
    CopyOptions copy;
    copy.stop = &halt_;
    copy.progress = options_.progress;
    copy.source = source_.get();
    copy.target = target_.get();
    copy.state = state_.get();
    copy.on_start_position = [this](const Position& start) { return StartCapture(start); };
    copy.on_chunks_start = [this] { past_startup_ = true; };
    copy.hold = [this] { live_->throttler().HoldCopy(); };
    copy.pace = [this](int64_t rows) { live_->throttler().PaceCopy(rows); };
    Result<CopyReport> report = RunCopy(spec_, copy);
    if (!report.ok()) {
      if (report.status().code() == StatusCode::kCancelled && halt_) return false;
      return report.status();
    }
    past_startup_ = true;
    if (options_.progress != nullptr && !report->tables.empty()) {
      std::fputs(FormatCopySummary(*report).c_str(), options_.progress);
    }
    return true;
  }

  Status EnterCatchUp() {
    CUTOVER_ASSIGN_OR_RETURN(Phase phase, state_->GetPhase());
    // Finished (`cutover finish`) and run again: CDC continues where it stopped.
    if (phase == Phase::kCopy || phase == Phase::kFinished) {
      CUTOVER_RETURN_IF_ERROR(state_->SetPhase(Phase::kCatchUp));
    }
    // Appliers in other processes (`cutover apply`) start once the log says so.
    if (!writer_) return Status::Internal("the copy ended without starting capture");
    CUTOVER_RETURN_IF_ERROR(writer_->MarkCopyDone());
    phase_ = RunPhase::kCatchUp;
    return Status::Ok();
  }

  // `cutover capture`: capture goes on until stopped; the appliers are other processes.
  Status CaptureOnly() {
    while (!halt_) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return Status::Ok();
  }

  pipeline::ApplyOptions ApplyOptions() {
    pipeline::ApplyOptions apply;
    apply.lanes = spec_.parallelism.apply_lanes;
    apply.max_rows_per_second = spec_.throttle.apply_rows_per_second;
    apply.throttler = &live_->throttler();
    apply.stop = &halt_;
    apply.state = state_.get();
    apply.replan = [this](const TableId& table) { return Replan(table); };
    if (options_.on_new_table) {
      apply.on_new_table = [this](const TableId& table) {
        options_.on_new_table(table.ToString());
      };
    }
    return apply;
  }

  // `cutover ddl resume --recopy` (docs/ddl.md): the table's plan made again from the source's
  // current schema, in place (the appliers and the router hold pointers into plans_).
  Status Replan(const TableId& table) {
    CUTOVER_ASSIGN_OR_RETURN(std::vector<SourceTable> tables, source_->LoadSelectedTables());
    for (SourceTable& candidate : tables) {
      if (candidate.schema.id != table) continue;
      CUTOVER_ASSIGN_OR_RETURN(std::vector<TargetTablePlan> plans,
                               target_->Plans({std::move(candidate)}));
      for (TargetTablePlan& plan : plans_) {
        if (plan.source != table) continue;
        plan = std::move(plans.front());
        return Status::Ok();
      }
      // A new table: the appliers read plans_ when a lane opens, the router copies them, so
      // growing the vector between two runs of the reader is safe.
      plans_.push_back(std::move(plans.front()));
      return Status::Ok();
    }
    return Status::NotFound(fmt::format(
        "{} is no longer on the source (or no longer selected by the spec)", table.ToString()));
  }

  // Phase capture: from P0 (or where the log says it stopped) into the change log, on its own
  // thread, until a stop or a stop request.
  Status StartCapture(const Position& start) {
    if (capture_.joinable()) return Status::Ok();
    CUTOVER_ASSIGN_OR_RETURN(writer_, log_->OpenWriter());
    if (writer_->partitions() > 1) {
      // The log's partitions follow the appliers' lane hash (their mapper's routing key); the
      // changes are mapped by the appliers, once.
      router_ = std::make_unique<pipeline::ChangeRouter>(plans_, appliers_->mapper(),
                                                         /*map=*/false);
    }
    pipeline::CaptureOptions capture;
    capture.start = start;
    const Spec* spec = &spec_;
    // Repair watermarks (docs/verify.md) and fence markers (docs/cutover.md) travel in the
    // stream, in the selected tables' schemas.
    capture.stream.table_filter = [spec](const TableId& id) {
      return SelectTable(*spec, id.schema, id.name) != nullptr || id.name == kWatermarkTable ||
             id.name == kFenceTable;
    };
    // A PostgreSQL source's first Relation of a table is compared with the plan's shape (taken
    // now: a re-copy replans plans_ in place while capture runs).
    // The shape the appliers last followed where one is recorded (FollowedShapes).
    auto shapes = std::make_shared<std::map<TableId, std::shared_ptr<const TableSchema>>>();
    CUTOVER_ASSIGN_OR_RETURN(auto followed, pipeline::LoadFollowedShapes(*state_));
    for (auto& [table, shape] : followed) shapes->emplace(table, std::move(shape.shape));
    for (const TargetTablePlan& plan : plans_) {
      shapes->emplace(plan.source, std::make_shared<const TableSchema>(plan.schema));
    }
    capture.stream.shape_before = [shapes](const TableId& id) {
      auto found = shapes->find(id);
      return found != shapes->end() ? found->second : std::shared_ptr<const TableSchema>();
    };
    // Its own flag: a stop request stops capture first, and apply once it has applied the rest.
    capture.stream.stop = &capture_stop_;
    // Capture makes the log durable (and so visible to the appliers) at least at every
    // heartbeat: on a quiet source, the heartbeat bounds how late the last transaction shows.
    capture.stream.heartbeat_period =
        std::max(spec_.change_log.fsync_interval, std::chrono::milliseconds(50));
    capture.sync_every = capture.stream.heartbeat_period;
    capture.state = state_.get();
    capture.fences = fences_.get();
    capture.router = router_.get();
    capture_ = std::thread([this, capture = std::move(capture)]() mutable {
      Status status =
          pipeline::RunCapture(ChangeStreams(*source_), *writer_, std::move(capture), &capture_stats_);
      if (!status.ok()) Fail(status.WithContext("capturing the source's changes"));
      capture_done_ = true;
    });
    return Status::Ok();
  }

  Status Finish(Status status) {
    if (!status.ok()) Fail(status);
    halt_ = true;
    capture_stop_ = true;
    if (capture_.joinable()) capture_.join();
    if (live_) live_->Stop();
    done_ = true;
    monitor_.join();
    retention_thread_.join();
    WriteStatus();
    std::lock_guard lock(mutex_);
    if (drained_on_request_ && first_error_.ok()) return AnswerStopRequest();
    return first_error_;
  }

  void Fail(const Status& status) {
    std::lock_guard lock(mutex_);
    if (first_error_.ok()) first_error_ = status;
    halt_ = true;
    capture_stop_ = true;
  }

  bool Applying() const { return phase_ == RunPhase::kCatchUp || phase_ == RunPhase::kCdc; }

  // The monitor thread: each duty on its own period.
  void Monitor() {
    Every status(std::chrono::seconds(1));
    Every retention(std::chrono::seconds(10));
    Every line(options_.status_interval);
    while (!done_) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      PassStopSignal();
      if (status.Due()) {
        WriteStatus();
        if (Applying()) CheckStopRequest();
        if (Applying()) FlushTouchedKeys();
      }
      if (Applying() && retention.Due()) Retain();
      if (Applying() && line.Due()) PrintStatusLine();
    }
  }

  // What the source keeps back for the migration (a PostgreSQL slot's WAL), read every 10 s on a
  // thread of its own (a slow source must not delay the status record), into the status; a log
  // line each minute while it is past source.retained_wal_warn or about to be lost.
  void WatchRetention() {
    constexpr auto kEvery = std::chrono::seconds(10);
    constexpr auto kWarnEvery = std::chrono::seconds(60);
    auto next = Clock::now();
    auto warned = Clock::now() - kWarnEvery;
    while (!done_) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (Clock::now() < next) continue;
      next = Clock::now() + kEvery;
      Result<std::optional<SourceRetention>> read = source_->Retention();
      if (!read.ok()) {
        spdlog::warn("source retention: {}", read.status().ToString());
        continue;
      }
      if (!*read) continue;
      const SourceRetention& kept = **read;
      state::RunRetention retention{kept.what, kept.retained_bytes, kept.state, kept.headroom_bytes,
                                    false};
      const uint64_t limit = spec_.source.retained_wal_warn_bytes;
      const bool over = static_cast<uint64_t>(std::max<int64_t>(kept.retained_bytes, 0)) > limit;
      retention.warning = over || kept.state == "unreserved" || kept.state == "lost";
      if (retention.warning && Clock::now() - warned >= kWarnEvery) {
        warned = Clock::now();
        spdlog::warn(
            "source: the {} keeps {:.1f} MiB of WAL (source.retained_wal_warn {:.1f} MiB), "
            "wal_status {}{}: the source keeps it until the migration has read it; a slot that "
            "is lost means copying again (docs/postgres-source.md)",
            kept.what, static_cast<double>(kept.retained_bytes) / (1 << 20),
            static_cast<double>(limit) / (1 << 20), kept.state,
            kept.headroom_bytes ? fmt::format(", {:.1f} MiB before the source drops it",
                                              static_cast<double>(*kept.headroom_bytes) / (1 << 20))
                                : "");
      }
      std::lock_guard lock(mutex_);
      retention_ = std::move(retention);
    }
  }

  void PassStopSignal() {
    if (options_.stop != nullptr && options_.stop->load()) {
      halt_ = true;
      capture_stop_ = true;
    }
  }

  void FlushTouchedKeys() {
    Status flushed = touched_.Flush(*state_);
    if (!flushed.ok()) spdlog::warn("continuous verify keys: {}", flushed.ToString());
  }

  void Retain() {
    Result<int> removed = log_->Retain(NowMs());
    if (!removed.ok()) spdlog::warn("change log retention: {}", removed.status().ToString());
  }

  void PrintStatusLine() {
    if (options_.progress == nullptr) return;
    double seconds = std::chrono::duration<double>(Clock::now() - last_line_).count();
    uint64_t applied = apply_stats_.applied_changes.load();
    state::RunStatus status = CurrentStatus();
    std::fprintf(options_.progress,
                 "cdc: %s, lag %.1f s / %llu records, %.0f changes/s applied, %llu captured "
                 "transactions%s\n",
                 status.phase.c_str(), status.lag_seconds,
                 static_cast<unsigned long long>(status.lag_records),
                 static_cast<double>(applied - last_applied_) / seconds,
                 static_cast<unsigned long long>(capture_stats_.transactions.load()),
                 status.throttle.apply.held
                     ? (", apply held: " + status.throttle.apply.detail).c_str()
                     : "");
    std::fflush(options_.progress);
    last_applied_ = applied;
    last_line_ = Clock::now();
  }

  // A stop request: stop capture, then, once capture has ended and the appliers (in this
  // process or others) have committed the log's durable end on every partition (two checks a
  // second apart agree), stop apply; Finish answers the request.
  void CheckStopRequest() {
    if (!stop_requested_) {
      Result<std::optional<state::StopRequest>> request = state::ReadStopRequest(*state_);
      if (!request.ok()) spdlog::warn("stop request: {}", request.status().ToString());
      if (!request.ok() || !*request) return;
      stop_requested_ = true;
      capture_stop_ = true;
      if (options_.progress != nullptr) {
        std::fputs("stop requested (cutover finish): capture stopped; applying what it logged\n",
                   options_.progress);
        std::fflush(options_.progress);
      }
      return;
    }
    if (!capture_done_) return;
    drained_checks_ = Drained() ? drained_checks_ + 1 : 0;
    if (drained_checks_ < 2) return;
    drained_on_request_ = true;
    halt_ = true;
  }

  // Drained: the appliers have committed the log's durable end on every partition.
  bool Drained() {
    Result<LogBacklog> backlog = Backlog();
    if (!backlog.ok()) {
      spdlog::warn("stop request: reading the appliers' progress: {}",
                   backlog.status().ToString());
      return false;
    }
    return backlog->lag == 0;
  }

  // Adds "stopped_at_ms" to the stop request: `cutover finish` waits for it. A request that
  // cannot be decoded is answered all the same (finish reads only the answer).
  Status AnswerStopRequest() {
    Result<std::optional<state::StopRequest>> stored = state::ReadStopRequest(*state_);
    state::StopRequest request = stored.ok() && *stored ? **stored : state::StopRequest{};
    request.stopped_at_ms = NowMs();
    CUTOVER_RETURN_IF_ERROR(state::WriteStopRequest(*state_, request));
    if (options_.progress != nullptr) {
      std::fputs("cutover run: finished: everything captured is applied\n", options_.progress);
      std::fflush(options_.progress);
    }
    return Status::Ok();
  }

  // The counters of the runs before this one, from the last status record (one that cannot
  // be decoded counts as none: the totals are informative, the run must not fail on them).
  Status LoadTotals() {
    Result<std::optional<state::RunStatus>> last = state::ReadRunStatus(*state_);
    if (last.status().code() == StatusCode::kDataLoss) {
      spdlog::warn("counting changes from 0: {}", last.status().ToString());
      return Status::Ok();
    }
    CUTOVER_RETURN_IF_ERROR(last.status());
    if (!*last) return Status::Ok();
    captured_before_ = (*last)->captured_changes_total;
    applied_before_ = (*last)->applied_changes_total;
    applied_by_table_before_ = (*last)->applied_by_table;
    return Status::Ok();
  }

  // The log's durable ends against the appliers' committed progress, summed over partitions.
  struct LogBacklog {
    uint64_t durable = 0;
    uint64_t applied = 0;
    uint64_t lag = 0;  // records durable and not yet committed as applied
  };
  Result<LogBacklog> Backlog() {
    CUTOVER_ASSIGN_OR_RETURN(std::vector<uint64_t> ends, log_->DurableEnds());
    CUTOVER_ASSIGN_OR_RETURN(std::vector<std::optional<uint64_t>> committed, log_->Committed());
    LogBacklog backlog;
    for (size_t partition = 0; partition < ends.size(); ++partition) {
      uint64_t at = partition < committed.size() ? committed[partition].value_or(0) : 0;
      backlog.durable += ends[partition];
      backlog.applied += at;
      if (ends[partition] > at) backlog.lag += ends[partition] - at;
    }
    return backlog;
  }

  // The appliers' lag when they run in other processes (unknown in seconds here: the log time
  // of their oldest pending change is theirs).
  void LogLag(state::RunStatus& status) {
    Result<LogBacklog> backlog = Backlog();
    if (!backlog.ok()) return;
    status.log_durable_offset = backlog->durable;
    status.applied_offset = backlog->applied;
    status.lag_records = backlog->lag;
    status.lag_seconds = 0.0;
  }

  state::RunStatus CurrentStatus() {
    state::RunStatus status;
    const bool applying = Applying();
    status.phase = std::string(RunPhaseName(phase_));
    status.change_log = std::string(log_->kind());
    int64_t oldest = apply_stats_.oldest_pending_ms.load();
    if (apply_) {
      status.log_durable_offset = apply_stats_.durable_offset.load();
      status.applied_offset = applying ? apply_stats_.applied_offset.load() : 0;
      status.lag_records = applying ? apply_stats_.lag_records.load() : 0;
      status.lag_seconds = pipeline::LagSeconds(NowMs(), oldest);
    } else {
      LogLag(status);
    }
    status.applied_changes = apply_stats_.applied_changes.load();
    status.captured_transactions = capture_stats_.transactions.load();
    status.updated_at_ms = NowMs();
    const state::BootClock boot = state::BootClock::Now();
    status.updated_at_boot_ms = boot.ms;
    status.boot_id = boot.boot_id;
    status.applied_through_ms = AppliedThrough(oldest, apply_stats_.at_end.load());
    status.captured_changes = capture_stats_.changes.load();
    status.captured_changes_total = captured_before_ + capture_stats_.changes.load();
    status.applied_changes_total = applied_before_ + apply_stats_.applied_changes.load();
    status.last_event_ms = capture_stats_.last_event_ms.load();
    status.applied_by_table = applied_by_table_before_;
    for (const auto& [table, counts] : apply_stats_.applied_by_table.Snapshot()) {
      state::TableApplied& total = status.applied_by_table[table];
      total.inserts += counts.inserts;
      total.updates += counts.updates;
      total.deletes += counts.deletes;
    }
    // What throttling cost since this process started (core/throttle_stats.h).
    const ThrottleStats& throttle = ProcessThrottleStats();
    status.throttle.copy_wait_seconds = static_cast<double>(throttle.copy_wait_us.load()) / 1e6;
    status.throttle.apply_wait_seconds = static_cast<double>(throttle.apply_wait_us.load()) / 1e6;
    status.throttle.target_throttled = throttle.target_throttled.load();
    if (live_) live_->Report(status.throttle);
    std::lock_guard lock(mutex_);
    status.source_retention = retention_;
    return status;
  }

  // A time before which every logged change is applied (`verify` waits on it): the log time of
  // the oldest change not yet applied; now when the reader is at the log's end with nothing
  // pending; 0 (unknown) otherwise, before apply starts, and when the appliers are elsewhere.
  int64_t AppliedThrough(int64_t oldest_pending_ms, bool at_end) const {
    if (!Applying() || !apply_) return 0;
    if (oldest_pending_ms > 0) return oldest_pending_ms;
    return at_end ? NowMs() : 0;
  }

  void WriteStatus() {
    if (!log_) return;
    state::RunStatus status = CurrentStatus();
    // Caught up: the backlog of the copy is gone. Under a steady write load something is always
    // in flight, so it is enough that the oldest change not yet applied is recent
    // (kCaughtUpLag) and that the reader is at the end of the log.
    int64_t oldest = apply_stats_.oldest_pending_ms.load();
    bool recent = oldest == 0 || NowMs() - oldest < kCaughtUpLag.count();
    bool at_end = apply_ ? apply_stats_.at_end.load() : status.lag_records == 0;
    if (phase_ == RunPhase::kCatchUp && recent && at_end) {
      phase_ = RunPhase::kCdc;
      Result<Phase> phase = state_->GetPhase();
      if (phase.ok() && *phase == Phase::kCatchUp) state_->SetPhase(Phase::kCdc).IgnoreError();
      status.phase = "cdc";
    }
    // Status is best effort; with it, a sample for the web page's lag plot (docs/web.md).
    history_.Record(*state_, status, RowsCopied()).IgnoreError();
  }

  // The rows the full load has copied, summed over the tables (0 when it cannot be read).
  uint64_t RowsCopied() {
    Result<std::vector<TableProgress>> tables = state_->ListTables();
    uint64_t rows = 0;
    if (tables.ok()) {
      for (const TableProgress& table : *tables) rows += table.rows_copied;
    }
    return rows;
  }

  const Spec& spec_;
  const RunOptions options_;
  const bool apply_;
  // Built once (Open), handed to the parts.
  std::unique_ptr<pipeline::DirLock> lock_;
  std::unique_ptr<StateStore> state_;
  std::unique_ptr<log::ChangeLog> log_;
  std::unique_ptr<Source> source_;
  std::unique_ptr<Target> target_;
  std::vector<TargetTablePlan> plans_;
  std::unique_ptr<Appliers> appliers_;
  std::unique_ptr<log::LogWriter> writer_;
  std::unique_ptr<pipeline::ChangeRouter> router_;  // capture's, for a partitioned log
  std::unique_ptr<pipeline::FenceMarks> fences_;    // from capture to the state store
  std::thread capture_;
  std::thread monitor_;
  std::thread retention_thread_;
  pipeline::CaptureStats capture_stats_;
  pipeline::ApplyStats apply_stats_;
  pipeline::TouchedKeys touched_;  // for a continuous verify (apply_stats_.touched)
  std::atomic<RunPhase> phase_{RunPhase::kOpening};
  std::atomic<bool> past_startup_{false};
  std::atomic<bool> halt_{false};
  std::atomic<bool> capture_stop_{false};  // set with halt_, or alone by a stop request
  std::atomic<bool> capture_done_{false};  // the capture thread has ended
  // The monitor thread's stop request handling (state/stop_request.h).
  bool stop_requested_ = false;
  int drained_checks_ = 0;
  std::atomic<bool> drained_on_request_{false};
  uint64_t captured_before_ = 0;  // changes captured and applied by earlier runs
  uint64_t applied_before_ = 0;
  std::map<std::string, state::TableApplied> applied_by_table_before_;
  state::StatusHistory history_;                // the monitor thread's (WriteStatus)
  Clock::time_point last_line_ = Clock::now();  // the monitor's status line
  uint64_t last_applied_ = 0;
  std::atomic<bool> done_{false};
  std::mutex mutex_;
  Status first_error_;  // guarded by mutex_
  std::optional<state::RunRetention> retention_;  // guarded by mutex_
  // Controls and load probes; the holds. Last: its threads end before the members they use.
  std::unique_ptr<pipeline::LiveControl> live_;
};

// The migration, started again from scratch (as a supervisor would restart the process, which
// resumes from the state store) while its startup finds a server unreachable.
Status RunWithStartupRetry(const Spec& spec, const RunOptions& options, bool apply) {
  pipeline::StartupRetryPolicy policy;
  policy.budget = options.startup_retry;
  auto attempt = [&spec, &options, apply] {
    Migration migration(spec, options, apply);
    Status status = migration.Run();
    return pipeline::StartupAttempt{status, migration.past_startup()};
  };
  auto sleep = [&options](std::chrono::milliseconds wait) {
    const auto until = std::chrono::steady_clock::now() + wait;
    while (std::chrono::steady_clock::now() < until) {
      if (options.stop != nullptr && options.stop->load()) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return options.stop == nullptr || !options.stop->load();
  };
  return pipeline::RetryStartup(policy, apply ? "cutover run" : "cutover capture", attempt, sleep);
}

}  // namespace

Status RunMigration(const Spec& spec, const RunOptions& options) {
  return RunWithStartupRetry(spec, options, /*apply=*/true);
}

Status RunCaptureOnly(const Spec& spec, const RunOptions& options) {
  return RunWithStartupRetry(spec, options, /*apply=*/false);
}

Status RunApplier(const Spec& spec, const RunOptions& options) {
  CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<Source> source, OpenSource(spec));
  CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<Target> target, OpenTarget(spec));
  log::OpenLogOptions log_options;
  log_options.create = false;
  log_options.read_only = true;
  {
    // A local log is applied by the process that captures it.
    Result<std::unique_ptr<log::ChangeLog>> peek = log::OpenChangeLog(spec, log_options);
    if (peek.ok() && !(*peek)->shared_by_processes()) {
      return Status::FailedPrecondition(fmt::format(
          "change_log.kind is {}: `cutover run` applies it itself; more appliers need "
          "change_log.kind: kafka",
          (*peek)->kind()));
    }
  }
  // Waits for the log (its capture may start after this process) and for the end of the copy.
  log_options.read_only = false;
  std::unique_ptr<log::ChangeLog> log;
  auto last_note = Clock::now();
  while (options.stop == nullptr || !options.stop->load()) {
    Result<std::unique_ptr<log::ChangeLog>> opened = log::OpenChangeLog(spec, log_options);
    if (opened.ok()) {
      Result<bool> copied = (*opened)->CopyDone();
      if (!copied.ok()) return copied.status();
      if (*copied) {
        log = *std::move(opened);
        break;
      }
    } else if (opened.status().code() != StatusCode::kNotFound) {
      return opened.status();
    }
    if (Clock::now() - last_note > std::chrono::seconds(30)) {
      spdlog::info("waiting for the copy of migration {} to finish", spec.name);
      last_note = Clock::now();
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  if (!log) return Status::Ok();  // stopped while waiting
  CUTOVER_ASSIGN_OR_RETURN(std::vector<SourceTable> tables, source->LoadSelectedTables());
  CUTOVER_ASSIGN_OR_RETURN(std::vector<TargetTablePlan> plans, target->Plans(tables));
  CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<Appliers> appliers,
                           target->OpenAppliers(plans, /*state=*/nullptr));
  pipeline::ApplyOptions apply;
  apply.lanes = spec.parallelism.apply_lanes;
  apply.max_rows_per_second = spec.throttle.apply_rows_per_second;
  apply.stop = options.stop;
  // Held tables and columns not carried are recorded where `cutover status` reads them.
  CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<StateStore> state, StateStore::Open(spec.state_dir));
  apply.state = state.get();
  // The live controls (docs/operations.md): a pause, the hand throttle and the live apply rate
  // hold this applier as they hold `cutover run`'s.
  pipeline::LiveControl live(spec, state.get(), options.stop);
  live.Start();
  apply.throttler = &live.throttler();
  pipeline::ApplyStats stats;
  std::atomic<bool> done{false};
  std::thread monitor([&] {
    auto last_line = Clock::now();
    uint64_t last_applied = 0;
    while (!done) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (options.progress == nullptr || Clock::now() - last_line < options.status_interval) {
        continue;
      }
      double seconds = std::chrono::duration<double>(Clock::now() - last_line).count();
      uint64_t applied = stats.applied_changes.load();
      int64_t oldest = stats.oldest_pending_ms.load();
      std::fprintf(options.progress, "apply: lag %.1f s / %llu records, %.0f changes/s applied\n",
                   pipeline::LagSeconds(NowMs(), oldest),
                   static_cast<unsigned long long>(stats.lag_records.load()),
                   static_cast<double>(applied - last_applied) / seconds);
      std::fflush(options.progress);
      last_applied = applied;
      last_line = Clock::now();
    }
  });
  Status status = pipeline::RunApply(*log, *appliers, plans, apply, &stats);
  done = true;
  monitor.join();
  return status;
}

}  // namespace cutover
