// SchemaChange: a MariaDB/MySQL source's schema change (cutover/apply.h SchemaStep) as
// PostgreSQL DDL on the target table, under the copy's type mapping (docs/ddl.md, "PostgreSQL
// targets"): the column definition of the source statement read into a type, its DEFAULT
// translated where it can be exactly, and widening judged in PostgreSQL's terms. Pure: no
// connection; the applier (applier.cc) runs what this writes.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "cutover/apply.h"
#include "cutover/schema.h"
#include "cutover/status.h"
#include "cutover/value.h"

namespace cutover::postgres {

// A column as a source statement defines it ("INT NOT NULL DEFAULT 7", "VARCHAR(80) CHARACTER
// SET latin1 NULL"): its type as the copy reads it from information_schema, and nullability.
// InvalidArgument or Unimplemented (a type cutover does not know) when it cannot be read.
Result<Column> ColumnFromDefinition(const std::string& name, std::string_view definition);

// `mysql_default` (a constant DEFAULT as the source statement wrote it: 7, -1.5, 'a''b',
// _utf8mb4'x', NULL, TRUE, DATE '2024-01-01') as a PostgreSQL literal that gives the value the
// copy writes for it: the value read as the server reads it into a column of `type` and
// rendered by the copy's PostgresText ('0000-00-00' becomes '-infinity'). With `type` null
// (a column whose type is not known here) only numbers, strings and NULL, quoted as written,
// for PostgreSQL to read as the column's type. nullopt when it cannot be translated exactly
// (b'..', x'..', an expression, a value the type cannot hold).
std::optional<std::string> DefaultLiteral(const ColumnType* type, std::string_view mysql_default);

// `value` of a column of `type` as a PostgreSQL literal that gives the value the copy writes for
// it ("NULL" for NULL); InvalidArgument when PostgreSQL cannot hold it (PostgresText).
Result<std::string> ValueLiteral(const ColumnType& type, const Value& value);

// ALTER TABLE <target> ADD COLUMN IF NOT EXISTS for `column` with its mapped type, NOT NULL as
// the source, `default_literal` (a DefaultLiteral, or "" for none) and the type's CHECK.
Result<std::string> AddColumnSql(const TableId& target, const Column& column,
                                 const std::string& default_literal);

// The ALTER TABLE that widens `to`'s column from `from` on the target: nullopt when the
// PostgreSQL type stays the same (TINYINT to SMALLINT are both smallint), "" when the change is
// not a pure widening in PostgreSQL terms (every value kept as it is: a larger integer type,
// a longer varchar or text, more numeric digits on both sides of the point, more fractional
// seconds), else the statement. Between two PostgreSQL source types (a source without
// statements, whose widening the caller judged on the source's types) the statement whenever
// the PostgreSQL type differs.
Result<std::optional<std::string>> WidenColumnSql(const TableId& target, const Column& from,
                                                  const Column& to);

}  // namespace cutover::postgres
