// Helpers of the Kafka change log tests: librdkafka's mock cluster in the test process (the
// cutover processes reach it over TCP on 127.0.0.1), and what `cutover apply` prints.
#pragma once

#include <algorithm>
#include <regex>
#include <string>

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
