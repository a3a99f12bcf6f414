// Operations: the DynamoDB actions cutover uses, on top of Client: table creation and waits,
// batched writes with UnprocessedItems retried, single-item writes, batched reads and parallel
// scans (for validation and tests).
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cutover/mapping.h"

#include "sink/dynamodb/client.h"

namespace cutover::dynamodb {

// How to create a table: keys from the mapping, billing from the spec.
struct CreateTableOptions {
  bool provisioned = false;
  int64_t read_capacity = 0;
  int64_t write_capacity = 0;
  bool with_indexes = true;  // false: GSIs are added after the full load (AddIndex)
};

// Creates `table` (AlreadyExists when it exists) and waits until it is ACTIVE.
Status CreateTable(Client& client, const DynamoTable& table, const CreateTableOptions& options);
// DescribeTable's "Table" object; NotFound when the table does not exist.
Result<Json> DescribeTable(Client& client, const std::string& table);
// Polls DescribeTable until the table (and its indexes) are ACTIVE.
Status WaitActive(Client& client, const std::string& table, std::chrono::seconds timeout);
Status DeleteTable(Client& client, const std::string& table);
// Adds one global secondary index to an existing table and waits until it is ACTIVE.
Status AddIndex(Client& client, const DynamoTable& table, const DynamoIndex& index,
                const CreateTableOptions& options);

// One write of a batch: a put of `item` or a delete of `key` (DynamoDB JSON), with the source
// row it came from for error messages.
struct WriteRequest {
  bool is_delete = false;
  Json item;  // put: the whole item; delete: the key
  std::string source;
};

// Writes `requests` into `table` with BatchWriteItem: batches of at most 25 requests and 16 MB,
// `parallelism` batches in flight, UnprocessedItems retried with backoff until written. An item
// over 400 KB or a rejected batch gives InvalidArgument naming the table and the source row.
Status BatchWrite(Client& client, const std::string& table, std::vector<WriteRequest> requests,
                  int parallelism);

// Single-item writes; `request` holds the action's fields besides TableName.
Status PutItem(Client& client, const std::string& table, Json item);
Status DeleteItem(Client& client, const std::string& table, Json key);
// Deletes the item at `key` only if each attribute of `expected` still has exactly that value,
// checked by DynamoDB in the same step as the delete (numbers by value, sets without order,
// maps and lists element by element). False when the condition failed: the item changed or is
// gone. Unimplemented when the condition would be over kMaxExpressionBytes (a large item).
Result<bool> DeleteItemIfUnchanged(Client& client, const std::string& table, const Json& key,
                                   const Json& expected);
inline constexpr size_t kMaxExpressionBytes = 4096;  // DynamoDB's limit for an expression
Result<Json> UpdateItem(Client& client, const std::string& table, Json request);

// Reads items by key (BatchGetItem, 100 per call, UnprocessedKeys retried); missing keys are
// absent from the result.
Result<std::vector<Json>> BatchGet(Client& client, const std::string& table,
                                   const std::vector<Json>& keys);
// Every item of `table`, read by `segments` parallel Scan segments (consistent reads).
Result<std::vector<Json>> ParallelScan(Client& client, const std::string& table, int segments);
// As ParallelScan, without holding the table in memory: each page of items (up to 1 MB) is
// handed to `each` as it arrives, from the segments' threads at once (`each` must be
// thread-safe). The first error, of a Scan call or of `each`, stops every segment and is
// returned.
Status ParallelScanEach(Client& client, const std::string& table, int segments,
                        const std::function<Status(std::vector<Json>& page)>& each);

// The size DynamoDB counts for an item: attribute names plus values (approximate for numbers:
// their digit count). Items over kMaxItemBytes are rejected before sending.
size_t ItemSize(const Json& item);
inline constexpr size_t kMaxItemBytes = 400 * 1024;

}  // namespace cutover::dynamodb
