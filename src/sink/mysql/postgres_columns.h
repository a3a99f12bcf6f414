// PostgresColumns: PostgreSQL source columns on a MariaDB/MySQL target: the column type each
// becomes, and the values MariaDB cannot hold refused by name (docs/type-mapping.md).
#pragma once

#include <span>
#include <string>

#include "cutover/change.h"
#include "cutover/schema.h"
#include "cutover/status.h"

namespace cutover::mysql {

// The MariaDB/MySQL type for a column of `type` (a PostgreSQL source column). `key`: the column
// is in the row identity key, where MariaDB needs a bounded type (VARCHAR(768), VARBINARY(3072)
// instead of LONGTEXT, LONGBLOB; a longer value then fails its write, never cut). InvalidArgument
// naming the column and the way out for a type without a faithful MariaDB type (numeric with
// more than 65 digits or 30 after the point).
Result<std::string> MariaDbTypeOfPostgres(const Column& column, bool key);

// OK when every PostgreSQL source column of `schema` has a MariaDB/MySQL type; else the refusal
// of MariaDbTypeOfPostgres with the table's name in front. Checked when the plans are made, so
// that nothing is written before a column is found that cannot be.
Status CheckPostgresColumns(const TableSchema& schema);

// OK when MariaDB can hold every value of `rows` (of a table of `schema`) as it is; else
// InvalidArgument naming the table, the column, the value and the way out: dates and
// timestamps that are +-infinity, BC or after 9999, numeric NaN and +-Infinity, float NaN and
// +-Infinity, -0. Checks PostgreSQL source columns only (a MySQL source's values are MySQL's).
Status CheckPostgresValues(const TableSchema& schema, std::span<const Row> rows);

}  // namespace cutover::mysql
