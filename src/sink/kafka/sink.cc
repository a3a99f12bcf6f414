// KafkaSink and KafkaAppliers: rows and changes as Debezium envelopes on per-table topics.
#include "sink/kafka/sink.h"

#include <chrono>
#include <map>
#include <mutex>
#include <utility>

#include <fmt/format.h>

#include "cutover/version.h"

#include "db/kafka/client.h"
#include "db/kafka/producer.h"
#include "state/lane_checkpoint.h"

namespace cutover::kafka {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Every record of the target goes through one of these: the key's bytes choose the partition
// with murmur2 (what Kafka's Java clients use), the same in the copy and in CDC.
Result<std::unique_ptr<Producer>> OpenProducer(const Spec& spec, const std::string& role) {
  return Producer::Open(spec.target.kafka, {{"linger.ms", "5"},
                                            {"compression.type", "lz4"},
                                            {"partitioner", "murmur2_random"},
                                            {"client.id", "cutover-" + role + "." + spec.name}});
}

// Whether any partition of `topic` holds a record.
Result<bool> TopicHasRecords(rd_kafka_t* handle, const std::string& topic) {
  CUTOVER_ASSIGN_OR_RETURN(int partitions, KafkaPartitions(handle, topic));
  for (int partition = 0; partition < partitions; ++partition) {
    CUTOVER_ASSIGN_OR_RETURN(auto marks, KafkaWatermarks(handle, topic, partition));
    if (marks.second > marks.first) return true;
  }
  return false;
}

// One producer for the copy's writers, or for the apply lanes: it batches every user's records
// to each broker (a producer per user cost twice the CPU at 8 lanes, docs/benchmarks.md), and
// each user waits for its own (Producer::Tracker). A producer whose delivery failed is done
// (Producer::Flush): the users opened after it (a retried chunk, a reopened lane) get a new one
// and send again from their checkpoints.
class SharedProducer {
 public:
  SharedProducer(const Spec& spec, std::string role) : spec_(spec), role_(std::move(role)) {}

  Result<std::shared_ptr<Producer>> Get() {
    std::lock_guard lock(mutex_);
    if (producer_ == nullptr || producer_->failed()) {
      CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<Producer> opened, OpenProducer(spec_, role_));
      producer_ = std::move(opened);
    }
    return producer_;
  }

 private:
  const Spec& spec_;
  const std::string role_;
  std::mutex mutex_;
  std::shared_ptr<Producer> producer_;  // guarded by mutex_
};

class KafkaWriter : public TableWriter {
 public:
  KafkaWriter(std::shared_ptr<Producer> producer, std::string topic, const TableSchema& schema,
              EnvelopeOptions options)
      : producer_(std::move(producer)),
        tracker_(producer_->NewTracker()),
        topic_(std::move(topic)),
        encoder_(schema, std::move(options)) {}

  // Op "r" records of every row, then waits for the brokers' acknowledgements. A chunk written
  // again (a retry, a resumed copy) sends its rows again: consumers keep the last record per
  // key, which is the same row.
  Status WriteChunk(const ChunkBounds&, std::span<const Row> rows) override {
    EnvelopeSource source;
    source.snapshot = "true";
    const int64_t now = NowMs();
    source.ts_ms = now;
    std::string key;  // both reused: librdkafka copies them
    std::string value;
    for (const Row& row : rows) {
      key.clear();
      encoder_.AppendKey(&key, row);
      value.clear();
      encoder_.AppendValue(&value, EnvelopeOp::kRead, nullptr, &row, source, now);
      CUTOVER_RETURN_IF_ERROR(
          producer_->Produce(topic_, RD_KAFKA_PARTITION_UA, key, value, now, tracker_));
    }
    return producer_->Wait(*tracker_);
  }

 private:
  std::shared_ptr<Producer> producer_;  // the copy's SharedProducer
  Producer::Tracker* const tracker_;  // owned by producer_
  const std::string topic_;
  const EnvelopeEncoder encoder_;
};

class KafkaSink : public Sink {
 public:
  explicit KafkaSink(const Spec& spec, std::unique_ptr<Producer> admin)
      : spec_(spec), admin_(std::move(admin)), producer_(spec, "copy") {}

  // Creates the table's topic when missing. Kafka cannot empty a topic: `truncate` is refused,
  // `create` refuses a topic that holds records already (unless this migration wrote them:
  // resuming), `keep` appends.
  Result<TargetTablePlan> PrepareTable(const TableSchema& source, const TableRule& rule,
                                       bool resuming) override {
    const KafkaSpec& kafka = spec_.target.kafka;
    TargetTablePlan plan;
    plan.source = source.id;
    plan.target = TableId{source.id.schema, rule.rename.empty() ? source.id.name : rule.rename};
    plan.schema = source;
    plan.filter = rule.filter;
    plan.rule = &rule;
    const std::string topic = TopicOf(kafka, plan.target);
    using Mode = TargetSpec::ExistingTable;
    if (spec_.target.existing_tables == Mode::kTruncate) {
      return Status::FailedPrecondition(fmt::format(
          "target.existing_tables: truncate cannot empty Kafka topic {}; delete the topic, or "
          "set existing_tables to keep (append) or create",
          topic));
    }
    Result<int> partitions = KafkaPartitions(admin_->handle(), topic);
    if (!partitions.ok() && partitions.status().code() != StatusCode::kNotFound) {
      return partitions.status();
    }
    if (!partitions.ok()) {
      CUTOVER_RETURN_IF_ERROR(
          EnsureKafkaTopic(admin_->handle(), topic, kafka.partitions, kafka.replication_factor,
                           fmt::format("topic {} with target.kafka.partitions partitions", topic)));
      plan.created = true;
      plan.starts_empty = true;
      return plan;
    }
    // The topic of the single-topic option holds every table: only its first table may find it
    // empty.
    if (spec_.target.existing_tables == Mode::kCreate && !resuming && kafka.topic.empty()) {
      CUTOVER_ASSIGN_OR_RETURN(bool has_records, TopicHasRecords(admin_->handle(), topic));
      if (has_records) {
        return Status::AlreadyExists(fmt::format(
            "Kafka topic {} holds records already; delete it, or set target.existing_tables to "
            "keep to append to it",
            topic));
      }
    }
    plan.created = spec_.target.existing_tables == Mode::kCreate;
    return plan;
  }

  Result<std::unique_ptr<TableWriter>> OpenWriter(const TargetTablePlan& plan) override {
    CUTOVER_ASSIGN_OR_RETURN(std::shared_ptr<Producer> producer, producer_.Get());
    std::string topic = TopicOf(spec_.target.kafka, plan.target);
    CUTOVER_RETURN_IF_ERROR(producer->Learn(topic));
    return std::unique_ptr<TableWriter>(std::make_unique<KafkaWriter>(
        std::move(producer), std::move(topic), plan.schema, EnvelopeOptionsOf(spec_.target.kafka)));
  }

  // A topic has no indexes.
  Status BuildIndex(const TargetTablePlan&, const Index&) override { return Status::Ok(); }
  Status EmptyTable(const TargetTablePlan& plan) override {
    return Status::Unimplemented(
        fmt::format("its Kafka topic keeps the records written for {} (a topic cannot be emptied)",
                    plan.source.ToString()));
  }

  // The records in the table's topic (every record ever sent, tombstones and repeats
  // included): an estimate of rows.
  Result<uint64_t> CountRows(const TableId& target, bool) override {
    const std::string topic = TopicOf(spec_.target.kafka, target);
    CUTOVER_ASSIGN_OR_RETURN(int partitions, KafkaPartitions(admin_->handle(), topic));
    uint64_t records = 0;
    for (int partition = 0; partition < partitions; ++partition) {
      CUTOVER_ASSIGN_OR_RETURN(auto marks, KafkaWatermarks(admin_->handle(), topic, partition));
      records += static_cast<uint64_t>(marks.second - marks.first);
    }
    return records;
  }

 private:
  const Spec& spec_;
  std::unique_ptr<Producer> admin_;  // topic metadata and creation
  SharedProducer producer_;          // the writers'
};

// Encoders by the shape the change's images follow (a schema change brings a new shape; the
// envelope's schema follows it).
class Encoders {
 public:
  explicit Encoders(EnvelopeOptions options) : options_(std::move(options)) {}

  const EnvelopeEncoder& For(const std::shared_ptr<const TableSchema>& schema) {
    auto found = encoders_.find(schema.get());
    if (found == encoders_.end()) {
      found = encoders_
                  .emplace(schema.get(),
                           Entry{schema, std::make_unique<EnvelopeEncoder>(*schema, options_)})
                  .first;
    }
    return *found->second.encoder;
  }

 private:
  struct Entry {
    std::shared_ptr<const TableSchema> pinned;  // keeps the address unique while cached
    std::unique_ptr<EnvelopeEncoder> encoder;
  };
  const EnvelopeOptions options_;
  std::map<const TableSchema*, Entry> encoders_;
};

struct Shared {
  const Spec* spec = nullptr;
  // The plans (the caller's; a table created on the source is added between two runs of the
  // apply reader, never while lanes apply).
  const std::vector<TargetTablePlan>* plans = nullptr;
  std::unique_ptr<StateStore> owned_state;
  StateStore* state = nullptr;  // thread-safe
};

class KafkaApplier : public ChangeApplier {
 public:
  KafkaApplier(const Shared& shared, std::shared_ptr<Producer> producer, int lane, int lanes)
      : producer_(std::move(producer)),
        tracker_(producer_->NewTracker()),
        encoders_(EnvelopeOptionsOf(shared.spec->target.kafka)),
        checkpoint_(*shared.state, shared.spec->name, lane, lanes) {
    for (const TargetTablePlan& plan : *shared.plans) {
      topics_[plan.source] = TopicOf(shared.spec->target.kafka, plan.target);
    }
  }

  Result<std::optional<uint64_t>> LoadCheckpoint() override { return checkpoint_.Load(); }

  Status Apply(std::span<const LoggedChange> changes, uint64_t checkpoint) override {
    const int64_t now = NowMs();
    for (const LoggedChange& logged : changes) {
      const Change& change = logged.change;
      if (IsTableChange(change.op)) continue;  // Follow() acts on table changes
      auto topic = topics_.find(change.table);
      if (topic == topics_.end() || change.schema == nullptr) {
        return Status::Internal(
            fmt::format("a change of {} reached the Kafka applier, which does not write that table",
                        change.table.ToString()));
      }
      CUTOVER_RETURN_IF_ERROR(Send(topic->second, encoders_.For(change.schema), change, now));
    }
    CUTOVER_RETURN_IF_ERROR(producer_->Wait(*tracker_));
    // Only now, with every record of the batch acknowledged by the brokers, is the checkpoint
    // recorded: it never claims a change Kafka may not have. A crash before it sends the batch
    // again (at least once: consumers see some records twice, in the same order per key).
    return checkpoint_.Save(checkpoint);
  }

 private:
  // c for an insert, u for an update, d and a tombstone for a delete; an update that changed
  // the key is a delete (and tombstone) of the old key and a create of the new one, as
  // Debezium sends it.
  Status Send(const std::string& topic, const EnvelopeEncoder& encoder, const Change& change,
              int64_t now) {
    EnvelopeSource source;
    source.position = change.position;
    source.ts_ms = now;
    // The record with the key of `key_image` and the envelope of op over before/after (none: a
    // tombstone), encoded into key_ and value_ (reused: librdkafka copies them).
    auto produce = [&](const Row& key_image, std::optional<EnvelopeOp> op, const Row* before,
                       const Row* after) {
      key_.clear();
      encoder.AppendKey(&key_, key_image);
      value_.clear();
      if (op) encoder.AppendValue(&value_, *op, before, after, source, now);
      return producer_->Produce(topic, RD_KAFKA_PARTITION_UA, key_,
                                op ? std::optional<std::string_view>(value_) : std::nullopt, now,
                                tracker_);
    };
    auto remove = [&](const Row& before) -> Status {
      CUTOVER_RETURN_IF_ERROR(produce(before, EnvelopeOp::kDelete, &before, nullptr));
      return produce(before, std::nullopt, nullptr, nullptr);
    };
    switch (change.op) {
      case ChangeOp::kInsert:
        return produce(*change.after, EnvelopeOp::kCreate, nullptr, &*change.after);
      case ChangeOp::kUpdate:
        if (change.KeyBefore() != change.KeyAfter()) {
          CUTOVER_RETURN_IF_ERROR(remove(*change.before));
          return produce(*change.after, EnvelopeOp::kCreate, nullptr, &*change.after);
        }
        // A PostgreSQL source sends no old row for an update that keeps the key (REPLICA
        // IDENTITY DEFAULT): `before` is null then, as Debezium's PostgreSQL connector has it.
        return produce(*change.after, EnvelopeOp::kUpdate,
                       change.before ? &*change.before : nullptr, &*change.after);
      case ChangeOp::kDelete: return remove(*change.before);
      default: return Status::Ok();
    }
  }

  std::string key_;    // the record key being sent
  std::string value_;  // the record value being sent
  std::map<TableId, std::string> topics_;  // source table -> topic, when the lane opened
  std::shared_ptr<Producer> producer_;  // the lanes' SharedProducer
  Producer::Tracker* const tracker_;  // owned by producer_
  Encoders encoders_;
  const state::LaneCheckpoint checkpoint_;
};

class KafkaAppliers : public Appliers {
 public:
  KafkaAppliers(Shared shared, std::unique_ptr<Producer> control)
      : shared_(std::move(shared)),
        producer_(*shared_.spec, "apply"),
        control_(std::move(control)) {}

  Result<std::unique_ptr<ChangeApplier>> OpenLane(int lane, int lanes) const override {
    CUTOVER_ASSIGN_OR_RETURN(std::shared_ptr<Producer> producer, producer_.Get());
    for (const TargetTablePlan& plan : *shared_.plans) {
      CUTOVER_RETURN_IF_ERROR(producer->Learn(TopicOf(shared_.spec->target.kafka, plan.target)));
    }
    return std::unique_ptr<ChangeApplier>(
        std::make_unique<KafkaApplier>(shared_, std::move(producer), lane, lanes));
  }

  // A topic has no fixed columns: each envelope carries the shape its change was applied with.
  Result<std::optional<std::vector<std::string>>> TargetColumns(
      const TargetTablePlan&) const override {
    return std::optional<std::vector<std::string>>();
  }

  // The Kafka rules of docs/ddl.md: an added, widened or re-defaulted column needs nothing (the
  // next envelopes' schema shows the new shape). A truncate (and a --recopy, which starts from
  // an empty table) sends op "t" to every partition of the table's topic, after every earlier
  // change of the table was acknowledged: a consumer drops the keys it read from that
  // partition before it.
  Result<SchemaStepResult> Follow(const TargetTablePlan& plan,
                                  const SchemaStep& step) const override {
    if (step.kind != SchemaStep::Kind::kTruncate && step.kind != SchemaStep::Kind::kRecreate) {
      return SchemaStepResult{};
    }
    const std::string topic = TopicOf(shared_.spec->target.kafka, plan.target);
    std::lock_guard lock(control_mutex_);
    CUTOVER_ASSIGN_OR_RETURN(int partitions, KafkaPartitions(control_->handle(), topic));
    EnvelopeEncoder encoder(plan.schema, EnvelopeOptionsOf(shared_.spec->target.kafka));
    EnvelopeSource source;
    const int64_t now = NowMs();
    source.ts_ms = now;
    const std::string value = encoder.Value(EnvelopeOp::kTruncate, nullptr, nullptr, source, now);
    for (int partition = 0; partition < partitions; ++partition) {
      CUTOVER_RETURN_IF_ERROR(control_->Produce(topic, partition, "", value, now));
    }
    CUTOVER_RETURN_IF_ERROR(control_->Flush());
    return SchemaStepResult{};
  }

 private:
  const Shared shared_;
  mutable SharedProducer producer_;  // the lanes'
  mutable std::mutex control_mutex_;
  const std::unique_ptr<Producer> control_;  // Follow's truncate events
};

}  // namespace

std::string TopicOf(const KafkaSpec& kafka, const TableId& target) {
  if (!kafka.topic.empty()) return kafka.topic;
  return fmt::format("{}.{}.{}", kafka.topic_prefix, target.schema, target.name);
}

EnvelopeOptions EnvelopeOptionsOf(const KafkaSpec& kafka) {
  EnvelopeOptions options;
  options.prefix = kafka.topic_prefix;
  options.schemas = kafka.schemas;
  options.table_in_key = !kafka.topic.empty();
  options.version = kVersion;
  return options;
}

Result<std::unique_ptr<Sink>> OpenKafkaSink(const Spec& spec) {
  CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<Producer> admin, OpenProducer(spec, "admin"));
  return std::unique_ptr<Sink>(std::make_unique<KafkaSink>(spec, std::move(admin)));
}

Result<std::unique_ptr<Appliers>> OpenKafkaAppliers(const Spec& spec,
                                                    const std::vector<TargetTablePlan>& plans,
                                                    StateStore* state) {
  Shared shared;
  shared.spec = &spec;
  shared.plans = &plans;
  shared.state = state;
  if (state == nullptr) {
    CUTOVER_ASSIGN_OR_RETURN(shared.owned_state, StateStore::Open(spec.state_dir));
    shared.state = shared.owned_state.get();
  }
  CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<Producer> control, OpenProducer(spec, "ddl"));
  return std::unique_ptr<Appliers>(
      std::make_unique<KafkaAppliers>(std::move(shared), std::move(control)));
}

}  // namespace cutover::kafka
