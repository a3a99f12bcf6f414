// Ddl: the SQL a MariaDB/MySQL target table needs: CREATE TABLE from a source schema, deferred
// index DDL, and the key-range predicate of a chunk with its literals.
#pragma once

#include <string>
#include <vector>

#include "cutover/schema.h"
#include "cutover/sink.h"

namespace cutover::mysql {

// A FLOAT value as MariaDB/MySQL must be sent it: the shortest text of the float widened to
// double (3.4028234663852886e+38 for FLT_MAX), which the server parses as a double and narrows
// to the same float. The float's own shortest text (3.4028235e+38) is above FLT_MAX as a double,
// and the server refuses it as out of range.
std::string FloatText(float value);

// `value` (a key value of a column of `type`) as a SQL literal that needs no connection:
// numbers as digits, text as `_<charset> X'<hex>'`, bytes as X'<hex>', temporal values quoted,
// ENUM as its index, SET and BIT as their integer value. NULL is NULL.
std::string SqlLiteral(const ColumnType& type, const Value& value);

// The WHERE condition selecting the rows of `bounds` (lower exclusive, upper inclusive) on the
// key of `schema`, written as nested OR/AND (which MariaDB's range optimizer uses) rather than a
// row-value comparison. "1=1" when both bounds are open.
std::string KeyRangePredicate(const TableSchema& schema, const ChunkBounds& bounds);

// CREATE TABLE for `target` with the columns of `schema` (their source type, charset,
// collation and nullability; a PostgreSQL source column's type by MariaDbTypeOfPostgres) and
// the key (PRIMARY KEY, or the unique index the key came from). Secondary indexes are left
// out: see DeferredIndexes. InvalidArgument naming the table and column for a PostgreSQL type
// MariaDB cannot hold.
Result<std::string> CreateTableSql(const TableSchema& schema, const TableId& target);

// The indexes of `schema` to build after the load: every index that is not the primary key
// and not the key index, and whose columns are all in `schema` (a column subset may drop some).
// Of a PostgreSQL source: not an expression, partial or non-btree index (no columns), nor one
// over a column that becomes LONGTEXT, LONGBLOB or JSON (MariaDB needs a prefix length there).
std::vector<Index> DeferredIndexes(const TableSchema& schema);

// ALTER TABLE ... ADD for `index`: its source definition when given (the SHOW CREATE TABLE
// fragment, e.g. "UNIQUE KEY `u` (`a`,`b`(10))"), else built from its columns.
std::string AddIndexSql(const TableId& target, const Index& index);

}  // namespace cutover::mysql
