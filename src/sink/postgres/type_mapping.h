// TypeMapping: the PostgreSQL column type (and CHECK constraint) for each MySQL/MariaDB column
// type; docs/type-mapping.md is the table this code implements.
#pragma once

#include <string>

#include "cutover/schema.h"
#include "cutover/status.h"

namespace cutover::postgres {

// The PostgreSQL type for a column of `type`, e.g. "numeric(20,0)" for BIGINT UNSIGNED; a
// PostgreSQL source column's own type (source_name), but "text" for an enum (its CHECK comes
// from PostgresCheck) and "text[]" for an array of an enum. Unimplemented for a type with no
// mapping (PostgreSQL-only kinds keep their own name).
Result<std::string> PostgresType(const ColumnType& type);

// A CHECK expression that keeps the column within the source type's values, or "" when the
// PostgreSQL type is enough: ENUM columns accept only their labels, unsigned integers only
// values >= 0. `quoted_column` is the column's quoted name.
std::string PostgresCheck(const ColumnType& type, const std::string& quoted_column);

}  // namespace cutover::postgres
