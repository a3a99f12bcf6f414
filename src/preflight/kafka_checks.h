// Preflight for Kafka brokers, as a target (target.kafka) or as the change log
// (change_log.kafka): the brokers answer a metadata request with the spec's TLS and SASL
// settings; a certificate that fails the TLS handshake is named with its cause and fix
// (CheckKafkaTls in db/kafka/tls_check.h).
#pragma once

#include <chrono>
#include <string>

#include "cutover/preflight.h"
#include "cutover/spec.h"

namespace cutover {

// How long the check waits for the brokers' metadata.
inline constexpr std::chrono::seconds kKafkaCheckTimeout{10};

// One check, id "<field>.brokers" (field: "target.kafka" or "change_log.kafka"): PASS with the
// number of brokers the cluster has, FAIL with what went wrong and what to do. Never throws.
CheckResult CheckKafkaBrokers(const KafkaSpec& kafka, const std::string& field);

}  // namespace cutover
