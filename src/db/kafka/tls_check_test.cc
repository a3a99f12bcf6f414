// The messages of a failed TLS handshake with a Kafka broker: the spec field, the cause, the
// libraries' words and the fix (the texts kafka_tls_test meets against a TLS broker).
#include "db/kafka/tls_check.h"

#include <gtest/gtest.h>

namespace cutover::kafka {
namespace {

KafkaSpec Spec(const std::string& field, const std::string& ca_file) {
  KafkaSpec kafka;
  kafka.brokers = "kafka1:9093";
  kafka.tls.mode = TlsSpec::Mode::kVerifyFull;
  kafka.tls.ca_file = ca_file;
  kafka.tls.field = field;
  return kafka;
}

TEST(KafkaTlsFailureTextTest, UntrustedNamesTheCaFileOrTheSystemStore) {
  EXPECT_EQ(KafkaTlsFailureText(Spec("target.kafka.tls", "/etc/cutover/ca.pem"), "kafka1", 9093,
                                TlsFailure::kUntrusted, "librdkafka: x; OpenSSL: y"),
            "kafka: cannot connect to broker kafka1:9093: target.kafka.tls: the broker's "
            "certificate is not trusted: no CA in target.kafka.tls.ca_file (/etc/cutover/ca.pem) "
            "signed it (librdkafka: x; OpenSSL: y); set target.kafka.tls.ca_file to the CA bundle "
            "that signed the brokers' certificates");
  EXPECT_EQ(KafkaTlsFailureText(Spec("change_log.kafka.tls", ""), "kafka1", 9093,
                                TlsFailure::kUntrusted, "librdkafka: x"),
            "kafka: cannot connect to broker kafka1:9093: change_log.kafka.tls: the broker's "
            "certificate is not trusted: no CA in the system's CA store "
            "(change_log.kafka.tls.ca_file is not set) signed it (librdkafka: x); set "
            "change_log.kafka.tls.ca_file to the CA bundle that signed the brokers' certificates");
}

TEST(KafkaTlsFailureTextTest, HostMismatchOffersTheBrokersOrVerifyCa) {
  EXPECT_EQ(KafkaTlsFailureText(Spec("target.kafka.tls", ""), "10.0.0.7", 9093,
                                TlsFailure::kHostMismatch, "librdkafka: x"),
            "kafka: cannot connect to broker 10.0.0.7:9093: target.kafka.tls: host name mismatch: "
            "the broker's certificate does not name '10.0.0.7' (librdkafka: x); list the brokers "
            "in target.kafka.brokers by names their certificates list (their advertised "
            "listeners too), or use target.kafka.tls.mode verify_ca to check the CA alone");
}

TEST(KafkaTlsFailureTextTest, OtherFailuresAndPlainListeners) {
  EXPECT_EQ(KafkaTlsFailureText(Spec("target.kafka.tls", ""), "kafka1", 9093, TlsFailure::kOther,
                                "librdkafka: x"),
            "kafka: cannot connect to broker kafka1:9093: target.kafka.tls: the TLS handshake "
            "with the broker failed (librdkafka: x); check the broker's certificate and key, its "
            "TLS listener in target.kafka.brokers, and target.kafka.tls");
  EXPECT_EQ(KafkaPlainListenerText(Spec("change_log.kafka.tls", ""), "kafka1", 9092),
            "kafka: cannot connect to broker kafka1:9092: change_log.kafka.tls: the broker does "
            "not speak TLS on this port: it closed the connection during the TLS handshake "
            "(librdkafka: connecting to a PLAINTEXT broker listener?); list the brokers' TLS "
            "listeners in change_log.kafka.brokers, or set change_log.kafka.tls.mode disable for "
            "plain text");
}

TEST(CheckKafkaTlsTest, WithoutTlsNothingIsAsked) {
  KafkaSpec kafka = Spec("target.kafka.tls", "");
  kafka.brokers = "127.0.0.1:1";  // nothing listens: a check would have to wait
  for (TlsSpec::Mode mode : {TlsSpec::Mode::kDisable, TlsSpec::Mode::kPrefer}) {
    kafka.tls.mode = mode;
    EXPECT_TRUE(CheckKafkaTls(kafka).ok());
  }
}

}  // namespace
}  // namespace cutover::kafka
