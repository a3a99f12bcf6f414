// Unit tests of the PostgreSQL applier's statements and of the schema-change DDL it runs.
#include "sink/postgres/applier.h"

#include <gtest/gtest.h>

#include "sink/common/test_support.h"
#include "sink/postgres/schema_change.h"

namespace cutover::postgres {
namespace {

using sink::testing::Type;

TableSchema Lines() {
  TableSchema schema;
  schema.id = TableId{"shop", "lines"};
  schema.columns = {Column{"order", Type("int(11)"), false},
                    Column{"line\"no", Type("int(11)"), false},
                    Column{"qty", Type("int(11)"), false}};
  schema.key = {0, 1};
  return schema;
}

TEST(UpsertSqlTest, MultiRowWithQuotedNamesAndEveryOtherColumnUpdated) {
  EXPECT_EQ(UpsertSql(Lines(), TableId{"shop", "lines 2"}, 2),
            "INSERT INTO \"shop\".\"lines 2\" (\"order\", \"line\"\"no\", \"qty\") VALUES ($1, "
            "$2, $3), ($4, $5, $6) ON CONFLICT (\"order\", \"line\"\"no\") DO UPDATE SET \"qty\" "
            "= EXCLUDED.\"qty\"");
}

TEST(UpsertSqlTest, OnlyKeyColumnsDoNothing) {
  TableSchema keys = Lines();
  keys.columns.pop_back();
  EXPECT_EQ(UpsertSql(keys, TableId{"s", "t"}, 1),
            "INSERT INTO \"s\".\"t\" (\"order\", \"line\"\"no\") VALUES ($1, $2) ON CONFLICT "
            "(\"order\", \"line\"\"no\") DO NOTHING");
}

TEST(UpsertSqlTest, RowsPerStatementStayUnderTheParameterLimit) {
  EXPECT_EQ(UpsertRowsPerStatement(Lines()), 500u);
  TableSchema wide = Lines();
  wide.columns.resize(1000, Column{"c", Type("int(11)"), true});
  EXPECT_EQ(UpsertRowsPerStatement(wide), 65u);  // 65 * 1000 <= 65535
}

TableSchema Documents() { return *sink::testing::Documents(); }

TEST(PartialImageSqlTest, OnlyPresentNonKeyColumnsAreSet) {
  Row row{{Value::Int(1), Value::Int(2), Value::Null()}, {true, true, false}};
  EXPECT_EQ(PresentNonKeyColumns(Documents(), row), (std::vector<size_t>{1}));
  row.present = {true, false, true};  // doc present and NULL: set to NULL
  EXPECT_EQ(PresentNonKeyColumns(Documents(), row), (std::vector<size_t>{2}));
  row.present = {true, false, false};
  EXPECT_TRUE(PresentNonKeyColumns(Documents(), row).empty());
}

TEST(PartialImageSqlTest, UpdateSetsThePresentColumnsOfRowsThatExist) {
  Result<std::string> sql = PartialUpdateSql(Documents(), TableId{"shop", "docs"}, {1}, 2);
  ASSERT_TRUE(sql.ok()) << sql.status().ToString();
  // An UPDATE: a key without a row is not inserted, and doc is not named.
  EXPECT_EQ(
      *sql,
      "UPDATE \"shop\".\"docs\" AS t SET \"n\" = v.c1 FROM (VALUES ($1::bigint, $2::integer), "
      "($3::bigint, $4::integer)) AS v(c0, c1) WHERE (t.\"id\") = (v.c0)");
  TableSchema lines = Lines();
  Result<std::string> composite = PartialUpdateSql(lines, TableId{"s", "t"}, {2}, 1);
  ASSERT_TRUE(composite.ok());
  EXPECT_EQ(*composite,
            "UPDATE \"s\".\"t\" AS t SET \"qty\" = v.c2 FROM (VALUES ($1::integer, $2::integer, "
            "$3::integer)) AS v(c0, c1, c2) WHERE (t.\"order\", t.\"line\"\"no\") = (v.c0, v.c1)");
}

TEST(PartialImageSqlTest, AMoveSetsTheNewKeyAndThePresentColumnsOnTheOldKeysRow) {
  EXPECT_EQ(MoveSql(Documents(), TableId{"shop", "docs"}, {0, 1}),
            "UPDATE \"shop\".\"docs\" SET \"id\" = $1, \"n\" = $2 WHERE \"id\" = $3");
  EXPECT_EQ(KeyEquals(Lines(), 4), "\"order\" = $4 AND \"line\"\"no\" = $5");
}

TEST(ColumnFromDefinitionTest, ReadsTypeNullabilityAndCharset) {
  Result<Column> tier = ColumnFromDefinition("tier", "INT NOT NULL DEFAULT 7");
  ASSERT_TRUE(tier.ok()) << tier.status().ToString();
  EXPECT_EQ(tier->type.type, SqlType::kInt);
  EXPECT_FALSE(tier->nullable);
  Result<Column> owner =
      ColumnFromDefinition("owner", "VARCHAR(80) CHARACTER SET latin1 COLLATE latin1_bin NULL");
  ASSERT_TRUE(owner.ok()) << owner.status().ToString();
  EXPECT_EQ(owner->type.type, SqlType::kVarChar);
  EXPECT_EQ(owner->type.length, 80u);
  EXPECT_EQ(owner->type.charset, Charset::kLatin1);
  EXPECT_EQ(owner->type.collation, "latin1_bin");
  EXPECT_TRUE(owner->nullable);
  Result<Column> big = ColumnFromDefinition("n", "bigint(20) unsigned zerofill");
  ASSERT_TRUE(big.ok());
  EXPECT_TRUE(big->type.is_unsigned);
  Result<Column> state = ColumnFromDefinition("s", "ENUM('a','it''s') NOT NULL DEFAULT 'a'");
  ASSERT_TRUE(state.ok()) << state.status().ToString();
  EXPECT_EQ(state->type.elements, (std::vector<std::string>{"a", "it's"}));
  EXPECT_EQ(ColumnFromDefinition("g", "NOSUCHTYPE NOT NULL").status().code(),
            StatusCode::kUnimplemented);
}

TEST(DefaultLiteralTest, ConstantsAsTheCopyWritesThem) {
  ColumnType integer = Type("int(11)");
  EXPECT_EQ(DefaultLiteral(&integer, "7"), "'7'");
  EXPECT_EQ(DefaultLiteral(&integer, "-3"), "'-3'");
  EXPECT_EQ(DefaultLiteral(&integer, "TRUE"), "'1'");
  EXPECT_EQ(DefaultLiteral(&integer, "NULL"), "NULL");
  ColumnType decimal = Type("decimal(10,2)");
  EXPECT_EQ(DefaultLiteral(&decimal, "1.5"), "'1.5'");  // numeric(10,2) holds 1.50
  ColumnType text = Type("varchar(20)", "utf8mb4");
  EXPECT_EQ(DefaultLiteral(&text, "'it''s \\\\ \\n'"), "'it''s \\ \n'");
  EXPECT_EQ(DefaultLiteral(&text, "_utf8mb4'x' 'y'"), "'xy'");
  ColumnType date = Type("date");
  EXPECT_EQ(DefaultLiteral(&date, "'0000-00-00'"), "'-infinity'");
  EXPECT_EQ(DefaultLiteral(&date, "DATE '2024-02-03'"), "'2024-02-03'");
  ColumnType stamp = Type("timestamp(3)");
  EXPECT_EQ(DefaultLiteral(&stamp, "'2024-02-03 04:05:06.5'"), "'2024-02-03 04:05:06.500+00'");
  // Without a type: numbers and strings for PostgreSQL to read as the column's type.
  EXPECT_EQ(DefaultLiteral(nullptr, "9"), "'9'");
  EXPECT_EQ(DefaultLiteral(nullptr, "'a'"), "'a'");
}

TEST(DefaultLiteralTest, WhatCannotBeTranslatedExactlyIsNone) {
  ColumnType integer = Type("int(11)");
  EXPECT_EQ(DefaultLiteral(&integer, "CURRENT_TIMESTAMP"), std::nullopt);
  EXPECT_EQ(DefaultLiteral(&integer, "(1+2)"), std::nullopt);
  EXPECT_EQ(DefaultLiteral(&integer, "0x1F"), std::nullopt);
  EXPECT_EQ(DefaultLiteral(&integer, "'abc'"), std::nullopt);
  ColumnType bit = Type("bit(3)");
  EXPECT_EQ(DefaultLiteral(&bit, "b'101'"), std::nullopt);
  ColumnType blob = Type("varbinary(4)");
  EXPECT_EQ(DefaultLiteral(&blob, "x'ff'"), std::nullopt);
}

TEST(AddColumnSqlTest, MappedTypeDefaultNotNullAndCheck) {
  Result<std::string> sql = AddColumnSql(
      TableId{"shop", "orders"}, Column{"n\"x", Type("int(10) unsigned"), false}, "'7'");
  ASSERT_TRUE(sql.ok()) << sql.status().ToString();
  EXPECT_EQ(*sql,
            "ALTER TABLE \"shop\".\"orders\" ADD COLUMN IF NOT EXISTS \"n\"\"x\" bigint DEFAULT "
            "'7' NOT NULL CHECK (\"n\"\"x\" >= 0)");
}

TEST(WidenColumnSqlTest, PureWideningsOnlyInPostgresTerms) {
  TableId target{"s", "t"};
  auto widen = [&](std::string_view from, std::string_view to) {
    Result<std::optional<std::string>> sql =
        WidenColumnSql(target, Column{"c", Type(from), true}, Column{"c", Type(to), true});
    EXPECT_TRUE(sql.ok()) << sql.status().ToString();
    return sql.ok() ? *sql : std::optional<std::string>("error");
  };
  EXPECT_EQ(widen("varchar(40)", "varchar(80)"),
            "ALTER TABLE \"s\".\"t\" ALTER COLUMN \"c\" TYPE varchar(80)");
  EXPECT_EQ(widen("int(11)", "bigint(20)"), "ALTER TABLE \"s\".\"t\" ALTER COLUMN \"c\" TYPE bigint");
  EXPECT_EQ(widen("decimal(10,2)", "decimal(12,3)"),
            "ALTER TABLE \"s\".\"t\" ALTER COLUMN \"c\" TYPE numeric(12,3)");
  EXPECT_EQ(widen("varchar(40)", "text"), "ALTER TABLE \"s\".\"t\" ALTER COLUMN \"c\" TYPE text");
  EXPECT_EQ(widen("datetime", "datetime(6)"),
            "ALTER TABLE \"s\".\"t\" ALTER COLUMN \"c\" TYPE timestamp(6)");
  // The same PostgreSQL type: nothing to do.
  EXPECT_EQ(widen("tinyint(4)", "smallint(6)"), std::nullopt);
  EXPECT_EQ(widen("text", "mediumtext"), std::nullopt);
  // Not a pure widening there: refused ("").
  EXPECT_EQ(widen("decimal(10,2)", "decimal(10,1)"), "");
  EXPECT_EQ(widen("bit(3)", "bit(5)"), "");  // bit(n) pads on the right
  EXPECT_EQ(widen("enum('a')", "enum('a','b')"), "");  // its CHECK lists the labels
  EXPECT_EQ(widen("int(11)", "varchar(20)"), "");
}

}  // namespace
}  // namespace cutover::postgres
