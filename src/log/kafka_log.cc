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
constexpr std::chrono::seconds kAdminTimeout{30};

}  // namespace

Status KafkaError(std::string_view what, rd_kafka_resp_err_t err) {
  std::string message = fmt::format("kafka: {}: {}", what, rd_kafka_err2str(err));
  switch (err) {
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART: return Status::NotFound(message);
    case RD_KAFKA_RESP_ERR__FATAL:
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED:
    case RD_KAFKA_RESP_ERR__AUTHENTICATION: return Status::FailedPrecondition(message);
    default: return Status::Unavailable(message);
  }
}

namespace {

// Delivery reports: the first failure is kept for the next Flush().
void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) return;
  auto* writer = static_cast<KafkaLogWriter*>(opaque);
  std::lock_guard lock(writer->delivery_mutex);
  if (writer->delivery_error.ok()) {
    writer->delivery_error = KafkaError("delivering a change record", message->err);
  }
}

Result<rd_kafka_t*> NewHandle(rd_kafka_type_t type, rd_kafka_conf_t* conf) {
  char error[512];
  rd_kafka_t* handle = rd_kafka_new(type, conf, error, sizeof(error));
  if (handle == nullptr) {
    rd_kafka_conf_destroy(conf);
    return Status::InvalidArgument(fmt::format("kafka: cannot create a client: {}", error));
  }
  return handle;  // owns conf now
}

// Creates `topic` with `partitions` partitions unless it exists.
Status EnsureTopic(rd_kafka_t* handle, const std::string& topic, int partitions,
                   std::string_view config_hint) {
  Result<int> existing = KafkaPartitions(handle, topic);
  if (existing.ok()) return Status::Ok();
  if (existing.status().code() != StatusCode::kNotFound) return existing.status();
  char error[512];
  rd_kafka_NewTopic_t* new_topic =
      rd_kafka_NewTopic_new(topic.c_str(), partitions, -1, error, sizeof(error));
  if (new_topic == nullptr) {
    return Status::InvalidArgument(fmt::format("kafka: topic {}: {}", topic, error));
  }
  rd_kafka_queue_t* queue = rd_kafka_queue_new(handle);
  rd_kafka_CreateTopics(handle, &new_topic, 1, nullptr, queue);
  rd_kafka_event_t* event =
      rd_kafka_queue_poll(queue, static_cast<int>(kAdminTimeout.count() * 1000));
  Status status;
  if (event == nullptr) {
    status = Status::Unavailable(fmt::format(
        "kafka: creating topic {} got no answer in {} s; create it with {} partitions, or give "
        "cutover the right to create topics ({})",
        topic, kAdminTimeout.count(), partitions, config_hint));
  } else {
    const rd_kafka_CreateTopics_result_t* result = rd_kafka_event_CreateTopics_result(event);
    size_t count = 0;
    const rd_kafka_topic_result_t** topics =
        result != nullptr ? rd_kafka_CreateTopics_result_topics(result, &count) : nullptr;
    rd_kafka_resp_err_t err = rd_kafka_event_error(event);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR && count == 1)
      err = rd_kafka_topic_result_error(topics[0]);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
      status = KafkaError(fmt::format("creating topic {}", topic), err);
    }
    rd_kafka_event_destroy(event);
  }
  rd_kafka_queue_destroy(queue);
  rd_kafka_NewTopic_destroy(new_topic);
  return status;
}

}  // namespace

std::string KafkaLogTopic(const Spec& spec) {
  return spec.change_log.kafka.topic.empty() ? "cutover." + spec.name + ".log"
                                             : spec.change_log.kafka.topic;
}

std::string KafkaControlTopic(const Spec& spec) { return KafkaLogTopic(spec) + ".control"; }

std::string KafkaApplyGroup(const Spec& spec) { return "cutover." + spec.name; }

Result<rd_kafka_conf_t*> KafkaConfig(const KafkaSpec& kafka,
                                     const std::map<std::string, std::string>& extra) {
  std::map<std::string, std::string> settings;
  settings["bootstrap.servers"] = kafka.brokers;
  const bool tls = kafka.tls.mode == TlsSpec::Mode::kRequire ||
                   kafka.tls.mode == TlsSpec::Mode::kVerifyCa ||
                   kafka.tls.mode == TlsSpec::Mode::kVerifyFull;
  const bool sasl = !kafka.sasl_mechanism.empty();
  // Kafka has no opportunistic TLS: `prefer` (the default) and `disable` connect in plain text.
  settings["security.protocol"] =
      sasl ? (tls ? "sasl_ssl" : "sasl_plaintext") : (tls ? "ssl" : "plaintext");
  if (tls) {
    bool verify = kafka.tls.mode != TlsSpec::Mode::kRequire;
    settings["enable.ssl.certificate.verification"] = verify ? "true" : "false";
    settings["ssl.endpoint.identification.algorithm"] =
        kafka.tls.mode == TlsSpec::Mode::kVerifyFull ? "https" : "none";
    if (!kafka.tls.ca_file.empty()) settings["ssl.ca.location"] = kafka.tls.ca_file;
    if (!kafka.tls.cert_file.empty()) settings["ssl.certificate.location"] = kafka.tls.cert_file;
    if (!kafka.tls.key_file.empty()) settings["ssl.key.location"] = kafka.tls.key_file;
  }
  if (sasl) {
    settings["sasl.mechanisms"] = kafka.sasl_mechanism;
    settings["sasl.username"] = kafka.sasl_user;
    settings["sasl.password"] = kafka.sasl_password.value;
  }
  for (const auto& [name, value] : extra) settings[name] = value;
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char error[512];
  for (const auto& [name, value] : settings) {
    if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), error, sizeof(error)) !=
        RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      // Never echo a value: it may be the SASL password.
      return Status::InvalidArgument(fmt::format("kafka setting {}: {}", name, error));
    }
  }
  return conf;
}

Result<int> KafkaPartitions(rd_kafka_t* handle, const std::string& topic) {
  rd_kafka_topic_t* topic_handle = rd_kafka_topic_new(handle, topic.c_str(), nullptr);
  const struct rd_kafka_metadata* metadata = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(handle, 0, topic_handle, &metadata,
                                              static_cast<int>(kAdminTimeout.count() * 1000));
  rd_kafka_topic_destroy(topic_handle);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return KafkaError(fmt::format("reading the metadata of topic {}", topic), err);
  }
  Result<int> partitions = Status::NotFound(fmt::format("kafka: topic {} does not exist", topic));
  if (metadata->topic_cnt == 1 && metadata->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR &&
      metadata->topics[0].partition_cnt > 0) {
    partitions = metadata->topics[0].partition_cnt;
  } else if (metadata->topic_cnt == 1 &&
             metadata->topics[0].err != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART &&
             metadata->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    partitions = KafkaError(fmt::format("topic {}", topic), metadata->topics[0].err);
  }
  rd_kafka_metadata_destroy(metadata);
  return partitions;
}

Status ScanKafkaPartition(const KafkaSpec& kafka, const std::string& group,
                          const std::string& topic, int partition, std::optional<int64_t> from,
                          std::optional<int64_t> end, const KafkaRecordVisitor& visit) {
  if (from && end && *from >= *end) return Status::Ok();
  CUTOVER_ASSIGN_OR_RETURN(rd_kafka_conf_t * conf,
                           KafkaConfig(kafka, {{"enable.auto.commit", "false"},
                                               {"group.id", group},
                                               {"enable.partition.eof", "true"}}));
  CUTOVER_ASSIGN_OR_RETURN(rd_kafka_t * consumer, NewHandle(RD_KAFKA_CONSUMER, conf));
  std::unique_ptr<rd_kafka_t, void (*)(rd_kafka_t*)> owner(consumer, [](rd_kafka_t* handle) {
    rd_kafka_consumer_close(handle);
    rd_kafka_destroy(handle);
  });
  if (!from || !end) {
    // The partition's start and end, asked with this same consumer.
    int64_t low = 0;
    int64_t high = 0;
    rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(
        consumer, topic.c_str(), partition, &low, &high,
        static_cast<int>(kAdminTimeout.count() * 1000));
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return KafkaError(fmt::format("reading the end of topic {}", topic), err);
    }
    if (!from) from = low;
    if (!end) end = high;
    if (*from >= *end) return Status::Ok();
  }
  rd_kafka_topic_partition_list_t* assignment = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(assignment, topic.c_str(), partition)->offset = *from;
  rd_kafka_resp_err_t err = rd_kafka_assign(consumer, assignment);
  rd_kafka_topic_partition_list_destroy(assignment);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return KafkaError(fmt::format("reading topic {} partition {}", topic, partition), err);
  }
  auto deadline = std::chrono::steady_clock::now() + kAdminTimeout;
  int64_t next = *from;
  while (next < *end) {
    if (std::chrono::steady_clock::now() > deadline) {
      return Status::Unavailable(fmt::format("kafka: reading topic {} partition {} took over {} s",
                                             topic, partition, kAdminTimeout.count()));
    }
    rd_kafka_message_t* message = rd_kafka_consumer_poll(consumer, 200);
    if (message == nullptr) continue;
    std::unique_ptr<rd_kafka_message_t, void (*)(rd_kafka_message_t*)> held(
        message, rd_kafka_message_destroy);
    if (message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) break;
    if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return KafkaError(fmt::format("reading topic {} partition {}", topic, partition),
                        message->err);
    }
    if (message->partition != partition) continue;
    next = message->offset + 1;
    CUTOVER_ASSIGN_OR_RETURN(bool stop, visit(*message));
    if (stop) break;
  }
  return Status::Ok();
}

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
          CUTOVER_ASSIGN_OR_RETURN(
              uint32_t id, ParseInteger<uint32_t>(key.substr(sizeof(kShapePrefix) - 1),
                                                  "the shape number of a control record"));
          CUTOVER_ASSIGN_OR_RETURN(TableSchema schema, SchemaFromJson(value));
          control.shapes[id] = std::make_shared<const TableSchema>(std::move(schema));
          control.shape_ids[std::string(value)] = id;
        }
        return false;
      }));
  return control;
}

Result<std::vector<int64_t>> KafkaEndOffsets(rd_kafka_t* handle, const std::string& topic,
                                             int partitions) {
  std::vector<int64_t> ends(static_cast<size_t>(partitions), 0);
  for (int partition = 0; partition < partitions; ++partition) {
    int64_t low = 0;
    rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(
        handle, topic.c_str(), partition, &low, &ends[static_cast<size_t>(partition)],
        static_cast<int>(kAdminTimeout.count() * 1000));
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return KafkaError(fmt::format("reading the end of topic {} partition {}", topic, partition),
                        err);
    }
  }
  return ends;
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
  CUTOVER_ASSIGN_OR_RETURN(progress->consumer_, NewHandle(RD_KAFKA_CONSUMER, conf));
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
      rd_kafka_committed(consumer_, list, static_cast<int>(kAdminTimeout.count() * 1000));
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
  CUTOVER_ASSIGN_OR_RETURN(
      rd_kafka_conf_t * conf,
      KafkaConfig(spec.change_log.kafka, {{"enable.idempotence", "true"},
                                          {"linger.ms", "5"},
                                          {"compression.type", "lz4"},
                                          {"client.id", "cutover-capture." + spec.name}}));
  rd_kafka_conf_set_dr_msg_cb(conf, OnDelivery);
  rd_kafka_conf_set_opaque(conf, writer.get());
  CUTOVER_ASSIGN_OR_RETURN(writer->producer_, NewHandle(RD_KAFKA_PRODUCER, conf));
  std::string hint = fmt::format("topics {} and {}", writer->topic_, writer->control_topic_);
  CUTOVER_RETURN_IF_ERROR(
      EnsureTopic(writer->producer_, writer->topic_, spec.change_log.kafka.partitions, hint));
  CUTOVER_RETURN_IF_ERROR(EnsureTopic(writer->producer_, writer->control_topic_, 1, hint));
  CUTOVER_ASSIGN_OR_RETURN(writer->partitions_, KafkaPartitions(writer->producer_, writer->topic_));
  CUTOVER_ASSIGN_OR_RETURN(writer->control_,
                           ReadKafkaControl(spec.change_log.kafka, writer->control_topic_));
  return writer;
}

KafkaLogWriter::~KafkaLogWriter() {
  if (producer_ != nullptr) {
    rd_kafka_flush(producer_, 10000);
    rd_kafka_destroy(producer_);
  }
}

Status KafkaLogWriter::ProduceTo(const std::string& topic, int partition, std::string_view key,
                                 std::string_view value, int64_t time_ms) {
  for (int attempt = 0;; ++attempt) {
    // librdkafka's RD_KAFKA_V_* macros are C casts.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"
    rd_kafka_resp_err_t err =
        rd_kafka_producev(producer_, RD_KAFKA_V_TOPIC(topic.c_str()),
                          RD_KAFKA_V_PARTITION(partition), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                          RD_KAFKA_V_KEY(const_cast<char*>(key.data()), key.size()),
                          RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                          RD_KAFKA_V_TIMESTAMP(time_ms), RD_KAFKA_V_END);
#pragma GCC diagnostic pop
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
    // A full local queue is backpressure: serve deliveries until there is room.
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL || attempt > 6000) {
      return KafkaError(fmt::format("producing to topic {}", topic), err);
    }
    rd_kafka_poll(producer_, 10);
  }
  rd_kafka_poll(producer_, 0);
  return Status::Ok();
}

Status KafkaLogWriter::Produce(int partition, std::string_view key, std::string_view value,
                               int64_t time_ms) {
  return ProduceTo(topic_, partition, key, value, time_ms);
}

Status KafkaLogWriter::Flush(std::chrono::milliseconds timeout) {
  rd_kafka_resp_err_t err = rd_kafka_flush(producer_, static_cast<int>(timeout.count()));
  std::lock_guard lock(delivery_mutex);
  if (!delivery_error.ok()) return delivery_error;
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return KafkaError("waiting for acknowledgements", err);
  return Status::Ok();
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
  return KafkaEndOffsets(producer_, topic_, partitions_);
}

}  // namespace cutover::log
