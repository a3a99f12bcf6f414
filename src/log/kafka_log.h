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

#include <librdkafka/rdkafka.h>

struct rd_kafka_s;       // librdkafka's rd_kafka_t
struct rd_kafka_conf_s;  // rd_kafka_conf_t

namespace cutover::log {

std::string KafkaLogTopic(const Spec& spec);      // change_log.kafka.topic, or cutover.<name>.log
std::string KafkaControlTopic(const Spec& spec);  // <log topic>.control
std::string KafkaApplyGroup(const Spec& spec);    // the appliers' consumer group: cutover.<name>

// A librdkafka configuration for `kafka` (brokers, TLS, SASL) plus `extra` settings.
// InvalidArgument naming the setting librdkafka refused. The caller owns the result.
Result<rd_kafka_conf_s*> KafkaConfig(const KafkaSpec& kafka,
                                     const std::map<std::string, std::string>& extra);

// The number of partitions of `topic`; NotFound when it does not exist.
Result<int> KafkaPartitions(rd_kafka_s* handle, const std::string& topic);

// What the control topic holds.
struct KafkaControl {
  std::map<uint32_t, std::shared_ptr<const TableSchema>> shapes;
  std::map<std::string, uint32_t> shape_ids;  // SchemaToJson text -> number
  bool copy_done = false;
};

// Reads the whole control topic (from its start to its current end).
Result<KafkaControl> ReadKafkaControl(const KafkaSpec& kafka, const std::string& topic);

// A Kafka error as a Status: NotFound for an unknown topic, FailedPrecondition for what needs a
// person (fatal, authorization, authentication), Unavailable (retried) for the rest.
Status KafkaError(std::string_view what, rd_kafka_resp_err_t err);

// Reads records [from, end) of one partition of `topic` with a private consumer (group
// `group`, which never subscribes or commits), calling `visit` on each in order until it returns
// true; `from`/`end` nullopt: the partition's first offset / its end now, asked with the same
// consumer. Stops early at the partition's end; Unavailable after 30 s.
using KafkaRecordVisitor = std::function<Result<bool>(const rd_kafka_message_t& record)>;
Status ScanKafkaPartition(const KafkaSpec& kafka, const std::string& group,
                          const std::string& topic, int partition, std::optional<int64_t> from,
                          std::optional<int64_t> end, const KafkaRecordVisitor& visit);

// The end offset (high watermark: the offset the next record gets, every acknowledged record is
// below it) of partitions 0..partitions-1 of `topic`, asked of each partition's leader.
Result<std::vector<int64_t>> KafkaEndOffsets(rd_kafka_s* handle, const std::string& topic,
                                             int partitions);

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
  rd_kafka_s* handle() const { return consumer_; }
  // The group's committed offset of each partition of the log topic; -1 where it has none.
  Result<std::vector<int64_t>> Committed();
  // The log topic's end offsets (KafkaEndOffsets).
  Result<std::vector<int64_t>> EndOffsets();

 private:
  KafkaGroupProgress() = default;

  rd_kafka_s* consumer_ = nullptr;
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

  rd_kafka_s* producer_ = nullptr;
  std::string topic_;
  std::string control_topic_;
  int partitions_ = 0;
  KafkaControl control_;

 public:
  // Delivery failures reported by librdkafka's callback (public for the C callback only).
  std::mutex delivery_mutex;
  Status delivery_error;
};

}  // namespace cutover::log
