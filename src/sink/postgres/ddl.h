// Ddl: the SQL a PostgreSQL target table needs: CREATE TABLE with mapped types, the primary
// key and index DDL built after the load with schema-unique names, and the key-range predicate
// of a chunk.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "cutover/schema.h"
#include "cutover/sink.h"

#include "db/postgres/connection.h"
#include "sink/postgres/copy_text.h"

namespace cutover::postgres {

// CREATE TABLE for `target`: every column of `schema` with its mapped type, NOT NULL as the
// source, a CHECK per ENUM / unsigned column. No PRIMARY KEY: COPY into an unkeyed table and
// one index build afterwards is faster than maintaining the key row by row (PrimaryKeyIndex).
Result<std::string> CreateTableSql(const TableSchema& schema, const TableId& target);

// The primary key of `target` over the key columns of `schema`, as a deferred index
// (Index::primary) named "<table>_pkey" like PostgreSQL's own default, shortened with a hash
// past 63 bytes.
Index PrimaryKeyIndex(const TableSchema& schema, const TableId& target);

// ALTER TABLE ... ADD CONSTRAINT <name> PRIMARY KEY (...) for a PrimaryKeyIndex entry.
std::string AddPrimaryKeySql(const TableId& target, const Index& key);

// A query returning one row when the table named by $1 ("schema"."table") has a primary key.
inline constexpr const char* kHasPrimaryKeySql =
    "SELECT 1 FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'p'";

// The secondary indexes of `schema` to build after the load, renamed for PostgreSQL, where index
// names are unique per schema: "<table>_<index>", shortened with a hash past 63 bytes.
// FULLTEXT and SPATIAL indexes (by their source definition) are not carried over.
std::vector<Index> DeferredIndexes(const TableSchema& schema, const TableId& target);

// CREATE [UNIQUE] INDEX IF NOT EXISTS for `index` (a DeferredIndexes entry) on `target`.
std::string CreateIndexSql(const TableId& target, const Index& index);

// The WHERE condition selecting the rows of `bounds` as row-value comparisons on the key,
// with the bound values appended to *params as $n parameters ("true" when both are open).
Result<std::string> KeyRangePredicate(const TableSchema& schema, const ChunkBounds& bounds,
                                      Params* params);

// True when PostgreSQL orders the key like the source does, so a chunk's key range means the
// same rows on both: no key column holds text, ENUM, SET or JSON (a MySQL collation such as
// utf8mb4_general_ci has no PostgreSQL equivalent, and ENUM sorts by index in MySQL).
bool KeyOrderIsPortable(const TableSchema& schema);

// "unnest($n::type[], ...)": one array parameter per column of `columns` (indexes into
// `schema`), holding that column's value in each of `rows`, as the copy writes it; a relation
// of rows.size() rows with those columns.
Result<std::string> UnnestColumns(const TableSchema& schema, std::span<const size_t> columns,
                                  std::span<const Row* const> rows, Params* params);

// The WHERE condition selecting exactly the keys of `rows`: (k1, k2) IN (SELECT * FROM
// unnest($n::type[], ...)), one array parameter per key column. "false" when `rows` is empty.
Result<std::string> KeyListPredicate(const TableSchema& schema, std::span<const Row* const> rows,
                                     Params* params);
Result<std::string> KeyListPredicate(const TableSchema& schema, std::span<const Row> rows,
                                     Params* params);

}  // namespace cutover::postgres
