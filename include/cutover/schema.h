// Schema: a source or target table's shape: columns with exact types, keys and indexes.
// Built by each source's introspection (information_schema / pg_catalog) and by the binlog's
// TABLE_MAP metadata; consumed by the copier, the decoders, the target DDL and the mapping.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cutover/status.h"
#include "cutover/value.h"

namespace cutover {

// Column types of MySQL/MariaDB and PostgreSQL, one enumerator per distinct storage type.
enum class SqlType : uint8_t {
  // MySQL / MariaDB
  kTinyInt, kSmallInt, kMediumInt, kInt, kBigInt, kDecimal, kFloat, kDouble, kBit, kYear,
  kDate, kTime, kDateTime, kTimestamp, kChar, kVarChar, kBinary, kVarBinary, kTinyBlob, kBlob,
  kMediumBlob, kLongBlob, kTinyText, kText, kMediumText, kLongText, kEnum, kSet, kJson,
  kGeometry,
  // PostgreSQL (its integer, numeric, float, text, date, time and json types map onto the
  // enumerators above: int2 = kSmallInt, int4 = kInt, int8 = kBigInt, numeric = kDecimal,
  // real = kFloat, double precision = kDouble, varchar = kVarChar, text = kText, bytea =
  // kLongBlob, timestamp = kDateTime, timestamptz = kTimestamp, json and jsonb = kJson)
  kBoolean, kTimeTz, kUuid, kInterval,
  kOther,  // any other type, carried as its text (ColumnType::source_name says which)
};
std::string_view SqlTypeName(SqlType type);

struct ColumnType {
  SqlType type = SqlType::kOther;
  bool is_unsigned = false;
  uint32_t length = 0;     // CHAR/VARCHAR/BINARY characters or bytes; BIT width in bits
  uint32_t precision = 0;  // DECIMAL digits (0: PostgreSQL numeric without a precision)
  uint32_t scale = 0;      // DECIMAL fraction digits
  uint8_t fsp = 0;         // TIME/DATETIME/TIMESTAMP fractional-second digits (0..6)
  Charset charset = Charset::kUtf8;  // for character types
  std::string collation;             // e.g. utf8mb4_general_ci; "binary" for binary strings
  std::vector<std::string> elements;  // ENUM/SET labels in definition order
  std::string source_name;           // the source's own spelling: "bigint(20) unsigned"
  bool is_jsonb = false;             // PostgreSQL jsonb (vs json)
  // A PostgreSQL source column: source_name is format_type()'s spelling, domains are resolved to
  // their base type, and the targets map it by the PostgreSQL rules (docs/type-mapping.md).
  bool postgres = false;

  // The kind of Value this column holds (text with a binary collation holds kBytes).
  ValueKind value_kind() const;
  bool is_binary_string() const;
  // CHAR, VARCHAR, the TEXT types, ENUM and SET: the types whose charset and collation matter.
  bool is_character() const;
  bool operator==(const ColumnType& other) const = default;
};

// Parses a MySQL/MariaDB information_schema.COLUMNS.COLUMN_TYPE ("decimal(65,30)",
// "enum('a','b''c')", "int(10) unsigned zerofill", "datetime(6)") with the column's charset and
// collation names (empty for non-character types).
Result<ColumnType> ParseMysqlColumnType(std::string_view column_type, std::string_view charset,
                                        std::string_view collation);

// Parses a value as a MySQL/MariaDB server sends it over the text protocol (session time zone
// +00:00) for a column of `type`. The inverse of Value::ToText() for MySQL types.
Result<Value> ParseMysqlText(const ColumnType& type, std::string_view text);

// The display contract (`cutover tail`, docs/tail.md) for `value` read from a column of `type`:
// Value::ToDisplay() plus what only the column knows, so the text equals what the server's
// SELECT shows: YEAR in 4 digits ("0000" for the zero year, "1901"), ENUM and SET labels
// converted from the column charset to UTF-8. NULL gives "" (check is_null() first).
std::string DisplayValue(const ColumnType& type, const Value& value);

struct Column {
  std::string name;
  ColumnType type;
  bool nullable = true;
  bool operator==(const Column& other) const = default;
};

struct Index {
  std::string name;
  std::vector<std::string> columns;  // in index order
  bool unique = false;
  bool primary = false;
  std::string definition;  // the source's DDL fragment, used to rebuild it on a like target
  bool operator==(const Index& other) const = default;
};

struct TableId {
  std::string schema;  // MySQL database / PostgreSQL schema
  std::string name;
  std::string ToString() const { return schema + "." + name; }  // "shop.orders"
  auto operator<=>(const TableId& other) const = default;
};

struct TableSchema {
  TableId id;
  std::vector<Column> columns;        // in ordinal order
  std::vector<size_t> key;            // indexes into columns: the primary key, or the unique
                                      // NOT NULL index chosen as the row identity; empty: none
  std::string key_index;              // name of the index `key` came from ("PRIMARY", ...)
  std::vector<Index> indexes;         // every index including the primary key
  std::string charset;                // the table's default charset

  // The column's position, or nullopt.
  std::optional<size_t> ColumnIndex(std::string_view column) const;
  bool has_key() const { return !key.empty(); }
};

}  // namespace cutover
