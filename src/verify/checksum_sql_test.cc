// Unit tests of ChecksumSql: the exact SQL of a range checksum, its bounds and filter, and the
// rendering that keeps different rows apart (a binary separator, lengths where it can occur, the
// NULL mask).
#include "verify/checksum_sql.h"

#include <gtest/gtest.h>

namespace cutover::verify {
namespace {

TableSchema Schema() {
  TableSchema schema;
  schema.id = TableId{"shop", "orders"};
  schema.columns.push_back({"id", ParseMysqlColumnType("int", "", "").value(), false});
  schema.columns.push_back(
      {"note", ParseMysqlColumnType("varchar(20)", "latin1", "latin1_swedish_ci").value(), true});
  schema.key = {0};
  return schema;
}

TEST(ChecksumSqlTest, WholeTable) {
  EXPECT_EQ(BuildRangeChecksum(Schema(), std::nullopt, std::nullopt, "").value(),
            "SELECT COUNT(*), BIT_XOR((CRC32(CONCAT_WS(CAST(x'FF' AS BINARY), `id`, `note`, "
            "ISNULL(`note`))) * 2246822519) ^ (CRC32C(CONCAT_WS(CAST(x'FF' AS BINARY), `id`, "
            "`note`, ISNULL(`note`))) * 668265263)) FROM `shop`.`orders`");
}

// Servers without CRC32C (MySQL): the same rendering, the first 64 bits of its MD5.
TEST(ChecksumSqlTest, Md5ForServersWithoutCrc32c) {
  EXPECT_EQ(
      BuildRangeChecksum(Schema(), std::nullopt, std::nullopt, "", ChecksumHash::kMd5).value(),
      "SELECT COUNT(*), BIT_XOR(CAST(CONV(LEFT(MD5(CONCAT_WS(CAST(x'FF' AS BINARY), `id`, "
      "`note`, ISNULL(`note`))), 16), 16, 10) AS UNSIGNED)) FROM `shop`.`orders`");
}

// Only fields that may hold the separator byte 0xFF carry a length, and of those not the last
// one; BIT is rendered as its number; only nullable columns are in the NULL mask.
TEST(ChecksumSqlTest, LengthsOnlyWhereTheSeparatorCanOccur) {
  TableSchema schema;
  schema.id = TableId{"shop", "mixed"};
  auto add = [&](const char* name, const char* type, const char* charset, const char* collation,
                 bool nullable) {
    schema.columns.push_back(
        {name, ParseMysqlColumnType(type, charset, collation).value(), nullable});
  };
  add("id", "bigint(20) unsigned", "", "", false);
  add("flags", "bit(64)", "", "", true);
  add("raw", "varbinary(16)", "", "", true);
  add("title", "varchar(20)", "latin1", "latin1_swedish_ci", false);
  add("body", "text", "utf8mb4", "utf8mb4_general_ci", true);
  add("state", "enum('a','b')", "utf8mb4", "utf8mb4_general_ci", false);
  add("label", "enum('a','b')", "latin1", "latin1_swedish_ci", false);
  add("at", "datetime(6)", "", "", false);
  add("amount", "decimal(10,2)", "", "", false);
  schema.key = {0};
  std::string row =
      "CONCAT_WS(CAST(x'FF' AS BINARY), `id`, `flags` + 0, CONCAT(LENGTH(`raw`), ':', `raw`), "
      "CONCAT(LENGTH(`title`), ':', `title`), `body`, `state`, `label`, `at`, `amount`, "
      "CONCAT(ISNULL(`flags`), ISNULL(`raw`), ISNULL(`body`)))";
  EXPECT_EQ(BuildRangeChecksum(schema, std::nullopt, std::nullopt, "").value(),
            "SELECT COUNT(*), BIT_XOR((CRC32(" + row + ") * 2246822519) ^ (CRC32C(" + row +
                ") * 668265263)) FROM `shop`.`mixed`");
}

TEST(ChecksumSqlTest, BoundsAndFilter) {
  std::string sql =
      BuildRangeChecksum(Schema(), Key{{Value::Int(10)}}, Key{{Value::Int(20)}}, "note <> 'x'")
          .value();
  EXPECT_TRUE(
      sql.ends_with(" FROM `shop`.`orders` WHERE `id` > 10 AND `id` <= 20 AND (note <> "
                    "'x')"))
      << sql;
}

}  // namespace
}  // namespace cutover::verify
