// DynamoDbApplier: applies CDC changes to DynamoDB, one lane per applier. DynamoDB has no
// transaction that could hold a batch's writes and a checkpoint, so the applier relies on
// ordered full-image replay being idempotent: it writes the batch (per item, only what the
// batch's last writes leave), and only once DynamoDB acknowledged every write does it record
// the lane's checkpoint in the migration's state store. After a crash the lane replays from its
// checkpoint; the changes it replays rewrite the items with the same images, in the same order.
#pragma once

#include <memory>
#include <vector>

#include "cutover/apply.h"
#include "cutover/spec.h"
#include "cutover/status.h"

namespace cutover::dynamodb {

// Opens lane `lane` of `lanes`: the mapping from spec.mapping, a client for
// spec.target.dynamodb, and <spec.state_dir>/state.db for the checkpoint, stored under
// "apply.<spec.name>.lane.<lane>" (so a replay into another target, checkpointed under that
// spec's name, never moves the migration's own checkpoints).
Result<std::unique_ptr<ChangeApplier>> OpenDynamoDbApplier(
    const Spec& spec, const std::vector<TargetTablePlan>& plans, int lane, int lanes);

}  // namespace cutover::dynamodb
