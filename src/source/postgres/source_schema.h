// SourceSchema: reads the shape of the selected PostgreSQL source tables from pg_catalog
// (columns with their types, indexes, the row identity key) for the copy and the change stream.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cutover/schema.h"
#include "cutover/source.h"
#include "cutover/spec.h"
#include "cutover/status.h"

#include "db/postgres/connection.h"

namespace cutover::postgres {

// The tables of the source that `spec.tables` selects (SelectTable), sorted by schema and name
// (bytewise), each with its full schema and narrowed to its rule's columns (NarrowToColumns),
// with rows_estimate from pg_class.reltuples (0 for a table never analysed). Ordinary tables,
// and a partitioned table as one table: its partitions are not selected on their own (a SELECT
// of the parent reads them all; the publication must be created WITH
// (publish_via_partition_root = true) so that their changes carry the parent's name too), and
// its estimate is the sum of theirs. The system schemas (pg_catalog, information_schema,
// pg_toast, the temporary ones) are never selected. Refused, FailedPrecondition:
//   - a database whose encoding is not UTF8 (values are read and written as UTF-8);
//   - a selected UNLOGGED table (its changes are not in the WAL, so no slot sees them);
//   - selected tables without a usable key: NoKeyError naming every one of them.
// InvalidArgument for a rule column a table does not have.
Result<std::vector<SourceTable>> LoadSelectedTables(Connection& connection, const Spec& spec);

// The names of the logged tables the spec selects now, as LoadSelectedTables picks them (one
// query, no schemas): what the running stream compares its publication with.
Result<std::vector<TableId>> SelectedTableIds(Connection& connection, const Spec& spec);

// The schema of one table; NotFound when it does not exist. Columns in attnum order, dropped
// and generated columns left out (pgoutput does not send generated columns in PostgreSQL 15,
// so the copy leaves them out too); types by ColumnTypeOf (types.h) after resolving domains to
// their base type (an array of a domain to the array of its base type). `key` is the primary
// key, else the valid, unique, non-partial index over plain NOT NULL columns with the fewest
// columns (ties: by name); empty when there is none. `key_index` is that index's name.
// `indexes` holds every index (primary first, then by name) with `definition` =
// pg_get_indexdef(); `columns` lists the key columns of a plain btree index and is empty for an
// expression, partial or non-btree index (which targets do not rebuild: docs/type-mapping.md).
// `charset` is "utf8mb4" (the UTF8 encoding, in the vocabulary of the MariaDB target).
Result<TableSchema> LoadTableSchema(Connection& connection, const TableId& table);

// The ColumnType of a column of type `type_oid` with `typmod` (a pgoutput Relation message
// gives both), resolved as LoadTableSchema does; NotFound for an unknown type.
Result<ColumnType> LoadColumnType(Connection& connection, uint32_t type_oid, int32_t typmod);

// What the rows a table had when `column` was added to it hold in that column, as the catalog
// tells it now (pg_attribute, pg_attrdef).
struct ExistingRows {
  bool known = false;               // false: the catalog cannot tell (why_unknown says why)
  std::optional<std::string> text;  // the value's text under SessionSettings(); nullopt: NULL
  std::string why_unknown;
};

// A column added with a constant DEFAULT keeps it as its "missing value" (atthasmissing) until
// the table is rewritten: the rows that existed hold that value. A column without a default and
// without a missing value gave them NULL. A column with a default and no missing value got a
// volatile default computed per row (the table was rewritten), or its default was set later or
// the table rewritten since: not known. A column the table no longer has: not known.
Result<ExistingRows> LoadExistingRows(Connection& connection, const TableId& table,
                                      const std::string& column);

}  // namespace cutover::postgres
