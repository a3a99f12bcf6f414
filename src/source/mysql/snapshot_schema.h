// SnapshotSchema: reads the shape of the selected MariaDB/MySQL source tables from
// information_schema (columns, indexes, the row identity key) for the full load.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cutover/schema.h"
#include "cutover/spec.h"
#include "cutover/status.h"

#include "db/mysql/connection.h"

namespace cutover::mysql {

// A source table the spec selects, with the rule that selected it and its size estimate.
struct SelectedTable {
  TableSchema schema;               // full source schema (every column)
  const TableRule* rule = nullptr;  // points into the Spec; never null
  int64_t rows_estimate = 0;        // information_schema.TABLES.TABLE_ROWS (InnoDB: an estimate)
};

// The base tables of the source that `spec.tables` selects, sorted by schema and name, each
// with its schema loaded. System schemas (mysql, information_schema, performance_schema, sys)
// are never selected. Tables without a usable key are refused: FailedPrecondition naming every
// such table.
Result<std::vector<SelectedTable>> LoadSelectedTables(Connection& connection, const Spec& spec);

// The schema of one table; NotFound when it does not exist. `key` is the primary key, else the
// unique index over NOT NULL columns without prefix parts with the fewest columns (ties: by
// name); empty when there is none (the caller decides whether that is an error).
Result<TableSchema> LoadTableSchema(Connection& connection, const TableId& table);

}  // namespace cutover::mysql
