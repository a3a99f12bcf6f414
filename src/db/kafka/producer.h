// Producer: an idempotent librdkafka producer (enable.idempotence=true, so acks=all) that keeps
// the first failed delivery report: the change log's capture and the Kafka target's sink and
// appliers produce through it, and rely on Flush() to know that every record sent so far was
// acknowledged by the brokers.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include <librdkafka/rdkafka.h>

#include "cutover/spec.h"
#include "cutover/status.h"

namespace cutover::kafka {

class Producer {
 public:
  // Delivery counts of one user of a shared producer (an apply lane): it waits for its own
  // records only while other lanes keep producing. Owned by the producer (NewTracker), so a
  // record's report never outlives its tracker.
  struct Tracker {
    std::atomic<uint64_t> sent{0};
    std::atomic<uint64_t> done{0};
  };

  // `extra`: settings beyond the spec's (client.id, linger.ms, a partitioner).
  static Result<std::unique_ptr<Producer>> Open(const KafkaSpec& kafka,
                                                const std::map<std::string, std::string>& extra);
  ~Producer();
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  rd_kafka_t* handle() const { return handle_; }
  // Queues one record for `partition` of `topic` (RD_KAFKA_PARTITION_UA: the partitioner picks
  // it from the key); an empty `key` is a null key; `value` nullopt: a tombstone (null value).
  // A full local queue waits.
  // With `tracker`, the record counts in it (Wait).
  Status Produce(const std::string& topic, int partition, std::string_view key,
                 std::optional<std::string_view> value, int64_t time_ms,
                 Tracker* tracker = nullptr);
  // Waits until every queued record is acknowledged. A failed delivery fails this and every
  // later Flush (from any thread): the producer is done, and a new one produces again what came
  // after the last checkpoint.
  Status Flush(std::chrono::milliseconds timeout = std::chrono::seconds(60));
  // Reads `topic`'s metadata now, and keeps the topic known to the producer: librdkafka
  // otherwise learns the partitions of a topic it has not seen at its next periodic metadata
  // scan, up to a second after the first record (measured: every apply lane's first batch
  // waited 1.0 s). Each topic is read once; thread-safe.
  Status Learn(const std::string& topic);
  // A new tracker, valid as long as the producer.
  Tracker* NewTracker();
  // Waits until every record produced with `tracker` so far has its delivery report (serving
  // the reports of every thread meanwhile). A failed delivery anywhere fails it, as Flush.
  Status Wait(Tracker& tracker, std::chrono::milliseconds timeout = std::chrono::seconds(60));
  // Whether a delivery failed: the producer is done (see Flush).
  bool failed();

  // Called by librdkafka's delivery report callback (public for the C callback only).
  void Delivered(const rd_kafka_message_t& message);

 private:
  Producer() = default;

  rd_kafka_t* handle_ = nullptr;
  std::mutex delivery_mutex_;
  Status delivery_error_;          // the first failed delivery
  std::deque<Tracker> trackers_;   // guarded by delivery_mutex_; stable addresses
  std::mutex topics_mutex_;
  std::map<std::string, rd_kafka_topic_t*> topics_;  // Learn's; guarded by topics_mutex_
};

}  // namespace cutover::kafka
