// Tests for the SQL text of the full load's reads: literals, key bounds, chunk selects.
#include "source/mysql/snapshot_sql.h"

#include <gtest/gtest.h>

namespace cutover::mysql {
namespace {

ColumnType Type(std::string_view column_type, std::string_view charset = "",
                std::string_view collation = "") {
  Result<ColumnType> type = ParseMysqlColumnType(column_type, charset, collation);
  EXPECT_TRUE(type.ok()) << type.status().ToString();
  return type.value_or(ColumnType{});
}

TableSchema CompositeTable() {
  TableSchema schema;
  schema.id = TableId{"shop", "order`lines"};
  schema.columns = {{"tenant", Type("varchar(20)", "utf8mb4", "utf8mb4_general_ci"), false},
                    {"line no", Type("int(11)"), false},
                    {"note", Type("text", "latin1", "latin1_swedish_ci"), true}};
  schema.key = {0, 1};
  return schema;
}

TEST(KeyLiteralTest, StringsAreHexSoQuotesCannotEscape) {
  ColumnType varchar = Type("varchar(20)", "utf8mb4", "utf8mb4_bin");
  EXPECT_EQ(KeyLiteral(varchar, Value::Str("a'b\\")).value(), "_utf8mb4 X'6127625C'");
  ColumnType latin1 = Type("char(3)", "latin1", "latin1_swedish_ci");
  EXPECT_EQ(KeyLiteral(latin1, Value::Str("\xe9", Charset::kLatin1)).value(), "_latin1 X'E9'");
  EXPECT_EQ(KeyLiteral(Type("varbinary(8)"), Value::Bytes(std::string("\0\xff", 2))).value(),
            "X'00FF'");
  EXPECT_EQ(KeyLiteral(Type("varbinary(8)"), Value::Bytes("")).value(), "X''");
}

TEST(KeyLiteralTest, NumbersTemporalAndEnums) {
  EXPECT_EQ(KeyLiteral(Type("bigint(20)"), Value::Int(-9223372036854775807LL - 1)).value(),
            "-9223372036854775808");
  EXPECT_EQ(KeyLiteral(Type("bigint(20) unsigned"), Value::UInt(18446744073709551615ULL)).value(),
            "18446744073709551615");
  ColumnType decimal = Type("decimal(10,2)");
  EXPECT_EQ(KeyLiteral(decimal, ParseMysqlText(decimal, "-12.50").value()).value(), "-12.50");
  ColumnType datetime = Type("datetime(3)");
  EXPECT_EQ(
      KeyLiteral(datetime, ParseMysqlText(datetime, "2024-01-02 03:04:05.120").value()).value(),
      "'2024-01-02 03:04:05.120'");
  ColumnType enumeration = Type("enum('b','a')", "utf8mb4", "utf8mb4_general_ci");
  EXPECT_EQ(KeyLiteral(enumeration, ParseMysqlText(enumeration, "a").value()).value(), "2");
  Result<std::string> null_bound = KeyLiteral(Type("int(11)"), Value::Null());
  EXPECT_EQ(null_bound.status().code(), StatusCode::kInvalidArgument);
}

TEST(KeyConditionTest, SingleColumn) {
  TableSchema schema = CompositeTable();
  schema.key = {1};
  EXPECT_EQ(KeyCondition(schema, Key{{Value::Int(7)}}, ">").value(), "`line no` > 7");
  EXPECT_EQ(KeyCondition(schema, Key{{Value::Int(7)}}, "<=").value(), "`line no` <= 7");
}

TEST(KeyConditionTest, CompositeIsExpandedLexicographicOrder) {
  TableSchema schema = CompositeTable();
  Key bound{{Value::Str("x"), Value::Int(5)}};
  EXPECT_EQ(KeyCondition(schema, bound, ">").value(),
            "(`tenant` > _utf8mb4 X'78' OR (`tenant` = _utf8mb4 X'78' AND `line no` > 5))");
  EXPECT_EQ(KeyCondition(schema, bound, "<=").value(),
            "(`tenant` < _utf8mb4 X'78' OR (`tenant` = _utf8mb4 X'78' AND `line no` <= 5))");
  Result<std::string> wrong = KeyCondition(schema, Key{{Value::Int(1)}}, ">");
  EXPECT_EQ(wrong.status().message(),
            "a key bound of 1 values for the 2-column key of shop.order`lines");
}

TEST(BuildChunkSelectTest, BoundsFilterOrderAndLimit) {
  TableSchema schema = CompositeTable();
  ChunkSelect select;
  select.lower = Key{{Value::Str("a"), Value::Int(1)}};
  select.upper = Key{{Value::Str("b"), Value::Int(2)}};
  select.filter = "note IS NOT NULL OR 1=1";
  select.limit = 500;
  EXPECT_EQ(BuildChunkSelect(schema, select).value(),
            "SELECT `tenant`, `line no`, BINARY `note` AS `note` FROM `shop`.`order``lines` "
            "WHERE (`tenant` > _utf8mb4 X'61' OR (`tenant` = _utf8mb4 X'61' AND `line no` > 1)) "
            "AND (`tenant` < _utf8mb4 X'62' OR (`tenant` = _utf8mb4 X'62' AND `line no` <= 2)) "
            "AND (note IS NOT NULL OR 1=1) ORDER BY `tenant`,`line no` LIMIT 500");
}

TEST(BuildChunkSelectTest, OpenBoundsHaveNoWhere) {
  ChunkSelect select;
  select.limit = 10;
  EXPECT_EQ(BuildChunkSelect(CompositeTable(), select).value(),
            "SELECT `tenant`, `line no`, BINARY `note` AS `note` FROM `shop`.`order``lines` "
            "ORDER BY `tenant`,`line no` LIMIT 10");
}

TEST(BuildChunkSelectTest, OffsetSkipsRowsToFindABound) {
  ChunkSelect select;
  select.lower = Key{{Value::Str("a"), Value::Int(1)}};
  select.filter = "note <> ''";
  select.limit = 1;
  select.offset = 9999;
  EXPECT_EQ(BuildChunkSelect(CompositeTable(), select).value(),
            "SELECT `tenant`, `line no`, BINARY `note` AS `note` FROM `shop`.`order``lines` "
            "WHERE (`tenant` > _utf8mb4 X'61' OR (`tenant` = _utf8mb4 X'61' AND `line no` > 1)) "
            "AND (note <> '') ORDER BY `tenant`,`line no` LIMIT 1 OFFSET 9999");
}

TEST(BuildChunkSelectTest, KeyListSelectsOnlyThoseRows) {
  ChunkSelect select;
  select.limit = 2;
  select.keys = {Key{{Value::Str("a"), Value::Int(1)}}, Key{{Value::Str("b"), Value::Int(2)}}};
  select.filter = "1=1";
  EXPECT_EQ(BuildChunkSelect(CompositeTable(), select).value(),
            "SELECT `tenant`, `line no`, BINARY `note` AS `note` FROM `shop`.`order``lines` "
            "WHERE ((`tenant` = _utf8mb4 X'61' AND `line no` = 1) OR (`tenant` = _utf8mb4 X'62' "
            "AND `line no` = 2)) AND (1=1) ORDER BY `tenant`,`line no` LIMIT 2");
  TableSchema single;
  single.id = TableId{"shop", "orders"};
  single.columns = {{"id", Type("int(11)"), false}};
  single.key = {0};
  select.keys = {Key{{Value::Int(7)}}, Key{{Value::Int(9)}}};
  select.filter.clear();
  EXPECT_EQ(BuildChunkSelect(single, select).value(),
            "SELECT `id` FROM `shop`.`orders` WHERE `id` IN (7, 9) ORDER BY `id` LIMIT 2");
  select.keys = {Key{{Value::Int(7), Value::Int(1)}}};
  EXPECT_EQ(BuildChunkSelect(single, select).status().message(),
            "a key of shop.orders has 2 values, not 1");
}

TEST(BuildKeySampleTest, OffsetFromLowerBound) {
  TableSchema schema = CompositeTable();
  EXPECT_EQ(BuildKeySample(schema, std::nullopt, 1000).value(),
            "SELECT `tenant`, `line no` FROM `shop`.`order``lines` ORDER BY `tenant`,`line no` "
            "LIMIT 1 OFFSET 999");
  EXPECT_EQ(BuildKeySample(schema, Key{{Value::Str("a"), Value::Int(1)}}, 1).value(),
            "SELECT `tenant`, `line no` FROM `shop`.`order``lines` WHERE (`tenant` > _utf8mb4 "
            "X'61' OR (`tenant` = _utf8mb4 X'61' AND `line no` > 1)) ORDER BY `tenant`,`line no` "
            "LIMIT 1 OFFSET 0");
}

}  // namespace
}  // namespace cutover::mysql
