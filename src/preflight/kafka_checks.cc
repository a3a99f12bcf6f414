// CheckKafkaBrokers: a metadata request to the brokers with the spec's settings.
#include "preflight/kafka_checks.h"

#include <chrono>
#include <memory>
#include <mutex>

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>

#include "db/kafka/client.h"

namespace cutover {
namespace {

// What librdkafka reported while the check waited: every broker down (refused, unreachable)
// ends the wait at once with its words. Guarded by mutex.
struct BrokerErrors {
  std::mutex mutex;
  bool all_down = false;
  std::string reason;  // the first transport error's words
};

void OnError(rd_kafka_t*, int err, const char* reason, void* opaque) {
  auto* errors = static_cast<BrokerErrors*>(opaque);
  std::lock_guard lock(errors->mutex);
  if (err == RD_KAFKA_RESP_ERR__TRANSPORT && errors->reason.empty()) errors->reason = reason;
  if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
    errors->all_down = true;
    if (errors->reason.empty()) errors->reason = reason;
  }
}

}  // namespace

CheckResult CheckKafkaBrokers(const KafkaSpec& kafka, const std::string& field) {
  const std::string id = field + ".brokers";
  const std::string title = "the Kafka brokers answer";
  // Opens the client: with TLS the handshake is checked first (CheckKafkaTls).
  Result<rd_kafka_conf_t*> conf = kafka::KafkaConfig(kafka, {{"client.id", "cutover-check"}});
  BrokerErrors errors;
  if (conf.ok()) {
    rd_kafka_conf_set_error_cb(*conf, OnError);
    rd_kafka_conf_set_opaque(*conf, &errors);
  }
  Result<rd_kafka_t*> handle = conf.ok() ? kafka::NewKafkaHandle(RD_KAFKA_PRODUCER, *conf)
                                         : Result<rd_kafka_t*>(conf.status());
  if (!handle.ok()) {
    // The TLS check's messages end with their own fix.
    return CheckResult::Fail(id, title, std::string(handle.status().message()),
                             fmt::format("change {} as the message says", field));
  }
  std::unique_ptr<rd_kafka_t, void (*)(rd_kafka_t*)> owner(*handle, rd_kafka_destroy);
  const std::string fix = fmt::format(
      "check that the brokers are up and reachable from here, and {}.brokers, {}.tls and "
      "{}.sasl_mechanism against the brokers' listeners",
      field, field, field);
  const struct rd_kafka_metadata* metadata = nullptr;
  const auto deadline = std::chrono::steady_clock::now() + kKafkaCheckTimeout;
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR__TIMED_OUT;
  while (std::chrono::steady_clock::now() < deadline) {
    err = rd_kafka_metadata(owner.get(), 0, nullptr, &metadata, 250);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
    rd_kafka_poll(owner.get(), 50);  // serves OnError
    std::lock_guard lock(errors.mutex);
    if (errors.all_down) {
      return CheckResult::Fail(id, title,
                               fmt::format("no broker of {}.brokers ({}) can be reached: {}", field,
                                           kafka.brokers, errors.reason),
                               fix);
    }
  }
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    std::lock_guard lock(errors.mutex);
    return CheckResult::Fail(
        id, title,
        fmt::format("no broker of {}.brokers ({}) answered within {} s: {}", field, kafka.brokers,
                    kKafkaCheckTimeout.count(),
                    errors.reason.empty() ? rd_kafka_err2str(err) : errors.reason),
        fix);
  }
  const int brokers = metadata->broker_cnt;
  rd_kafka_metadata_destroy(metadata);
  return CheckResult::Pass(
      id, title, fmt::format("{} broker{} in the cluster", brokers, brokers == 1 ? "" : "s"));
}

}  // namespace cutover
