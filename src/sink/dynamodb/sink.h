// DynamoDbSink: the DynamoDB target behind the Sink interface (full load through
// BatchWriteItem) plus an in-process apply of a list of Changes. `cutover run` and `replay`
// apply CDC through DynamoDbApplier (applier.h) instead: lanes by item, checkpoints.
#pragma once

#include <memory>
#include <mutex>
#include <set>
#include <span>
#include <string>

#include "cutover/mapping.h"
#include "cutover/sink.h"
#include "sink/dynamodb/operations.h"

#include "sink/dynamodb/client.h"

namespace cutover::dynamodb {

class DynamoDbSink : public Sink {
 public:
  DynamoDbSink(const Spec& spec, Mapping mapping, std::unique_ptr<Client> client);

  // Creates the mapping's DynamoDB table for `source` (GSIs deferred to BuildIndex). Several
  // source tables may share one DynamoDB table: the first creates it, the others find it.
  Result<TargetTablePlan> PrepareTable(const TableSchema& source, const TableRule& rule,
                                       bool resuming) override;
  Result<std::unique_ptr<TableWriter>> OpenWriter(const TargetTablePlan& plan) override;
  Status BuildIndex(const TargetTablePlan& plan, const Index& index) override;
  // Deletes every item (a scan of keys, then batches of deletes). The copier asks only for a
  // table no other selected table writes.
  Status EmptyTable(const TargetTablePlan& plan) override;
  // exact: a COUNT scan; otherwise DescribeTable's ItemCount (updated every ~6 hours on AWS).
  Result<uint64_t> CountRows(const TableId& target, bool exact) override;

  const Mapping& mapping() const { return mapping_; }
  Client& client() { return *client_; }

 private:
  Status EnsureTable(const DynamoTable& table, bool resuming, bool* created);

  // Constant after construction
  const TargetSpec::ExistingTable existing_tables_;
  const DynamoDbSpec dynamodb_;
  const int write_parallelism_;
  const Mapping mapping_;
  std::unique_ptr<Client> client_;  // thread-safe
  // State below is protected by tables_mutex_
  std::mutex tables_mutex_;
  std::set<std::string> prepared_;  // tables this process created, truncated or kept
};

// Opens the DynamoDB sink: the mapping from spec.mapping, credentials and endpoint from
// spec.target.dynamodb. InvalidArgument when the spec has no mapping file.
Result<std::unique_ptr<Sink>> OpenDynamoDbSink(const Spec& spec);
// The same with the mapping the caller loaded (OpenTarget loads it once).
Result<std::unique_ptr<Sink>> OpenDynamoDbSink(const Spec& spec, Mapping mapping);

// Loads spec.mapping; InvalidArgument naming the spec when it has none.
Result<Mapping> LoadMapping(const Spec& spec);

// How the spec's dynamodb block creates a table (billing, capacity), with or without its GSIs.
CreateTableOptions CreateOptions(const DynamoDbSpec& spec, bool with_indexes);

}  // namespace cutover::dynamodb
