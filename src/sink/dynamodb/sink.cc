// DynamoDbSink: table preparation, chunk writer, deferred GSIs, counts and the ordered apply.
#include "sink/dynamodb/sink.h"

#include <functional>
#include <thread>

#include "sink/dynamodb/item_writer.h"
#include "sink/dynamodb/operations.h"

namespace cutover::dynamodb {
namespace {

class DynamoDbWriter : public TableWriter {
 public:
  DynamoDbWriter(const Mapping& mapping, Client& client, TableSchema schema, int parallelism)
      : mapping_(mapping), client_(client), schema_(std::move(schema)), parallelism_(parallelism) {}

  // Puts are idempotent: writing a chunk again leaves one item per row. Items of rows deleted
  // since an earlier attempt are removed by the change stream's deletes, replayed from P0.
  Status WriteChunk(const ChunkBounds&, std::span<const Row> rows) override {
    std::vector<ItemOp> ops;
    ops.reserve(rows.size());
    for (const Row& row : rows) {
      CUTOVER_ASSIGN_OR_RETURN(std::vector<ItemOp> row_ops, mapping_.MapRow(schema_, row));
      for (ItemOp& op : row_ops) ops.push_back(std::move(op));
    }
    return ExecuteBulk(client_, std::move(ops), parallelism_);
  }

 private:
  const Mapping& mapping_;
  Client& client_;
  const TableSchema schema_;
  const int parallelism_;
};

bool HasIndex(const Json& description, const std::string& name) {
  for (const Json& index : description.value("GlobalSecondaryIndexes", Json::array())) {
    if (index.value("IndexName", "") == name) return true;
  }
  return false;
}

Status WaitGone(Client& client, const std::string& table) {
  for (int attempt = 0; attempt < 600; ++attempt) {
    Result<Json> description = DescribeTable(client, table);
    if (description.status().code() == StatusCode::kNotFound) return Status::Ok();
    CUTOVER_RETURN_IF_ERROR(description.status());
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return Status::DeadlineExceeded("table " + table + " is still being deleted");
}

}  // namespace

CreateTableOptions CreateOptions(const DynamoDbSpec& spec, bool with_indexes) {
  CreateTableOptions options;
  options.provisioned = spec.billing == DynamoDbSpec::Billing::kProvisioned;
  options.read_capacity = spec.read_capacity;
  options.write_capacity = spec.write_capacity;
  options.with_indexes = with_indexes;
  return options;
}


DynamoDbSink::DynamoDbSink(const Spec& spec, Mapping mapping, std::unique_ptr<Client> client)
    : existing_tables_(spec.target.existing_tables),
      dynamodb_(spec.target.dynamodb),
      write_parallelism_(8),
      mapping_(std::move(mapping)),
      client_(std::move(client)) {}

Status DynamoDbSink::EnsureTable(const DynamoTable& table, bool resuming, bool* created) {
  std::lock_guard lock(tables_mutex_);
  if (prepared_.count(table.name)) return Status::Ok();
  Result<Json> description = DescribeTable(*client_, table.name);
  if (!description.ok() && description.status().code() != StatusCode::kNotFound) {
    return description.status();
  }
  bool exists = description.ok();
  if (exists && existing_tables_ == TargetSpec::ExistingTable::kCreate && !resuming) {
    return Status::AlreadyExists("DynamoDB table '" + table.name +
                                 "' exists already; set target.existing_tables to keep or "
                                 "truncate, or drop the table");
  }
  if (exists && existing_tables_ == TargetSpec::ExistingTable::kTruncate && !resuming) {
    // DynamoDB has no TRUNCATE: deleting and creating the table is the fast way to empty it.
    CUTOVER_RETURN_IF_ERROR(DeleteTable(*client_, table.name));
    CUTOVER_RETURN_IF_ERROR(WaitGone(*client_, table.name));
    exists = false;
  }
  if (!exists) {
    CUTOVER_RETURN_IF_ERROR(CreateTable(*client_, table, CreateOptions(dynamodb_, false)));
    *created = true;
  } else {
    CUTOVER_RETURN_IF_ERROR(WaitActive(*client_, table.name, std::chrono::seconds(300)));
  }
  prepared_.insert(table.name);
  return Status::Ok();
}

Result<TargetTablePlan> DynamoDbSink::PrepareTable(const TableSchema& source, const TableRule&,
                                                   bool resuming) {
  CUTOVER_RETURN_IF_ERROR(mapping_.Check(source));
  CUTOVER_ASSIGN_OR_RETURN(std::string target, mapping_.TargetOf(source.id));
  const DynamoTable& table = *mapping_.FindTable(target);
  TargetTablePlan plan;
  plan.source = source.id;
  plan.target = TableId{"", target};
  plan.schema = source;
  CUTOVER_RETURN_IF_ERROR(EnsureTable(table, resuming, &plan.created));
  CUTOVER_ASSIGN_OR_RETURN(Json description, DescribeTable(*client_, target));
  for (const DynamoIndex& index : table.indexes) {
    if (HasIndex(description, index.name)) continue;
    Index deferred;
    deferred.name = index.name;
    deferred.columns.push_back(index.partition_key.name);
    if (index.sort_key) deferred.columns.push_back(index.sort_key->name);
    plan.deferred.push_back(std::move(deferred));
  }
  return plan;
}

Result<std::unique_ptr<TableWriter>> DynamoDbSink::OpenWriter(const TargetTablePlan& plan) {
  return std::unique_ptr<TableWriter>(
      new DynamoDbWriter(mapping_, *client_, plan.schema, write_parallelism_));
}

Status DynamoDbSink::BuildIndex(const TargetTablePlan& plan, const Index& index) {
  const DynamoTable* table = mapping_.FindTable(plan.target.name);
  if (table == nullptr) return Status::NotFound("no DynamoDB table " + plan.target.name);
  CUTOVER_ASSIGN_OR_RETURN(Json description, DescribeTable(*client_, table->name));
  if (HasIndex(description, index.name)) {
    return WaitActive(*client_, table->name, std::chrono::seconds(3600));
  }
  for (const DynamoIndex& definition : table->indexes) {
    if (definition.name == index.name) {
      return AddIndex(*client_, *table, definition, CreateOptions(dynamodb_, true));
    }
  }
  return Status::NotFound("table " + table->name + " has no index " + index.name +
                          " in the mapping");
}

Status DynamoDbSink::EmptyTable(const TargetTablePlan& plan) {
  const DynamoTable* table = mapping_.FindTable(plan.target.name);
  if (table == nullptr) return Status::NotFound("no DynamoDB table " + plan.target.name);
  std::vector<std::string> key_names = {table->partition_key.name};
  if (table->sort_key) key_names.push_back(table->sort_key->name);
  return ParallelScanEach(*client_, table->name, write_parallelism_, [&](std::vector<Json>& page) {
    std::vector<WriteRequest> deletes;
    for (const Json& item : page) {
      WriteRequest request;
      request.is_delete = true;
      for (const std::string& name : key_names) request.item[name] = item.at(name);
      request.source = "emptying " + table->name;
      deletes.push_back(std::move(request));
    }
    return BatchWrite(*client_, table->name, std::move(deletes), 1);
  });
}

Result<uint64_t> DynamoDbSink::CountRows(const TableId& target, bool exact) {
  if (!exact) {
    CUTOVER_ASSIGN_OR_RETURN(Json description, DescribeTable(*client_, target.name));
    return description.value("ItemCount", uint64_t{0});
  }
  uint64_t count = 0;
  Json request = {{"TableName", target.name}, {"Select", "COUNT"}, {"ConsistentRead", true}};
  while (true) {
    CUTOVER_ASSIGN_OR_RETURN(Json response, client_->Call("Scan", request));
    count += response.value("Count", uint64_t{0});
    if (!response.contains("LastEvaluatedKey")) return count;
    request["ExclusiveStartKey"] = response["LastEvaluatedKey"];
  }
}

Result<Mapping> LoadMapping(const Spec& spec) {
  if (spec.mapping.empty()) {
    return Status::InvalidArgument(spec.file.string() +
                                   ": mapping: a DynamoDB target needs a mapping file");
  }
  return Mapping::Load(spec.mapping);
}

Result<std::unique_ptr<Sink>> OpenDynamoDbSink(const Spec& spec) {
  CUTOVER_ASSIGN_OR_RETURN(Mapping mapping, LoadMapping(spec));
  return OpenDynamoDbSink(spec, std::move(mapping));
}

Result<std::unique_ptr<Sink>> OpenDynamoDbSink(const Spec& spec, Mapping mapping) {
  CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<Client> client, Client::Open(spec.target.dynamodb));
  return std::unique_ptr<Sink>(new DynamoDbSink(spec, std::move(mapping), std::move(client)));
}

}  // namespace cutover::dynamodb
