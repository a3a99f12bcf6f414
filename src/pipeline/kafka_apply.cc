// KafkaApply: consumer group -> per-partition batches -> ChangeApplier, checkpointed per
// partition.
#include "pipeline/kafka_apply.h"

#include <map>
#include <memory>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

#include "core/throttle_stats.h"
#include "log/change_codec.h"
#include "log/kafka_log.h"
#include "pipeline/rate_limiter.h"
#include "pipeline/router.h"
#include "pipeline/test_hooks.h"
#include "pipeline/touched_keys.h"

namespace cutover::pipeline {
namespace {

using Clock = std::chrono::steady_clock;

// How long a partition's first pending change waits for more before its batch is applied.
constexpr std::chrono::milliseconds kBatchDelay{50};

class KafkaApplier {
 public:
  KafkaApplier(const Spec& spec, const std::vector<TargetTablePlan>& plans,
               const KafkaApplyOptions& options, ApplyStats* stats)
      : spec_(spec),
        plans_(plans),
        options_(options),
        stats_(stats),
        topic_(log::KafkaLogTopic(spec)),
        limiter_(options.apply.max_rows_per_second, &ProcessThrottleStats().apply_wait_us) {}

  ~KafkaApplier() {
    if (consumer_ != nullptr) rd_kafka_destroy(consumer_);
  }

  Status Run() {
    if (options_.wait_for_copy) CUTOVER_RETURN_IF_ERROR(WaitForCopy());
    if (Stopping()) return Status::Ok();
    CUTOVER_ASSIGN_OR_RETURN(
        control_, log::ReadKafkaControl(spec_.change_log.kafka, log::KafkaControlTopic(spec_)));
    CUTOVER_ASSIGN_OR_RETURN(
        rd_kafka_conf_t * conf,
        log::KafkaConfig(spec_.change_log.kafka,
                         {{"group.id", log::KafkaApplyGroup(spec_)},
                          {"client.id", "cutover-apply." + spec_.name},
                          {"enable.auto.commit", "false"},
                          {"enable.auto.offset.store", "false"},
                          {"auto.offset.reset", "earliest"},
                          // A crashed applier's partitions move to the others after 10 s.
                          {"session.timeout.ms", "10000"},
                          {"heartbeat.interval.ms", "1000"}}));
    rd_kafka_conf_set_rebalance_cb(conf, &KafkaApplier::OnRebalance);
    rd_kafka_conf_set_opaque(conf, this);
    char error[512];
    consumer_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, sizeof(error));
    if (consumer_ == nullptr) {
      rd_kafka_conf_destroy(conf);
      return Status::InvalidArgument(fmt::format("kafka: cannot create a consumer: {}", error));
    }
    rd_kafka_poll_set_consumer(consumer_);
    CUTOVER_ASSIGN_OR_RETURN(partitions_, log::KafkaPartitions(consumer_, topic_));
    // The target's routing key, from lane 0's applier (as the local reader does).
    {
      CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<ChangeApplier> first,
                               OpenApplier(spec_, plans_, 0, partitions_));
      router_ = std::make_unique<ChangeRouter>(plans_, first->RoutingKey());
    }
    rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, topic_.c_str(), RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t err = rd_kafka_subscribe(consumer_, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return Status::Unavailable(
          fmt::format("kafka: subscribing to {}: {}", topic_, rd_kafka_err2str(err)));
    }
    Status status = Loop();
    if (!status.ok()) Fail(status);
    rd_kafka_consumer_close(consumer_);  // a last revoke applies what is pending
    return first_error_;
  }

 private:
  struct Partition {
    std::unique_ptr<ChangeApplier> applier;
    std::vector<LoggedChange> batch;
    uint64_t next = 0;     // the offset after the last change read
    uint64_t applied = 0;  // every record below it is applied
    // The group's committed offset as last known here; CommitApplied brings it to `applied`.
    uint64_t committed = 0;
    int64_t oldest_ms = 0;
    Clock::time_point first_pending{};
  };

  bool Stopping() const {
    return !first_error_.ok() || (options_.apply.stop != nullptr && options_.apply.stop->load());
  }
  void Fail(const Status& status) {
    if (first_error_.ok()) first_error_ = status;
  }

  Status WaitForCopy() {
    auto last_note = Clock::now();
    while (!Stopping()) {
      CUTOVER_ASSIGN_OR_RETURN(
          log::KafkaControl control,
          log::ReadKafkaControl(spec_.change_log.kafka, log::KafkaControlTopic(spec_)));
      if (control.copy_done) return Status::Ok();
      if (Clock::now() - last_note > std::chrono::seconds(30)) {
        spdlog::info("waiting for the copy of migration {} to finish", spec_.name);
        last_note = Clock::now();
      }
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
    return Status::Ok();
  }

  Status Loop() {
    while (!Stopping()) {
      rd_kafka_message_t* message = rd_kafka_consumer_poll(consumer_, 20);
      if (message != nullptr) {
        std::unique_ptr<rd_kafka_message_t, void (*)(rd_kafka_message_t*)> held(
            message, rd_kafka_message_destroy);
        CUTOVER_RETURN_IF_ERROR(Take(*message));
      }
      if (!first_error_.ok()) break;
      size_t pending = 0;
      bool due = message == nullptr;
      for (auto& [index, partition] : assigned_) {
        pending += partition.batch.size();
        if (!partition.batch.empty() && Clock::now() - partition.first_pending >= kBatchDelay) {
          due = true;
        }
      }
      if (pending > 0 && (due || pending >= options_.apply.max_batch)) {
        CUTOVER_RETURN_IF_ERROR(FlushAll());
      } else if (pending == 0) {
        // Progress made without a batch (records that route to nothing, a checkpoint ahead of
        // the group's offset at assignment) is committed too: a fence waits for it.
        CommitApplied();
      }
      UpdateStats();
    }
    return Status::Ok();
  }

  // One consumed record into its partition's batch.
  Status Take(const rd_kafka_message_t& message) {
    if (message.err == RD_KAFKA_RESP_ERR__PARTITION_EOF) return Status::Ok();
    if (message.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (message.err == RD_KAFKA_RESP_ERR__FATAL) {
        return Status::FailedPrecondition(
            fmt::format("kafka consumer: {}", rd_kafka_message_errstr(&message)));
      }
      spdlog::warn("kafka consumer: {}", rd_kafka_message_errstr(&message));
      return Status::Ok();  // librdkafka recovers from the others by itself
    }
    auto found = assigned_.find(message.partition);
    if (found == assigned_.end()) return Status::Ok();  // revoked meanwhile
    Partition& partition = found->second;
    auto offset = static_cast<uint64_t>(message.offset);
    if (offset < partition.next) return Status::Ok();  // seen before a reassignment
    std::string_view value(static_cast<const char*>(message.payload), message.len);
    CUTOVER_ASSIGN_OR_RETURN(uint32_t shape_id, log::ChangeRecordShape(value));
    auto shape = control_.shapes.find(shape_id);
    if (shape == control_.shapes.end()) {
      // Published after this process read the control topic.
      CUTOVER_ASSIGN_OR_RETURN(
          control_, log::ReadKafkaControl(spec_.change_log.kafka, log::KafkaControlTopic(spec_)));
      shape = control_.shapes.find(shape_id);
      if (shape == control_.shapes.end()) {
        return Status::DataLoss(fmt::format(
            "kafka change log {} partition {} offset {} uses shape {}, which the control topic "
            "{} does not hold",
            topic_, message.partition, message.offset, shape_id, log::KafkaControlTopic(spec_)));
      }
    }
    CUTOVER_RETURN_IF_ERROR(log::DecodeChangeRecord(value, shape->second, &change_));
    routed_.clear();
    CUTOVER_RETURN_IF_ERROR(router_->Route(change_, &routed_));
    int64_t time_ms = rd_kafka_message_timestamp(&message, nullptr);
    for (RoutedChange& part : routed_) {
      if (partition.batch.empty()) {
        partition.first_pending = Clock::now();
        partition.oldest_ms = time_ms;
      }
      LoggedChange& logged = partition.batch.emplace_back();
      logged.offset = offset;
      logged.change.table = change_.table;
      logged.change.op = part.op;
      logged.change.before = std::move(part.before);
      logged.change.after = std::move(part.after);
      logged.change.position = change_.position;
      logged.change.schema = std::move(part.schema);
    }
    partition.next = offset + 1;
    if (routed_.empty() && partition.batch.empty()) partition.applied = partition.next;
    return Status::Ok();
  }

  // Applies every partition's batch, the partitions in parallel, then commits their offsets.
  Status FlushAll() {
    std::vector<std::pair<int, Partition*>> work;
    for (auto& [index, partition] : assigned_) {
      if (!partition.batch.empty()) work.emplace_back(index, &partition);
    }
    if (work.empty()) return Status::Ok();
    std::vector<Status> results(work.size());
    auto apply_one = [&](size_t item) {
      auto [index, partition] = work[item];
      limiter_.Acquire(static_cast<int64_t>(partition->batch.size()));
      TEST_PausePoint("apply_before");
      results[item] =
          ApplyWithRetry(spec_, plans_, index, partitions_, &partition->applier, partition->batch,
                         partition->next, [this] { return Stopping(); });
      if (results[item].ok()) TEST_PausePoint("apply_after");
    };
    std::vector<std::thread> threads;
    for (size_t item = 1; item < work.size(); ++item) threads.emplace_back(apply_one, item);
    apply_one(0);
    for (std::thread& thread : threads) thread.join();
    Status status;
    for (size_t item = 0; item < work.size(); ++item) {
      auto [index, partition] = work[item];
      if (!results[item].ok()) {
        if (status.ok() && results[item].code() != StatusCode::kCancelled) status = results[item];
        continue;
      }
      stats_->applied_changes.fetch_add(partition->batch.size(), std::memory_order_relaxed);
      if (stats_->touched != nullptr) stats_->touched->Note(partition->batch);
      partition->applied = partition->next;
      partition->batch.clear();
      partition->oldest_ms = 0;
    }
    next_commit_ = Clock::time_point{};  // what was just applied is committed now
    CommitApplied();
    return status;
  }

  // Commits each assigned partition's applied offset the group does not have yet. Only ever
  // after the records below it are applied: `cutover fence` and `cutover run`'s stop read these
  // offsets as "applied" (log/kafka_log.h KafkaGroupProgress). A failed commit is tried again
  // a second later.
  void CommitApplied() {
    if (Clock::now() < next_commit_) return;
    rd_kafka_topic_partition_list_t* commit = nullptr;
    for (auto& [index, partition] : assigned_) {
      if (partition.applied <= partition.committed) continue;
      if (commit == nullptr) commit = rd_kafka_topic_partition_list_new(4);
      rd_kafka_topic_partition_list_add(commit, topic_.c_str(), index)->offset =
          static_cast<int64_t>(partition.applied);
    }
    if (commit == nullptr) return;
    // Synchronous: DynamoDB appliers on other machines resume from it.
    rd_kafka_resp_err_t err = rd_kafka_commit(consumer_, commit, 0);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      for (int item = 0; item < commit->cnt; ++item) {
        if (commit->elems[item].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
          next_commit_ = Clock::now() + std::chrono::seconds(1);  // tried again then
          continue;
        }
        auto found = assigned_.find(commit->elems[item].partition);
        if (found != assigned_.end()) {
          found->second.committed = static_cast<uint64_t>(commit->elems[item].offset);
        }
      }
    } else {
      spdlog::warn("kafka: committing applied offsets: {}", rd_kafka_err2str(err));
      next_commit_ = Clock::now() + std::chrono::seconds(1);
    }
    rd_kafka_topic_partition_list_destroy(commit);
  }

  void UpdateStats() {
    uint64_t lag = 0;
    int64_t oldest = 0;
    for (auto& [index, partition] : assigned_) {
      int64_t low = 0;
      int64_t high = 0;
      if (rd_kafka_get_watermark_offsets(consumer_, topic_.c_str(), index, &low, &high) ==
              RD_KAFKA_RESP_ERR_NO_ERROR &&
          high > static_cast<int64_t>(partition.applied)) {
        lag += static_cast<uint64_t>(high) - partition.applied;
      }
      if (partition.oldest_ms != 0 && (oldest == 0 || partition.oldest_ms < oldest)) {
        oldest = partition.oldest_ms;
      }
    }
    stats_->lag_records = lag;
    stats_->oldest_pending_ms = oldest;
  }

  static void OnRebalance(rd_kafka_t* consumer, rd_kafka_resp_err_t err,
                          rd_kafka_topic_partition_list_t* partitions, void* opaque) {
    auto* self = static_cast<KafkaApplier*>(opaque);
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      Status status = self->Assign(partitions);
      if (!status.ok()) self->Fail(status);
      rd_kafka_assign(consumer, partitions);
    } else {
      // Revoked: apply what was read of them, so the next owner starts after it.
      if (self->first_error_.ok()) {
        Status status = self->FlushAll();
        if (!status.ok()) self->Fail(status);
      }
      self->assigned_.clear();
      rd_kafka_assign(consumer, nullptr);
    }
  }

  // Opens each partition's applier and sets where it resumes.
  Status Assign(rd_kafka_topic_partition_list_t* partitions) {
    rd_kafka_resp_err_t err = rd_kafka_committed(consumer_, partitions, 30000);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      spdlog::warn("kafka: reading committed offsets: {}", rd_kafka_err2str(err));
    }
    for (int item = 0; item < partitions->cnt; ++item) {
      rd_kafka_topic_partition_t& assigned = partitions->elems[item];
      Partition partition;
      std::optional<uint64_t> checkpoint;
      for (int attempt = 0;; ++attempt) {
        Result<std::unique_ptr<ChangeApplier>> applier =
            OpenApplier(spec_, plans_, assigned.partition, partitions_);
        Status status = applier.status();
        if (applier.ok()) {
          Result<std::optional<uint64_t>> stored = (*applier)->LoadCheckpoint();
          status = stored.status();
          if (stored.ok()) {
            checkpoint = *stored;
            partition.applier = *std::move(applier);
            break;
          }
        }
        if (status.retry() == Retry::kNeedsPerson || Stopping()) return status;
        if (attempt % 10 == 0) {
          spdlog::warn("kafka partition {}: opening the applier failed, retrying: {}",
                       assigned.partition, status.ToString());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
      }
      if (assigned.offset >= 0) {
        auto committed = static_cast<uint64_t>(assigned.offset);
        partition.committed = committed;
        checkpoint = checkpoint ? std::max(*checkpoint, committed) : committed;
      }
      assigned.offset = checkpoint ? static_cast<int64_t>(*checkpoint) : RD_KAFKA_OFFSET_BEGINNING;
      partition.next = checkpoint.value_or(0);
      partition.applied = partition.next;
      assigned_[assigned.partition] = std::move(partition);
    }
    return Status::Ok();
  }

  const Spec& spec_;
  const std::vector<TargetTablePlan>& plans_;
  const KafkaApplyOptions& options_;
  ApplyStats* stats_;
  const std::string topic_;
  RateLimiter limiter_;
  rd_kafka_t* consumer_ = nullptr;
  int partitions_ = 0;
  log::KafkaControl control_;
  std::unique_ptr<ChangeRouter> router_;
  std::map<int, Partition> assigned_;  // by partition
  Change change_;                      // decoding scratch
  std::vector<RoutedChange> routed_;
  Status first_error_;               // the consumer thread's only
  Clock::time_point next_commit_{};  // no commit before it (after a failed one)
};

}  // namespace

Status RunKafkaApply(const Spec& spec, const std::vector<TargetTablePlan>& plans,
                     const KafkaApplyOptions& options, ApplyStats* stats) {
  KafkaApplier applier(spec, plans, options, stats);
  return applier.Run();
}

}  // namespace cutover::pipeline
