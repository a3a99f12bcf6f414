// ChecksumSql: SQL text of a key range's in-server checksum.
#include "verify/checksum_sql.h"

#include <fmt/format.h>

#include "source/mysql/connection.h"
#include "source/mysql/snapshot_sql.h"

namespace cutover::verify {

Result<std::string> BuildRangeChecksum(const TableSchema& schema, const std::optional<Key>& lower,
                                       const std::optional<Key>& upper, const std::string& filter) {
  std::string parts;
  std::string nulls;
  for (const Column& column : schema.columns) {
    std::string name = mysql::QuoteIdentifier(column.name);
    bool character = column.type.value_kind() == ValueKind::kText;
    std::string value =
        character && column.type.charset != Charset::kUtf8 ? "BINARY " + name : name;
    parts += fmt::format(", CONCAT(LENGTH({0}), ':', {0})", value);
    nulls += (nulls.empty() ? "" : ", ") + fmt::format("ISNULL({})", name);
  }
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
  // One MD5 per row, its first 64 bits: MariaDB computes an expression as often as it is
  // written (a derived table is merged), and a second half would double the cost.
  return fmt::format(
      "SELECT COUNT(*), BIT_XOR(CAST(CONV(LEFT(MD5(CONCAT_WS('#'{}, CONCAT({}))), 16), 16, 10) "
      "AS UNSIGNED)) FROM {}{}",
      parts, nulls, mysql::QuoteQualified(schema.id.schema, schema.id.name), where);
}

}  // namespace cutover::verify
