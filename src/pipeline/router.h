// ChangeRouter: turns a source change into what an applier receives, and says which lane (or
// Kafka partition) each part goes to. Images are narrowed to the applied schema (the table
// rule's columns, by name, whatever source schema version they come from); the lane key is
// FNV-1a of (table, key), or of the target's routing key when it has one (DynamoDB: the item's
// key), so every key's (every item's) changes stay in one lane, in log order. An update that
// moves a row to another lane key becomes a delete of the old key and an insert of the new one.
// Used by the local log's reader and by capture into Kafka (which partitions by the same hash).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "cutover/apply.h"
#include "cutover/change.h"
#include "cutover/sink.h"
#include "cutover/status.h"

namespace cutover::pipeline {

struct RoutedChange {
  uint64_t hash = 0;  // lane = hash % lanes
  ChangeOp op = ChangeOp::kInsert;
  std::optional<Row> before;  // projected onto `schema`
  std::optional<Row> after;
  std::shared_ptr<const TableSchema> schema;  // the applied schema
};

class ChangeRouter {
 public:
  // `routing_key` empty: by (source table, source key).
  ChangeRouter(const std::vector<TargetTablePlan>& plans, RoutingKeyFunction routing_key);
  ~ChangeRouter();

  // Appends the parts of `change` to *out (1, or 2 for a lane-changing update; none for a
  // table that is not applied or a schema change). DataLoss when an image lacks a selected
  // column (the source table was altered) or the routing key cannot be computed.
  Status Route(const Change& change, std::vector<RoutedChange>* out);

 private:
  class Projector;
  struct Table {
    const TargetTablePlan* plan;
    std::shared_ptr<const TableSchema> schema;
    std::unique_ptr<Projector> projector;
  };
  std::map<TableId, Table> tables_;
  RoutingKeyFunction routing_key_;
};

}  // namespace cutover::pipeline
