// The Kafka change log (docs/change-log.md, "Kafka"): capture produces every change to the log
// topic, partitioned by the applier's lane hash (so each key's changes stay in one partition, in
// order), through an idempotent producer; appliers in one consumer group share the partitions.
// A change record names its table shape by number; the shapes live in a one-partition control
// topic (`<log topic>.control`), with the marker that says the copy is finished (appliers in
// other processes wait for it: a change applied before the copy wrote its row could be
// overwritten by an older read of the copy).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <librdkafka/rdkafka.h>

#include "cutover/schema.h"
#include "cutover/spec.h"
#include "cutover/status.h"

#include "db/kafka/client.h"
#include "db/kafka/producer.h"

namespace cutover::log {

// The shared Kafka client (db/kafka/client.h), used unqualified by the log.
using kafka::EnsureKafkaTopic;
using kafka::KafkaConfig;
using kafka::KafkaEndOffsets;
using kafka::KafkaError;
using kafka::KafkaPartitions;
using kafka::KafkaRecordVisitor;
using kafka::kKafkaAdminTimeout;
using kafka::NewKafkaHandle;
using kafka::ScanKafkaPartition;

std::string KafkaLogTopic(const Spec& spec);      // change_log.kafka.topic, or cutover.<name>.log
std::string KafkaControlTopic(const Spec& spec);  // <log topic>.control
std::string KafkaApplyGroup(const Spec& spec);    // the appliers' consumer group: cutover.<name>

// What the control topic holds.
struct KafkaControl {
  std::map<uint32_t, std::shared_ptr<const TableSchema>> shapes;
  std::map<std::string, uint32_t> shape_ids;  // SchemaToJson text -> number
  bool copy_done = false;
};

// Reads the whole control topic (from its start to its current end).
Result<KafkaControl> ReadKafkaControl(const KafkaSpec& kafka, const std::string& topic);

// What the appliers' consumer group has applied, read without joining the group (a consumer
// handle with the group's id that never subscribes, so no partition moves): `cutover fence`
// and `cutover run`'s stop compare it with end offsets. An applier commits a partition's offset
// only after the records below it are applied (pipeline/kafka_apply.h).
class KafkaGroupProgress {
 public:
  static Result<std::unique_ptr<KafkaGroupProgress>> Open(const Spec& spec);
  ~KafkaGroupProgress();
  KafkaGroupProgress(const KafkaGroupProgress&) = delete;
  KafkaGroupProgress& operator=(const KafkaGroupProgress&) = delete;

  const std::string& group() const { return group_; }
  int partitions() const { return partitions_; }
  // The consumer handle (never subscribed), for watermark and offset-for-time queries.
  rd_kafka_t* handle() const { return consumer_; }
  // The group's committed offset of each partition of the log topic; -1 where it has none.
  Result<std::vector<int64_t>> Committed();
  // The log topic's end offsets (KafkaEndOffsets).
  Result<std::vector<int64_t>> EndOffsets();

 private:
  KafkaGroupProgress() = default;

  rd_kafka_t* consumer_ = nullptr;
  std::string topic_;
  std::string group_;
  int partitions_ = 0;
};

// The producer side, used by capture. Idempotent: librdkafka retries a send without duplicating
// or reordering it within a partition.
class KafkaLogWriter {
 public:
  // Connects, creates the log topic (change_log.kafka.partitions partitions) and the control
  // topic when missing, and loads the shapes already published.
  static Result<std::unique_ptr<KafkaLogWriter>> Open(const Spec& spec);
  ~KafkaLogWriter();
  KafkaLogWriter(const KafkaLogWriter&) = delete;
  KafkaLogWriter& operator=(const KafkaLogWriter&) = delete;

  int partitions() const { return partitions_; }
  // The number of `schema`'s shape, publishing it (and waiting for the broker) if it is new.
  Result<uint32_t> ShapeId(const TableSchema& schema);
  // Queues one record for `partition` of the log topic.
  Status Produce(int partition, std::string_view key, std::string_view value, int64_t time_ms);
  // Waits until every queued record is acknowledged. A failed delivery fails this and every
  // later Flush (from any thread): the writer is done, and a new one produces again what came
  // after the last checkpoint.
  Status Flush(std::chrono::milliseconds timeout = std::chrono::seconds(60));
  // Publishes the end-of-copy marker (idempotent).
  Status MarkCopyDone();
  // The log topic's end offsets (KafkaEndOffsets): after a Flush, every record produced so far
  // is below them.
  Result<std::vector<int64_t>> EndOffsets();

 private:
  KafkaLogWriter() = default;
  Status ProduceTo(const std::string& topic, int partition, std::string_view key,
                   std::string_view value, int64_t time_ms);

  std::unique_ptr<kafka::Producer> producer_;
  std::string topic_;
  std::string control_topic_;
  int partitions_ = 0;
  KafkaControl control_;
};

}  // namespace cutover::log
