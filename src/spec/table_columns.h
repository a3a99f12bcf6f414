// TableColumns: what the spec's table rules make of a source table's schema, the same for every
// source engine: the row identity key, the columns a rule keeps, and the refusal of a table
// without a usable key.
#pragma once

#include <vector>

#include "cutover/schema.h"
#include "cutover/spec.h"
#include "cutover/status.h"

namespace cutover {

// `schema` narrowed to `rule.columns` (empty: all columns). Key columns are always kept;
// columns stay in ordinal order; indexes over a dropped column are dropped. InvalidArgument
// naming the column and table for a column the table does not have.
Result<TableSchema> NarrowToColumns(const TableSchema& schema, const TableRule& rule);

// Sets schema->key and key_index from `candidates` (indexes of `schema` that may identify a
// row: unique, over NOT NULL columns only; in name order): the primary key when it is one of
// them, else the one with the fewest columns (the first of equals). Leaves both empty when there
// is no candidate.
void ChooseKey(const std::vector<const Index*>& candidates, TableSchema* schema);

// The error for selected tables without a usable key (exact text; docs/copy.md quotes it).
Status NoKeyError(const std::vector<TableId>& tables);

}  // namespace cutover
