// Tests for PostgreSQL source columns on a MariaDB/MySQL target: the type of each, the table
// DDL, the indexes built, and the values refused by name.
#include "sink/mysql/postgres_columns.h"

#include <limits>

#include <gtest/gtest.h>

#include "core/postgres_test_types.h"
#include "sink/mysql/ddl.h"

namespace cutover::mysql {
namespace {

Column Pg(std::string name, SqlType type, std::string source_name, uint32_t length = 0) {
  Column column = cutover::testing::PgColumn(type, std::move(source_name), 0, std::move(name));
  column.type.length = length;
  if (type == SqlType::kLongBlob) column.type.charset = Charset::kBinary;
  return column;
}

std::string TypeOf(const Column& column, bool key = false) {
  Result<std::string> type = MariaDbTypeOfPostgres(column, key);
  EXPECT_TRUE(type.ok()) << type.status().ToString();
  return type.ok() ? *type : "";
}

TEST(MariaDbTypeOfPostgresTest, EachType) {
  EXPECT_EQ(TypeOf(Pg("c", SqlType::kBoolean, "boolean")), "BOOLEAN");
  EXPECT_EQ(TypeOf(Pg("c", SqlType::kSmallInt, "smallint")), "SMALLINT");
  EXPECT_EQ(TypeOf(Pg("c", SqlType::kInt, "integer")), "INT");
  EXPECT_EQ(TypeOf(Pg("c", SqlType::kBigInt, "bigint")), "BIGINT");
  Column numeric = Pg("c", SqlType::kDecimal, "numeric(12,3)");
  numeric.type.precision = 12;
  numeric.type.scale = 3;
  EXPECT_EQ(TypeOf(numeric), "DECIMAL(12,3)");
  EXPECT_EQ(TypeOf(Pg("c", SqlType::kDecimal, "numeric")), "DECIMAL(65,30)");
  EXPECT_EQ(TypeOf(Pg("c", SqlType::kFloat, "real")), "FLOAT");
  EXPECT_EQ(TypeOf(Pg("c", SqlType::kDouble, "double precision")), "DOUBLE");
  EXPECT_EQ(TypeOf(Pg("c", SqlType::kChar, "character(5)", 5)), "VARCHAR(5)");
  EXPECT_EQ(TypeOf(Pg("c", SqlType::kVarChar, "character varying(16383)", 16383)),
            "VARCHAR(16383)");
  EXPECT_EQ(TypeOf(Pg("c", SqlType::kVarChar, "character varying(16384)", 16384)), "LONGTEXT");
  EXPECT_EQ(TypeOf(Pg("c", SqlType::kText, "text")), "LONGTEXT");
  EXPECT_EQ(TypeOf(Pg("c", SqlType::kText, "text"), true), "VARCHAR(768)");
  EXPECT_EQ(TypeOf(Pg("c", SqlType::kLongBlob, "bytea")), "LONGBLOB");
  EXPECT_EQ(TypeOf(Pg("c", SqlType::kLongBlob, "bytea"), true), "VARBINARY(3072)");
  EXPECT_EQ(TypeOf(Pg("c", SqlType::kDate, "date")), "DATE");
  Column stamp = Pg("c", SqlType::kTimestamp, "timestamp(3) with time zone");
  stamp.type.fsp = 3;
  EXPECT_EQ(TypeOf(stamp), "DATETIME(3)");
  Column time = Pg("c", SqlType::kTime, "time without time zone");
  time.type.fsp = 6;
  EXPECT_EQ(TypeOf(time), "TIME(6)");
  EXPECT_EQ(TypeOf(Pg("c", SqlType::kTimeTz, "time with time zone")), "VARCHAR(24)");
  EXPECT_EQ(TypeOf(Pg("c", SqlType::kInterval, "interval")), "VARCHAR(100)");
  EXPECT_EQ(TypeOf(Pg("c", SqlType::kUuid, "uuid")), "CHAR(36)");
  Column json = Pg("c", SqlType::kJson, "jsonb");
  json.type.is_jsonb = true;
  EXPECT_EQ(TypeOf(json), "JSON");
  EXPECT_EQ(TypeOf(Pg("c", SqlType::kJson, "json")), "LONGTEXT");
  Column mood = Pg("c", SqlType::kEnum, "mood");
  mood.type.elements = {"sad", "it's", "a\\b"};
  EXPECT_EQ(TypeOf(mood), "ENUM('sad','it''s','a\\\\b')");
  EXPECT_EQ(TypeOf(Pg("c", SqlType::kBit, "bit(3)", 3)), "BIT(3)");
  EXPECT_EQ(TypeOf(Pg("c", SqlType::kOther, "inet")), "VARCHAR(43)");
  EXPECT_EQ(TypeOf(Pg("c", SqlType::kOther, "macaddr8")), "VARCHAR(23)");
  EXPECT_EQ(TypeOf(Pg("c", SqlType::kOther, "integer[]")), "LONGTEXT");
  EXPECT_EQ(TypeOf(Pg("c", SqlType::kOther, "int4range"), true), "VARCHAR(768)");
}

TEST(MariaDbTypeOfPostgresTest, NumericBeyondDecimalIsRefusedByName) {
  Column wide = Pg("amount", SqlType::kDecimal, "numeric(70,2)");
  wide.type.precision = 70;
  wide.type.scale = 2;
  Result<std::string> type = MariaDbTypeOfPostgres(wide, false);
  ASSERT_FALSE(type.ok());
  EXPECT_EQ(type.status().message(),
            "column amount is numeric(70,2), which MariaDB/MySQL cannot hold (DECIMAL has at "
            "most 65 digits, 30 after the point): leave it out with the table's `columns` "
            "list, or narrow it on the source");
  TableSchema schema;
  schema.id = TableId{"public", "orders"};
  schema.columns = {Pg("id", SqlType::kInt, "integer"), wide};
  schema.key = {0};
  Result<std::string> create = CreateTableSql(schema, TableId{"t", "orders"});
  ASSERT_FALSE(create.ok());
  EXPECT_EQ(create.status().message().substr(0, 34), "public.orders: column amount is nu");
}

TEST(CreateTableSqlTest, PostgresSourceTableWithItsPrimaryKeyAndIndexes) {
  TableSchema schema;
  schema.id = TableId{"public", "docs"};
  schema.columns = {Pg("name", SqlType::kText, "text"), Pg("body", SqlType::kText, "text"),
                    Pg("tag", SqlType::kVarChar, "character varying(10)", 10)};
  schema.columns[0].nullable = false;
  schema.key = {0};
  schema.key_index = "docs_pkey";
  schema.charset = "utf8mb4";
  schema.indexes = {
      Index{"docs_pkey", {"name"}, true, true, "CREATE UNIQUE INDEX docs_pkey ON ..."},
      Index{"docs_body", {"body"}, false, false, "CREATE INDEX docs_body ON ..."},
      Index{"docs_expr", {}, false, false, "CREATE INDEX docs_expr ON ... (lower(tag))"},
      Index{"docs_tag", {"tag"}, true, false, "CREATE UNIQUE INDEX docs_tag ON ..."}};
  EXPECT_EQ(*CreateTableSql(schema, TableId{"t", "docs"}),
            "CREATE TABLE `t`.`docs` (\n"
            "  `name` VARCHAR(768) CHARACTER SET utf8mb4 NOT NULL,\n"
            "  `body` LONGTEXT CHARACTER SET utf8mb4 NULL,\n"
            "  `tag` VARCHAR(10) CHARACTER SET utf8mb4 NULL,\n"
            "  PRIMARY KEY (`name`)\n"
            ") DEFAULT CHARSET=utf8mb4");
  // The LONGTEXT and the expression index are not built; the plain one from its columns.
  std::vector<Index> deferred = DeferredIndexes(schema);
  ASSERT_EQ(deferred.size(), 1u);
  EXPECT_EQ(AddIndexSql(TableId{"t", "docs"}, deferred[0]),
            "ALTER TABLE `t`.`docs` ADD UNIQUE INDEX `docs_tag` (`tag`)");
}

TEST(CheckPostgresValuesTest, RefusesWhatMariaDbCannotHoldNamingTheColumn) {
  TableSchema schema;
  schema.id = TableId{"public", "events"};
  schema.columns = {Pg("id", SqlType::kInt, "integer"), Pg("day", SqlType::kDate, "date"),
                    Pg("amount", SqlType::kDecimal, "numeric"),
                    Pg("ratio", SqlType::kDouble, "double precision")};
  auto row = [](Value day, Value amount, Value ratio) {
    return Row{{Value::Int(1), std::move(day), std::move(amount), std::move(ratio)}, {}};
  };
  Value fine_day = Value::FromDate(Date{9999, 12, 31, 0});
  Value fine_amount = Value::Dec(*Decimal::Parse("1.5"));
  std::vector<Row> rows = {row(fine_day, fine_amount, Value::Double(0.0))};
  EXPECT_TRUE(CheckPostgresValues(schema, rows).ok());
  auto refusal = [&](Value day, Value amount, Value ratio) {
    std::vector<Row> bad = {row(std::move(day), std::move(amount), std::move(ratio))};
    return std::string(CheckPostgresValues(schema, bad).message());
  };
  const std::string way_out =
      "; it is never written altered: leave the column out with the table's `columns` list, or "
      "change the value on the source";
  EXPECT_EQ(
      refusal(Value::FromDate(Date{0, 0, 0, 1}), fine_amount, Value::Double(1)),
      "public.events column day: the date infinity is outside MariaDB's years 1..9999" + way_out);
  EXPECT_EQ(refusal(Value::FromDate(Date{0, 3, 15, 0}), fine_amount, Value::Double(1)),
            "public.events column day: the date 0001-03-15 BC is outside MariaDB's years "
            "1..9999" +
                way_out);
  EXPECT_EQ(refusal(fine_day, Value::Dec(*Decimal::Parse("NaN")), Value::Double(1)),
            "public.events column amount: NaN has no MariaDB DECIMAL value" + way_out);
  EXPECT_EQ(refusal(fine_day, fine_amount, Value::Double(-std::numeric_limits<double>::infinity())),
            "public.events column ratio: -Infinity has no MariaDB FLOAT/DOUBLE value" + way_out);
  EXPECT_EQ(refusal(fine_day, fine_amount, Value::Double(-0.0)),
            "public.events column ratio: -0 (MariaDB stores it as 0) has no MariaDB FLOAT/DOUBLE "
            "value" +
                way_out);
  // An absent value (an unchanged TOAST value) is not written, so not checked.
  std::vector<Row> absent = {row(Value::FromDate(Date{0, 0, 0, 1}), fine_amount, Value())};
  absent[0].present = {true, false, true, true};
  EXPECT_TRUE(CheckPostgresValues(schema, absent).ok());
}

}  // namespace
}  // namespace cutover::mysql
