// ChangeRouter: turns a source change into what an applier receives, and says which lane (or
// Kafka partition) each part goes to. Images are narrowed to the applied schema (the table
// rule's columns, by name, whatever source schema version they come from); the lane key is
// FNV-1a of (table, key), or of the target's routing key when it has a ChangeMapper (DynamoDB:
// the item's key), so every key's (every item's) changes stay in one lane, in log order. An
// update that moves a row to another lane key becomes a delete of the old key and an insert of
// the new one. A table's row filter is applied first, on the source images: a change whose row
// enters the filter becomes an insert, one that leaves it a delete, one that stays out nothing. With `map`, each part is then mapped by the target's mapper, once: the one place
// a change is mapped (apply's reader, for both logs). Capture into a partitioned log (Kafka)
// routes without mapping: the partition follows the same hash.
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

#include "filter/filter.h"

namespace cutover::pipeline {

struct RoutedChange {
  uint64_t hash = 0;  // lane = hash % lanes (0 when Route was asked for no hash)
  // The change as the applier receives it: images projected onto the applied schema
  // (change.schema), a key-moving update split.
  Change change;
  std::shared_ptr<const MappedChange> mapped;  // the mapper's form of it (`map`)
};

class ChangeRouter {
 public:
  // `mapper` null: routes by (source table, source key) and maps nothing. `map`: each part is
  // mapped by `mapper` (not owned; outlives the router).
  ChangeRouter(const std::vector<TargetTablePlan>& plans, const ChangeMapper* mapper, bool map);
  ~ChangeRouter();

  // Appends the parts of `change` to *out (1, or 2 for a key-moving update; none for a table
  // that is not applied, a schema change, or a row outside the table's filter). `hash`: compute each part's lane hash (false when
  // there is one lane: only an update's images are then keyed, to find a moved row). DataLoss
  // when an image lacks a selected column (the source table was altered); the mapper's error
  // when a routing key or a mapping cannot be computed; the filter's when it cannot decide.
  Status Route(const Change& change, bool hash, std::vector<RoutedChange>* out);

 private:
  class Projector;
  struct Table {
    const TargetTablePlan* plan;
    std::shared_ptr<const TableSchema> schema;
    std::unique_ptr<Projector> projector;
    std::optional<filter::Filter> filter;  // the plan's row filter
  };
  // The change as far as its images pass the table's filter (nullopt: nothing to apply).
  static Result<std::optional<Change>> Filtered(const Table& table, const Change& change);
  std::map<TableId, Table> tables_;
  const ChangeMapper* mapper_;
  const bool map_;
  Status init_;  // a plan's filter that could not be read
};

}  // namespace cutover::pipeline
