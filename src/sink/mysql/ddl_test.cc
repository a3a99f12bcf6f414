// Unit tests of the MariaDB/MySQL target DDL, literals and chunk predicates.
#include "sink/mysql/ddl.h"

#include <limits>
#include <string>

#include <gtest/gtest.h>

#include "sink/common/test_support.h"

namespace cutover::mysql {
namespace {

using sink::testing::Type;

TableSchema TwoColumnKey() {
  TableSchema schema;
  schema.id = TableId{"shop", "orders"};
  schema.columns = {Column{"a", Type("int(11)"), false},
                    Column{"b", Type("varchar(10)", "utf8mb4", "utf8mb4_general_ci"), false},
                    Column{"c", Type("decimal(5,2) unsigned"), true}};
  schema.key = {0, 1};
  schema.key_index = "PRIMARY";
  schema.charset = "utf8mb4";
  schema.indexes = {Index{"PRIMARY", {"a", "b"}, true, true, ""},
                    Index{"by_c", {"c"}, false, false, "KEY `by_c` (`c`)"},
                    Index{"by_gone", {"gone"}, false, false, ""}};
  return schema;
}

// FLT_MAX's own shortest text, 3.4028235e+38, is above FLT_MAX as a double: MariaDB refuses it
// ("Out of range value for column", found by run_postgres_types_test with a PostgreSQL real at its
// maximum). Its double value reads back as FLT_MAX; every float comes back as itself.
TEST(FloatTextTest, IsTheFloatsDoubleValueSoMariaDbReadsTheSameFloat) {
  EXPECT_EQ(FloatText(std::numeric_limits<float>::max()), "3.4028234663852886e+38");
  EXPECT_EQ(FloatText(-std::numeric_limits<float>::max()), "-3.4028234663852886e+38");
  EXPECT_EQ(FloatText(std::numeric_limits<float>::denorm_min()), "1.401298464324817e-45");
  EXPECT_EQ(FloatText(-1.5f), "-1.5");
  for (float value : {0.1f, 3.4028235e38f, 1.17549435e-38f, 16777217.0f, -0.3f}) {
    EXPECT_EQ(static_cast<float>(std::stod(FloatText(value))), value) << FloatText(value);
  }
}

TEST(SqlLiteralTest, RendersKeyValuesWithoutAConnection) {
  EXPECT_EQ(SqlLiteral(Type("int(11)"), Value::Int(-5)), "-5");
  EXPECT_EQ(SqlLiteral(Type("bigint(20) unsigned"), Value::UInt(18446744073709551615ull)),
            "18446744073709551615");
  EXPECT_EQ(SqlLiteral(Type("varchar(5)", "utf8mb4", "utf8mb4_bin"), Value::Str("a'\\")),
            "_utf8mb4 X'61275C'");
  EXPECT_EQ(
      SqlLiteral(Type("varchar(5)", "latin1", "latin1_bin"), Value::Str("\xe9", Charset::kLatin1)),
      "_latin1 X'E9'");
  EXPECT_EQ(SqlLiteral(Type("varbinary(5)"), Value::Bytes(std::string("\0\xff", 2))), "X'00FF'");
  EXPECT_EQ(SqlLiteral(Type("date"), Value::FromDate(Date{2024, 2, 29})),
            "_utf8mb4 X'323032342D30322D3239'");
  EXPECT_EQ(
      SqlLiteral(Type("enum('a','b')", "utf8mb4", "utf8mb4_bin"), Value::FromEnum(Enum{2, "b"})),
      "2");
  EXPECT_EQ(SqlLiteral(Type("bit(8)"), Value::FromBit(Bit{255, 8})), "255");
  EXPECT_EQ(SqlLiteral(Type("int(11)"), Value::Null()), "NULL");
  EXPECT_EQ(SqlLiteral(Type("float"), Value::Float(0.1f)), "0.10000000149011612");
}

TEST(KeyRangePredicateTest, NestsCompositeBoundsLowerExclusiveUpperInclusive) {
  TableSchema schema = TwoColumnKey();
  Key lower{{Value::Int(1), Value::Str("x")}};
  Key upper{{Value::Int(9), Value::Str("y")}};
  EXPECT_EQ(KeyRangePredicate(schema, ChunkBounds{}), "1=1");
  EXPECT_EQ(KeyRangePredicate(schema, ChunkBounds{lower, std::nullopt}),
            "(`a` > 1 OR (`a` = 1 AND `b` > _utf8mb4 X'78'))");
  EXPECT_EQ(KeyRangePredicate(schema, ChunkBounds{std::nullopt, upper}),
            "(`a` < 9 OR (`a` = 9 AND `b` <= _utf8mb4 X'79'))");
  EXPECT_EQ(KeyRangePredicate(schema, ChunkBounds{lower, upper}),
            "(`a` > 1 OR (`a` = 1 AND `b` > _utf8mb4 X'78')) AND "
            "(`a` < 9 OR (`a` = 9 AND `b` <= _utf8mb4 X'79'))");
  schema.key = {0};
  EXPECT_EQ(KeyRangePredicate(schema, ChunkBounds{Key{{Value::Int(1)}}, Key{{Value::Int(5)}}}),
            "`a` > 1 AND `a` <= 5");
}

TEST(CreateTableSqlTest, KeepsSourceTypesAndDefersSecondaryIndexes) {
  TableSchema schema = TwoColumnKey();
  EXPECT_EQ(*CreateTableSql(schema, TableId{"target", "orders"}),
            "CREATE TABLE `target`.`orders` (\n"
            "  `a` int(11) NOT NULL,\n"
            "  `b` varchar(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NOT NULL,\n"
            "  `c` decimal(5,2) unsigned NULL,\n"
            "  PRIMARY KEY (`a`, `b`)\n"
            ") DEFAULT CHARSET=utf8mb4");
  std::vector<Index> deferred = DeferredIndexes(schema);
  ASSERT_EQ(deferred.size(), 1u);  // by_gone names a column outside the subset
  EXPECT_EQ(AddIndexSql(TableId{"target", "orders"}, deferred[0]),
            "ALTER TABLE `target`.`orders` ADD KEY `by_c` (`c`)");
  Index unique{"u", {"b", "c"}, true, false, ""};
  EXPECT_EQ(AddIndexSql(TableId{"t", "o"}, unique),
            "ALTER TABLE `t`.`o` ADD UNIQUE INDEX `u` (`b`, `c`)");
}

TEST(CreateTableSqlTest, UsesTheUniqueKeyIndexWhenThereIsNoPrimaryKey) {
  TableSchema schema = TwoColumnKey();
  schema.key_index = "uk";
  schema.indexes = {Index{"uk", {"a", "b"}, true, false, ""}};
  schema.columns.pop_back();
  EXPECT_EQ(*CreateTableSql(schema, TableId{"t", "o"}),
            "CREATE TABLE `t`.`o` (\n"
            "  `a` int(11) NOT NULL,\n"
            "  `b` varchar(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NOT NULL,\n"
            "  UNIQUE KEY `uk` (`a`, `b`)\n"
            ") DEFAULT CHARSET=utf8mb4");
  EXPECT_TRUE(DeferredIndexes(schema).empty());
}

}  // namespace
}  // namespace cutover::mysql
