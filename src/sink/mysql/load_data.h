// LoadData: renders rows in LOAD DATA INFILE's escaped text format and writes the statement that
// reads them back into the right columns (BIT and JSON through user variables).
#pragma once

#include <string>

#include "cutover/change.h"
#include "cutover/schema.h"

namespace cutover::mysql {

// Appends `value`, read from a column of `type`, as one field of the format
// FIELDS TERMINATED BY '\t' ESCAPED BY '\\' LINES TERMINATED BY '\n' (file CHARACTER SET
// binary, so bytes reach the column unconverted): NULL is \N; backslash, tab, newline, carriage
// return and NUL are escaped; BIT is its unsigned value in decimal (the statement casts it);
// YEAR has four digits ("0000" stays the zero year); ENUM and SET are their labels.
void AppendLoadDataField(const ColumnType& type, const Value& value, std::string* out);

// Appends `row` (in schema column order) as one line.
void AppendLoadDataRow(const TableSchema& schema, const Row& row, std::string* out);

// The `LOAD DATA LOCAL INFILE` statement that reads lines made by AppendLoadDataRow into
// `target`, replacing rows with an equal key.
std::string LoadDataStatement(const TableSchema& schema, const TableId& target);

}  // namespace cutover::mysql
