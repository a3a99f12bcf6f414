// ValueDecoder: reads one column value of a rows-event row image into a cutover Value, following
// the column's DecodeOp (integers, DECIMAL, FLOAT/DOUBLE, BIT, YEAR, temporal types, strings,
// blobs, ENUM, SET, JSON, GEOMETRY).
#pragma once

#include "cutover/status.h"
#include "cutover/value.h"

#include "source/binlog/byte_reader.h"
#include "source/binlog/table_map.h"

namespace cutover::binlog {

// Decodes the non-NULL value of `col` at the front of *in into *out and advances *in.
// DataLoss when the bytes are cut short or impossible for the type; Unimplemented for column
// types cutover does not decode (MariaDB compressed columns, pre-5.0 DECIMAL).
Status DecodeValue(const BinlogColumn& col, ByteReader* in, Value* out);

}  // namespace cutover::binlog
