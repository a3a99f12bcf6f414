// Helpers of the Kafka change log tests: librdkafka's mock cluster in the test process (the
// cutover processes reach it over TCP on 127.0.0.1), and what `cutover apply` prints.
#pragma once

#include <algorithm>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

namespace cutover::testing {

// A mock Kafka cluster living in this test process; the cutover processes reach it over TCP.
class MockKafka {
 public:
  explicit MockKafka(int brokers) {
    char error[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "0", error, sizeof(error));
    handle_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof(error));
    EXPECT_NE(handle_, nullptr) << error;
    cluster_ = rd_kafka_mock_cluster_new(handle_, brokers);
    EXPECT_NE(cluster_, nullptr);
  }
  ~MockKafka() {
    if (cluster_ != nullptr) rd_kafka_mock_cluster_destroy(cluster_);
    if (handle_ != nullptr) rd_kafka_destroy(handle_);
  }
  std::string bootstraps() const { return rd_kafka_mock_cluster_bootstraps(cluster_); }
  // The mock cluster does not implement CreateTopics: the topics are made here, as an operator
  // who does not let cutover create topics would.
  void CreateTopic(const std::string& name, int partitions, int replication) {
    EXPECT_EQ(rd_kafka_mock_topic_create(cluster_, name.c_str(), partitions, replication),
              RD_KAFKA_RESP_ERR_NO_ERROR);
  }

 private:
  rd_kafka_t* handle_ = nullptr;
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
};

// One record as a consumer sees it.
struct KafkaRecord {
  int partition = 0;
  std::optional<std::string> key;
  std::optional<std::string> value;  // nullopt: a tombstone
};

// Every record of `topic` (partitions 0..partitions-1), each partition read to its end in offset
// order, with a consumer of ours.
inline std::vector<KafkaRecord> ConsumeTopic(const std::string& bootstraps,
                                             const std::string& topic, int partitions) {
  char error[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstraps.c_str(), error, sizeof(error));
  rd_kafka_conf_set(conf, "group.id", "test-rebuild", error, sizeof(error));
  rd_kafka_conf_set(conf, "enable.partition.eof", "true", error, sizeof(error));
  rd_kafka_t* consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, sizeof(error));
  EXPECT_NE(consumer, nullptr) << error;
  std::vector<KafkaRecord> records;
  for (int partition = 0; partition < partitions; ++partition) {
    int64_t low = 0;
    int64_t high = 0;
    EXPECT_EQ(
        rd_kafka_query_watermark_offsets(consumer, topic.c_str(), partition, &low, &high, 10000),
        RD_KAFKA_RESP_ERR_NO_ERROR);
    if (high <= low) continue;
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(list, topic.c_str(), partition)->offset = low;
    rd_kafka_assign(consumer, list);
    rd_kafka_topic_partition_list_destroy(list);
    for (int64_t next = low; next < high;) {
      rd_kafka_message_t* message = rd_kafka_consumer_poll(consumer, 1000);
      if (message == nullptr) continue;
      if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR && message->partition == partition) {
        KafkaRecord record;
        record.partition = partition;
        if (message->key != nullptr) {
          record.key = std::string(static_cast<const char*>(message->key), message->key_len);
        }
        if (message->payload != nullptr) {
          record.value = std::string(static_cast<const char*>(message->payload), message->len);
        }
        records.push_back(std::move(record));
        next = message->offset + 1;
      }
      rd_kafka_message_destroy(message);
    }
  }
  rd_kafka_consumer_close(consumer);
  rd_kafka_destroy(consumer);
  return records;
}

// Produces one record (`value` nullopt: a tombstone) to `partition` of `topic` and waits until
// the cluster has it.
inline void Produce(const std::string& bootstraps, const std::string& topic, int partition,
                    const std::string& key, const std::optional<std::string>& value) {
  char error[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstraps.c_str(), error, sizeof(error));
  rd_kafka_t* producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof(error));
  ASSERT_NE(producer, nullptr) << error;
  rd_kafka_topic_t* handle = rd_kafka_topic_new(producer, topic.c_str(), nullptr);
  EXPECT_EQ(rd_kafka_produce(handle, partition, RD_KAFKA_MSG_F_COPY,
                             value ? const_cast<char*>(value->data()) : nullptr,
                             value ? value->size() : 0, key.data(), key.size(), nullptr),
            0);
  rd_kafka_topic_destroy(handle);
  EXPECT_EQ(rd_kafka_flush(producer, 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_destroy(producer);
}

// The most changes per second one status line of `cutover apply` reported.
inline double MostAppliedPerSecond(const std::string& output) {
  static const std::regex line(R"(apply: lag [0-9.]+ s / [0-9]+ records, ([0-9]+) changes/s)");
  double most = 0;
  for (auto it = std::sregex_iterator(output.begin(), output.end(), line);
       it != std::sregex_iterator(); ++it) {
    most = std::max(most, std::stod((*it)[1].str()));
  }
  return most;
}

}  // namespace cutover::testing
