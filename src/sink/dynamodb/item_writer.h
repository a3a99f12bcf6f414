// ItemWriter: executes the ItemOps the mapping produced against DynamoDB: bulk (puts batched
// with BatchWriteItem, shared-item updates in parallel) or in order (the apply of changes).
#pragma once

#include <span>
#include <vector>

#include "cutover/mapping.h"

#include "sink/dynamodb/client.h"

namespace cutover::dynamodb {

// Full load: puts and deletes go through BatchWriteItem, updates through parallel UpdateItem
// calls. Order between ops is not kept: the ops must touch distinct items. Takes the ops so
// that their items move into the batches instead of being copied.
Status ExecuteBulk(Client& client, std::vector<ItemOp> ops, int parallelism);

// Apply: executes ops one after the other, each acknowledged before the next starts, so the
// item ends as the last op left it.
Status ExecuteInOrder(Client& client, std::span<const ItemOp> ops);

// Apply of a batch: `ops` in the order the changes made them; each item ends as if they ran one
// after the other. A put or a delete replaces whatever the item held, so per item only the last
// of them is sent, with the shared-item updates after it (in order): items left with one put or
// delete go through BatchWriteItem (`parallelism` calls in flight, UnprocessedItems retried),
// the others op by op in order, `parallelism` items at a time. Returns after DynamoDB
// acknowledged every write; on an error some items may be written and others not, and
// executing the same ops again is safe.
Status ExecuteLastPerItem(Client& client, std::vector<ItemOp> ops, int parallelism);

// One op with a single-item call (PutItem, DeleteItem, or UpdateItem followed by a conditional
// delete when the shared item has nothing left).
Status ExecuteOne(Client& client, const ItemOp& op);

}  // namespace cutover::dynamodb
