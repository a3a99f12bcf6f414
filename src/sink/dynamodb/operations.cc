// Operations: DynamoDB table management, batched and single-item writes, batched reads, scans.
#include "sink/dynamodb/operations.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <span>
#include <thread>

namespace cutover::dynamodb {
namespace {

constexpr size_t kMaxBatchItems = 25;
constexpr size_t kMaxBatchBytes = 16 * 1024 * 1024;
constexpr int kMaxBatchRounds = 200;  // UnprocessedItems retries before giving up

Json KeySchema(const KeyAttribute& pk, const std::optional<KeyAttribute>& sk) {
  Json schema = Json::array({{{"AttributeName", pk.name}, {"KeyType", "HASH"}}});
  if (sk) schema.push_back({{"AttributeName", sk->name}, {"KeyType", "RANGE"}});
  return schema;
}

void AddDefinition(Json* definitions, const KeyAttribute& attribute) {
  for (const Json& existing : *definitions) {
    if (existing["AttributeName"] == attribute.name) return;
  }
  definitions->push_back({{"AttributeName", attribute.name}, {"AttributeType", attribute.type}});
}

Json Throughput(const CreateTableOptions& options) {
  return {{"ReadCapacityUnits", options.read_capacity},
          {"WriteCapacityUnits", options.write_capacity}};
}

Json IndexDefinition(const DynamoIndex& index, const CreateTableOptions& options) {
  Json gsi = {{"IndexName", index.name},
              {"KeySchema", KeySchema(index.partition_key, index.sort_key)},
              {"Projection", {{"ProjectionType", "ALL"}}}};
  if (options.provisioned) gsi["ProvisionedThroughput"] = Throughput(options);
  return gsi;
}

bool AllActive(const Json& table) {
  if (table.value("TableStatus", "") != "ACTIVE") return false;
  for (const Json& index : table.value("GlobalSecondaryIndexes", Json::array())) {
    if (index.value("IndexStatus", "ACTIVE") != "ACTIVE") return false;
  }
  return true;
}

size_t ValueSize(const Json& value) {
  auto [type, payload] = *value.items().begin();
  if (type == "S" || type == "N") return payload.get_ref<const std::string&>().size();
  if (type == "B") return payload.get_ref<const std::string&>().size() * 3 / 4;
  if (type == "BOOL" || type == "NULL") return 1;
  size_t size = 3;
  if (type == "M") {
    for (const auto& [name, inner] : payload.items()) size += name.size() + ValueSize(inner) + 1;
  } else if (type == "L") {
    for (const Json& inner : payload) size += ValueSize(inner) + 1;
  } else {  // SS, NS, BS
    for (const Json& inner : payload) size += inner.get_ref<const std::string&>().size();
  }
  return size;
}

// The BatchWriteItem body for `requests` (PutRequest/DeleteRequest objects, or the same
// objects given as the server's UnprocessedItems array), printed straight into the text: the
// full load sends millions of items, and building a JSON tree around each one only to print it
// cost more CPU than the rest of the write path.
Result<std::string> BatchBody(const std::string& table, std::span<const WriteRequest> batch,
                              const Json* unprocessed) {
  std::string body = R"({"RequestItems":{)" + Json(table).dump() + ":";
  try {
    if (unprocessed != nullptr) {
      body += unprocessed->dump(-1, ' ', false, Json::error_handler_t::strict);
    } else {
      body += '[';
      for (const WriteRequest& request : batch) {
        body += request.is_delete ? R"({"DeleteRequest":{"Key":)" : R"({"PutRequest":{"Item":)";
        body += request.item.dump(-1, ' ', false, Json::error_handler_t::strict);
        body += "}},";
      }
      if (body.back() == ',') body.pop_back();
      body += ']';
    }
  } catch (const Json::exception& e) {
    return Status::InvalidArgument(std::string("BatchWriteItem: request is not valid UTF-8: ") +
                                   e.what());
  }
  body += "}}";
  return body;
}

// Writes one batch (at most 25 requests) until nothing is unprocessed.
Status WriteBatch(Client& client, const std::string& table, std::span<const WriteRequest> batch) {
  Json pending;  // null until the server leaves items unprocessed
  for (int round = 0; round < kMaxBatchRounds; ++round) {
    if (round > 0) client.Backoff(std::min(round - 1, 8));
    Result<std::string> body = BatchBody(table, batch, pending.is_null() ? nullptr : &pending);
    Result<Json> response =
        body.ok() ? client.CallBody("BatchWriteItem", *body) : Result<Json>(body.status());
    if (!response.ok()) {
      std::string sources;
      for (const WriteRequest& request : batch) {
        sources += (sources.empty() ? "" : ", ") + request.source;
        if (sources.size() > 300) break;
      }
      return response.status().WithContext("table " + table + " (batch with " + sources + ")");
    }
    Json& unprocessed = (*response)["UnprocessedItems"];
    if (!unprocessed.is_object() || !unprocessed.contains(table) || unprocessed[table].empty()) {
      return Status::Ok();
    }
    pending = std::move(unprocessed[table]);
  }
  return Status::ResourceExhausted("table " + table + ": UnprocessedItems still left after " +
                                   std::to_string(kMaxBatchRounds) + " rounds");
}

// Splits requests into batches of at most 25 requests and 16 MB; rejects items over 400 KB.
Result<std::vector<std::span<const WriteRequest>>> SplitBatches(
    const std::string& table, const std::vector<WriteRequest>& requests) {
  std::vector<std::span<const WriteRequest>> batches;
  size_t start = 0, bytes = 0;
  for (size_t request_idx = 0; request_idx < requests.size(); ++request_idx) {
    size_t size = ItemSize(requests[request_idx].item);
    if (size > kMaxItemBytes) {
      return Status::InvalidArgument("table " + table + ": item for " +
                                     requests[request_idx].source + " is " + std::to_string(size) +
                                     " bytes; DynamoDB items are at most 400 KB");
    }
    if (request_idx - start == kMaxBatchItems || bytes + size > kMaxBatchBytes) {
      batches.emplace_back(requests.data() + start, request_idx - start);
      start = request_idx;
      bytes = 0;
    }
    bytes += size;
  }
  if (start < requests.size())
    batches.emplace_back(requests.data() + start, requests.size() - start);
  return batches;
}

// A ConditionExpression that holds while values are exactly as given. A map or a list is
// compared by its type, its size and each element through a document path (`#a0.#a1[2]`):
// DynamoDB also compares a whole map or list with `=`, but not every server that speaks its
// protocol does (dynalite fails such a condition even when the values are equal). Other values
// (strings, numbers by value, binaries, sets without order, booleans, NULL) with `=`.
struct EqualCondition {
  std::string expression;
  Json names = Json::object();                      // #aN -> attribute name or map key, each once
  Json values = Json::object();                     // :vN -> value
  std::map<std::string, std::string> placeholders;  // name -> #aN

  std::string Name(const std::string& name) {
    auto [at, added] = placeholders.emplace(name, "#a" + std::to_string(placeholders.size()));
    if (added) names[at->second] = name;
    return at->second;
  }
  std::string Value(Json value) {
    std::string placeholder = ":v" + std::to_string(values.size());
    values[placeholder] = std::move(value);
    return placeholder;
  }
  void Add(const std::string& term) { expression += (expression.empty() ? "" : " AND ") + term; }
  void AddEqual(const std::string& path, const Json& value) {
    const std::string type = value.begin().key();  // {"<type>": payload}
    const Json& payload = value.begin().value();
    if (type != "M" && type != "L") {
      Add(path + " = " + Value(value));
      return;
    }
    Add("attribute_type(" + path + ", " + Value({{"S", type}}) + ")");
    Add("size(" + path + ") = " + Value({{"N", std::to_string(payload.size())}}));
    if (type == "M") {
      for (const auto& [name, inner] : payload.items()) AddEqual(path + "." + Name(name), inner);
    } else {
      for (size_t index = 0; index < payload.size(); ++index) {
        AddEqual(path + "[" + std::to_string(index) + "]", payload[index]);
      }
    }
  }
};

}  // namespace

size_t ItemSize(const Json& item) {
  size_t size = 0;
  for (const auto& [name, value] : item.items()) size += name.size() + ValueSize(value);
  return size;
}

Status CreateTable(Client& client, const DynamoTable& table, const CreateTableOptions& options) {
  Json definitions = Json::array();
  AddDefinition(&definitions, table.partition_key);
  if (table.sort_key) AddDefinition(&definitions, *table.sort_key);
  Json request = {{"TableName", table.name},
                  {"KeySchema", KeySchema(table.partition_key, table.sort_key)}};
  Json gsis = Json::array();
  for (const DynamoIndex& index : table.indexes) {
    if (options.with_indexes || index.with_table) {
      AddDefinition(&definitions, index.partition_key);
      if (index.sort_key) AddDefinition(&definitions, *index.sort_key);
      gsis.push_back(IndexDefinition(index, options));
    }
  }
  if (!gsis.empty()) request["GlobalSecondaryIndexes"] = gsis;
  request["AttributeDefinitions"] = definitions;
  if (options.provisioned) {
    request["BillingMode"] = "PROVISIONED";
    request["ProvisionedThroughput"] = Throughput(options);
  } else {
    request["BillingMode"] = "PAY_PER_REQUEST";
  }
  Result<Json> response = client.Call("CreateTable", request);
  if (!response.ok()) return response.status().WithContext("creating table " + table.name);
  return WaitActive(client, table.name, std::chrono::seconds(300));
}

Result<Json> DescribeTable(Client& client, const std::string& table) {
  CUTOVER_ASSIGN_OR_RETURN(Json response, client.Call("DescribeTable", {{"TableName", table}}));
  return response["Table"];
}

Status WaitActive(Client& client, const std::string& table, std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    CUTOVER_ASSIGN_OR_RETURN(Json description, DescribeTable(client, table));
    if (AllActive(description)) return Status::Ok();
    if (std::chrono::steady_clock::now() > deadline) {
      return Status::DeadlineExceeded("table " + table + " is not ACTIVE after " +
                                      std::to_string(timeout.count()) + "s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

Status DeleteTable(Client& client, const std::string& table) {
  return client.Call("DeleteTable", {{"TableName", table}}).status();
}

Status AddIndex(Client& client, const DynamoTable& table, const DynamoIndex& index,
                const CreateTableOptions& options) {
  Json definitions = Json::array();
  AddDefinition(&definitions, index.partition_key);
  if (index.sort_key) AddDefinition(&definitions, *index.sort_key);
  Json request = {{"TableName", table.name},
                  {"AttributeDefinitions", definitions},
                  {"GlobalSecondaryIndexUpdates",
                   Json::array({{{"Create", IndexDefinition(index, options)}}})}};
  Result<Json> response = client.Call("UpdateTable", request);
  if (!options.provisioned && response.status().code() == StatusCode::kInvalidArgument &&
      response.status().message().find("provisionedThroughput") != std::string_view::npos) {
    // Compatibility: some DynamoDB-compatible servers (dynalite) demand ProvisionedThroughput
    // for a new index even on an on-demand table, which AWS itself forbids; retry with it.
    request["GlobalSecondaryIndexUpdates"][0]["Create"]["ProvisionedThroughput"] =
        Json{{"ReadCapacityUnits", 1}, {"WriteCapacityUnits", 1}};
    response = client.Call("UpdateTable", request);
  }
  if (!response.ok()) {
    return response.status().WithContext("adding index " + index.name + " to " + table.name);
  }
  CUTOVER_RETURN_IF_ERROR(WaitActive(client, table.name, std::chrono::seconds(3600)));
  CUTOVER_ASSIGN_OR_RETURN(Json description, DescribeTable(client, table.name));
  for (const Json& existing : description.value("GlobalSecondaryIndexes", Json::array())) {
    if (existing.value("IndexName", "") == index.name) return Status::Ok();
  }
  return Status::Unimplemented("table " + table.name + ": the server accepted index " + index.name +
                               " but did not create it (dynalite cannot add an "
                               "index to an existing table); set build: with_table on it");
}

Status BatchWrite(Client& client, const std::string& table, std::vector<WriteRequest> requests,
                  int parallelism) {
  CUTOVER_ASSIGN_OR_RETURN(auto batches, SplitBatches(table, requests));
  std::atomic<size_t> next{0};
  std::mutex error_mutex;
  Status first_error;  // guarded by error_mutex
  auto worker = [&] {
    for (size_t batch_idx = next++; batch_idx < batches.size(); batch_idx = next++) {
      Status status = WriteBatch(client, table, batches[batch_idx]);
      if (status.ok()) continue;
      std::lock_guard lock(error_mutex);
      if (first_error.ok()) first_error = status;
      next = batches.size();  // stop the other workers
    }
  };
  size_t workers = std::min<size_t>(std::max(parallelism, 1), batches.size());
  std::vector<std::thread> threads;
  for (size_t worker_idx = 1; worker_idx < workers; ++worker_idx) threads.emplace_back(worker);
  worker();
  for (std::thread& thread : threads) thread.join();
  return first_error;
}

Status PutItem(Client& client, const std::string& table, Json item) {
  return client.Call("PutItem", {{"TableName", table}, {"Item", std::move(item)}}).status();
}

Status DeleteItem(Client& client, const std::string& table, Json key) {
  return client.Call("DeleteItem", {{"TableName", table}, {"Key", std::move(key)}}).status();
}

Result<bool> DeleteItemIfUnchanged(Client& client, const std::string& table, const Json& key,
                                   const Json& expected) {
  EqualCondition condition;
  for (const auto& [name, value] : expected.items()) {
    condition.AddEqual(condition.Name(name), value);
  }
  if (condition.expression.size() > kMaxExpressionBytes) {
    return Status::Unimplemented("table " + table + ": the item at " + key.dump() +
                                 " is too large to compare in one delete condition (" +
                                 std::to_string(condition.expression.size()) + " bytes)");
  }
  Json request = {{"TableName", table}, {"Key", key}};
  if (!condition.expression.empty()) {
    request["ConditionExpression"] = condition.expression;
    request["ExpressionAttributeNames"] = condition.names;
    request["ExpressionAttributeValues"] = condition.values;
  }
  Result<Json> response = client.Call("DeleteItem", request);
  if (response.ok()) return true;
  // FailedPrecondition is also a credentials error: only a failed condition means "changed".
  if (response.status().code() == StatusCode::kFailedPrecondition &&
      response.status().message().find("ConditionalCheckFailedException") !=
          std::string_view::npos) {
    return false;
  }
  return response.status().WithContext("deleting from table " + table);
}

Result<Json> UpdateItem(Client& client, const std::string& table, Json request) {
  request["TableName"] = table;
  return client.Call("UpdateItem", request);
}

Result<std::vector<Json>> BatchGet(Client& client, const std::string& table,
                                   const std::vector<Json>& keys) {
  std::vector<Json> items;
  for (size_t start = 0; start < keys.size(); start += 100) {
    Json pending = Json::array();
    for (size_t key_idx = start; key_idx < std::min(keys.size(), start + 100); ++key_idx) {
      pending.push_back(keys[key_idx]);
    }
    for (int round = 0; !pending.empty(); ++round) {
      if (round >= kMaxBatchRounds) {
        return Status::ResourceExhausted("table " + table + ": UnprocessedKeys left");
      }
      if (round > 0) client.Backoff(std::min(round - 1, 8));
      Json request = {{"RequestItems", {{table, {{"Keys", pending}, {"ConsistentRead", true}}}}}};
      CUTOVER_ASSIGN_OR_RETURN(Json response, client.Call("BatchGetItem", request));
      for (Json& item : response["Responses"][table]) items.push_back(std::move(item));
      const Json& unprocessed = response["UnprocessedKeys"];
      pending = unprocessed.is_object() && unprocessed.contains(table) ? unprocessed[table]["Keys"]
                                                                       : Json::array();
    }
  }
  return items;
}

Result<std::vector<Json>> ParallelScan(Client& client, const std::string& table, int segments) {
  segments = std::max(segments, 1);
  std::vector<std::vector<Json>> parts(segments);
  std::vector<Status> statuses(segments);
  auto scan = [&](int segment) {
    Json request = {{"TableName", table},
                    {"Segment", segment},
                    {"TotalSegments", segments},
                    {"ConsistentRead", true}};
    while (true) {
      Result<Json> response = client.Call("Scan", request);
      if (!response.ok()) {
        statuses[segment] = response.status();
        return;
      }
      for (Json& item : (*response)["Items"]) parts[segment].push_back(std::move(item));
      if (!response->contains("LastEvaluatedKey")) return;
      request["ExclusiveStartKey"] = (*response)["LastEvaluatedKey"];
    }
  };
  std::vector<std::thread> threads;
  for (int segment = 0; segment < segments; ++segment) threads.emplace_back(scan, segment);
  for (std::thread& thread : threads) thread.join();
  std::vector<Json> items;
  for (int segment = 0; segment < segments; ++segment) {
    CUTOVER_RETURN_IF_ERROR(statuses[segment]);
    for (Json& item : parts[segment]) items.push_back(std::move(item));
  }
  return items;
}

Status ParallelScanEach(Client& client, const std::string& table, int segments,
                        const std::function<Status(std::vector<Json>& page)>& each) {
  segments = std::max(segments, 1);
  std::vector<Status> statuses(segments);
  std::atomic<bool> failed{false};
  auto scan = [&](int segment) {
    Json request = {{"TableName", table},
                    {"Segment", segment},
                    {"TotalSegments", segments},
                    {"ConsistentRead", true}};
    while (!failed.load()) {
      Result<Json> response = client.Call("Scan", request);
      Status status = response.status();
      if (status.ok()) {
        std::vector<Json> page;
        for (Json& item : (*response)["Items"]) page.push_back(std::move(item));
        status = each(page);
      }
      if (!status.ok()) {
        statuses[segment] = status;
        failed = true;
        return;
      }
      if (!response->contains("LastEvaluatedKey")) return;
      request["ExclusiveStartKey"] = (*response)["LastEvaluatedKey"];
    }
  };
  std::vector<std::thread> threads;
  for (int segment = 0; segment < segments; ++segment) threads.emplace_back(scan, segment);
  for (std::thread& thread : threads) thread.join();
  for (const Status& status : statuses) CUTOVER_RETURN_IF_ERROR(status);
  return Status::Ok();
}

}  // namespace cutover::dynamodb
