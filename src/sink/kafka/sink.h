// The Kafka target (docs/kafka.md): every row becomes a Debezium change event (envelope.h) on
// its table's topic, keyed by the row's key columns. The full load's Sink writes op "r"
// records; the appliers write "c", "u" and "d" (a delete, and the old key of a key change, is
// followed by a tombstone). Records are partitioned from their key bytes by the murmur2
// partitioner (the Java client's), in the copy and in CDC alike, so a key's records stay in one
// partition, in order. Kafka has no transactions cutover could tie a checkpoint to: a lane's
// checkpoint is recorded in the state store after the brokers acknowledged every record before
// it, so delivery is at least once (a restart may send records again, in the same order).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cutover/apply.h"
#include "cutover/sink.h"
#include "cutover/spec.h"
#include "cutover/state_store.h"
#include "cutover/status.h"

#include "sink/kafka/envelope.h"

namespace cutover::kafka {

// The topic of `target` (a plan's target table): target.kafka.topic when set (every table in
// one topic), else <topic_prefix>.<schema>.<table>.
std::string TopicOf(const KafkaSpec& kafka, const TableId& target);
// The envelope settings of the spec's target.
EnvelopeOptions EnvelopeOptionsOf(const KafkaSpec& kafka);

Result<std::unique_ptr<Sink>> OpenKafkaSink(const Spec& spec);

// The appliers of a Kafka target, opened once per process; each lane has its own idempotent
// producer; checkpoints are kept in `state` (the caller's, not owned, outliving the result; null:
// <spec.state_dir>/state.db is opened) as state/lane_checkpoint.h says.
Result<std::unique_ptr<Appliers>> OpenKafkaAppliers(const Spec& spec,
                                                    const std::vector<TargetTablePlan>& plans,
                                                    StateStore* state);

}  // namespace cutover::kafka
