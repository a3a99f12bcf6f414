// TableSchemaBuilder: turns a TABLE_MAP's binlog column types and metadata into the row decoder's
// per-column plan (DecodeOp) and into cutover's TableSchema (SqlType, length, charset, labels,
// primary key).
#pragma once

#include <cstdint>
#include <vector>

#include "cutover/schema.h"

#include "source/binlog/table_map.h"

namespace cutover::binlog {

// Applies the two metadata bytes of a STRING/ENUM/SET column: the real type (CHAR, ENUM or SET)
// and the byte length (CHAR, with the length's high bits hidden in the real type byte) or the
// pack length (ENUM, SET).
void ApplyStringMetadata(uint8_t first, uint8_t second, BinlogColumn* col);

// Chooses each column's DecodeOp and binary flag once the optional metadata is applied.
// DataLoss when a column's metadata is impossible (a BLOB length of 7 bytes, BIT(70)).
Status FinishColumns(TableMap* map);

// The TableSchema the TABLE_MAP describes; `key` lists the primary key columns (may be empty).
TableSchema BuildTableSchema(const TableMap& map, const std::vector<size_t>& key);

}  // namespace cutover::binlog
