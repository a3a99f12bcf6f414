// Apply: reader -> lanes -> ChangeApplier, with checkpoints per lane.
#include "pipeline/apply.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/throttle_stats.h"
#include "log/change_reader.h"
#include "pipeline/bounded_queue.h"
#include "pipeline/rate_limiter.h"
#include "pipeline/router.h"
#include "pipeline/test_hooks.h"
#include "pipeline/touched_keys.h"

namespace cutover::pipeline {
namespace {

using Clock = std::chrono::steady_clock;

std::chrono::milliseconds Backoff(int attempt) {
  static thread_local std::mt19937 random(std::random_device{}());
  int64_t ceiling = std::min<int64_t>(int64_t{100} << std::min(attempt, 6), 5000);
  return std::chrono::milliseconds(
      std::uniform_int_distribution<int64_t>(ceiling / 4, ceiling)(random));
}

struct LaneItem {
  LoggedChange logged;
  int64_t time_ms = 0;
};

class Lane;

// Shared by the reader and the lanes.
struct ApplyShared {
  ApplyShared(const Spec& spec_in, const std::vector<TargetTablePlan>& plans_in,
              const ApplyOptions& options_in, ApplyStats* stats_in)
      : spec(spec_in),
        plans(plans_in),
        options(options_in),
        stats(stats_in),
        limiter(options_in.max_rows_per_second, &ProcessThrottleStats().apply_wait_us) {}
  const Spec& spec;
  const std::vector<TargetTablePlan>& plans;
  const ApplyOptions& options;
  ApplyStats* stats;
  RateLimiter limiter;
  // Every change below it has been queued to its lane (stored after the pushes).
  std::atomic<uint64_t> routed{0};
  std::atomic<bool> failed{false};
  std::mutex mutex;
  Status first_error;  // guarded by mutex

  bool Stopping() const {
    return failed.load() || (options.stop != nullptr && options.stop->load());
  }
  void Fail(Status status) {
    std::lock_guard lock(mutex);
    if (first_error.ok()) first_error = std::move(status);
    failed = true;
  }
};

class Lane {
 public:
  Lane(ApplyShared& shared, int index, std::unique_ptr<ChangeApplier> applier, uint64_t checkpoint)
      : shared_(shared),
        index_(index),
        applier_(std::move(applier)),
        queue_(shared.options.lane_queue),
        resume_from_(checkpoint),
        applied_(checkpoint) {}

  BoundedQueue<LaneItem>& queue() { return queue_; }
  uint64_t applied() const { return applied_.load(); }
  int64_t oldest_pending_ms() const { return oldest_pending_ms_.load(); }

  void Run() {
    std::vector<LoggedChange> batch;
    uint64_t pending = applied_.load();
    auto last_flush = Clock::now();
    while (!shared_.Stopping()) {
      uint64_t routed = shared_.routed.load();
      bool drained = true;
      std::optional<LaneItem> item = queue_.PopFor(std::chrono::milliseconds(50));
      while (item) {
        if (item->logged.offset >= resume_from_) {  // below: applied before the restart
          if (batch.empty()) oldest_pending_ms_ = item->time_ms;
          // Not offset + 1: a key-changing update is two items of one offset, and the second
          // may not be queued yet. Applying the first again after a restart is harmless.
          pending = std::max(pending, item->logged.offset);
          batch.push_back(std::move(item->logged));
        }
        if (batch.size() >= shared_.options.max_batch) {
          drained = false;
          break;
        }
        item = queue_.TryPop();
      }
      if (queue_.closed()) break;
      // Every item below `routed` was queued before `routed` was read, and the queue has been
      // emptied since: this lane holds every change of its own below it.
      if (drained) pending = std::max(pending, routed);
      bool idle_due = Clock::now() - last_flush >= shared_.options.idle_checkpoint;
      if (batch.empty() && !(pending > applied_.load() && idle_due)) continue;
      if (!Flush(batch, pending)) return;
      batch.clear();
      oldest_pending_ms_ = 0;
      last_flush = Clock::now();
    }
  }

 private:
  bool Flush(std::span<const LoggedChange> batch, uint64_t checkpoint) {
    shared_.limiter.Acquire(static_cast<int64_t>(batch.size()));
    if (!batch.empty()) TEST_PausePoint("apply_before");
    Status status =
        ApplyWithRetry(shared_.spec, shared_.plans, index_, shared_.options.lanes, &applier_, batch,
                       checkpoint, [this] { return shared_.Stopping(); });
    if (!status.ok()) {
      if (status.code() != StatusCode::kCancelled) shared_.Fail(status);
      return false;
    }
    if (!batch.empty()) TEST_PausePoint("apply_after");
    applied_ = checkpoint;
    shared_.stats->applied_changes.fetch_add(batch.size(), std::memory_order_relaxed);
    if (shared_.stats->touched != nullptr) shared_.stats->touched->Note(batch);
    return true;
  }

  ApplyShared& shared_;
  const int index_;
  std::unique_ptr<ChangeApplier> applier_;  // null after a failure, until reopened
  BoundedQueue<LaneItem> queue_;
  const uint64_t resume_from_;     // the checkpoint this run started from
  std::atomic<uint64_t> applied_;  // the checkpoint last recorded
  std::atomic<int64_t> oldest_pending_ms_{0};
};

}  // namespace

Status ApplyWithRetry(const Spec& spec, const std::vector<TargetTablePlan>& plans, int lane,
                      int lanes, std::unique_ptr<ChangeApplier>* applier,
                      std::span<const LoggedChange> batch, uint64_t checkpoint,
                      const std::function<bool()>& stopping) {
  for (int attempt = 0;; ++attempt) {
    Status status;
    if (*applier == nullptr) {
      Result<std::unique_ptr<ChangeApplier>> opened = OpenApplier(spec, plans, lane, lanes);
      if (opened.ok()) *applier = *std::move(opened);
      status = opened.status();
    }
    if (*applier != nullptr) status = (*applier)->Apply(batch, checkpoint);
    if (status.ok()) return status;
    if (status.retry() == Retry::kNeedsPerson) {
      return status.WithContext(fmt::format("applying changes (lane {})", lane));
    }
    if (attempt == 0 || attempt % 10 == 0) {
      spdlog::warn("lane {}: applying {} changes failed, retrying: {}", lane, batch.size(),
                   status.ToString());
    }
    applier->reset();
    if (stopping()) return Status::Cancelled("stopped while retrying");
    std::this_thread::sleep_for(Backoff(attempt));
  }
}

Status RunApply(const Spec& spec, std::shared_ptr<log::LocalLog> log,
                const std::vector<TargetTablePlan>& plans, const ApplyOptions& options,
                ApplyStats* stats) {
  int lanes = std::max(options.lanes, 1);
  ApplyOptions lane_options = options;
  lane_options.lanes = lanes;
  ApplyShared shared(spec, plans, lane_options, stats);

  // The lanes and where each resumes; the reader starts at the oldest.
  std::vector<std::unique_ptr<Lane>> lane_list;
  uint64_t start = UINT64_MAX;
  RoutingKeyFunction routing_key;  // empty: by (table, source key)
  if (options.from && *options.from < log->first_offset()) {
    return Status::FailedPrecondition(fmt::format(
        "the change log starts at offset {} now (older segments were removed once applied); "
        "set change_log.retention_size or retention_age to keep more for replay",
        log->first_offset()));
  }
  for (int index = 0; index < lanes; ++index) {
    CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<ChangeApplier> applier,
                             OpenApplier(spec, plans, index, lanes));
    if (index == 0) routing_key = applier->RoutingKey();
    CUTOVER_ASSIGN_OR_RETURN(std::optional<uint64_t> checkpoint, applier->LoadCheckpoint());
    uint64_t from =
        options.from ? *options.from : std::max(checkpoint.value_or(0), log->first_offset());
    start = std::min(start, from);
    lane_list.push_back(std::make_unique<Lane>(shared, index, std::move(applier), from));
  }
  shared.routed = start;
  stats->read_offset = start;
  stats->applied_offset = start;

  ChangeRouter router(plans, routing_key);
  std::vector<RoutedChange> routed;

  std::vector<std::thread> threads;
  for (auto& lane : lane_list) threads.emplace_back([&lane] { lane->Run(); });

  auto update_stats = [&] {
    uint64_t applied = UINT64_MAX;
    int64_t oldest = 0;
    for (const auto& lane : lane_list) {
      applied = std::min(applied, lane->applied());
      int64_t pending = lane->oldest_pending_ms();
      if (pending != 0 && (oldest == 0 || pending < oldest)) oldest = pending;
    }
    stats->applied_offset = applied;
    stats->oldest_pending_ms = oldest;
  };

  Status status = [&]() -> Status {
    CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<log::ChangeReader> reader,
                             log::ChangeReader::Open(log, start));
    Change change;
    auto last_stats = Clock::now();
    while (!shared.Stopping()) {
      if (Clock::now() - last_stats > std::chrono::milliseconds(200)) {
        update_stats();
        last_stats = Clock::now();
      }
      if (options.until && reader->next_offset() >= *options.until) {
        // Replay: everything wanted is routed; done once every lane recorded it.
        shared.routed = std::max(shared.routed.load(), *options.until);
        update_stats();
        if (stats->applied_offset.load() >= *options.until) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        continue;
      }
      CUTOVER_ASSIGN_OR_RETURN(std::optional<log::ChangeRecord> record, reader->Next(&change));
      if (!record) {
        update_stats();
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        continue;
      }
      if (record->kind == log::RecordKind::kChange) {
        routed.clear();
        CUTOVER_RETURN_IF_ERROR(router.Route(change, &routed));
        bool pushed = true;
        for (RoutedChange& part : routed) {
          LaneItem item;
          item.time_ms = record->time_ms;
          item.logged.offset = record->offset;
          item.logged.change.table = change.table;
          item.logged.change.op = part.op;
          item.logged.change.before = std::move(part.before);
          item.logged.change.after = std::move(part.after);
          item.logged.change.position = record->position;
          item.logged.change.schema = std::move(part.schema);
          size_t lane = part.hash % static_cast<uint64_t>(lanes);
          if (!lane_list[lane]->queue().Push(std::move(item))) {
            pushed = false;
            break;
          }
        }
        if (!pushed) break;
      }
      shared.routed = reader->next_offset();
      stats->read_offset = reader->next_offset();
    }
    return Status::Ok();
  }();
  if (!status.ok()) shared.Fail(status);
  for (auto& lane : lane_list) lane->queue().Close();
  for (std::thread& thread : threads) thread.join();
  update_stats();
  std::lock_guard lock(shared.mutex);
  return shared.first_error;
}

}  // namespace cutover::pipeline
