// Unit tests of the PostgreSQL target DDL, index names and chunk predicates.
#include "sink/postgres/ddl.h"

#include <gtest/gtest.h>

#include "sink/common/test_support.h"

namespace cutover::postgres {
namespace {

using sink::testing::Type;

TableSchema Orders() {
  TableSchema schema;
  schema.id = TableId{"shop", "orders"};
  schema.columns = {Column{"id", Type("bigint(20) unsigned"), false},
                    Column{"day", Type("date"), false},
                    Column{"state", Type("enum('new','paid')", "utf8mb4", "utf8mb4_bin"), true}};
  schema.key = {0, 1};
  schema.key_index = "PRIMARY";
  schema.indexes = {Index{"PRIMARY", {"id", "day"}, true, true, ""},
                    Index{"by_state", {"state"}, false, false, "KEY `by_state` (`state`)"},
                    Index{std::string(70, 'x'), {"day"}, true, false, ""},
                    Index{"ft", {"state"}, false, false, "FULLTEXT KEY `ft` (`state`)"}};
  return schema;
}

TEST(CreateTableSqlTest, MapsTypesAndKeepsKeyNullabilityAndChecksWithoutTheKey) {
  Result<std::string> sql = CreateTableSql(Orders(), TableId{"shop", "orders"});
  ASSERT_TRUE(sql.ok()) << sql.status().ToString();
  EXPECT_EQ(*sql,
            "CREATE TABLE \"shop\".\"orders\" (\n"
            "  \"id\" numeric(20,0) NOT NULL CHECK (\"id\" >= 0),\n"
            "  \"day\" date NOT NULL,\n"
            "  \"state\" text CHECK (\"state\" IN ('new', 'paid'))\n"
            ")");
}

TEST(PrimaryKeyIndexTest, TheKeyColumnsUnderPostgresDefaultName) {
  Index key = PrimaryKeyIndex(Orders(), TableId{"shop", "orders"});
  EXPECT_EQ(key, (Index{"orders_pkey", {"id", "day"}, true, true, ""}));
  EXPECT_EQ(AddPrimaryKeySql(TableId{"shop", "orders"}, key),
            "ALTER TABLE \"shop\".\"orders\" ADD CONSTRAINT \"orders_pkey\" "
            "PRIMARY KEY (\"id\", \"day\")");
  // A table keyed by a unique NOT NULL index: the key is that index's columns, in key order.
  TableSchema unique = Orders();
  unique.key = {1};
  unique.key_index = "by_day";
  std::string long_name(60, 'o');
  Index shortened = PrimaryKeyIndex(unique, TableId{"shop", long_name});
  EXPECT_EQ(shortened.columns, std::vector<std::string>{"day"});
  EXPECT_EQ(shortened.name.size(), 63u);
  EXPECT_EQ(shortened.name.substr(0, 55), long_name.substr(0, 54) + "_");
  EXPECT_NE(shortened.name, PrimaryKeyIndex(unique, TableId{"shop", long_name + "x"}).name);
}

TEST(DeferredIndexesTest, NamesAreUniquePerSchemaAndFitIn63Bytes) {
  std::vector<Index> deferred = DeferredIndexes(Orders(), TableId{"shop", "orders"});
  ASSERT_EQ(deferred.size(), 2u);
  EXPECT_EQ(deferred[0].name, "orders_by_state");
  EXPECT_TRUE(deferred[0].definition.empty());
  EXPECT_EQ(CreateIndexSql(TableId{"shop", "orders"}, deferred[0]),
            "CREATE INDEX IF NOT EXISTS \"orders_by_state\" ON \"shop\".\"orders\" (\"state\")");
  EXPECT_EQ(deferred[1].name.size(), 63u);
  EXPECT_EQ(deferred[1].name.substr(0, 55), "orders_" + std::string(47, 'x') + "_");
  EXPECT_TRUE(CreateIndexSql(TableId{"shop", "orders"}, deferred[1]).starts_with("CREATE UNIQUE"));
}

TEST(KeyRangePredicateTest, RowValueComparisonsWithParameters) {
  TableSchema schema = Orders();
  Key lower{{Value::UInt(5), Value::FromDate(Date{2024, 1, 2})}};
  Key upper{{Value::UInt(9), Value::FromDate(Date{0, 0, 0})}};
  Params params;
  Result<std::string> both = KeyRangePredicate(schema, ChunkBounds{lower, upper}, &params);
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(*both, "(\"id\", \"day\") > ($1, $2) AND (\"id\", \"day\") <= ($3, $4)");
  EXPECT_EQ(params, (Params{"5", "2024-01-02", "9", "-infinity"}));
  params.clear();
  EXPECT_EQ(*KeyRangePredicate(schema, ChunkBounds{}, &params), "true");
  EXPECT_TRUE(params.empty());
  EXPECT_EQ(*KeyRangePredicate(schema, ChunkBounds{std::nullopt, upper}, &params),
            "(\"id\", \"day\") <= ($1, $2)");
}

TEST(KeyListPredicateTest, ListsTheChunkKeysAsArrays) {
  TableSchema schema;
  schema.columns = {Column{"w", Type("varchar(5)", "utf8mb4", "utf8mb4_general_ci"), false},
                    Column{"n", Type("int(11)"), false}};
  schema.key = {0, 1};
  EXPECT_FALSE(KeyOrderIsPortable(schema));
  EXPECT_TRUE(KeyOrderIsPortable(Orders()));  // numbers and dates sort alike on both
  std::vector<Row> rows = {Row{{Value::Str("a\"b"), Value::Int(1)}, {}},
                           Row{{Value::Str("c\\"), Value::Int(2)}, {}}};
  Params params;
  Result<std::string> sql = KeyListPredicate(schema, rows, &params);
  ASSERT_TRUE(sql.ok());
  EXPECT_EQ(*sql, "(\"w\", \"n\") IN (SELECT * FROM unnest($1::varchar(5)[], $2::integer[]))");
  EXPECT_EQ(params, (Params{"{\"a\\\"b\",\"c\\\\\"}", "{\"1\",\"2\"}"}));
  EXPECT_EQ(*KeyListPredicate(schema, std::span<const Row>(), &params), "false");
}

}  // namespace
}  // namespace cutover::postgres
