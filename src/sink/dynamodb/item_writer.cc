// ItemWriter: ItemOps -> BatchWriteItem, PutItem, DeleteItem and UpdateItem calls.
#include "sink/dynamodb/item_writer.h"

#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "sink/dynamodb/operations.h"

namespace cutover::dynamodb {
namespace {

// UpdateItem for a shared item: SET this table's attributes, REMOVE its NULL ones.
Json UpdateRequest(const ItemOp& op) {
  Json request = {{"Key", op.key}};
  std::string set, remove;
  Json names = Json::object(), values = Json::object();
  int counter = 0;
  for (const auto& [name, value] : op.item.items()) {
    std::string id = std::to_string(counter++);
    set += (set.empty() ? "SET " : ", ") + ("#a" + id) + " = :v" + id;
    names["#a" + id] = name;
    values[":v" + id] = value;
  }
  for (const std::string& name : op.remove) {
    std::string id = std::to_string(counter++);
    remove += (remove.empty() ? "REMOVE " : ", ") + ("#a" + id);
    names["#a" + id] = name;
  }
  if (set.empty() && remove.empty()) return request;  // creates the bare item if missing
  request["UpdateExpression"] = set + (set.empty() || remove.empty() ? "" : " ") + remove;
  if (op.if_exists && !op.key.empty()) {
    request["ConditionExpression"] = "attribute_exists(#k)";
    names["#k"] = op.key.begin().key();
  }
  request["ExpressionAttributeNames"] = names;
  if (!values.empty()) request["ExpressionAttributeValues"] = values;
  return request;
}

// Whether `status` is DynamoDB's answer to a condition that did not hold (FailedPrecondition is
// also a credentials error).
bool ConditionFailed(const Status& status) {
  return status.code() == StatusCode::kFailedPrecondition &&
         status.message().find("ConditionalCheckFailedException") != std::string_view::npos;
}

// What CopyMovedAttributes did.
enum class Moved {
  kNo,      // the row had not moved (see below): nothing written
  kWhole,   // the new item written whole: the copied attributes and the change's own
  kCopied,  // a shared item: the copied attributes written; the change's own are still to write
};

// A partial image that moved to another item (ItemOp::copy_from): the attributes the row wrote
// there, copied to the item at op.key, so that the values the change does not carry are kept.
// The row had not moved when the old item is not there, nor, for an item that is not shared,
// when the new one is there already (either way the target holds a later state of the source,
// whose later changes write or delete the item: as the SQL targets, nothing is written). So for
// an item that is not shared the copied attributes and the change's own go in one request: a
// crash between two writes would leave the new item with the copied ones only, and the replay
// would find it there and write nothing (run_postgres_source_dynamodb_test found such items).
Result<Moved> CopyMovedAttributes(Client& client, const ItemOp& op) {
  CUTOVER_ASSIGN_OR_RETURN(std::vector<Json> found, BatchGet(client, op.table, {*op.copy_from}));
  if (found.empty()) return Moved::kNo;
  const Json& old_item = found[0];
  ItemOp whole = op;
  whole.item = Json::object();
  whole.remove.clear();
  whole.if_exists = false;
  for (const std::string& name : op.copied) {
    const bool changed = op.item.contains(name) ||
                         std::find(op.remove.begin(), op.remove.end(), name) != op.remove.end();
    if (old_item.contains(name) && !changed) whole.item[name] = old_item[name];
  }
  if (!op.shared) {
    whole.item.update(op.item);
    whole.remove = op.remove;
  }
  Json request = UpdateRequest(whole);
  if (!op.shared) {
    // Not over an item already there: that one is a later state of the source.
    request["ConditionExpression"] = "attribute_not_exists(#k)";
    request["ExpressionAttributeNames"]["#k"] = op.key.begin().key();
  }
  Result<Json> response = UpdateItem(client, op.table, std::move(request));
  if (ConditionFailed(response.status())) return Moved::kNo;
  CUTOVER_RETURN_IF_ERROR(response.status());
  return op.shared ? Moved::kCopied : Moved::kWhole;
}

// Deletes a shared item when none of the sharing tables' attributes is left on it. The
// condition makes the check and the delete one atomic step: a concurrent contribution wins.
Status DeleteIfEmpty(Client& client, const ItemOp& op) {
  Json request = {{"TableName", op.table}, {"Key", op.key}};
  std::string condition;
  Json names = Json::object();
  for (size_t attribute_idx = 0; attribute_idx < op.shared_attributes.size(); ++attribute_idx) {
    std::string id = "#c" + std::to_string(attribute_idx);
    condition += (condition.empty() ? "" : " AND ") + ("attribute_not_exists(" + id + ")");
    names[id] = op.shared_attributes[attribute_idx];
  }
  if (!condition.empty()) {
    request["ConditionExpression"] = condition;
    request["ExpressionAttributeNames"] = names;
  }
  Result<Json> response = client.Call("DeleteItem", request);
  if (response.status().code() == StatusCode::kFailedPrecondition) return Status::Ok();
  return response.status();
}

// ExecuteLastPerItem for ops without a copy between them.
Status ExecuteStretch(Client& client, std::vector<ItemOp> ops, int parallelism);

Status WithSource(Status status, const ItemOp& op) {
  if (status.ok()) return status;
  return status.WithContext("table " + op.table + " (" + op.source + ")");
}

// Runs work(0) .. work(count - 1) on up to `parallelism` threads (this one included); after the
// first error no new index starts, and that error is returned.
Status ParallelFor(size_t count, int parallelism, const std::function<Status(size_t)>& work) {
  std::atomic<size_t> next{0};
  std::mutex error_mutex;
  Status first_error;  // guarded by error_mutex
  auto worker = [&] {
    for (size_t index = next++; index < count; index = next++) {
      Status status = work(index);
      if (status.ok()) continue;
      std::lock_guard lock(error_mutex);
      if (first_error.ok()) first_error = status;
      next = count;  // stop the other workers
    }
  };
  size_t workers = std::min<size_t>(std::max(parallelism, 1), count);
  std::vector<std::thread> threads;
  for (size_t worker_idx = 1; worker_idx < workers; ++worker_idx) threads.emplace_back(worker);
  if (count > 0) worker();
  for (std::thread& thread : threads) thread.join();
  return first_error;
}

// One put or delete as a BatchWriteItem request (the op's item or key moves into it).
WriteRequest ToWriteRequest(ItemOp& op) {
  bool is_delete = op.kind == ItemOp::Kind::kDelete;
  return {is_delete, is_delete ? std::move(op.key) : std::move(op.item), std::move(op.source)};
}

}  // namespace

Status ExecuteOne(Client& client, const ItemOp& op) {
  switch (op.kind) {
    case ItemOp::Kind::kPut: {
      if (size_t size = ItemSize(op.item); size > kMaxItemBytes) {
        return Status::InvalidArgument("table " + op.table + ": item for " + op.source + " is " +
                                       std::to_string(size) +
                                       " bytes; DynamoDB items are at most 400 KB");
      }
      return WithSource(PutItem(client, op.table, op.item), op);
    }
    case ItemOp::Kind::kDelete: return WithSource(DeleteItem(client, op.table, op.key), op);
    case ItemOp::Kind::kUpdate: {
      if (op.copy_from) {
        Result<Moved> moved = CopyMovedAttributes(client, op);
        CUTOVER_RETURN_IF_ERROR(WithSource(moved.status(), op));
        if (*moved != Moved::kCopied) return Status::Ok();
      }
      if (op.if_exists && op.item.empty() && op.remove.empty()) return Status::Ok();  // no change
      Status updated = UpdateItem(client, op.table, UpdateRequest(op)).status();
      // A partial image of an item that is not there: the target holds a later state.
      if (op.if_exists && ConditionFailed(updated)) return Status::Ok();
      CUTOVER_RETURN_IF_ERROR(WithSource(updated, op));
      if (!op.delete_if_empty) return Status::Ok();
      return WithSource(DeleteIfEmpty(client, op), op);
    }
  }
  return Status::Internal("unknown item op");
}

Status ExecuteInOrder(Client& client, std::span<const ItemOp> ops) {
  for (const ItemOp& op : ops) CUTOVER_RETURN_IF_ERROR(ExecuteOne(client, op));
  return Status::Ok();
}

Status ExecuteBulk(Client& client, std::vector<ItemOp> ops, int parallelism) {
  std::map<std::string, std::vector<WriteRequest>> batches;  // by table
  std::vector<const ItemOp*> updates;
  for (ItemOp& op : ops) {
    if (op.kind == ItemOp::Kind::kUpdate) {
      updates.push_back(&op);
      continue;
    }
    std::vector<WriteRequest>& requests = batches[op.table];
    if (requests.empty()) requests.reserve(ops.size());
    requests.push_back(ToWriteRequest(op));
  }
  for (auto& [table, requests] : batches) {
    CUTOVER_RETURN_IF_ERROR(BatchWrite(client, table, std::move(requests), parallelism));
  }
  return ParallelFor(updates.size(), parallelism,
                     [&](size_t index) { return ExecuteOne(client, *updates[index]); });
}

Status ExecuteLastPerItem(Client& client, std::vector<ItemOp> ops, int parallelism) {
  // A copy from a moved item (ItemOp::copy_from) reads another item: what came before it is
  // written first, and it before what comes after it.
  size_t begin = 0;
  for (size_t op_idx = 0; op_idx < ops.size(); ++op_idx) {
    if (!ops[op_idx].copy_from) continue;
    std::vector<ItemOp> before(std::make_move_iterator(ops.begin() + begin),
                               std::make_move_iterator(ops.begin() + op_idx));
    CUTOVER_RETURN_IF_ERROR(ExecuteStretch(client, std::move(before), parallelism));
    CUTOVER_RETURN_IF_ERROR(ExecuteOne(client, ops[op_idx]));
    begin = op_idx + 1;
  }
  if (begin > 0) ops.erase(ops.begin(), ops.begin() + begin);
  return ExecuteStretch(client, std::move(ops), parallelism);
}

namespace {

Status ExecuteStretch(Client& client, std::vector<ItemOp> ops, int parallelism) {
  // Per item (table and key; numbers by value, as DynamoDB keys them), in first-seen order: its
  // last put or delete, then the updates that followed it.
  std::unordered_map<std::string, size_t> item_index;
  std::vector<std::vector<ItemOp>> items;
  for (ItemOp& op : ops) {
    std::string item = op.table + '\0' + CanonicalItem(op.key).dump();
    auto [found, inserted] = item_index.try_emplace(std::move(item), items.size());
    if (inserted) items.emplace_back();
    std::vector<ItemOp>& item_ops = items[found->second];
    if (op.kind != ItemOp::Kind::kUpdate) item_ops.clear();
    item_ops.push_back(std::move(op));
  }
  // One request per item and table, so no BatchWriteItem call names an item twice (DynamoDB
  // rejects that) and the order inside a call does not matter.
  std::map<std::string, std::vector<WriteRequest>> batches;  // by table
  std::vector<const std::vector<ItemOp>*> in_order;
  for (std::vector<ItemOp>& item_ops : items) {
    if (item_ops.size() == 1 && item_ops[0].kind != ItemOp::Kind::kUpdate) {
      batches[item_ops[0].table].push_back(ToWriteRequest(item_ops[0]));
    } else {
      in_order.push_back(&item_ops);
    }
  }
  for (auto& [table, requests] : batches) {
    CUTOVER_RETURN_IF_ERROR(BatchWrite(client, table, std::move(requests), parallelism));
  }
  return ParallelFor(in_order.size(), parallelism,
                     [&](size_t index) { return ExecuteInOrder(client, *in_order[index]); });
}

}  // namespace

}  // namespace cutover::dynamodb
