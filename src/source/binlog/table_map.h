// TableMap: a decoded TABLE_MAP_EVENT: the table's name, the binlog type and metadata of every
// column (with the real type of STRING columns, signedness, charsets, names, ENUM/SET labels,
// geometry types, primary key from the optional metadata of binlog_row_metadata=FULL), the plan
// the row decoder follows per column, and the TableSchema built from it all.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cutover/schema.h"
#include "cutover/status.h"
#include "cutover/value.h"

namespace cutover::binlog {

// MySQL/MariaDB column type codes (enum_field_types) as TABLE_MAP and rows events use them.
enum class ColumnTypeCode : uint8_t {
  kDecimal = 0,
  kTiny = 1,
  kShort = 2,
  kLong = 3,
  kFloat = 4,
  kDouble = 5,
  kNull = 6,
  kTimestamp = 7,
  kLongLong = 8,
  kInt24 = 9,
  kDate = 10,
  kTime = 11,
  kDateTime = 12,
  kYear = 13,
  kNewDate = 14,
  kVarChar = 15,
  kBit = 16,
  kTimestamp2 = 17,
  kDateTime2 = 18,
  kTime2 = 19,
  kVarCharCompressed = 140,  // MariaDB
  kBlobCompressed = 141,     // MariaDB
  kJson = 245,
  kNewDecimal = 246,
  kEnum = 247,
  kSet = 248,
  kTinyBlob = 249,
  kMediumBlob = 250,
  kLongBlob = 251,
  kBlob = 252,
  kVarString = 253,
  kString = 254,
  kGeometry = 255,
};

// How the row decoder reads one column's value: one switch case per DecodeOp, chosen once per
// TABLE_MAP so decoding a row never re-inspects the metadata.
enum class DecodeOp : uint8_t {
  kNull,
  kInt8,
  kUInt8,
  kInt16,
  kUInt16,
  kInt24,
  kUInt24,
  kInt32,
  kUInt32,
  kInt64,
  kUInt64,
  kFloat,
  kDouble,
  kNewDecimal,
  kBit,
  kYear,
  kDate,
  kTime,
  kTime2,
  kDateTime,
  kDateTime2,
  kTimestamp,
  kTimestamp2,
  kChar,       // CHAR/BINARY: 1-2 byte length; CHAR drops trailing spaces, BINARY pads 0x00
  kVarString,  // VARCHAR/VARBINARY: 1-2 byte length
  kBlob,       // BLOB/TEXT/GEOMETRY: 1-4 byte length
  kEnum,
  kSet,          // 1-2 / 1-8 byte little-endian index or bitmask
  kJsonBinary,   // MySQL binary JSON after a 1-4 byte length
  kUnsupported,  // a type cutover cannot decode; decoding a non-NULL value fails
};

struct BinlogColumn {
  ColumnTypeCode type = ColumnTypeCode::kNull;       // as listed in the TABLE_MAP
  ColumnTypeCode real_type = ColumnTypeCode::kNull;  // STRING's hidden real type; else == type
  DecodeOp op = DecodeOp::kUnsupported;
  uint8_t length_bytes = 0;  // length prefix of strings/blobs; pack length of ENUM/SET
  uint8_t fsp = 0;           // TIME2/DATETIME2/TIMESTAMP2 fractional digits
  uint8_t precision = 0;     // NEWDECIMAL
  uint8_t scale = 0;         // NEWDECIMAL
  uint16_t bit_width = 0;    // BIT(n)
  uint32_t max_bytes = 0;    // CHAR/VARCHAR/BINARY maximum length in bytes
  bool is_unsigned = false;
  bool nullable = true;
  bool binary = false;       // a string column holding bytes (binary collation, BLOB, GEOMETRY)
  bool has_charset = false;  // the optional metadata gave this column's collation
  uint32_t collation_id = 0;
  Charset charset = Charset::kUtf8;
  uint32_t geometry_type = 0;       // GEOMETRY subtype from the metadata (0 = GEOMETRY)
  std::vector<std::string> labels;  // ENUM/SET members in definition order
  std::string name;                 // "" when the binlog has no column names
};

struct TableMap {
  uint64_t table_id = 0;
  uint16_t flags = 0;
  std::string schema;
  std::string table;
  std::vector<BinlogColumn> columns;
  bool has_column_names = false;  // binlog_row_metadata=FULL
  // Built from the columns and the primary key metadata; columns without names get "@1", "@2"
  // (1-based), as mysqlbinlog shows them.
  std::shared_ptr<const TableSchema> schema_shape;
};

// Parses the payload of a TABLE_MAP_EVENT (after the common header, without checksum).
// `post_header_length` 6 means a 4-byte table id (very old servers); otherwise 6 bytes.
// `mariadb`: the event comes from MariaDB (whose charset metadata also lists GEOMETRY columns).
// DataLoss when the bytes are cut short or inconsistent.
Result<TableMap> ParseTableMap(std::string_view payload, uint8_t post_header_length, bool mariadb);

// Reads only the table id at the front of a TABLE_MAP or rows event payload.
uint64_t PeekTableId(std::string_view payload, uint8_t post_header_length);

}  // namespace cutover::binlog
