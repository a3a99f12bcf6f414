// BulkRows: turns a chunk of rows into the parameter columns of one bulk REPLACE (MariaDB's
// COM_STMT_BULK_EXECUTE), the faster alternative to LOAD DATA on MariaDB targets: the server
// receives binary values and parses no row text (docs/copy.md, "Writing to MariaDB").
#pragma once

#include <span>
#include <string>
#include <vector>

#include "cutover/change.h"
#include "cutover/schema.h"

#include "db/mysql/connection.h"

namespace cutover::mysql {

// `REPLACE INTO target (c1, ..., cn) VALUES (?, ..., ?)`.
std::string BulkReplaceStatement(const TableSchema& schema, const TableId& target);

// The bytes a row takes in a bulk execution, about: what its values weigh once rendered.
size_t BulkRowBytes(const Row& row);

// Fills one BulkColumn per schema column with `rows`. An integer column (TINYINT..BIGINT, YEAR,
// BIT, boolean) whose non-NULL values are all integers travels as 64-bit integers (signed unless a
// value is unsigned or BIT); any other column as binary strings rendered exactly as LOAD DATA's
// fields are, without escapes (YEAR "0000", ENUM/SET labels, DECIMAL with its scale, temporal
// text). *columns is reused: its buffers keep their capacity from chunk to chunk.
void FillBulkColumns(const TableSchema& schema, std::span<const Row> rows,
                     std::vector<BulkColumn>* columns);

}  // namespace cutover::mysql
