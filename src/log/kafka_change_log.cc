// The Kafka change log behind the ChangeLog interface (docs/change-log.md, "Kafka"): the log
// topic's partitions, chosen by the appliers' lane hash; an idempotent producer; shapes and the
// copy marker in the control topic; capture's resume position in the state store once the
// brokers acknowledged what came before it; the appliers' progress as the consumer group's
// committed offsets. Every librdkafka call of cutover's change log is in src/log/.
#include "log/kafka_change_log.h"

#include <functional>
#include <map>
#include <set>
#include <mutex>
#include <random>
#include <thread>

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

#include "log/change_codec.h"
#include "log/kafka_log.h"

namespace cutover::log {
namespace {

constexpr int kTimeoutMs = 30000;


// Keeps a consumer's shapes current: a shape published after the control topic was last read
// is looked up again once.
class Shapes {
 public:
  Shapes(const Spec& spec) : kafka_(spec.change_log.kafka), topic_(KafkaControlTopic(spec)) {}

  Status Decode(std::string_view value, int partition, int64_t offset, Change* change) {
    CUTOVER_ASSIGN_OR_RETURN(uint32_t id, ChangeRecordShape(value));
    auto shape = control_.shapes.find(id);
    if (shape == control_.shapes.end()) {
      CUTOVER_ASSIGN_OR_RETURN(control_, ReadKafkaControl(kafka_, topic_));
      shape = control_.shapes.find(id);
      if (shape == control_.shapes.end()) {
        return Status::DataLoss(fmt::format(
            "kafka change log partition {} offset {} uses shape {}, which the control topic {} "
            "does not hold",
            partition, offset, id, topic_));
      }
    }
    return DecodeChangeRecord(value, shape->second, change);
  }

 private:
  const KafkaSpec kafka_;
  const std::string topic_;
  KafkaControl control_;
};

class KafkaWriter : public LogWriter {
 public:
  KafkaWriter(std::unique_ptr<KafkaLogWriter> writer, StateStore* state)
      : writer_(std::move(writer)), state_(state) {}

  int partitions() const override { return writer_->partitions(); }

  Result<Position> ResumePosition(const Position& start) override {
    if (state_ == nullptr) {
      return Status::Internal("the Kafka change log's writer needs the state store");
    }
    CUTOVER_ASSIGN_OR_RETURN(std::optional<Position> checkpoint,
                             state_->GetPosition(kKafkaCapturePosition));
    return checkpoint.value_or(start);
  }

  Status AppendTransaction(std::span<const LogChange> changes, const Position& resume,
                           int64_t time_ms) override {
    const auto partitions = static_cast<uint64_t>(writer_->partitions());
    for (const LogChange& logged : changes) {
      CUTOVER_ASSIGN_OR_RETURN(uint32_t shape, writer_->ShapeId(*logged.change->schema));
      const int partition = static_cast<int>(logged.hash % partitions);
      std::string key = std::to_string(partition);
      CUTOVER_RETURN_IF_ERROR(writer_->Produce(partition, key,
                                               EncodeChangeRecord(*logged.change, shape), time_ms));
    }
    unsynced_ = resume;
    return Status::Ok();
  }

  // Waits for every record produced so far, then records where the source resumes. At least
  // once: after a crash capture resumes at the last recorded position, so the transactions
  // after it may be produced twice; applying full row images again is harmless and each key's
  // order holds.
  Status Sync() override {
    if (!unsynced_) return Status::Ok();
    CUTOVER_RETURN_IF_ERROR(writer_->Flush());
    CUTOVER_RETURN_IF_ERROR(state_->SetPosition(kKafkaCapturePosition, *unsynced_));
    unsynced_.reset();
    return Status::Ok();
  }
  bool unsynced() const override { return unsynced_.has_value(); }

  Result<std::vector<uint64_t>> DurableEnds() override {
    CUTOVER_RETURN_IF_ERROR(writer_->Flush());
    CUTOVER_ASSIGN_OR_RETURN(std::vector<int64_t> ends, writer_->EndOffsets());
    return std::vector<uint64_t>(ends.begin(), ends.end());
  }
  Status MarkCopyDone() override { return writer_->MarkCopyDone(); }

 private:
  std::unique_ptr<KafkaLogWriter> writer_;
  StateStore* state_;
  std::optional<Position> unsynced_;  // the last transaction's resume position not recorded yet
};

class KafkaConsumer : public LogConsumer {
 public:
  KafkaConsumer(const Spec& spec, bool group, int partitions)
      : spec_(spec), group_(group), topic_(KafkaLogTopic(spec)), partitions_(partitions),
        shapes_(spec) {}

  ~KafkaConsumer() override {
    if (consumer_ != nullptr) rd_kafka_destroy(consumer_);
  }

  Status Start(PartitionListener* listener) override {
    listener_ = listener;
    // A private reader still needs a group id; a random one commits nothing and joins nothing.
    std::string group_id =
        group_ ? KafkaApplyGroup(spec_)
               : fmt::format("cutover.{}.replay.{}", spec_.name, std::random_device{}());
    CUTOVER_ASSIGN_OR_RETURN(
        rd_kafka_conf_t * conf,
        KafkaConfig(spec_.change_log.kafka,
                    {{"group.id", group_id},
                     {"client.id", "cutover-apply." + spec_.name},
                     {"enable.auto.commit", "false"},
                     {"enable.auto.offset.store", "false"},
                     {"auto.offset.reset", "earliest"},
                     // A crashed applier's partitions move to the others after 10 s.
                     {"session.timeout.ms", "10000"},
                     {"heartbeat.interval.ms", "1000"}}));
    if (group_) {
      rd_kafka_conf_set_rebalance_cb(conf, &KafkaConsumer::OnRebalance);
      rd_kafka_conf_set_opaque(conf, this);
    }
    char error[512];
    consumer_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, sizeof(error));
    if (consumer_ == nullptr) {
      rd_kafka_conf_destroy(conf);
      return Status::InvalidArgument(fmt::format("kafka: cannot create a consumer: {}", error));
    }
    rd_kafka_poll_set_consumer(consumer_);
    if (group_) {
      rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
      rd_kafka_topic_partition_list_add(topics, topic_.c_str(), RD_KAFKA_PARTITION_UA);
      rd_kafka_resp_err_t err = rd_kafka_subscribe(consumer_, topics);
      rd_kafka_topic_partition_list_destroy(topics);
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return KafkaError(fmt::format("subscribing to {}", topic_), err);
      }
      return Status::Ok();
    }
    // Every partition, from where the listener says.
    rd_kafka_topic_partition_list_t* all = rd_kafka_topic_partition_list_new(partitions_);
    Status status;
    for (int partition = 0; partition < partitions_ && status.ok(); ++partition) {
      Result<uint64_t> from = listener_->OnAssigned(partition, std::nullopt);
      status = from.status();
      if (from.ok()) {
        rd_kafka_topic_partition_list_add(all, topic_.c_str(), partition)->offset =
            static_cast<int64_t>(*from);
        assigned_.insert(partition);
      }
    }
    if (status.ok()) {
      rd_kafka_resp_err_t err = rd_kafka_assign(consumer_, all);
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) status = KafkaError("assigning the partitions", err);
    }
    rd_kafka_topic_partition_list_destroy(all);
    return status;
  }

  Result<std::optional<LogRecord>> Poll(std::chrono::milliseconds timeout) override {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      if (!error_.ok()) return error_;
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      rd_kafka_message_t* message =
          rd_kafka_consumer_poll(consumer_, static_cast<int>(std::max<int64_t>(left.count(), 0)));
      if (!error_.ok()) {
        if (message != nullptr) rd_kafka_message_destroy(message);
        return error_;
      }
      if (message == nullptr) return std::optional<LogRecord>();
      std::unique_ptr<rd_kafka_message_t, void (*)(rd_kafka_message_t*)> held(
          message, rd_kafka_message_destroy);
      if (message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) continue;
      if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (message->err == RD_KAFKA_RESP_ERR__FATAL) {
          return Status::FailedPrecondition(
              fmt::format("kafka consumer: {}", rd_kafka_message_errstr(message)));
        }
        spdlog::warn("kafka consumer: {}", rd_kafka_message_errstr(message));
        continue;  // librdkafka recovers from the others by itself
      }
      if (!assigned_.contains(message->partition)) continue;  // revoked meanwhile
      LogRecord record;
      record.partition = message->partition;
      record.offset = static_cast<uint64_t>(message->offset);
      record.time_ms = rd_kafka_message_timestamp(message, nullptr);
      std::string_view value(static_cast<const char*>(message->payload), message->len);
      CUTOVER_RETURN_IF_ERROR(
          shapes_.Decode(value, message->partition, message->offset, &record.change));
      record.position = record.change.position;
      return std::optional<LogRecord>(std::move(record));
    }
  }

  // Synchronous: appliers on other machines (DynamoDB, whose checkpoint this is then) resume
  // from it, and `cutover fence` reads it as "applied".
  Status Commit(int partition, uint64_t offset) override {
    if (!group_) return Status::Ok();
    std::lock_guard lock(commit_mutex_);
    auto known = committed_.find(partition);
    if (known != committed_.end() && known->second >= offset) return Status::Ok();
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(list, topic_.c_str(), partition)->offset =
        static_cast<int64_t>(offset);
    rd_kafka_resp_err_t err = rd_kafka_commit(consumer_, list, 0);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR && list->elems[0].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      err = list->elems[0].err;
    }
    rd_kafka_topic_partition_list_destroy(list);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return KafkaError(fmt::format("committing offset {} of partition {}", offset, partition), err);
    }
    committed_[partition] = offset;
    return Status::Ok();
  }

  Result<uint64_t> DurableEnd(int partition) override {
    int64_t low = 0;
    int64_t high = 0;
    rd_kafka_resp_err_t err =
        rd_kafka_get_watermark_offsets(consumer_, topic_.c_str(), partition, &low, &high);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return KafkaError("reading a partition's end", err);
    return static_cast<uint64_t>(std::max<int64_t>(high, 0));
  }

  Status Close() override {
    if (consumer_ == nullptr) return Status::Ok();
    if (group_) {
      rd_kafka_consumer_close(consumer_);  // a last revoke applies what is pending
    } else {
      for (int partition : assigned_) {
        Status revoked = listener_->OnRevoked(partition);
        if (!revoked.ok() && error_.ok()) error_ = revoked;
      }
      assigned_.clear();
      rd_kafka_consumer_close(consumer_);
    }
    return error_;
  }

 private:
  static void OnRebalance(rd_kafka_t* consumer, rd_kafka_resp_err_t err,
                          rd_kafka_topic_partition_list_t* partitions, void* opaque) {
    auto* self = static_cast<KafkaConsumer*>(opaque);
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      Status status = self->Assign(partitions);
      if (!status.ok() && self->error_.ok()) self->error_ = status;
      rd_kafka_assign(consumer, partitions);
    } else {
      // Revoked: the listener applies what was read of them, so the next owner starts after it.
      for (int item = 0; item < partitions->cnt; ++item) {
        int partition = partitions->elems[item].partition;
        if (self->error_.ok()) {
          Status status = self->listener_->OnRevoked(partition);
          if (!status.ok()) self->error_ = status;
        }
        self->assigned_.erase(partition);
      }
      rd_kafka_assign(consumer, nullptr);
    }
  }

  Status Assign(rd_kafka_topic_partition_list_t* partitions) {
    rd_kafka_resp_err_t err = rd_kafka_committed(consumer_, partitions, kTimeoutMs);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      spdlog::warn("kafka: reading committed offsets: {}", rd_kafka_err2str(err));
    }
    for (int item = 0; item < partitions->cnt; ++item) {
      rd_kafka_topic_partition_t& assigned = partitions->elems[item];
      std::optional<uint64_t> committed;
      if (assigned.offset >= 0) committed = static_cast<uint64_t>(assigned.offset);
      {
        std::lock_guard lock(commit_mutex_);
        if (committed) committed_[assigned.partition] = *committed;
      }
      CUTOVER_ASSIGN_OR_RETURN(uint64_t from, listener_->OnAssigned(assigned.partition, committed));
      assigned.offset = static_cast<int64_t>(from);
      assigned_.insert(assigned.partition);
    }
    return Status::Ok();
  }

  const Spec& spec_;
  const bool group_;
  const std::string topic_;
  const int partitions_;
  Shapes shapes_;
  rd_kafka_t* consumer_ = nullptr;
  PartitionListener* listener_ = nullptr;
  std::set<int> assigned_;
  Status error_;  // from the rebalance callback, returned by the next Poll
  std::mutex commit_mutex_;
  std::map<int, uint64_t> committed_;  // guarded by commit_mutex_
};

class KafkaChangeLog : public ChangeLog {
 public:
  KafkaChangeLog(const Spec& spec, StateStore* state, std::unique_ptr<KafkaLogWriter> writer,
                 std::unique_ptr<KafkaGroupProgress> progress)
      : spec_(spec), state_(state), writer_(std::move(writer)), progress_(std::move(progress)) {}

  std::string_view kind() const override { return "kafka"; }
  std::string_view title() const override { return "Kafka"; }
  int partitions() const override { return progress_->partitions(); }
  int LanesPerPartition(int) const override { return 1; }
  bool shared_by_processes() const override { return true; }

  Result<std::unique_ptr<LogWriter>> OpenWriter() override {
    if (!writer_) {
      CUTOVER_ASSIGN_OR_RETURN(writer_, KafkaLogWriter::Open(spec_));
    }
    return std::unique_ptr<LogWriter>(std::make_unique<KafkaWriter>(std::move(writer_), state_));
  }
  Result<std::unique_ptr<LogConsumer>> OpenConsumer(const ConsumerOptions& options) override {
    return std::unique_ptr<LogConsumer>(
        std::make_unique<KafkaConsumer>(spec_, options.group, partitions()));
  }
  Result<std::vector<uint64_t>> FirstOffsets() override {
    std::vector<uint64_t> firsts;
    for (int partition = 0; partition < partitions(); ++partition) {
      int64_t low = 0;
      int64_t high = 0;
      rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(
          progress_->handle(), KafkaLogTopic(spec_).c_str(), partition, &low, &high, kTimeoutMs);
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return KafkaError("reading a partition's start", err);
      firsts.push_back(static_cast<uint64_t>(std::max<int64_t>(low, 0)));
    }
    return firsts;
  }
  Result<std::vector<uint64_t>> DurableEnds() override {
    CUTOVER_ASSIGN_OR_RETURN(std::vector<int64_t> ends, progress_->EndOffsets());
    std::vector<uint64_t> out;
    for (int64_t end : ends) out.push_back(static_cast<uint64_t>(std::max<int64_t>(end, 0)));
    return out;
  }
  Result<std::vector<std::optional<uint64_t>>> Committed() override {
    CUTOVER_ASSIGN_OR_RETURN(std::vector<int64_t> committed, progress_->Committed());
    std::vector<std::optional<uint64_t>> out;
    for (int64_t offset : committed) {
      out.push_back(offset >= 0 ? std::optional<uint64_t>(static_cast<uint64_t>(offset))
                                : std::nullopt);
    }
    return out;
  }
  // The record's own timestamp (capture's append time, as in the local log), found by reading
  // each partition: Kafka's offsets-for-times index answers by the broker's notion of a
  // record's time, which a topic set to LogAppendTime changes, and librdkafka's mock cluster
  // does not implement it.
  Result<std::vector<uint64_t>> OffsetsAtTime(int64_t time_ms) override {
    return FirstWhere([time_ms](const rd_kafka_message_t& message) -> Result<bool> {
      return rd_kafka_message_timestamp(&message, nullptr) >= time_ms;
    });
  }
  // Kafka has no index by a record's content: each partition is read from its start to the
  // first record at or after `position` (a replay's one-time cost).
  Result<std::vector<uint64_t>> OffsetsAtPosition(const Position& position) override {
    return FirstWhere([&position](const rd_kafka_message_t& message) -> Result<bool> {
      std::string_view value(static_cast<const char*>(message.payload), message.len);
      CUTOVER_ASSIGN_OR_RETURN(Position at, ChangeRecordPosition(value));
      return !at.empty() && !position.IsAfter(at);
    });
  }

  // Per partition, the first record for which `found` holds, or the durable end.
  Result<std::vector<uint64_t>> FirstWhere(const KafkaRecordVisitor& found) {
    CUTOVER_ASSIGN_OR_RETURN(std::vector<uint64_t> firsts, FirstOffsets());
    CUTOVER_ASSIGN_OR_RETURN(std::vector<uint64_t> ends, DurableEnds());
    std::vector<uint64_t> offsets = ends;
    for (int partition = 0; partition < partitions(); ++partition) {
      const auto index = static_cast<size_t>(partition);
      CUTOVER_RETURN_IF_ERROR(ScanKafkaPartition(
          spec_.change_log.kafka, fmt::format("cutover.{}.scan", spec_.name),
          KafkaLogTopic(spec_), partition, static_cast<int64_t>(firsts[index]),
          static_cast<int64_t>(ends[index]),
          [&](const rd_kafka_message_t& message) -> Result<bool> {
            CUTOVER_ASSIGN_OR_RETURN(bool hit, found(message));
            if (hit) offsets[index] = static_cast<uint64_t>(message.offset);
            return hit;
          }));
    }
    return offsets;
  }

  Result<bool> CopyDone() override {
    CUTOVER_ASSIGN_OR_RETURN(KafkaControl control,
                             ReadKafkaControl(spec_.change_log.kafka, KafkaControlTopic(spec_)));
    return control.copy_done;
  }
  Result<int> Retain(int64_t) override { return 0; }  // the brokers' topic retention applies
  std::string Describe() const override { return "Kafka topic " + KafkaLogTopic(spec_); }
  std::string ProgressName() const override {
    return "consumer group " + KafkaApplyGroup(spec_);
  }

 private:
  const Spec& spec_;
  StateStore* state_;
  std::unique_ptr<KafkaLogWriter> writer_;  // opened with the log when it creates the topics
  std::unique_ptr<KafkaGroupProgress> progress_;
};

}  // namespace

Result<std::unique_ptr<ChangeLog>> OpenKafkaChangeLog(const Spec& spec, StateStore* state,
                                                      bool create) {
  std::unique_ptr<KafkaLogWriter> writer;
  // The writer creates the topics when they are missing.
  if (create) {
    CUTOVER_ASSIGN_OR_RETURN(writer, KafkaLogWriter::Open(spec));
  }
  Result<std::unique_ptr<KafkaGroupProgress>> progress = KafkaGroupProgress::Open(spec);
  if (!progress.ok()) {
    if (progress.status().code() == StatusCode::kNotFound) {
      return Status::NotFound(fmt::format(
          "{}; `cutover run` or `cutover capture` of migration {} creates it",
          progress.status().message(), spec.name));
    }
    return progress.status();
  }
  return std::unique_ptr<ChangeLog>(
      std::make_unique<KafkaChangeLog>(spec, state, std::move(writer), *std::move(progress)));
}

}  // namespace cutover::log
