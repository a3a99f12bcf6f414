// Unit tests of PostgresValues: the copy's rendering of each source type compared with the
// text PostgreSQL returns for the mapped column (values as sink_postgres_test.cc observes them
// on PostgreSQL 15), and target keys read back into source keys.
#include "verify/postgres_values.h"

#include <gtest/gtest.h>

namespace cutover::verify {
namespace {

ColumnType TypeOf(std::string_view column_type, std::string_view charset = "") {
  Result<ColumnType> type = ParseMysqlColumnType(column_type, charset, "");
  EXPECT_TRUE(type.ok()) << type.status().ToString();
  return type.ok() ? *type : ColumnType{};
}

bool Same(std::string_view column_type, const std::optional<std::string>& source,
          const std::optional<std::string>& target) {
  return SamePostgresValue(PostgresRuleFor(TypeOf(column_type)), source, target);
}

TEST(PostgresValuesTest, TemporalFractionZerosAreThePostgresSpelling) {
  EXPECT_TRUE(Same("datetime(6)", "1000-01-01 00:00:00.000000", "1000-01-01 00:00:00"));
  EXPECT_TRUE(Same("datetime(6)", "2024-01-05 10:00:00.500000", "2024-01-05 10:00:00.5"));
  EXPECT_TRUE(Same("timestamp(6)", "1970-01-01 00:00:01.000000+00", "1970-01-01 00:00:01+00"));
  EXPECT_TRUE(Same("time(3)", "-838:59:59.000", "-838:59:59"));
  EXPECT_TRUE(Same("date", "-infinity", "-infinity"));
  // A different instant, fraction or zone is a difference.
  EXPECT_FALSE(Same("datetime(6)", "2024-01-05 10:00:00.500000", "2024-01-05 10:00:00.05"));
  EXPECT_FALSE(Same("timestamp(6)", "1970-01-01 00:00:01.000000+00", "1970-01-01 00:00:01+01"));
  EXPECT_FALSE(Same("time", "25:00:00", "1 day 01:00:00"));
}

TEST(PostgresValuesTest, NumericByValueFloatsByBinaryValue) {
  EXPECT_TRUE(Same("decimal(10,2)", "12.50", "12.5"));
  EXPECT_TRUE(Same("decimal(30,10)", "-0.0000000000", "0"));
  EXPECT_FALSE(Same("decimal(10,2)", "12.50", "12.51"));
  EXPECT_FALSE(Same("decimal(10,2)", "12.50", "-12.50"));
  EXPECT_EQ(CanonicalPostgresText(PostgresRule::kNumeric, "-0012.500"), "-12.5");
  EXPECT_EQ(CanonicalPostgresText(PostgresRule::kNumeric, "NaN"), "NaN");
  EXPECT_TRUE(Same("double", "1.7976931348623157e308", "1.7976931348623157e+308"));
  EXPECT_TRUE(Same("double", "-2.2250738585072014e-308", "-2.2250738585072014e-308"));
  EXPECT_TRUE(Same("float", "-3.5", "-3.5"));
  EXPECT_TRUE(Same("float", "0.1", "0.100000001"));  // extra_float_digits = 3: same binary32
  EXPECT_FALSE(Same("double", "0.1", "0.10000000000000002"));
  EXPECT_TRUE(Same("double", "Infinity", "Infinity"));
}

TEST(PostgresValuesTest, JsonAsDocumentsEverythingElseExact) {
  EXPECT_TRUE(Same("json", R"({"b": 1, "a": [1, 2.5, null]})", R"({"a": [1, 2.5, null], "b": 1})"));
  EXPECT_TRUE(Same("json", R"({"a":1,"a":2})", R"({"a": 2})"));  // jsonb keeps the last
  EXPECT_TRUE(Same("json", "1e2", "100"));
  EXPECT_FALSE(Same("json", R"({"a": [1, 2]})", R"({"a": [2, 1]})"));
  EXPECT_FALSE(Same("json", R"({"a": "x"})", R"({"a": "X"})"));
  EXPECT_TRUE(Same("varchar(10)", "Abc", "Abc"));
  EXPECT_FALSE(Same("varchar(10)", "Abc", "abc"));
  EXPECT_FALSE(Same("varchar(10)", "abc", "abc "));
  EXPECT_FALSE(Same("varbinary(4)", "\\x00ff", "\\x00fe"));
  EXPECT_FALSE(Same("int", "1", "01"));  // PostgreSQL never prints that: exact
  EXPECT_TRUE(Same("int", std::nullopt, std::nullopt));
  EXPECT_FALSE(Same("int", std::nullopt, "0"));
  EXPECT_FALSE(Same("varchar(10)", "", std::nullopt));
}

TEST(PostgresValuesTest, TargetKeysReadBackIntoSourceKeys) {
  TableSchema schema;
  schema.columns = {{"b", TypeOf("varbinary(8)")},
                    {"t", TypeOf("timestamp(3)")},
                    {"bits", TypeOf("bit(10)")},
                    {"d", TypeOf("date")},
                    {"u", TypeOf("bigint(20) unsigned")}};
  schema.key = {0, 1, 2, 3, 4};
  Result<Key> key = KeyFromPostgresText(
      schema,
      {"\\x00ff", "2024-01-05 10:00:00.5+00", "1000000001", "-infinity", "18446744073709551615"});
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  ASSERT_EQ(key->values.size(), 5u);
  EXPECT_EQ(key->values[0], Value::Bytes(std::string("\0\xff", 2)));
  EXPECT_EQ(key->values[1].ToText(), "2024-01-05 10:00:00.500");
  EXPECT_EQ(key->values[2].as_bit().bits, 513u);
  EXPECT_TRUE(key->values[3].as_date().IsZero());
  EXPECT_EQ(key->values[4].ToText(), "18446744073709551615");
  EXPECT_FALSE(KeyFromPostgresText(schema, {"00ff", "x", "2", "y", "z"}).ok());
}

}  // namespace
}  // namespace cutover::verify
