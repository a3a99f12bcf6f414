// CopyText: renders Values as PostgreSQL text input (for COPY ... FROM STDIN text format and for
// statement parameters), applying the MySQL-to-PostgreSQL value rules of docs/type-mapping.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "cutover/change.h"
#include "cutover/schema.h"
#include "cutover/status.h"

namespace cutover::postgres {

// Values the writer had to change to fit PostgreSQL, counted so they are reported, never
// silent.
struct ValueAdjustments {
  // MySQL zero dates ('0000-00-00', '2024-00-10', '0000-00-00 00:00:00'), which PostgreSQL
  // cannot hold, written as '-infinity' (which, like a zero date, sorts before every real date).
  uint64_t zero_dates = 0;
};

// The PostgreSQL input text of `value` read from a source column of `type`, or nullopt for
// NULL. InvalidArgument when PostgreSQL cannot hold the value (a NUL character in text, an
// ENUM's '' error value). Counts zero dates in *adjustments.
Result<std::optional<std::string>> PostgresText(const ColumnType& type, const Value& value,
                                                ValueAdjustments* adjustments);

// Appends `row` as one line of COPY's text format (tab-separated, \N for NULL, backslash
// escapes). Errors name the column.
Status AppendCopyRow(const TableSchema& schema, const Row& row, std::string* out,
                     ValueAdjustments* adjustments);

}  // namespace cutover::postgres
