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
#include "cutover/mapping.h"
#include "cutover/state_store.h"
#include "cutover/spec.h"
#include "cutover/status.h"

namespace cutover::dynamodb {

// The appliers of a DynamoDB target, opened once per process: one `mapping` (the spec's, loaded
// by the caller), one HTTP client with its connection pool, and the state store holding the lane
// checkpoints ("apply.<spec.name>.lane.<lane>", so a replay into another target, checkpointed
// under that spec's name, never moves the migration's own), shared by every lane. Its mapper
// routes a change by the item it writes (the DynamoDB table and the item's key; the table alone
// for a table a Lua hook writes) and maps each change once into its item writes. `state`: the
// caller's store (not owned; outlives the result), or null to open <spec.state_dir>/state.db.
Result<std::unique_ptr<Appliers>> OpenDynamoDbAppliers(const Spec& spec, Mapping mapping,
                                                       const std::vector<TargetTablePlan>& plans,
                                                       StateStore* state);

}  // namespace cutover::dynamodb
