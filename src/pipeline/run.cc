// RunMigration: capture thread + copy, then the apply pipeline, with a monitor thread that
// turns a stop request into a halt, moves the phase on and records status for `cutover status`.
#include "cutover/run.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cutover/copy.h"
#include "cutover/state_store.h"

#include "core/throttle_stats.h"
#include "log/kafka_log.h"
#include "log/local_log.h"
#include "pipeline/apply.h"
#include "pipeline/capture.h"
#include "pipeline/clock.h"
#include "pipeline/dir_lock.h"
#include "pipeline/fence_marks.h"
#include "pipeline/kafka_apply.h"
#include "pipeline/kafka_capture.h"
#include "pipeline/router.h"
#include "pipeline/state_options.h"
#include "pipeline/touched_keys.h"
#include "state/run_status.h"
#include "state/stop_request.h"

namespace cutover {
namespace {

using Clock = std::chrono::steady_clock;

// The lag under which the catch-up phase ends (docs/run.md).
constexpr std::chrono::milliseconds kCaughtUpLag{2000};

using pipeline::NowMs;

Status CheckRunnable(const Spec& spec) {
  if (spec.target.kind != TargetKind::kMariaDB && spec.target.kind != TargetKind::kMySQL &&
      spec.target.kind != TargetKind::kDynamoDB) {
    return Status::Unimplemented(fmt::format(
        "`cutover run` applies changes to MariaDB/MySQL and DynamoDB targets so far, not to {}; "
        "`cutover copy` does the full load into it",
        TargetKindName(spec.target.kind)));
  }
  for (size_t index = 0; index < spec.tables.size(); ++index) {
    if (!spec.tables[index].filter.empty()) {
      return Status::InvalidArgument(fmt::format(
          "tables[{}].filter: `cutover run` cannot filter the change stream yet; remove the "
          "filter, or use `cutover copy` for a one-time filtered load",
          index));
    }
  }
  return Status::Ok();
}

class Migration {
 public:
  Migration(const Spec& spec, const RunOptions& options) : spec_(spec), options_(options) {
    apply_stats_.touched = &touched_;
  }

  Status Run() {
    CUTOVER_RETURN_IF_ERROR(CheckRunnable(spec_));
    CUTOVER_ASSIGN_OR_RETURN(lock_, pipeline::DirLock::Acquire(spec_.state_dir));
    CUTOVER_ASSIGN_OR_RETURN(state_,
                             StateStore::Open(spec_.state_dir, pipeline::StateOptionsFor(spec_)));
    CUTOVER_RETURN_IF_ERROR(LoadTotals());
    // A stop request left from before this run (a finish that gave up) must not stop it.
    CUTOVER_RETURN_IF_ERROR(state::DeleteStopRequest(*state_));
    fences_ = std::make_unique<pipeline::FenceMarks>(state_.get());
    if (kafka_) {
      CUTOVER_ASSIGN_OR_RETURN(kafka_writer_, log::KafkaLogWriter::Open(spec_));
      monitor_ = std::thread([this] { Monitor(); });
      return Finish(CopyThenApply());
    }
    log::LocalLogOptions log_options;
    log_options.dir = spec_.state_dir / "log";
    log_options.segment_bytes = spec_.change_log.segment_bytes;
    log_options.sync_every = spec_.change_log.fsync_interval;
    // docs/spec.md: 0 keeps applied segments for no time and no size (removed once applied).
    log_options.retain_bytes = spec_.change_log.retention_bytes;
    log_options.retain_age = spec_.change_log.retention_age;
    CUTOVER_ASSIGN_OR_RETURN(log_, log::LocalLog::Open(log_options));
    monitor_ = std::thread([this] { Monitor(); });
    return Finish(CopyThenApply());
  }

 private:
  Status Finish(Status status) {
    if (!status.ok()) Fail(status);
    halt_ = true;
    capture_stop_ = true;
    if (capture_.joinable()) capture_.join();
    done_ = true;
    monitor_.join();
    WriteStatus();
    std::lock_guard lock(mutex_);
    if (drained_on_request_ && first_error_.ok()) return AnswerStopRequest();
    return first_error_;
  }

  Status CopyThenApply() {
    CopyOptions copy;
    copy.stop = &halt_;
    copy.progress = options_.progress;
    copy.on_start_position = [this](const Position& start) { return StartCapture(start); };
    Result<CopyReport> report = RunCopy(spec_, copy);
    if (!report.ok()) {
      if (report.status().code() == StatusCode::kCancelled && halt_) return Status::Ok();
      return report.status();
    }
    if (options_.progress != nullptr && !report->tables.empty()) {
      std::fputs(FormatCopySummary(*report).c_str(), options_.progress);
    }
    CUTOVER_ASSIGN_OR_RETURN(Phase phase, state_->GetPhase());
    // Finished (`cutover finish`) and run again: CDC continues where it stopped.
    if (phase == Phase::kCopy || phase == Phase::kFinished) {
      CUTOVER_RETURN_IF_ERROR(state_->SetPhase(Phase::kCatchUp));
    }
    CUTOVER_ASSIGN_OR_RETURN(std::vector<TargetTablePlan> plans, pipeline::ApplyPlans(spec_));
    pipeline::ApplyOptions apply;
    apply.lanes = spec_.parallelism.apply_lanes;
    apply.max_rows_per_second = spec_.throttle.apply_rows_per_second;
    apply.stop = &halt_;
    if (kafka_) {
      // Appliers in other processes (`cutover apply`) start once this marker is published.
      CUTOVER_RETURN_IF_ERROR(kafka_writer_->MarkCopyDone());
      applying_ = true;
      pipeline::KafkaApplyOptions kafka;
      kafka.apply = apply;
      return pipeline::RunKafkaApply(spec_, plans, kafka, &apply_stats_);
    }
    applying_ = true;
    return pipeline::RunApply(spec_, log_, plans, apply, &apply_stats_);
  }

  Status StartCapture(const Position& start) {
    if (capture_.joinable()) return Status::Ok();
    mysql::BinlogStreamOptions stream;
    stream.connection = spec_.source.connection;
    stream.server_id = spec_.source.server_id;
    stream.start = start;
    const Spec* spec = &spec_;
    // Repair watermarks (docs/verify.md) and fence markers (docs/cutover.md) travel in the
    // stream, in the selected tables' schemas.
    stream.table_filter = [spec](const TableId& id) {
      return SelectTable(*spec, id.schema, id.name) != nullptr || id.name == kWatermarkTable ||
             id.name == kFenceTable;
    };
    // Its own flag: a stop request stops capture first, and apply once it has applied the rest.
    stream.stop = &capture_stop_;
    // Capture makes the log durable (and so visible to the applier) at least at every
    // heartbeat: on a quiet source, the heartbeat bounds how late the last transaction shows.
    stream.heartbeat_period =
        std::max(spec_.change_log.fsync_interval, std::chrono::milliseconds(50));
    if (kafka_) {
      // Capture partitions by the appliers' lane hash, so it needs their plans and routing key.
      CUTOVER_ASSIGN_OR_RETURN(capture_plans_, pipeline::ApplyPlans(spec_));
      CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<ChangeApplier> first,
                               OpenApplier(spec_, capture_plans_, 0, kafka_writer_->partitions()));
      router_ = std::make_unique<pipeline::ChangeRouter>(capture_plans_, first->RoutingKey());
      capture_ = std::thread([this, stream = std::move(stream)]() mutable {
        Status status = pipeline::RunKafkaCapture(std::move(stream), *kafka_writer_, *router_,
                                                  *state_, &capture_stats_, fences_.get());
        if (!status.ok()) Fail(status.WithContext("capturing the binlog into Kafka"));
        capture_done_ = true;
      });
      return Status::Ok();
    }
    capture_ = std::thread([this, stream = std::move(stream)]() mutable {
      Status status = pipeline::RunCapture(std::move(stream), *log_, &capture_stats_, state_.get(),
                                           fences_.get());
      if (!status.ok()) Fail(status.WithContext("capturing the binlog"));
      capture_done_ = true;
    });
    return Status::Ok();
  }

  void Fail(const Status& status) {
    std::lock_guard lock(mutex_);
    if (first_error_.ok()) first_error_ = status;
    halt_ = true;
    capture_stop_ = true;
  }

  // Every 100 ms: passes a stop signal on, and records the fences apply passed. Every second:
  // phase and status record, and a stop request (state/stop_request.h). Every
  // status_interval while applying: a status line.
  void Monitor() {
    auto last_status = Clock::now();
    auto last_line = Clock::now();
    auto last_retain = Clock::now();
    uint64_t last_applied = 0;
    while (!done_) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (options_.stop != nullptr && options_.stop->load()) {
        halt_ = true;
        capture_stop_ = true;
      }
      if (applying_) PassFences();
      if (Clock::now() - last_status >= std::chrono::seconds(1)) {
        WriteStatus();
        if (applying_) CheckStopRequest();
        if (applying_) {
          Status flushed = touched_.Flush(*state_);
          if (!flushed.ok()) spdlog::warn("continuous verify keys: {}", flushed.ToString());
        }
        last_status = Clock::now();
      }
      if (applying_ && !kafka_ && Clock::now() - last_retain >= std::chrono::seconds(10)) {
        Result<int> removed = log_->Retain(apply_stats_.applied_offset.load(), NowMs());
        if (!removed.ok()) spdlog::warn("change log retention: {}", removed.status().ToString());
        last_retain = Clock::now();
      }
      if (applying_ && options_.progress != nullptr &&
          Clock::now() - last_line >= options_.status_interval) {
        double seconds = std::chrono::duration<double>(Clock::now() - last_line).count();
        uint64_t applied = apply_stats_.applied_changes.load();
        state::RunStatus status = CurrentStatus();
        std::fprintf(options_.progress,
                     "cdc: %s, lag %.1f s / %llu records, %.0f changes/s applied, %llu captured "
                     "transactions\n",
                     status.phase.c_str(), status.lag_seconds,
                     static_cast<unsigned long long>(status.lag_records),
                     static_cast<double>(applied - last_applied) / seconds,
                     static_cast<unsigned long long>(capture_stats_.transactions));
        std::fflush(options_.progress);
        last_applied = applied;
        last_line = Clock::now();
      }
    }
  }

  // Records the fences whose marker apply has passed: every change below the marker's log
  // offset is applied. Kafka: `cutover fence` compares the consumer group's committed offsets
  // with the end offsets capture recorded (appliers in other processes count too), so capture
  // keeps no mark here.
  void PassFences() {
    if (kafka_) return;
    uint64_t applied = apply_stats_.applied_offset.load();
    fences_->Pass([applied](const pipeline::FenceMark& mark) { return applied >= mark.log_offset; },
                  0);
  }

  // A stop request: stop capture, then, once capture has ended and everything it logged is
  // applied (two checks a second apart agree), stop apply; Finish answers the request.
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
    bool drained =
        kafka_ ? KafkaDrained() : apply_stats_.applied_offset.load() >= log_->next_offset();
    drained_checks_ = drained ? drained_checks_ + 1 : 0;
    if (drained_checks_ < 2) return;
    drained_on_request_ = true;
    halt_ = true;
  }

  // Kafka, once capture has ended (its last records acknowledged): whether the consumer group
  // has committed the log topic's end offset on every partition, so everything captured is
  // applied, also on partitions that `cutover apply` processes own (this process's own
  // consumer state shows only its partitions).
  bool KafkaDrained() {
    if (!group_progress_) {
      Result<std::unique_ptr<log::KafkaGroupProgress>> opened =
          log::KafkaGroupProgress::Open(spec_);
      if (!opened.ok()) {
        spdlog::warn("stop request: reading the appliers' progress: {}",
                     opened.status().ToString());
        return false;
      }
      group_progress_ = *std::move(opened);
    }
    Result<std::vector<int64_t>> ends = group_progress_->EndOffsets();
    Result<std::vector<int64_t>> committed =
        ends.ok() ? group_progress_->Committed() : Result<std::vector<int64_t>>(ends.status());
    if (!committed.ok()) {
      spdlog::warn("stop request: reading the appliers' progress: {}",
                   committed.status().ToString());
      return false;
    }
    for (size_t partition = 0; partition < ends->size(); ++partition) {
      if (std::max<int64_t>((*committed)[partition], 0) < (*ends)[partition]) return false;
    }
    return true;
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
    return Status::Ok();
  }

  // What every status record has, whatever the change log: event counts, and what throttling
  // cost since this process started (core/throttle_stats.h).
  void AddEventCounts(state::RunStatus& status) {
    status.captured_changes = capture_stats_.changes;
    status.captured_changes_total = captured_before_ + capture_stats_.changes;
    status.applied_changes_total = applied_before_ + apply_stats_.applied_changes.load();
    status.last_event_ms = capture_stats_.last_event_ms.load();
    const ThrottleStats& throttle = ProcessThrottleStats();
    status.throttle = {static_cast<double>(throttle.copy_wait_us.load()) / 1e6,
                       static_cast<double>(throttle.apply_wait_us.load()) / 1e6,
                       throttle.target_throttled.load()};
  }

  state::RunStatus CurrentStatus() {
    if (kafka_) {
      state::RunStatus status;
      status.phase = applying_ ? (caught_up_ ? "cdc" : "catch_up") : "copy";
      status.change_log = "kafka";
      status.lag_records = applying_ ? apply_stats_.lag_records.load() : 0;
      int64_t oldest = apply_stats_.oldest_pending_ms.load();
      status.lag_seconds = oldest > 0 ? static_cast<double>(NowMs() - oldest) / 1000.0 : 0.0;
      status.applied_changes = apply_stats_.applied_changes.load();
      status.captured_transactions = capture_stats_.transactions;
      status.updated_at_ms = NowMs();
      bool drained = apply_stats_.lag_records.load() == 0;
      status.applied_through_ms = AppliedThrough(oldest, drained);
      AddEventCounts(status);
      return status;
    }
    uint64_t durable = log_->durable_offset();
    uint64_t applied = apply_stats_.applied_offset.load();
    int64_t oldest = apply_stats_.oldest_pending_ms.load();
    state::RunStatus status;
    status.phase = applying_ ? (caught_up_ ? "cdc" : "catch_up") : "copy";
    status.log_durable_offset = durable;
    status.applied_offset = applying_ ? applied : 0;
    status.lag_records = applying_ && durable > applied ? durable - applied : 0;
    status.lag_seconds = oldest > 0 ? static_cast<double>(NowMs() - oldest) / 1000.0 : 0.0;
    status.applied_changes = apply_stats_.applied_changes.load();
    status.captured_transactions = capture_stats_.transactions;
    status.updated_at_ms = NowMs();
    status.applied_through_ms = AppliedThrough(oldest, apply_stats_.read_offset.load() >= durable);
    AddEventCounts(status);
    return status;
  }

  // A time before which every logged change is applied (`verify --repair` waits on it): the
  // log time of the oldest change not yet applied; now when the reader is at the log's end with
  // nothing pending; 0 (unknown) otherwise, and before apply starts.
  int64_t AppliedThrough(int64_t oldest_pending_ms, bool drained) const {
    if (!applying_) return 0;
    if (oldest_pending_ms > 0) return oldest_pending_ms;
    return drained ? NowMs() : 0;
  }

  void WriteStatus() {
    if (!log_ && !kafka_writer_) return;
    state::RunStatus status = CurrentStatus();
    // Caught up: the backlog of the copy is gone. Under a steady write load something is always
    // in flight, so it is enough that the oldest change not yet applied is recent
    // (kCaughtUpLag) and that the reader is at the end of the log (local log), or that the
    // consumer has fetched what is pending (Kafka: otherwise nothing pending says nothing).
    int64_t oldest = apply_stats_.oldest_pending_ms.load();
    bool recent = oldest == 0 || NowMs() - oldest < kCaughtUpLag.count();
    bool at_end = kafka_ ? (oldest != 0 || apply_stats_.lag_records.load() == 0)
                         : apply_stats_.read_offset.load() >= log_->durable_offset();
    if (applying_ && !caught_up_ && recent && at_end) {
      caught_up_ = true;
      Result<Phase> phase = state_->GetPhase();
      if (phase.ok() && *phase == Phase::kCatchUp) state_->SetPhase(Phase::kCdc).IgnoreError();
      status.phase = "cdc";
    }
    state::WriteRunStatus(*state_, status).IgnoreError();  // status is best effort
  }

  const Spec& spec_;
  const RunOptions options_;
  std::unique_ptr<pipeline::DirLock> lock_;
  std::unique_ptr<StateStore> state_;
  const bool kafka_ = spec_.change_log.kind == ChangeLogSpec::Kind::kKafka;
  std::shared_ptr<log::LocalLog> log_;
  std::unique_ptr<log::KafkaLogWriter> kafka_writer_;
  std::unique_ptr<log::KafkaGroupProgress> group_progress_;  // the monitor's, for a stop request
  std::vector<TargetTablePlan> capture_plans_;  // Kafka capture's router refers to them
  std::unique_ptr<pipeline::ChangeRouter> router_;
  std::thread capture_;
  std::thread monitor_;
  std::unique_ptr<pipeline::FenceMarks> fences_;  // from capture to the monitor
  pipeline::CaptureStats capture_stats_;
  pipeline::ApplyStats apply_stats_;
  pipeline::TouchedKeys touched_;  // for a continuous verify (apply_stats_.touched)
  std::atomic<bool> halt_{false};
  std::atomic<bool> capture_stop_{false};  // set with halt_, or alone by a stop request
  std::atomic<bool> capture_done_{false};  // the capture thread has ended
  // The monitor thread's stop request handling (state/stop_request.h).
  bool stop_requested_ = false;
  int drained_checks_ = 0;
  std::atomic<bool> drained_on_request_{false};
  uint64_t captured_before_ = 0;  // changes captured and applied by earlier runs
  uint64_t applied_before_ = 0;
  std::atomic<bool> done_{false};
  std::atomic<bool> applying_{false};
  std::atomic<bool> caught_up_{false};
  std::mutex mutex_;
  Status first_error_;  // guarded by mutex_
};

}  // namespace

Status RunMigration(const Spec& spec, const RunOptions& options) {
  Migration migration(spec, options);
  return migration.Run();
}

Status RunApplier(const Spec& spec, const RunOptions& options) {
  if (spec.change_log.kind != ChangeLogSpec::Kind::kKafka) {
    return Status::FailedPrecondition(
        "change_log.kind is local: `cutover run` applies the local change log itself; more "
        "appliers need change_log.kind: kafka");
  }
  CUTOVER_RETURN_IF_ERROR(CheckRunnable(spec));
  CUTOVER_ASSIGN_OR_RETURN(std::vector<TargetTablePlan> plans, pipeline::ApplyPlans(spec));
  pipeline::KafkaApplyOptions kafka;
  kafka.apply.max_rows_per_second = spec.throttle.apply_rows_per_second;
  kafka.apply.stop = options.stop;
  kafka.wait_for_copy = true;
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
                   oldest > 0 ? static_cast<double>(NowMs() - oldest) / 1000.0 : 0.0,
                   static_cast<unsigned long long>(stats.lag_records.load()),
                   static_cast<double>(applied - last_applied) / seconds);
      std::fflush(options.progress);
      last_applied = applied;
      last_line = Clock::now();
    }
  });
  Status status = pipeline::RunKafkaApply(spec, plans, kafka, &stats);
  done = true;
  monitor.join();
  return status;
}

Result<std::string> FormatStatus(const Spec& spec, bool json) {
  StateStoreOptions options;
  options.read_only = true;
  CUTOVER_ASSIGN_OR_RETURN(auto state, StateStore::Open(spec.state_dir, options));
  CUTOVER_ASSIGN_OR_RETURN(Phase phase, state->GetPhase());
  CUTOVER_ASSIGN_OR_RETURN(std::optional<Position> start,
                           state->GetPosition(pipeline::kStartPosition));
  CUTOVER_ASSIGN_OR_RETURN(std::vector<TableProgress> tables, state->ListTables());
  CUTOVER_ASSIGN_OR_RETURN(std::optional<state::RunStatus> run, state::ReadRunStatus(*state));
  nlohmann::json out;
  out["migration"] = spec.name;
  out["phase"] = std::string(PhaseName(phase));
  out["start_position"] = start ? start->Encode() : "";
  out["tables"] = nlohmann::json::array();
  for (const TableProgress& table : tables) {
    out["tables"].push_back({{"table", table.name},
                             {"state", std::string(TableStateName(table.state))},
                             {"rows_copied", table.rows_copied},
                             {"rows_estimate", table.rows_total_estimate}});
  }
  if (run) out["cdc"] = run->ToJson();
  if (json) return out.dump(2) + "\n";
  std::string text = fmt::format("migration {}: phase {}\nstart position (P0): {}\n", spec.name,
                                 PhaseName(phase), start ? start->Encode() : "not taken yet");
  for (const TableProgress& table : tables) {
    text += fmt::format("  {:<40} {:<16} {:>12} / ~{} rows\n", table.name,
                        TableStateName(table.state), table.rows_copied, table.rows_total_estimate);
  }
  if (run) {
    double age = static_cast<double>(NowMs() - run->updated_at_ms) / 1000.0;
    text += fmt::format(
        "cdc: {}, lag {:.1f} s / {} records, {} changes applied and {} transactions captured by "
        "the last run (status of {:.0f} s ago)\n",
        run->phase.empty() ? "?" : run->phase, run->lag_seconds, run->lag_records,
        run->applied_changes, run->captured_transactions, age);
  }
  return text;
}

}  // namespace cutover
