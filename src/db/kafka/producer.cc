// Producer: librdkafka's idempotent producer with delivery reports kept for Flush().
#include "db/kafka/producer.h"

#include <fmt/format.h>

#include "db/kafka/client.h"

namespace cutover::kafka {
namespace {

void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  static_cast<Producer*>(opaque)->Delivered(*message);
}

}  // namespace

Result<std::unique_ptr<Producer>> Producer::Open(const KafkaSpec& kafka,
                                                 const std::map<std::string, std::string>& extra) {
  std::unique_ptr<Producer> producer(new Producer());
  std::map<std::string, std::string> settings = extra;
  // Idempotence: librdkafka retries a send without duplicating or reordering it within a
  // partition, and waits for every in-sync replica (acks=all).
  settings["enable.idempotence"] = "true";
  CUTOVER_ASSIGN_OR_RETURN(rd_kafka_conf_t * conf, KafkaConfig(kafka, settings));
  rd_kafka_conf_set_dr_msg_cb(conf, OnDelivery);
  rd_kafka_conf_set_opaque(conf, producer.get());
  CUTOVER_ASSIGN_OR_RETURN(producer->handle_, NewKafkaHandle(RD_KAFKA_PRODUCER, conf));
  return producer;
}

Producer::~Producer() {
  if (handle_ != nullptr) {
    for (auto& [name, topic] : topics_) rd_kafka_topic_destroy(topic);
    rd_kafka_flush(handle_, 10000);
    rd_kafka_destroy(handle_);
  }
}

void Producer::Delivered(const rd_kafka_message_t& message) {
  // The tracker counts the report after the error is kept: its Wait then sees the error.
  auto* tracker = static_cast<Tracker*>(message._private);
  if (message.err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (tracker != nullptr) tracker->done.fetch_add(1);
    return;
  }
  std::lock_guard lock(delivery_mutex_);
  if (delivery_error_.ok()) {
    delivery_error_ =
        KafkaError(fmt::format("delivering a record to topic {}", rd_kafka_topic_name(message.rkt)),
                   message.err);
  }
  if (tracker != nullptr) tracker->done.fetch_add(1);
}

Status Producer::Produce(const std::string& topic, int partition, std::string_view key,
                         std::optional<std::string_view> value, int64_t time_ms,
                         Tracker* tracker) {
  // The RD_KAFKA_V_* macros cast their arguments without parentheses: plain variables only.
  char* key_data = key.empty() ? nullptr : const_cast<char*>(key.data());
  char* value_data = value ? const_cast<char*>(value->data()) : nullptr;
  const size_t value_size = value ? value->size() : 0;
  for (int attempt = 0;; ++attempt) {
    // librdkafka's RD_KAFKA_V_* macros are C casts.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"
#if defined(__clang__)
    // RD_KAFKA_V_* are ({ ... }) statement expressions, which clang names (GCC does not).
#pragma clang diagnostic ignored "-Wgnu-statement-expression"
#endif
    rd_kafka_resp_err_t err = rd_kafka_producev(
        handle_, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(key_data, key.size()),
        RD_KAFKA_V_VALUE(value_data, value_size), RD_KAFKA_V_TIMESTAMP(time_ms),
        RD_KAFKA_V_OPAQUE(tracker), RD_KAFKA_V_END);
#pragma GCC diagnostic pop
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (tracker != nullptr) tracker->sent.fetch_add(1);
      break;
    }
    // A full local queue is backpressure: serve deliveries until there is room.
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL || attempt > 6000) {
      return KafkaError(fmt::format("producing to topic {}", topic), err);
    }
    rd_kafka_poll(handle_, 10);
  }
  rd_kafka_poll(handle_, 0);
  return Status::Ok();
}

Status Producer::Flush(std::chrono::milliseconds timeout) {
  rd_kafka_resp_err_t err = rd_kafka_flush(handle_, static_cast<int>(timeout.count()));
  std::lock_guard lock(delivery_mutex_);
  if (!delivery_error_.ok()) return delivery_error_;
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return KafkaError("waiting for acknowledgements", err);
  return Status::Ok();
}

Status Producer::Learn(const std::string& topic) {
  std::lock_guard lock(topics_mutex_);
  if (topics_.contains(topic)) return Status::Ok();
  rd_kafka_topic_t* handle = rd_kafka_topic_new(handle_, topic.c_str(), nullptr);
  if (handle == nullptr) {
    return KafkaError(fmt::format("opening topic {}", topic), rd_kafka_last_error());
  }
  const struct rd_kafka_metadata* metadata = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(handle_, 0, handle, &metadata,
                                              static_cast<int>(kKafkaAdminTimeout.count() * 1000));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    rd_kafka_topic_destroy(handle);
    return KafkaError(fmt::format("reading the metadata of topic {}", topic), err);
  }
  rd_kafka_metadata_destroy(metadata);
  topics_.emplace(topic, handle);
  return Status::Ok();
}

Producer::Tracker* Producer::NewTracker() {
  std::lock_guard lock(delivery_mutex_);
  return &trackers_.emplace_back();
}

bool Producer::failed() {
  std::lock_guard lock(delivery_mutex_);
  return !delivery_error_.ok();
}

Status Producer::Wait(Tracker& tracker, std::chrono::milliseconds timeout) {
  const uint64_t sent = tracker.sent.load();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (tracker.done.load() < sent) {
    if (std::chrono::steady_clock::now() > deadline) {
      return Status::Unavailable(fmt::format(
          "waiting for acknowledgements: {} of {} records unacknowledged after {} ms",
          sent - tracker.done.load(), sent, timeout.count()));
    }
    rd_kafka_poll(handle_, 5);
  }
  std::lock_guard lock(delivery_mutex_);
  return delivery_error_;
}

}  // namespace cutover::kafka
