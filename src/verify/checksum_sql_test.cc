// Unit tests of ChecksumSql: the exact SQL of a range checksum, its bounds and filter, and the
// rendering that keeps different rows apart (lengths, NULL mask, raw bytes of latin1 text).
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
            "SELECT COUNT(*), BIT_XOR(CAST(CONV(LEFT(MD5(CONCAT_WS('#', CONCAT(LENGTH(`id`), "
            "':', `id`), CONCAT(LENGTH(BINARY `note`), ':', BINARY `note`), CONCAT(ISNULL(`id`), "
            "ISNULL(`note`)))), 16), 16, 10) AS UNSIGNED)) FROM `shop`.`orders`");
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
