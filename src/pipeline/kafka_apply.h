// Apply from the Kafka change log (docs/change-log.md, "Kafka"): a consumer in the migration's
// consumer group; each assigned partition is one lane with its own ChangeApplier (lane =
// partition, lanes = the topic's partitions), applied in offset order, in batches; the
// partitions of one process are applied in parallel. Several processes (`cutover run` and any
// number of `cutover apply`) share the partitions; Kafka moves partitions between them when one
// joins or leaves. A partition resumes from the later of the checkpoint its applier stored (SQL
// targets: in the same transaction as the rows) and the group's committed offset (committed
// after each acknowledged batch: DynamoDB's checkpoint when the appliers run on other machines).
#pragma once

#include "cutover/spec.h"
#include "cutover/status.h"

#include "pipeline/apply.h"

namespace cutover::pipeline {

struct KafkaApplyOptions {
  ApplyOptions apply;  // max_batch, max_rows_per_second and stop are used
  // Wait for the copy's end marker in the control topic before applying anything (an applier
  // process other than `cutover run`).
  bool wait_for_copy = false;
};

// Applies until options.apply.stop is set (OK) or an error retrying cannot mend. Fills
// stats->applied_changes, lag_records (records in assigned partitions not yet applied) and
// oldest_pending_ms.
Status RunKafkaApply(const Spec& spec, const std::vector<TargetTablePlan>& plans,
                     const KafkaApplyOptions& options, ApplyStats* stats);

}  // namespace cutover::pipeline
