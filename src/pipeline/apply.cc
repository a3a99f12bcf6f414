// Apply: consumer -> router -> lanes -> ChangeApplier, with checkpoints per lane and progress
// per partition.
#include "pipeline/apply.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/throttle_stats.h"
#include "ddl/ddl_statement.h"
#include "pipeline/bounded_queue.h"
#include "pipeline/clock.h"
#include "pipeline/copy_plan.h"
#include "pipeline/followed_shapes.h"
#include "pipeline/rate_limiter.h"
#include "pipeline/router.h"
#include "pipeline/test_hooks.h"
#include "pipeline/throttler.h"
#include "pipeline/touched_keys.h"
#include "state/table_ddl.h"

namespace cutover::pipeline {
namespace {

using Clock = std::chrono::steady_clock;

// How often the reader commits the partitions' progress and refreshes the counters.
constexpr std::chrono::milliseconds kProgressEvery{100};
constexpr std::chrono::seconds kRepeatWarningEvery{10};  // the same failure said again
// While the reader is far behind the log's durable end (a backlog), a lane whose queue runs dry
// waits for more up to this long before applying a batch that is not full: each batch is one
// target transaction, so a backlog then goes in a few large ones rather than many small ones.
constexpr std::chrono::milliseconds kFillBatchFor{250};
constexpr std::chrono::milliseconds kFillPause{2};

std::chrono::milliseconds Backoff(int attempt) {
  static thread_local std::mt19937 random(std::random_device{}());
  int64_t ceiling = std::min<int64_t>(int64_t{100} << std::min(attempt, 6), 5000);
  return std::chrono::milliseconds(
      std::uniform_int_distribution<int64_t>(ceiling / 4, ceiling)(random));
}

struct LaneItem {
  LoggedChange logged;
  int64_t time_ms = 0;
  // A resumed table's change below the lane's checkpoint (docs/ddl.md): applied all the same.
  bool catch_up = false;
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
  // The reader is at least a full batch behind the partition's durable end (a backlog): lanes
  // fill their batches (kFillBatchFor). Cleared as soon as the reader finds nothing to read.
  std::atomic<bool> behind{false};
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
        applied_(checkpoint),
        passed_(checkpoint) {}

  BoundedQueue<LaneItem>& queue() { return queue_; }
  // Every change of this lane below it is applied (and recorded by the target, where it keeps
  // a checkpoint) and every other change below it is another lane's: at least the checkpoint
  // last recorded, and up to what the reader had routed when the lane last ran dry, without
  // waiting for the idle checkpoint to record it. What the partition commits as progress.
  uint64_t passed() const { return passed_.load(); }
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
    uint64_t pending = applied_;
    auto last_flush = Clock::now();
    auto batch_began = last_flush;
    while (!shared_.Stopping()) {
      uint64_t routed = partition_.routed.load();
      bool drained = true;
      std::optional<LaneItem> item = queue_.PopFor(std::chrono::milliseconds(50));
      while (item) {
        // Below the checkpoint: applied before the restart (unless a resumed table's).
        if (item->logged.offset >= resume_from_ || item->catch_up) {
          if (batch.empty()) {
            oldest_pending_ms_ = item->time_ms;
            batch_began = Clock::now();
          }
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
      // Nothing of its own is waiting: everything below `pending` is applied already.
      if (drained && batch.empty() && pending > passed_.load()) passed_ = pending;
      if (queue_.closed() && batch.empty()) break;
      if (drained && !batch.empty() && partition_.behind.load() && !queue_.closed() &&
          !partition_.flush_now.load() && Clock::now() - batch_began < kFillBatchFor) {
        // More of the backlog is on its way: let it gather rather than being woken by each
        // change the reader queues (a futex call each).
        std::this_thread::sleep_for(kFillPause);
        continue;
      }
      bool idle_due = partition_.flush_now.load() ||
                      Clock::now() - last_flush >= shared_.options.idle_checkpoint;
      if (batch.empty() && !(pending > applied_ && idle_due)) continue;
      if (!Flush(batch, pending)) return;
      batch.clear();
      oldest_pending_ms_ = 0;
      last_flush = Clock::now();
    }
  }

  bool Flush(std::span<const LoggedChange> batch, uint64_t checkpoint) {
    if (Throttler* throttler = shared_.options.throttler; throttler != nullptr) {
      // Between batches: a held apply writes nothing more, and its batch waits whole.
      if (!batch.empty()) throttler->HoldApply();
      if (shared_.Stopping()) return false;
      throttler->PaceApply(static_cast<int64_t>(batch.size()));
    } else {
      shared_.limiter.Acquire(static_cast<int64_t>(batch.size()));
    }
    if (!batch.empty()) TEST_PausePoint("apply_before");
    Status status = ApplyWithRetry(shared_.appliers, index_, shared_.lanes, &applier_, batch,
                                   checkpoint, [this] { return shared_.Stopping(); });
    if (!status.ok()) {
      if (status.code() != StatusCode::kCancelled) shared_.Fail(status);
      return false;
    }
    if (!batch.empty()) TEST_PausePoint("apply_after");
    applied_ = checkpoint;
    if (checkpoint > passed_.load()) passed_ = checkpoint;
    shared_.stats->applied_changes.fetch_add(batch.size(), std::memory_order_relaxed);
    shared_.stats->applied_by_table.Note(batch);
    if (shared_.stats->touched != nullptr) shared_.stats->touched->Note(batch);
    return true;
  }

  ApplyShared& shared_;
  PartitionShared& partition_;
  const int index_;
  std::unique_ptr<ChangeApplier> applier_;  // null after a failure, until reopened
  BoundedQueue<LaneItem> queue_;
  const uint64_t resume_from_;     // the checkpoint this run started from
  uint64_t applied_;               // the checkpoint last recorded (the lane's thread only)
  std::atomic<uint64_t> passed_;   // passed(); written by the lane's thread only
  std::atomic<int64_t> oldest_pending_ms_{0};
};

// The partitions this process holds, their lanes and threads. Every method runs on the reader
// thread (the consumer calls the listener from Poll/Start/Close there).
class Engine : public log::PartitionListener, public TableChangeHandler {
 public:
  Engine(log::ChangeLog& log, const Appliers& appliers,
         const std::vector<TargetTablePlan>& plans, const ApplyOptions& options,
         ApplyStats* stats)
      : options_(options),
        stats_(stats),
        log_(log),
        plans_(plans),
        lanes_per_partition_(log.LanesPerPartition(options.lanes)),
        shared_(appliers, options, stats, log.partitions() * lanes_per_partition_) {}

  // After Run returned OK: whether it stopped for `cutover ddl resume` (run it again), and the
  // tables to copy again first.
  bool restart() const { return restart_; }
  const std::vector<TableId>& recopy() const { return recopy_; }

  ~Engine() override {
    for (auto& [index, partition] : partitions_) Stop(*partition);
  }

  Status Run() {
    CUTOVER_RETURN_IF_ERROR(LoadTables());
    if (restart_) return Status::Ok();  // a re-copy asked for before this start
    CUTOVER_RETURN_IF_ERROR(OpenRouter());
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
    uint64_t highest = 0;  // the latest lane checkpoint
    for (int sub = 0; sub < lanes_per_partition_; ++sub) {
      const int lane = index * lanes_per_partition_ + sub;
      std::unique_ptr<ChangeApplier> applier;
      std::optional<uint64_t> checkpoint;
      CUTOVER_RETURN_IF_ERROR(OpenLane(lane, &applier, &checkpoint));
      if (!from && checkpoint && !log_.shared_by_processes()) {
        CUTOVER_RETURN_IF_ERROR(CheckCheckpoint(index, lane, *checkpoint));
      }
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
      highest = std::max(highest, resume);
      partition->lanes.push_back(std::make_unique<Lane>(shared_, partition->shared, lane,
                                                        std::move(applier), resume));
    }
    // Resumed tables go on from where they were held (docs/ddl.md).
    uint64_t checkpoints = start;
    for (const auto& [table, offsets] : catch_up_) {
      auto held_from = offsets.find(index);
      if (held_from == offsets.end()) continue;
      // Its held changes up to the latest lane checkpoint are applied as a catch-up (a lane
      // skips what is below its own checkpoint otherwise), and it has caught up once its first
      // held change is applied: a held change that no lane has passed yet is read anyway.
      partition->catch_up_until =
          std::max({partition->catch_up_until, highest, held_from->second + 1});
      if (held_from->second >= start) continue;
      if (held_from->second < first) {
        return Status::FailedPrecondition(fmt::format(
            "{} partition {} starts at offset {} now, after the changes of {} held since offset "
            "{}; copy the table again: cutover ddl resume SPEC {} --recopy",
            log_.Describe(), index, first, table.ToString(), held_from->second,
            table.ToString()));
      }
      start = held_from->second;
    }
    if (start < checkpoints) partition->read_again_until = checkpoints;
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
    // Resumed tables: read from below the lanes' checkpoints up to here (0: nothing to catch
    // up, or caught up).
    uint64_t catch_up_until = 0;
    // Below it every lane has applied everything: read again only for the tables catching up.
    uint64_t read_again_until = 0;
  };

  // A lane reads only what the log holds durably, so its checkpoint is never past the log's
  // end: one that is comes from another change log (a migration of the same name before, whose
  // checkpoints a SQL target keeps in its own table, or a state_dir removed since). Resuming
  // there would skip everything this log holds; say so instead. Local logs only: a Kafka
  // consumer knows a partition's end only after its first fetch (it reads 0 when assigned).
  Status CheckCheckpoint(int index, int lane, uint64_t checkpoint) {
    CUTOVER_ASSIGN_OR_RETURN(uint64_t end, consumer_->DurableEnd(index));
    if (checkpoint <= end) return Status::Ok();
    return Status::FailedPrecondition(fmt::format(
        "apply lane {}: the target records this migration's lane as applied up to change log "
        "offset {}, but {} partition {} ends at offset {}: that checkpoint was written from "
        "another change log (an earlier migration of the same name, or a state_dir removed "
        "since); remove the migration's rows from the target's checkpoint table "
        "(cutover_checkpoints, docs/run.md) or name this migration differently",
        lane, checkpoint, log_.Describe(), index, end));
  }

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

  // Every change below it is applied: what the partition commits (a lane resumes from the
  // later of its checkpoint and this, OnAssigned), what a fence and a replay wait for.
  static uint64_t Applied(const Partition& partition) {
    uint64_t applied = UINT64_MAX;
    for (const auto& lane : partition.lanes) applied = std::min(applied, lane->passed());
    return applied;
  }

  Status CommitProgress(Partition& partition) {
    uint64_t applied = Applied(partition);
    // A held table's changes are not applied: the log keeps them (retention follows this
    // progress) until `cutover ddl resume` applies them or the table is copied again.
    for (const auto& [table, record] : records_) {
      if (!record.held) continue;
      auto held_from = record.offsets.find(partition.index);
      if (held_from != record.offsets.end()) applied = std::min(applied, held_from->second);
    }
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

  // A progress commit that failed (tried again at the next one): said once, then again only
  // every kRepeatWarningEvery while it keeps failing the same way (a full disk).
  void WarnProgress(const Status& failed) {
    std::string text = failed.ToString();
    Clock::time_point now = Clock::now();
    if (text == last_progress_warning_ && now - last_progress_warning_at_ < kRepeatWarningEvery) {
      return;
    }
    spdlog::warn("apply: {} (tried again until it succeeds)", text);
    last_progress_warning_ = std::move(text);
    last_progress_warning_at_ = now;
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
      if (!committed.ok()) WarnProgress(committed);
      uint64_t partition_applied = Applied(*partition);
      Result<uint64_t> end = consumer_->DurableEnd(index);
      uint64_t partition_end = end.ok() ? std::max(*end, partition->next) : partition->next;
      read += partition->next;
      applied += partition_applied;
      durable += partition_end;
      if (partition_end > partition_applied) lag += partition_end - partition_applied;
      if (partition->next < partition_end) at_end = false;
      partition->shared.behind = partition_end - partition->next >= options_.max_batch;
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
    Status tables = TableProgress();
    if (!tables.ok()) spdlog::warn("apply: {}", tables.ToString());
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
    while (!shared_.Stopping() && !restart_) {
      if (Clock::now() - last_progress >= kProgressEvery) {
        Progress();
        last_progress = Clock::now();
        if (restart_) break;  // `cutover ddl resume`: Run returns, RunApply starts again
      }
      if (options_.until && ReplayDone()) break;
      CUTOVER_ASSIGN_OR_RETURN(std::optional<log::LogRecord> record,
                               consumer_->Poll(std::chrono::milliseconds(20)));
      if (!record) {
        for (auto& [index, partition] : partitions_) partition->shared.behind = false;
        continue;
      }
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
        current_ = &partition;
        current_offset_ = record->offset;
        const TableId& table = record->change.table;
        const bool catching_up = CatchingUp(table, partition, record->offset);
        if (record->change.op == ChangeOp::kDdl && PlanOf(table.ToString()) == nullptr) {
          CUTOVER_RETURN_IF_ERROR(MaybeNewTable(record->change));
          if (restart_) break;
        }
        if (router_->held(table)) {
          CUTOVER_RETURN_IF_ERROR(HeldInPartition(table, partition.index, record->offset));
        } else if (record->offset < partition.read_again_until && !catching_up) {
          // Below every lane's checkpoint, read again only for the tables catching up: the
          // others' changes here were routed by an earlier read (followed, or held and resumed
          // since). Routing them again would meet the change that held such a table again and
          // stop it again (two tables resumed out of order).
        } else {
          // The record's images are not needed after routing: their values move to the parts.
          CUTOVER_RETURN_IF_ERROR(router_->Route(std::move(record->change),
                                                 /*hash=*/lanes_per_partition_ > 1, &routed));
        }
        for (size_t index = 0; index < routed.size(); ++index) {
          RoutedChange& part = routed[index];
          size_t lane = part.hash % static_cast<uint64_t>(lanes_per_partition_);
          Lane& target = *partition.lanes[lane];
          if (record->offset < target.resume_from() && !catching_up) continue;
          LaneItem item;
          item.time_ms = record->time_ms;
          item.catch_up = catching_up;
          item.logged.offset = record->offset;
          item.logged.change = std::move(part.change);
          // The last part takes the record's position; the one before a copy.
          item.logged.change.position =
              index + 1 == routed.size() ? std::move(record->position) : record->position;
          item.logged.mapped = std::move(part.mapped);
          if (!target.queue().Push(std::move(item))) {
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

  // ---- schema changes (docs/ddl.md) ----

  // Reads the tables' records: held tables stay held; resumed ones catch up from where they
  // were held; a re-copy asked for makes Run return at once (restart()).
  Status LoadTables() {
    if (options_.state == nullptr) return Status::Ok();
    CUTOVER_ASSIGN_OR_RETURN(std::vector<state::TableDdl> records,
                             state::LoadTableDdl(*options_.state));
    for (state::TableDdl& record : records) {
      const TargetTablePlan* plan = PlanOf(record.table);
      if (plan == nullptr) continue;  // no longer selected
      const TableId table = plan->source;
      if (record.held) {
        if (record.resume == "resume") {
          catch_up_[table] = record.offsets;
          resumed_[table] = record.position;
        } else if (record.resume == "recopy") {
          if (!record.recopy_ready) {
            recopy_.push_back(table);
            restart_ = true;
          } else {
            resumed_[table] = record.position;
            // A new table made on the target whose rows are not all sent yet (the process
            // stopped meanwhile): send them again.
            if (record.is_new && options_.on_new_table) options_.on_new_table(table);
          }
        } else {
          held_.insert(table);
        }
      }
      records_[table] = std::move(record);
    }
    stats_->held_tables = static_cast<int>(held_.size());
    return Status::Ok();
  }

  const TargetTablePlan* PlanOf(std::string_view table) const {
    for (const TargetTablePlan& plan : plans_) {
      if (plan.source.ToString() == table) return &plan;
    }
    return nullptr;
  }

  Status OpenRouter() {
    RouterOptions router;
    router.mapper = shared_.appliers.mapper();
    router.map = true;
    router.handler = this;
    router.held = held_;
    router.resumed = resumed_;
    router.hold = options_.state != nullptr;  // a replay into another target goes on
    if (options_.state != nullptr) {
      CUTOVER_ASSIGN_OR_RETURN(auto followed, LoadFollowedShapes(*options_.state));
      for (auto& [table, shape] : followed) {
        router.followed[table] = {std::move(shape.shape), shape.since};
      }
    }
    for (const TargetTablePlan& plan : plans_) {
      if (options_.state != nullptr) {
        CUTOVER_ASSIGN_OR_RETURN(std::optional<std::string> as_of,
                                 options_.state->GetMeta(CopiedAsOfMetaKey(plan.source)));
        if (as_of) {
          CUTOVER_ASSIGN_OR_RETURN(router.copied_as_of[plan.source], Position::Decode(*as_of));
        }
      }
      for (int attempt = 0;; ++attempt) {
        Result<std::optional<std::vector<std::string>>> columns =
            shared_.appliers.TargetColumns(plan);
        if (columns.ok()) {
          if (*columns) {
            router.target_columns[plan.source] =
                std::set<std::string>((*columns)->begin(), (*columns)->end());
          } else {
            router.target_columns[plan.source] = std::nullopt;
          }
          break;
        }
        if (columns.status().retry() == Retry::kNeedsPerson || shared_.Stopping()) {
          return columns.status().WithContext(
              fmt::format("reading the columns of the target table of {}",
                          plan.source.ToString()));
        }
        std::this_thread::sleep_for(Backoff(attempt));
      }
    }
    router_ = std::make_unique<ChangeRouter>(plans_, std::move(router));
    return Status::Ok();
  }

  Status Save(const state::TableDdl& record) {
    if (options_.state == nullptr) return Status::Ok();
    return state::SaveTableDdl(*options_.state, record);
  }

  // Whether `table`'s change at `offset` of `partition` is a resumed table's below the lanes'
  // checkpoints (applied although the lanes passed it).
  bool CatchingUp(const TableId& table, const Partition& partition, uint64_t offset) const {
    if (offset >= partition.catch_up_until) return false;
    auto found = catch_up_.find(table);
    if (found == catch_up_.end()) return false;
    auto from = found->second.find(partition.index);
    return from != found->second.end() && offset >= from->second;
  }

  // A held table's change in a partition that has not recorded where its held changes start.
  Status HeldInPartition(const TableId& table, int partition, uint64_t offset) {
    state::TableDdl& record = records_[table];
    if (record.offsets.contains(partition)) return Status::Ok();
    record.offsets[partition] = offset;
    return Save(record);
  }

  // A statement that creates a table the spec selects, or renames one into it (capture logs
  // only such tables' statements; cutover's own tables aside): held as new, to be copied.
  Status MaybeNewTable(const Change& change) {
    if (change.table.name == kWatermarkTable || change.table.name == kFenceTable ||
        options_.state == nullptr || records_.contains(change.table)) {
      return Status::Ok();
    }
    Result<ddl::DdlStatement> parsed = ddl::ParseDdl(change.statement, change.table.schema);
    if (!parsed.ok()) return Status::Ok();
    bool created = parsed->kind == ddl::DdlKind::kCreateTable && !parsed->temporary;
    for (const TableId& to : parsed->renamed_to) created = created || to == change.table;
    if (!created) return Status::Ok();
    state::TableDdl& record = records_[change.table];
    record.table = change.table.ToString();
    record.held = true;
    record.reason = fmt::format("new table {}: being copied (it matches the spec's tables)",
                                record.table);
    record.statement = change.statement;
    record.position = change.position;
    record.held_at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    record.resume = "recopy";
    record.is_new = true;
    CUTOVER_RETURN_IF_ERROR(Save(record));
    spdlog::info("apply: {}", record.reason);
    recopy_.push_back(change.table);
    restart_ = true;
    return Status::Ok();
  }

  // Every kProgressEvery: resumed tables caught up; once a second, `cutover ddl resume`.
  Status TableProgress() {
    for (auto& [index, partition] : partitions_) {
      if (partition->catch_up_until == 0 || partition->next < partition->catch_up_until ||
          Applied(*partition) < partition->catch_up_until) {
        continue;
      }
      partition->catch_up_until = 0;
      for (auto& [table, offsets] : catch_up_) {
        if (offsets.erase(index) == 0) continue;
        state::TableDdl& record = records_[table];
        record.offsets.erase(index);
        if (offsets.empty()) {
          record.held = false;
          record.resume.clear();
          spdlog::info("apply: {} caught up with the changes held since {}", table.ToString(),
                       record.position.Encode());
        }
        CUTOVER_RETURN_IF_ERROR(Save(record));
      }
    }
    std::erase_if(catch_up_, [](const auto& entry) { return entry.second.empty(); });
    if (options_.state == nullptr || held_.empty()) return Status::Ok();
    if (Clock::now() - last_poll_ < std::chrono::seconds(1)) return Status::Ok();
    last_poll_ = Clock::now();
    for (const TableId& table : held_) {
      CUTOVER_ASSIGN_OR_RETURN(std::optional<state::TableDdl> stored,
                               state::LoadTableDdl(*options_.state, table.ToString()));
      if (!stored || !stored->held || stored->resume.empty()) continue;
      spdlog::info("apply: cutover ddl resume {}{}: reading the change log again", table.ToString(),
                   stored->resume == "recopy" ? " --recopy" : "");
      restart_ = true;
    }
    return Status::Ok();
  }

 public:
  // Returns once every change routed before now is applied (the lanes flush at once meanwhile).
  Status WaitForRouted() {
    for (auto& [index, partition] : partitions_) {
      partition->shared.flush_now = true;
      while (!shared_.Stopping() && Applied(*partition) < partition->shared.routed.load()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      partition->shared.flush_now = false;
    }
    if (shared_.Stopping()) return Status::Cancelled("stopped");
    return Status::Ok();
  }

  // TableChangeHandler
  Result<SchemaStepResult> Follow(const TargetTablePlan& plan, const SchemaStep& step,
                                  bool barrier) override {
    SchemaStep run = step;
    if (barrier && log_.partitions() > 1 && step.kind != SchemaStep::Kind::kTruncate) {
      barrier = false;  // the step does without (SchemaStep::after_earlier_changes stays false)
    }
    if (barrier) {
      if (log_.partitions() > 1) {
        SchemaStepResult refused;
        refused.refusal = fmt::format(
            "{} was truncated on the source; with a change log of {} partitions its earlier "
            "changes are not all applied at one point, so the truncate cannot be placed: copy "
            "the table again with cutover ddl resume SPEC {} --recopy",
            plan.source.ToString(), log_.partitions(), plan.source.ToString());
        return refused;
      }
      CUTOVER_RETURN_IF_ERROR(WaitForRouted());
      run.after_earlier_changes = true;
    }
    for (int attempt = 0;; ++attempt) {
      Result<SchemaStepResult> result = shared_.appliers.Follow(plan, run);
      if (result.ok()) {
        if (result->refusal.empty()) {
          spdlog::info("apply: {} follows the source: {}", plan.source.ToString(),
                       step.statement.empty() ? std::string("a new column") : step.statement);
        }
        return result;
      }
      if (result.status().retry() == Retry::kNeedsPerson || shared_.Stopping()) {
        return result.status().WithContext(
            fmt::format("following a schema change of {}", plan.source.ToString()));
      }
      spdlog::warn("apply: following a schema change of {} failed, retrying: {}",
                   plan.source.ToString(), result.status().ToString());
      std::this_thread::sleep_for(Backoff(attempt));
    }
  }

  Status Followed(const TableSchema& shape, const Position& since) override {
    if (options_.state == nullptr) return Status::Ok();
    return SaveFollowedShape(*options_.state, shape, since);
  }

  Status Drain() override {
    if (log_.partitions() > 1) {
      return Status::FailedPrecondition(fmt::format(
          "with a change log of {} partitions the changes before it are not all applied at one "
          "point",
          log_.partitions()));
    }
    return WaitForRouted();
  }

  Status Hold(const TableId& table, const std::string& reason, const Change& change) override {
    if (options_.state == nullptr) {
      spdlog::warn("replay: {} would stop here in `cutover run`: {}; replayed on as far as its "
                   "columns go", table.ToString(), reason);
      return Status::Ok();
    }
    spdlog::error("apply: {} stops: {}; the other tables go on (docs/ddl.md: cutover ddl resume)",
                  table.ToString(), reason);
    held_.insert(table);
    stats_->held_tables = static_cast<int>(held_.size());
    state::TableDdl& record = records_[table];
    record.table = table.ToString();
    record.held = true;
    record.reason = reason;
    record.statement = change.statement;
    record.position = change.position;
    record.held_at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    record.offsets.clear();
    record.resume.clear();
    record.recopy_ready = false;
    if (current_ != nullptr) record.offsets[current_->index] = current_offset_;
    return Save(record);
  }

  Status NotCarried(const TableId& table,
                    const std::map<std::string, std::string>& columns) override {
    state::TableDdl& record = records_[table];
    if (record.not_carried == columns) return Status::Ok();
    for (const auto& [column, why] : columns) {
      if (!record.not_carried.contains(column)) {
        spdlog::warn("apply: column {} of {} is not carried to the target: {}", column,
                     table.ToString(), why);
      }
    }
    record.table = table.ToString();
    record.not_carried = columns;
    return Save(record);
  }

 private:
  const ApplyOptions& options_;
  ApplyStats* stats_;
  log::ChangeLog& log_;
  const std::vector<TargetTablePlan>& plans_;
  const int lanes_per_partition_;
  ApplyShared shared_;
  std::unique_ptr<ChangeRouter> router_;  // reader thread only
  // Schema changes: every table's record, the held ones, the resumed ones (the position of the
  // change that held them) and those catching up (partition -> the first held offset).
  std::map<TableId, state::TableDdl> records_;
  std::set<TableId> held_;
  std::map<TableId, Position> resumed_;
  std::map<TableId, std::map<int, uint64_t>> catch_up_;
  bool restart_ = false;
  std::vector<TableId> recopy_;
  Clock::time_point last_poll_{};
  std::string last_progress_warning_;  // WarnProgress's last text, and when it was said
  Clock::time_point last_progress_warning_at_{};
  const Partition* current_ = nullptr;  // the record being routed
  uint64_t current_offset_ = 0;
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
  for (;;) {
    std::vector<TableId> recopy;
    {
      Engine engine(log, appliers, plans, options, stats);
      CUTOVER_RETURN_IF_ERROR(engine.Run());
      if (!engine.restart() || (options.stop != nullptr && options.stop->load())) {
        return Status::Ok();
      }
      recopy = engine.recopy();
    }
    // `cutover ddl resume --recopy`: the table's plan follows the source's schema now, its
    // target table is made anew, and the reader follows it from where it was held; the command
    // then sends the source's rows through the change log (docs/ddl.md).
    for (const TableId& table : recopy) {
      if (options.state == nullptr) continue;
      CUTOVER_ASSIGN_OR_RETURN(std::optional<state::TableDdl> record,
                               state::LoadTableDdl(*options.state, table.ToString()));
      if (!record) continue;
      SchemaStepResult made;
      Status replanned = options.replan ? options.replan(table) : Status::Ok();
      const TargetTablePlan* plan = nullptr;
      for (const TargetTablePlan& candidate : plans) {
        if (candidate.source == table) plan = &candidate;
      }
      if (!replanned.ok()) {
        made.refusal = std::string(replanned.message());  // e.g. not in the DynamoDB mapping
      } else if (plan == nullptr) {
        made.refusal = "the spec does not select it";
      } else {
        SchemaStep step;
        step.kind = SchemaStep::Kind::kRecreate;
        Result<SchemaStepResult> followed = appliers.Follow(*plan, step);
        if (followed.ok()) {
          made = *std::move(followed);
        } else {
          made.refusal = "making the target table anew failed: " + followed.status().ToString();
        }
      }
      if (!made.refusal.empty()) {
        // The table stays held, with why; the others go on.
        spdlog::error("apply: {} cannot be copied again: {}", table.ToString(), made.refusal);
        record->reason = made.refusal;
        record->resume.clear();
        CUTOVER_RETURN_IF_ERROR(state::SaveTableDdl(*options.state, *record));
        continue;
      }
      record->recopy_ready = true;
      CUTOVER_RETURN_IF_ERROR(state::SaveTableDdl(*options.state, *record));
      spdlog::info("apply: {} made anew on the target; the re-copy can start",
                   table.ToString());
      if (record->is_new && !options.on_new_table) {
        // Nobody here sends its rows (`cutover apply`): the person does.
        record->is_new = false;
        record->reason = fmt::format(
            "new table {} is on the target now; copy its rows with cutover ddl resume SPEC {} "
            "--recopy", table.ToString(), table.ToString());
      }
      CUTOVER_RETURN_IF_ERROR(state::SaveTableDdl(*options.state, *record));
      if (record->is_new) options.on_new_table(table);
    }
  }
}

}  // namespace cutover::pipeline
