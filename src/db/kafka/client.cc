// The Kafka client every Kafka-speaking folder shares (the change log, the Kafka target,
// verify): settings, handles, errors, topic creation and partition reads.
#include "db/kafka/client.h"

#include <memory>

#include <fmt/format.h>

#include "db/kafka/tls_check.h"

namespace cutover::kafka {

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

Result<rd_kafka_t*> NewKafkaHandle(rd_kafka_type_t type, rd_kafka_conf_t* conf) {
  char error[512];
  rd_kafka_t* handle = rd_kafka_new(type, conf, error, sizeof(error));
  if (handle == nullptr) {
    rd_kafka_conf_destroy(conf);
    return Status::InvalidArgument(fmt::format("kafka: cannot create a client: {}", error));
  }
  return handle;  // owns conf now
}

Status EnsureKafkaTopic(rd_kafka_t* handle, const std::string& topic, int partitions,
                        int replication, std::string_view config_hint) {
  Result<int> existing = KafkaPartitions(handle, topic);
  if (existing.ok()) return Status::Ok();
  if (existing.status().code() != StatusCode::kNotFound) return existing.status();
  char error[512];
  rd_kafka_NewTopic_t* new_topic =
      rd_kafka_NewTopic_new(topic.c_str(), partitions, replication, error, sizeof(error));
  if (new_topic == nullptr) {
    return Status::InvalidArgument(fmt::format("kafka: topic {}: {}", topic, error));
  }
  rd_kafka_queue_t* queue = rd_kafka_queue_new(handle);
  rd_kafka_CreateTopics(handle, &new_topic, 1, nullptr, queue);
  rd_kafka_event_t* event =
      rd_kafka_queue_poll(queue, static_cast<int>(kKafkaAdminTimeout.count() * 1000));
  Status status;
  if (event == nullptr) {
    status = Status::Unavailable(fmt::format(
        "kafka: creating topic {} got no answer in {} s; create it with {} partitions, or give "
        "cutover the right to create topics ({})",
        topic, kKafkaAdminTimeout.count(), partitions, config_hint));
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

Result<rd_kafka_conf_t*> KafkaConfig(const KafkaSpec& kafka,
                                     const std::map<std::string, std::string>& extra) {
  CUTOVER_RETURN_IF_ERROR(CheckKafkaTls(kafka));
  return KafkaConfigWithoutTlsCheck(kafka, extra);
}

bool KafkaUsesTls(const TlsSpec& tls) {
  return tls.mode == TlsSpec::Mode::kRequire || tls.mode == TlsSpec::Mode::kVerifyCa ||
         tls.mode == TlsSpec::Mode::kVerifyFull;
}

Result<rd_kafka_conf_t*> KafkaConfigWithoutTlsCheck(
    const KafkaSpec& kafka, const std::map<std::string, std::string>& extra) {
  std::map<std::string, std::string> settings;
  settings["bootstrap.servers"] = kafka.brokers;
  const bool tls = KafkaUsesTls(kafka.tls);
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
                                              static_cast<int>(kKafkaAdminTimeout.count() * 1000));
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
  CUTOVER_ASSIGN_OR_RETURN(rd_kafka_t * consumer, NewKafkaHandle(RD_KAFKA_CONSUMER, conf));
  std::unique_ptr<rd_kafka_t, void (*)(rd_kafka_t*)> owner(consumer, [](rd_kafka_t* handle) {
    rd_kafka_consumer_close(handle);
    rd_kafka_destroy(handle);
  });
  if (!from || !end) {
    // The partition's start and end, asked with this same consumer.
    CUTOVER_ASSIGN_OR_RETURN(auto marks, KafkaWatermarks(consumer, topic, partition));
    if (!from) from = marks.first;
    if (!end) end = marks.second;
    if (*from >= *end) return Status::Ok();
  }
  rd_kafka_topic_partition_list_t* assignment = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(assignment, topic.c_str(), partition)->offset = *from;
  rd_kafka_resp_err_t err = rd_kafka_assign(consumer, assignment);
  rd_kafka_topic_partition_list_destroy(assignment);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return KafkaError(fmt::format("reading topic {} partition {}", topic, partition), err);
  }
  auto deadline = std::chrono::steady_clock::now() + kKafkaAdminTimeout;
  int64_t next = *from;
  while (next < *end) {
    if (std::chrono::steady_clock::now() > deadline) {
      return Status::Unavailable(fmt::format("kafka: reading topic {} partition {} took over {} s",
                                             topic, partition, kKafkaAdminTimeout.count()));
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

Result<std::pair<int64_t, int64_t>> KafkaWatermarks(rd_kafka_t* handle, const std::string& topic,
                                                    int partition) {
  int64_t low = 0;
  int64_t high = 0;
  rd_kafka_resp_err_t err =
      rd_kafka_query_watermark_offsets(handle, topic.c_str(), partition, &low, &high,
                                       static_cast<int>(kKafkaAdminTimeout.count() * 1000));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return KafkaError(fmt::format("reading the offsets of topic {} partition {}", topic, partition),
                      err);
  }
  return std::make_pair(low, high);
}

Result<std::vector<int64_t>> KafkaEndOffsets(rd_kafka_t* handle, const std::string& topic,
                                             int partitions) {
  std::vector<int64_t> ends(static_cast<size_t>(partitions), 0);
  for (int partition = 0; partition < partitions; ++partition) {
    CUTOVER_ASSIGN_OR_RETURN(auto marks, KafkaWatermarks(handle, topic, partition));
    ends[static_cast<size_t>(partition)] = marks.second;
  }
  return ends;
}

}  // namespace cutover::kafka
