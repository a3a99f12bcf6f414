// CheckKafkaBrokers: a metadata request to the brokers with the spec's settings.
#include "preflight/kafka_checks.h"

#include <memory>

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>

#include "db/kafka/client.h"

namespace cutover {

CheckResult CheckKafkaBrokers(const KafkaSpec& kafka, const std::string& field) {
  const std::string id = field + ".brokers";
  const std::string title = "the Kafka brokers answer";
  // Opens the client: with TLS the handshake is checked first (CheckKafkaTls).
  Result<rd_kafka_conf_t*> conf = kafka::KafkaConfig(kafka, {{"client.id", "cutover-check"}});
  Result<rd_kafka_t*> handle = conf.ok() ? kafka::NewKafkaHandle(RD_KAFKA_PRODUCER, *conf)
                                         : Result<rd_kafka_t*>(conf.status());
  if (!handle.ok()) {
    // The TLS check's messages end with their own fix.
    return CheckResult::Fail(id, title, std::string(handle.status().message()),
                             fmt::format("change {} as the message says", field));
  }
  std::unique_ptr<rd_kafka_t, void (*)(rd_kafka_t*)> owner(*handle, rd_kafka_destroy);
  const struct rd_kafka_metadata* metadata = nullptr;
  const rd_kafka_resp_err_t err = rd_kafka_metadata(
      owner.get(), 0, nullptr, &metadata, static_cast<int>(kKafkaCheckTimeout.count() * 1000));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return CheckResult::Fail(
        id, title,
        fmt::format("no broker of {}.brokers ({}) answered within {} s: {}", field, kafka.brokers,
                    kKafkaCheckTimeout.count(), rd_kafka_err2str(err)),
        fmt::format("check that the brokers are up and reachable from here, and {}.brokers, "
                    "{}.tls and {}.sasl_mechanism against the brokers' listeners",
                    field, field, field));
  }
  const int brokers = metadata->broker_cnt;
  rd_kafka_metadata_destroy(metadata);
  return CheckResult::Pass(
      id, title, fmt::format("{} broker{} in the cluster", brokers, brokers == 1 ? "" : "s"));
}

}  // namespace cutover
