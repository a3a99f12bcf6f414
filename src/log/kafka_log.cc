// KafkaLog: librdkafka configuration, the control topic and the capture-side producer.
#include "log/kafka_log.h"

#include <algorithm>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>

#include "core/parse_number.h"
#include "log/change_codec.h"

namespace cutover::log {
namespace {

constexpr char kShapePrefix[] = "shape:";
constexpr char kCopyDoneKey[] = "copy_done";

}  // namespace

std::string KafkaLogTopic(const Spec& spec) {
  return spec.change_log.kafka.topic.empty() ? "cutover." + spec.name + ".log"
                                             : spec.change_log.kafka.topic;
}

std::string KafkaControlTopic(const Spec& spec) { return KafkaLogTopic(spec) + ".control"; }

std::string KafkaApplyGroup(const Spec& spec) { return "cutover." + spec.name; }

Result<KafkaControl> ReadKafkaControl(const KafkaSpec& kafka, const std::string& topic) {
  KafkaControl control;
  CUTOVER_RETURN_IF_ERROR(ScanKafkaPartition(
      kafka, "cutover-control-reader", topic, 0, std::nullopt, std::nullopt,
      [&control](const rd_kafka_message_t& message) -> Result<bool> {
        std::string_view key(static_cast<const char*>(message.key), message.key_len);
        std::string_view value(static_cast<const char*>(message.payload), message.len);
        if (key == kCopyDoneKey) {
          control.copy_done = true;
        } else if (key.starts_with(kShapePrefix)) {
          CUTOVER_ASSIGN_OR_RETURN(uint32_t id,
                                   ParseInteger<uint32_t>(key.substr(sizeof(kShapePrefix) - 1),
                                                          "the shape number of a control record"));
          CUTOVER_ASSIGN_OR_RETURN(TableSchema schema, SchemaFromJson(value));
          control.shapes[id] = std::make_shared<const TableSchema>(std::move(schema));
          control.shape_ids[std::string(value)] = id;
        }
        return false;
      }));
  return control;
}

Result<std::unique_ptr<KafkaGroupProgress>> KafkaGroupProgress::Open(const Spec& spec) {
  std::unique_ptr<KafkaGroupProgress> progress(new KafkaGroupProgress());
  progress->topic_ = KafkaLogTopic(spec);
  progress->group_ = KafkaApplyGroup(spec);
  // Never subscribes: librdkafka joins a group only on subscribe, so the appliers keep their
  // partitions. Nothing is consumed, so nothing is ever committed from here.
  CUTOVER_ASSIGN_OR_RETURN(
      rd_kafka_conf_t * conf,
      KafkaConfig(spec.change_log.kafka, {{"group.id", progress->group_},
                                          {"client.id", "cutover-progress." + spec.name},
                                          {"enable.auto.commit", "false"},
                                          {"enable.auto.offset.store", "false"}}));
  CUTOVER_ASSIGN_OR_RETURN(progress->consumer_, NewKafkaHandle(RD_KAFKA_CONSUMER, conf));
  CUTOVER_ASSIGN_OR_RETURN(progress->partitions_,
                           KafkaPartitions(progress->consumer_, progress->topic_));
  return progress;
}

KafkaGroupProgress::~KafkaGroupProgress() {
  if (consumer_ != nullptr) {
    rd_kafka_consumer_close(consumer_);
    rd_kafka_destroy(consumer_);
  }
}

Result<std::vector<int64_t>> KafkaGroupProgress::Committed() {
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions_);
  for (int partition = 0; partition < partitions_; ++partition) {
    rd_kafka_topic_partition_list_add(list, topic_.c_str(), partition);
  }
  rd_kafka_resp_err_t err =
      rd_kafka_committed(consumer_, list, static_cast<int>(kKafkaAdminTimeout.count() * 1000));
  std::vector<int64_t> committed(static_cast<size_t>(partitions_), -1);
  for (int item = 0; err == RD_KAFKA_RESP_ERR_NO_ERROR && item < list->cnt; ++item) {
    const rd_kafka_topic_partition_t& entry = list->elems[item];
    if (entry.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      err = entry.err;
    } else if (entry.partition >= 0 && entry.partition < partitions_) {
      // RD_KAFKA_OFFSET_INVALID (-1001) when the group never committed this partition.
      committed[static_cast<size_t>(entry.partition)] = std::max<int64_t>(entry.offset, -1);
    }
  }
  rd_kafka_topic_partition_list_destroy(list);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return KafkaError(fmt::format("reading the committed offsets of consumer group {}", group_),
                      err);
  }
  return committed;
}

Result<std::vector<int64_t>> KafkaGroupProgress::EndOffsets() {
  return KafkaEndOffsets(consumer_, topic_, partitions_);
}

Result<std::unique_ptr<KafkaLogWriter>> KafkaLogWriter::Open(const Spec& spec) {
  std::unique_ptr<KafkaLogWriter> writer(new KafkaLogWriter());
  writer->topic_ = KafkaLogTopic(spec);
  writer->control_topic_ = KafkaControlTopic(spec);
  CUTOVER_ASSIGN_OR_RETURN(writer->producer_,
                           kafka::Producer::Open(spec.change_log.kafka,
                                                 {{"linger.ms", "5"},
                                                  {"compression.type", "lz4"},
                                                  {"client.id", "cutover-capture." + spec.name}}));
  std::string hint = fmt::format("topics {} and {}", writer->topic_, writer->control_topic_);
  CUTOVER_RETURN_IF_ERROR(EnsureKafkaTopic(writer->producer_->handle(), writer->topic_,
                                           spec.change_log.kafka.partitions, -1, hint));
  CUTOVER_RETURN_IF_ERROR(
      EnsureKafkaTopic(writer->producer_->handle(), writer->control_topic_, 1, -1, hint));
  CUTOVER_ASSIGN_OR_RETURN(writer->partitions_,
                           KafkaPartitions(writer->producer_->handle(), writer->topic_));
  CUTOVER_ASSIGN_OR_RETURN(writer->control_,
                           ReadKafkaControl(spec.change_log.kafka, writer->control_topic_));
  return writer;
}

KafkaLogWriter::~KafkaLogWriter() = default;

Status KafkaLogWriter::ProduceTo(const std::string& topic, int partition, std::string_view key,
                                 std::string_view value, int64_t time_ms) {
  return producer_->Produce(topic, partition, key, value, time_ms);
}

Status KafkaLogWriter::Produce(int partition, std::string_view key, std::string_view value,
                               int64_t time_ms) {
  return ProduceTo(topic_, partition, key, value, time_ms);
}

Status KafkaLogWriter::Flush(std::chrono::milliseconds timeout) {
  return producer_->Flush(timeout);
}

Result<uint32_t> KafkaLogWriter::ShapeId(const TableSchema& schema) {
  std::string json = SchemaToJson(schema);
  auto found = control_.shape_ids.find(json);
  if (found != control_.shape_ids.end()) return found->second;
  uint32_t id = control_.shapes.empty() ? 1 : control_.shapes.rbegin()->first + 1;
  std::string key = kShapePrefix + std::to_string(id);
  CUTOVER_RETURN_IF_ERROR(ProduceTo(control_topic_, 0, key, json, 0));
  // The shape must be readable before any record that uses it can be.
  CUTOVER_RETURN_IF_ERROR(Flush());
  control_.shapes[id] = std::make_shared<const TableSchema>(schema);
  control_.shape_ids[json] = id;
  return id;
}

Status KafkaLogWriter::MarkCopyDone() {
  if (control_.copy_done) return Status::Ok();
  CUTOVER_RETURN_IF_ERROR(ProduceTo(control_topic_, 0, kCopyDoneKey, "1", 0));
  CUTOVER_RETURN_IF_ERROR(Flush());
  control_.copy_done = true;
  return Status::Ok();
}

Result<std::vector<int64_t>> KafkaLogWriter::EndOffsets() {
  return KafkaEndOffsets(producer_->handle(), topic_, partitions_);
}

}  // namespace cutover::log
