// ChangeRouter: projection onto the applied schema and the lane hash.
#include "pipeline/router.h"

#include <fmt/format.h>

namespace cutover::pipeline {
namespace {

constexpr uint64_t kFnvBasis = 14695981039346656037ull;

// One part of an FNV-1a hash, then a separator: ("ab","c") and ("a","bc") differ.
void FnvAdd(uint64_t* hash, std::string_view bytes) {
  for (unsigned char byte : bytes) {
    *hash ^= byte;
    *hash *= 1099511628211ull;
  }
  *hash ^= 0xff;
  *hash *= 1099511628211ull;
}

// FNV-1a over the table and the key's text: stable across builds and runs, so a key stays in
// the lane whose checkpoint covers it.
uint64_t KeyHash(const TableId& table, const Key& key) {
  uint64_t hash = kFnvBasis;
  FnvAdd(&hash, table.schema);
  FnvAdd(&hash, table.name);
  for (const Value& value : key.values) FnvAdd(&hash, value.ToText());
  return hash;
}

// The same over a target's routing key (RoutingKeyFunction).
uint64_t RoutingHash(std::string_view routing_key) {
  uint64_t hash = kFnvBasis;
  FnvAdd(&hash, routing_key);
  return hash;
}

}  // namespace

// Maps a change's images onto the applied schema's columns by name, per source schema version.
class ChangeRouter::Projector {
 public:
  explicit Projector(const TargetTablePlan& plan) : plan_(plan) {}

  Result<Row> Project(const Change& change, const Row& image) {
    const TableSchema& from = *change.schema;
    if (&from != last_schema_) {
      columns_.clear();
      for (const Column& column : plan_.schema.columns) {
        std::optional<size_t> position = from.ColumnIndex(column.name);
        if (!position) {
          return Status::DataLoss(fmt::format(
              "the changes of {} have no column {} (was the source table altered after the "
              "copy? cutover does not follow schema changes yet)",
              change.table.ToString(), column.name));
        }
        columns_.push_back(*position);
      }
      last_schema_ = &from;
      holder_ = change.schema;
    }
    Row row;
    row.values.reserve(columns_.size());
    for (size_t position : columns_) {
      if (position >= image.values.size()) {
        return Status::DataLoss(
            fmt::format("a row image of {} is shorter than its schema", change.table.ToString()));
      }
      row.values.push_back(image.values[position]);
    }
    return row;
  }

 private:
  const TargetTablePlan& plan_;
  const TableSchema* last_schema_ = nullptr;
  std::shared_ptr<const TableSchema> holder_;  // keeps last_schema_ alive
  std::vector<size_t> columns_;
};

ChangeRouter::ChangeRouter(const std::vector<TargetTablePlan>& plans,
                           RoutingKeyFunction routing_key)
    : routing_key_(std::move(routing_key)) {
  for (const TargetTablePlan& plan : plans) {
    tables_.emplace(plan.source, Table{&plan, std::make_shared<const TableSchema>(plan.schema),
                                       std::make_unique<Projector>(plan)});
  }
}

ChangeRouter::~ChangeRouter() = default;

Status ChangeRouter::Route(const Change& change, std::vector<RoutedChange>* out) {
  if (change.op == ChangeOp::kSchema) return Status::Ok();
  auto found = tables_.find(change.table);
  if (found == tables_.end()) return Status::Ok();
  Table& table = found->second;
  std::optional<Row> before;
  std::optional<Row> after;
  if (change.before) {
    CUTOVER_ASSIGN_OR_RETURN(Row row, table.projector->Project(change, *change.before));
    before = std::move(row);
  }
  if (change.after) {
    CUTOVER_ASSIGN_OR_RETURN(Row row, table.projector->Project(change, *change.after));
    after = std::move(row);
  }
  const TableSchema& schema = *table.schema;
  // The lane key of each image: the routing key's text, or the source key.
  std::optional<std::string> before_route;
  std::optional<std::string> after_route;
  if (routing_key_ && before) {
    CUTOVER_ASSIGN_OR_RETURN(before_route, routing_key_(schema, *before));
  }
  if (routing_key_ && after) {
    CUTOVER_ASSIGN_OR_RETURN(after_route, routing_key_(schema, *after));
  }
  auto hash_of = [&](const Row& image, const std::optional<std::string>& route) {
    return route ? RoutingHash(*route) : KeyHash(change.table, KeyOf(schema, image));
  };
  bool key_changed = change.op == ChangeOp::kUpdate && before && after &&
                     (routing_key_ ? before_route != after_route
                                   : !(KeyOf(schema, *before) == KeyOf(schema, *after)));
  auto emit = [&](ChangeOp op, std::optional<Row> b, std::optional<Row> a, uint64_t hash) {
    RoutedChange& routed = out->emplace_back();
    routed.hash = hash;
    routed.op = op;
    routed.before = std::move(b);
    routed.after = std::move(a);
    routed.schema = table.schema;
  };
  if (key_changed) {
    uint64_t before_hash = hash_of(*before, before_route);
    uint64_t after_hash = hash_of(*after, after_route);
    emit(ChangeOp::kDelete, std::move(before), std::nullopt, before_hash);
    emit(ChangeOp::kInsert, std::nullopt, std::move(after), after_hash);
  } else {
    uint64_t hash = after ? hash_of(*after, after_route) : hash_of(*before, before_route);
    emit(change.op, std::move(before), std::move(after), hash);
  }
  return Status::Ok();
}

}  // namespace cutover::pipeline
