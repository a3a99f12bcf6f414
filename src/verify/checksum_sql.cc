// ChecksumSql: SQL text of a key range's in-server checksum.
#include "verify/checksum_sql.h"

#include <fmt/format.h>

#include "db/mysql/connection.h"
#include "source/mysql/snapshot_sql.h"

namespace cutover::verify {
namespace {

// Whether a column's text, as CONCAT_WS with a binary separator takes it (the column's own
// bytes, no conversion), can contain the separator byte 0xFF. Numbers and temporal values are
// ASCII, BIT is rendered as its number, and UTF-8 text never holds 0xFF (the byte is not valid
// anywhere in UTF-8). Other charsets, binary strings and types not known here can.
bool MayHoldSeparator(const ColumnType& type) {
  switch (type.value_kind()) {
    case ValueKind::kInt:
    case ValueKind::kUInt:
    case ValueKind::kDecimal:
    case ValueKind::kFloat:
    case ValueKind::kDouble:
    case ValueKind::kBit:
    case ValueKind::kDate:
    case ValueKind::kTime:
    case ValueKind::kDateTime:
    case ValueKind::kTimestamp:
    case ValueKind::kJson: return false;
    case ValueKind::kText:
    case ValueKind::kEnum:
    case ValueKind::kSet: return type.charset != Charset::kUtf8;
    default: return true;
  }
}

}  // namespace

Result<std::string> RangeWhere(const TableSchema& schema, const std::optional<Key>& lower,
                               const std::optional<Key>& upper, const std::string& filter) {
  std::vector<std::string> conditions;
  if (lower) {
    CUTOVER_ASSIGN_OR_RETURN(std::string condition, mysql::KeyCondition(schema, *lower, ">"));
    conditions.push_back(std::move(condition));
  }
  if (upper) {
    CUTOVER_ASSIGN_OR_RETURN(std::string condition, mysql::KeyCondition(schema, *upper, "<="));
    conditions.push_back(std::move(condition));
  }
  if (!filter.empty()) conditions.push_back("(" + filter + ")");
  std::string where;
  for (const std::string& condition : conditions) {
    where += (where.empty() ? " WHERE " : " AND ") + condition;
  }
  return where;
}

Result<std::string> BuildRangeChecksum(const TableSchema& schema, const std::optional<Key>& lower,
                                       const std::optional<Key>& upper, const std::string& filter,
                                       ChecksumHash hash) {
  // A field that may hold the separator needs its length in front, except the last such
  // column: every field after it is free of the separator, so a reader splits those from the
  // right and the ones before it from the left, and what remains is that column's value.
  std::optional<size_t> last_open;
  for (size_t column_idx = 0; column_idx < schema.columns.size(); ++column_idx) {
    if (MayHoldSeparator(schema.columns[column_idx].type)) last_open = column_idx;
  }
  std::string parts;
  std::string nulls;
  size_t nullable = 0;
  for (size_t column_idx = 0; column_idx < schema.columns.size(); ++column_idx) {
    const Column& column = schema.columns[column_idx];
    std::string name = mysql::QuoteIdentifier(column.name);
    if (column.type.value_kind() == ValueKind::kBit) {
      parts += fmt::format(", {} + 0", name);  // its number: the raw bytes may hold 0xFF
    } else if (MayHoldSeparator(column.type) && column_idx != last_open) {
      parts += fmt::format(", CONCAT(LENGTH({0}), ':', {0})", name);
    } else {
      parts += ", " + name;
    }
    // CONCAT_WS skips NULLs; the mask says which fields are absent. A NOT NULL column is
    // never absent (both sides use the same schema).
    if (column.nullable) {
      nulls += (nulls.empty() ? "" : ", ") + fmt::format("ISNULL({})", name);
      ++nullable;
    }
  }
  if (nullable > 1) nulls = "CONCAT(" + nulls + ")";
  if (nullable > 0) parts += ", " + nulls;
  CUTOVER_ASSIGN_OR_RETURN(std::string where, RangeWhere(schema, lower, upper, filter));
  // Two CRCs with coprime polynomials (CRC32C: MariaDB 10.8 and later) make a 64-bit
  // fingerprint of the row; it costs a second rendering (MariaDB evaluates an expression as
  // often as it is written, and a user variable assigned in the first is not reliably read back
  // in the second inside an aggregate), still far less than MD5 and its hex-to-number
  // conversion. CRCs are linear: XORed as they are, a value swapped between two rows, or the
  // same edit on an even number of rows, would cancel out exactly. Multiplying each by an odd
  // constant (32 x 32 bits: no overflow) carries bits upwards, which breaks that linearity from
  // bit 2 on (both constants are 3 mod 4).
  std::string row = fmt::format("CONCAT_WS(CAST(x'FF' AS BINARY){})", parts);
  if (hash == ChecksumHash::kMd5) {
    return fmt::format(
        "SELECT COUNT(*), BIT_XOR(CAST(CONV(LEFT(MD5({0}), 16), 16, 10) AS UNSIGNED)) FROM {1}{2}",
        row, mysql::QuoteQualified(schema.id.schema, schema.id.name), where);
  }
  return fmt::format(
      "SELECT COUNT(*), BIT_XOR((CRC32({0}) * 2246822519) ^ (CRC32C({0}) * 668265263)) FROM "
      "{1}{2}",
      row, mysql::QuoteQualified(schema.id.schema, schema.id.name), where);
}

}  // namespace cutover::verify
