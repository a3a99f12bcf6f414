// The Kafka client every Kafka-speaking folder shares (the change log, the Kafka target, verify):
// one librdkafka configuration for a KafkaSpec (brokers, TLS, SASL), handles, errors as Status,
// topic creation through the admin API, partition counts, end offsets and partition scans.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <librdkafka/rdkafka.h>

#include "cutover/spec.h"
#include "cutover/status.h"

namespace cutover::kafka {

// How long an admin request (metadata, topic creation, watermarks) may take.
inline constexpr std::chrono::seconds kKafkaAdminTimeout{30};

// Whether `tls` makes a Kafka client speak TLS: require, verify_ca, verify_full (Kafka has no
// opportunistic TLS: prefer and disable are plain text).
bool KafkaUsesTls(const TlsSpec& tls);

// A librdkafka configuration for `kafka` (brokers, TLS, SASL) plus `extra` settings.
// InvalidArgument naming the setting librdkafka refused. The caller owns the result.
// With TLS (require, verify_ca, verify_full) it first checks, once per process, that a handshake
// with the brokers does not fail (CheckKafkaTls in tls_check.h): FailedPrecondition naming
// kafka.tls.field, the cause and the fix when it does.
Result<rd_kafka_conf_t*> KafkaConfig(const KafkaSpec& kafka,
                                     const std::map<std::string, std::string>& extra);
// The same configuration without that check (the check's own client).
Result<rd_kafka_conf_t*> KafkaConfigWithoutTlsCheck(
    const KafkaSpec& kafka, const std::map<std::string, std::string>& extra);

// A client of `type` that owns `conf` (destroyed on failure too).
Result<rd_kafka_t*> NewKafkaHandle(rd_kafka_type_t type, rd_kafka_conf_t* conf);

// A Kafka error as a Status: NotFound for an unknown topic, FailedPrecondition for what needs a
// person (fatal, authorization, authentication), Unavailable (retried) for the rest.
Status KafkaError(std::string_view what, rd_kafka_resp_err_t err);

// Creates `topic` with `partitions` partitions and `replication` replicas (-1: the brokers'
// default) unless it exists. `config_hint` names what to create by hand in the error of a
// cluster that does not let cutover create topics.
Status EnsureKafkaTopic(rd_kafka_t* handle, const std::string& topic, int partitions,
                        int replication, std::string_view config_hint);

// The number of partitions of `topic`; NotFound when it does not exist.
Result<int> KafkaPartitions(rd_kafka_t* handle, const std::string& topic);

// Reads records [from, end) of one partition of `topic` with a private consumer (group
// `group`, which never subscribes or commits), calling `visit` on each in order until it returns
// true; `from`/`end` nullopt: the partition's first offset / its end now, asked with the same
// consumer. Stops early at the partition's end; Unavailable after 30 s.
using KafkaRecordVisitor = std::function<Result<bool>(const rd_kafka_message_t& record)>;
Status ScanKafkaPartition(const KafkaSpec& kafka, const std::string& group,
                          const std::string& topic, int partition, std::optional<int64_t> from,
                          std::optional<int64_t> end, const KafkaRecordVisitor& visit);

// The first and the end offset (low and high watermarks) of one partition of `topic`.
Result<std::pair<int64_t, int64_t>> KafkaWatermarks(rd_kafka_t* handle, const std::string& topic,
                                                    int partition);

// The end offset (high watermark: the offset the next record gets, every acknowledged record is
// below it) of partitions 0..partitions-1 of `topic`, asked of each partition's leader.
Result<std::vector<int64_t>> KafkaEndOffsets(rd_kafka_t* handle, const std::string& topic,
                                             int partitions);

}  // namespace cutover::kafka
