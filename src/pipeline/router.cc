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
                           const ChangeMapper* mapper, bool map)
    : mapper_(mapper), map_(map && mapper != nullptr) {
  for (const TargetTablePlan& plan : plans) {
    std::optional<filter::Filter> row_filter;
    if (!plan.filter.empty()) {
      // The spec parsed it and rendered this text; reading it back cannot fail unless the plan
      // was made by hand, which Route then reports.
      Result<filter::Filter> parsed = filter::Filter::Parse(plan.filter);
      if (parsed.ok()) {
        row_filter = *std::move(parsed);
      } else if (init_.ok()) {
        init_ = parsed.status().WithContext(
            fmt::format("the row filter of {}", plan.source.ToString()));
      }
    }
    tables_.emplace(plan.source, Table{&plan, std::make_shared<const TableSchema>(plan.schema),
                                       std::make_unique<Projector>(plan), std::move(row_filter)});
  }
}

Result<std::optional<Change>> ChangeRouter::Filtered(const Table& table, const Change& change) {
  auto passes = [&](const std::optional<Row>& image) -> Result<bool> {
    if (!image) return false;
    Result<bool> passed = table.filter->Matches(*change.schema, *image);
    if (!passed.ok()) {
      return passed.status().WithContext(
          fmt::format("the row filter of {} at {}", change.table.ToString(),
                      change.position.Encode()));
    }
    return passed;
  };
  CUTOVER_ASSIGN_OR_RETURN(bool before, passes(change.before));
  CUTOVER_ASSIGN_OR_RETURN(bool after, passes(change.after));
  if (!before && !after) return std::optional<Change>();  // stays out (or never was in)
  Change kept = change;
  if (after && !before && kept.before) {
    kept.op = ChangeOp::kInsert;  // enters the filter
    kept.before.reset();
  } else if (before && !after && kept.after) {
    kept.op = ChangeOp::kDelete;  // leaves it
    kept.after.reset();
  }
  return std::optional<Change>(std::move(kept));
}

ChangeRouter::~ChangeRouter() = default;

Status ChangeRouter::Route(const Change& source_change, bool hash,
                           std::vector<RoutedChange>* out) {
  CUTOVER_RETURN_IF_ERROR(init_);
  if (source_change.op == ChangeOp::kSchema) return Status::Ok();
  auto found = tables_.find(source_change.table);
  if (found == tables_.end()) return Status::Ok();
  Table& table = found->second;
  std::optional<Change> filtered;
  if (table.filter) {
    CUTOVER_ASSIGN_OR_RETURN(filtered, Filtered(table, source_change));
    if (!filtered) return Status::Ok();
  }
  const Change& change = filtered ? *filtered : source_change;
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
  const bool update = change.op == ChangeOp::kUpdate && before && after;
  // The lane key of each image, computed once and only where needed (the hash; an update's
  // images, to find a moved row): the mapper's routing key, or the source key.
  std::optional<std::string> before_route;
  std::optional<std::string> after_route;
  if (mapper_ != nullptr && before && (update || (hash && !after))) {
    CUTOVER_ASSIGN_OR_RETURN(before_route, mapper_->RoutingKey(schema, *before));
  }
  if (mapper_ != nullptr && after && (update || hash)) {
    CUTOVER_ASSIGN_OR_RETURN(after_route, mapper_->RoutingKey(schema, *after));
  }
  auto hash_of = [&](const Row& image, const std::optional<std::string>& route) -> uint64_t {
    if (!hash) return 0;
    return route ? RoutingHash(*route) : KeyHash(change.table, KeyOf(schema, image));
  };
  bool key_changed = update && (mapper_ != nullptr ? before_route != after_route
                                                   : !(KeyOf(schema, *before) == KeyOf(schema, *after)));
  auto emit = [&](ChangeOp op, std::optional<Row> b, std::optional<Row> a,
                  uint64_t lane_hash) -> Status {
    RoutedChange& routed = out->emplace_back();
    routed.hash = lane_hash;
    routed.change.table = change.table;
    routed.change.op = op;
    routed.change.before = std::move(b);
    routed.change.after = std::move(a);
    routed.change.position = change.position;
    routed.change.schema = table.schema;
    if (map_) {
      CUTOVER_ASSIGN_OR_RETURN(routed.mapped, mapper_->Map(routed.change));
    }
    return Status::Ok();
  };
  if (key_changed) {
    uint64_t before_hash = hash_of(*before, before_route);
    uint64_t after_hash = hash_of(*after, after_route);
    CUTOVER_RETURN_IF_ERROR(emit(ChangeOp::kDelete, std::move(before), std::nullopt, before_hash));
    return emit(ChangeOp::kInsert, std::nullopt, std::move(after), after_hash);
  }
  uint64_t lane_hash = after ? hash_of(*after, after_route) : hash_of(*before, before_route);
  return emit(change.op, std::move(before), std::move(after), lane_hash);
}

}  // namespace cutover::pipeline
