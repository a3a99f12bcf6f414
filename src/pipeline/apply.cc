// Apply: consumer -> router -> lanes -> ChangeApplier, with checkpoints per lane and progress
// per partition.
#include "pipeline/apply.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/throttle_stats.h"
#include "pipeline/bounded_queue.h"
#include "pipeline/clock.h"
#include "pipeline/rate_limiter.h"
#include "pipeline/router.h"
#include "pipeline/test_hooks.h"
#include "pipeline/touched_keys.h"

namespace cutover::pipeline {
namespace {

using Clock = std::chrono::steady_clock;

// How often the reader commits the partitions' progress and refreshes the counters.
constexpr std::chrono::milliseconds kProgressEvery{100};

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

// Shared by the reader and the lanes.
struct ApplyShared {
  ApplyShared(const Appliers& appliers_in, const ApplyOptions& options_in, ApplyStats* stats_in,
              int lanes_in)
      : appliers(appliers_in),
        options(options_in),
        stats(stats_in),
        lanes(lanes_in),
        limiter(options_in.max_rows_per_second, &ProcessThrottleStats().apply_wait_us) {}
  const Appliers& appliers;
  const ApplyOptions& options;
  ApplyStats* stats;
  const int lanes;  // over every partition: the applier's lane count
  RateLimiter limiter;
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

// One partition's reading progress, shared with its lanes.
struct PartitionShared {
  // Every change below it has been queued to its lane (stored after the pushes).
  std::atomic<uint64_t> routed{0};
  // Set when the partition is revoked: lanes record what they hold now, not when idle.
  std::atomic<bool> flush_now{false};
};

class Lane {
 public:
  Lane(ApplyShared& shared, PartitionShared& partition, int index,
       std::unique_ptr<ChangeApplier> applier, uint64_t checkpoint)
      : shared_(shared),
        partition_(partition),
        index_(index),
        applier_(std::move(applier)),
        queue_(shared.options.lane_queue),
        resume_from_(checkpoint),
        applied_(checkpoint) {}

  BoundedQueue<LaneItem>& queue() { return queue_; }
  uint64_t applied() const { return applied_.load(); }
  uint64_t resume_from() const { return resume_from_; }
  int64_t oldest_pending_ms() const { return oldest_pending_ms_.load(); }

  void Run() {
    RunLoop();
    // A lane that ends (stopping, failed) refuses more: the reader never waits on its queue.
    queue_.Close();
  }

 private:
  void RunLoop() {
    std::vector<LoggedChange> batch;
    uint64_t pending = applied_.load();
    auto last_flush = Clock::now();
    while (!shared_.Stopping()) {
      uint64_t routed = partition_.routed.load();
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
      // Every item below `routed` was queued before `routed` was read, and the queue has been
      // emptied since: this lane holds every change of its own below it.
      if (drained) pending = std::max(pending, routed);
      if (queue_.closed() && batch.empty()) break;
      bool idle_due = partition_.flush_now.load() ||
                      Clock::now() - last_flush >= shared_.options.idle_checkpoint;
      if (batch.empty() && !(pending > applied_.load() && idle_due)) continue;
      if (!Flush(batch, pending)) return;
      batch.clear();
      oldest_pending_ms_ = 0;
      last_flush = Clock::now();
    }
  }

  bool Flush(std::span<const LoggedChange> batch, uint64_t checkpoint) {
    shared_.limiter.Acquire(static_cast<int64_t>(batch.size()));
    if (!batch.empty()) TEST_PausePoint("apply_before");
    Status status = ApplyWithRetry(shared_.appliers, index_, shared_.lanes, &applier_, batch,
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
  PartitionShared& partition_;
  const int index_;
  std::unique_ptr<ChangeApplier> applier_;  // null after a failure, until reopened
  BoundedQueue<LaneItem> queue_;
  const uint64_t resume_from_;     // the checkpoint this run started from
  std::atomic<uint64_t> applied_;  // the checkpoint last recorded
  std::atomic<int64_t> oldest_pending_ms_{0};
};

// The partitions this process holds, their lanes and threads. Every method runs on the reader
// thread (the consumer calls the listener from Poll/Start/Close there).
class Engine : public log::PartitionListener {
 public:
  Engine(log::ChangeLog& log, const Appliers& appliers,
         const std::vector<TargetTablePlan>& plans, const ApplyOptions& options,
         ApplyStats* stats)
      : options_(options),
        stats_(stats),
        log_(log),
        lanes_per_partition_(log.LanesPerPartition(options.lanes)),
        shared_(appliers, options, stats, log.partitions() * lanes_per_partition_),
        router_(plans, appliers.mapper(), /*map=*/true) {}

  ~Engine() override {
    for (auto& [index, partition] : partitions_) Stop(*partition);
  }

  Status Run() {
    CUTOVER_ASSIGN_OR_RETURN(firsts_, log_.FirstOffsets());
    log::ConsumerOptions consumer_options;
    consumer_options.group = options_.group;
    CUTOVER_ASSIGN_OR_RETURN(consumer_, log_.OpenConsumer(consumer_options));
    Status status = consumer_->Start(this);
    if (status.ok()) status = Loop();
    if (!status.ok()) shared_.Fail(status);
    Status closed = consumer_->Close();  // a last revoke records what was applied
    if (!closed.ok() && status.ok() && !shared_.Stopping()) shared_.Fail(closed);
    for (auto& [index, partition] : partitions_) Stop(*partition);
    partitions_.clear();
    std::lock_guard lock(shared_.mutex);
    return shared_.first_error;
  }

  Result<uint64_t> OnAssigned(int index, std::optional<uint64_t> committed) override {
    auto partition = std::make_unique<Partition>();
    partition->index = index;
    const auto at = static_cast<size_t>(index);
    uint64_t first = at < firsts_.size() ? firsts_[at] : 0;
    std::optional<uint64_t> from;
    if (options_.from) {
      from = at < options_.from->size() ? (*options_.from)[at] : 0;
      if (*from < first) {
        return Status::FailedPrecondition(fmt::format(
            "{} partition {} starts at offset {} now (older records were removed); set "
            "change_log.retention_size or retention_age to keep more for replay",
            log_.Describe(), index, first));
      }
    }
    uint64_t start = UINT64_MAX;
    for (int sub = 0; sub < lanes_per_partition_; ++sub) {
      const int lane = index * lanes_per_partition_ + sub;
      std::unique_ptr<ChangeApplier> applier;
      std::optional<uint64_t> checkpoint;
      CUTOVER_RETURN_IF_ERROR(OpenLane(lane, &applier, &checkpoint));
      uint64_t resume;
      if (from) {
        resume = *from;
      } else {
        // The later of the lane's own checkpoint (SQL targets: in the same transaction as the
        // rows) and the group's committed progress (appliers elsewhere recorded it after their
        // target acknowledged), never before what the log still holds.
        resume = std::max({checkpoint.value_or(0), committed.value_or(0), first});
      }
      start = std::min(start, resume);
      partition->lanes.push_back(std::make_unique<Lane>(shared_, partition->shared, lane,
                                                        std::move(applier), resume));
    }
    partition->shared.routed = start;
    partition->next = start;
    for (auto& lane : partition->lanes) {
      Lane* running = lane.get();
      partition->threads.emplace_back([running] { running->Run(); });
    }
    partitions_[index] = std::move(partition);
    return start;
  }

  // Applies what was read of the partition (unless stopping), commits it, stops its lanes.
  Status OnRevoked(int index) override {
    auto found = partitions_.find(index);
    if (found == partitions_.end()) return Status::Ok();
    Partition& partition = *found->second;
    partition.shared.flush_now = true;
    while (!shared_.Stopping() && Applied(partition) < partition.shared.routed.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    // A commit refused now (the group is rebalancing) only makes the next owner apply some
    // changes again: harmless for full images in order, so it is not an error.
    Status committed = CommitProgress(partition);
    if (!committed.ok()) {
      spdlog::warn("apply: partition {} handed over without its last progress: {}", index,
                   committed.ToString());
    }
    Stop(partition);
    partitions_.erase(found);
    return Status::Ok();
  }

 private:
  struct Partition {
    int index = 0;
    PartitionShared shared;
    std::vector<std::unique_ptr<Lane>> lanes;
    std::vector<std::thread> threads;
    uint64_t next = 0;                     // the offset after the last record read
    std::optional<uint64_t> committed;     // the progress last committed
  };

  Status OpenLane(int lane, std::unique_ptr<ChangeApplier>* applier,
                  std::optional<uint64_t>* checkpoint) {
    for (int attempt = 0;; ++attempt) {
      Result<std::unique_ptr<ChangeApplier>> opened = shared_.appliers.OpenLane(lane, shared_.lanes);
      Status status = opened.status();
      if (opened.ok()) {
        Result<std::optional<uint64_t>> stored = (*opened)->LoadCheckpoint();
        status = stored.status();
        if (stored.ok()) {
          *checkpoint = *stored;
          *applier = *std::move(opened);
          return Status::Ok();
        }
      }
      if (status.retry() == Retry::kNeedsPerson || shared_.Stopping()) {
        return status.WithContext(fmt::format("opening apply lane {}", lane));
      }
      if (attempt % 10 == 0) {
        spdlog::warn("apply lane {}: opening the applier failed, retrying: {}", lane,
                     status.ToString());
      }
      std::this_thread::sleep_for(Backoff(attempt));
    }
  }

  static uint64_t Applied(const Partition& partition) {
    uint64_t applied = UINT64_MAX;
    for (const auto& lane : partition.lanes) applied = std::min(applied, lane->applied());
    return applied;
  }

  Status CommitProgress(Partition& partition) {
    uint64_t applied = Applied(partition);
    if (partition.committed && *partition.committed >= applied) return Status::Ok();
    CUTOVER_RETURN_IF_ERROR(consumer_->Commit(partition.index, applied));
    partition.committed = applied;
    return Status::Ok();
  }

  void Stop(Partition& partition) {
    for (auto& lane : partition.lanes) lane->queue().Close();
    for (std::thread& thread : partition.threads) {
      if (thread.joinable()) thread.join();
    }
    partition.threads.clear();
  }

  // Every kProgressEvery: progress committed (a failed commit is tried again next time) and
  // the counters.
  void Progress() {
    uint64_t read = 0;
    uint64_t applied = 0;
    uint64_t durable = 0;
    uint64_t lag = 0;
    int64_t oldest = 0;
    bool at_end = true;
    for (auto& [index, partition] : partitions_) {
      Status committed = CommitProgress(*partition);
      if (!committed.ok()) spdlog::warn("apply: {}", committed.ToString());
      uint64_t partition_applied = Applied(*partition);
      Result<uint64_t> end = consumer_->DurableEnd(index);
      uint64_t partition_end = end.ok() ? std::max(*end, partition->next) : partition->next;
      read += partition->next;
      applied += partition_applied;
      durable += partition_end;
      if (partition_end > partition_applied) lag += partition_end - partition_applied;
      if (partition->next < partition_end) at_end = false;
      for (const auto& lane : partition->lanes) {
        int64_t pending = lane->oldest_pending_ms();
        if (pending != 0 && (oldest == 0 || pending < oldest)) oldest = pending;
      }
    }
    stats_->read_offset = read;
    stats_->applied_offset = applied;
    stats_->durable_offset = durable;
    stats_->lag_records = lag;
    stats_->oldest_pending_ms = oldest;
    stats_->at_end = at_end;
  }

  // Replay: whether every partition is read and applied up to its end.
  bool ReplayDone() {
    for (size_t index = 0; index < options_.until->size(); ++index) {
      auto found = partitions_.find(static_cast<int>(index));
      if (found == partitions_.end()) return false;
      Partition& partition = *found->second;
      uint64_t until = (*options_.until)[index];
      if (partition.next >= until) {
        partition.shared.routed = std::max(partition.shared.routed.load(), until);
      }
      if (Applied(partition) < until) return false;
    }
    return true;
  }

  Status Loop() {
    auto last_progress = Clock::now();
    std::vector<RoutedChange> routed;
    while (!shared_.Stopping()) {
      if (Clock::now() - last_progress >= kProgressEvery) {
        Progress();
        last_progress = Clock::now();
      }
      if (options_.until && ReplayDone()) break;
      CUTOVER_ASSIGN_OR_RETURN(std::optional<log::LogRecord> record,
                               consumer_->Poll(std::chrono::milliseconds(20)));
      if (!record) continue;
      auto found = partitions_.find(record->partition);
      if (found == partitions_.end()) continue;  // revoked meanwhile
      Partition& partition = *found->second;
      if (record->offset < partition.next) continue;  // seen before a reassignment
      if (options_.until && record->offset >= (*options_.until)[static_cast<size_t>(
                                                  record->partition)]) {
        continue;  // replay: beyond its end
      }
      if (!record->commit) {
        routed.clear();
        CUTOVER_RETURN_IF_ERROR(
            router_.Route(record->change, /*hash=*/lanes_per_partition_ > 1, &routed));
        for (RoutedChange& part : routed) {
          LaneItem item;
          item.time_ms = record->time_ms;
          item.logged.offset = record->offset;
          item.logged.change = std::move(part.change);
          item.logged.change.position = record->position;
          item.logged.mapped = std::move(part.mapped);
          size_t lane = part.hash % static_cast<uint64_t>(lanes_per_partition_);
          if (!partition.lanes[lane]->queue().Push(std::move(item))) {
            return Status::Ok();  // closed: stopping
          }
        }
      }
      partition.next = record->offset + 1;
      partition.shared.routed = partition.next;
    }
    Progress();
    return Status::Ok();
  }

  const ApplyOptions& options_;
  ApplyStats* stats_;
  log::ChangeLog& log_;
  const int lanes_per_partition_;
  ApplyShared shared_;
  ChangeRouter router_;  // reader thread only
  std::vector<uint64_t> firsts_;
  std::unique_ptr<log::LogConsumer> consumer_;
  std::map<int, std::unique_ptr<Partition>> partitions_;
};

}  // namespace

Status ApplyWithRetry(const Appliers& appliers, int lane, int lanes,
                      std::unique_ptr<ChangeApplier>* applier,
                      std::span<const LoggedChange> batch, uint64_t checkpoint,
                      const std::function<bool()>& stopping) {
  for (int attempt = 0;; ++attempt) {
    Status status;
    if (*applier == nullptr) {
      Result<std::unique_ptr<ChangeApplier>> opened = appliers.OpenLane(lane, lanes);
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

Status RunApply(log::ChangeLog& log, const Appliers& appliers,
                const std::vector<TargetTablePlan>& plans, const ApplyOptions& options,
                ApplyStats* stats) {
  Engine engine(log, appliers, plans, options, stats);
  return engine.Run();
}

}  // namespace cutover::pipeline
