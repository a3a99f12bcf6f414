// Tests of a PostgreSQL source's columns in Debezium envelopes: numeric as its exact text,
// money as a Decimal, BC dates, +-infinity, and each field decoding back to the same Value.
#include <limits>
#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "core/postgres_test_types.h"
#include "sink/kafka/envelope.h"

namespace cutover::kafka {
namespace {

// A column "c" of a PostgreSQL source's type.
Column Pg(SqlType type, std::string source_name, uint8_t fsp = 0) {
  return cutover::testing::PgColumn(type, std::move(source_name), fsp);
}

// The field of `value`, after checking that it decodes back to `value`.
std::string Field(const Column& column, const Value& value) {
  std::string field = EncodeField(column, value);
  Result<Value> back = DecodeField(column, nlohmann::json::parse(field));
  EXPECT_TRUE(back.ok()) << back.status().ToString();
  if (back.ok()) {
    EXPECT_EQ(*back, value) << field;
  }
  return field;
}

Value Dec(std::string_view text) { return Value::Dec(*Decimal::Parse(text)); }

TEST(PostgresFieldsTest, NumericIsItsTextMoneyADecimal) {
  Column numeric = Pg(SqlType::kDecimal, "numeric");
  EXPECT_EQ(Field(numeric, Dec("NaN")), R"("NaN")");
  EXPECT_EQ(Field(numeric, Dec("-Infinity")), R"("-Infinity")");
  EXPECT_EQ(Field(numeric, Dec("0.000000000000000000000000000000000000001")),
            R"("0.000000000000000000000000000000000000001")");
  Column money = Pg(SqlType::kDecimal, "money");
  money.type.precision = 19;
  money.type.scale = 2;
  EXPECT_EQ(Field(money, Dec("1234.56")), R"("AeJA")");
}

TEST(PostgresFieldsTest, BcDatesAndInfinity) {
  Column date = Pg(SqlType::kDate, "date");
  EXPECT_EQ(Field(date, Value::FromDate(Date{0, 1, 1, 0})), "-719528");  // 1 BC, not a zero date
  EXPECT_EQ(Field(date, Value::FromDate(Date{0, 0, 0, 1})), "2147483647");
  EXPECT_EQ(Field(date, Value::FromDate(Date{0, 0, 0, -1})), "-2147483647");
  Column stamp = Pg(SqlType::kDateTime, "timestamp without time zone", 6);
  DateTime infinite;
  infinite.date.infinity = 1;
  infinite.precision = 6;
  EXPECT_EQ(Field(stamp, Value::FromDateTime(infinite)), "9223372036825200000");
  infinite.date.infinity = -1;
  EXPECT_EQ(Field(stamp, Value::FromDateTime(infinite)), "-9223372036832400000");
  Column zoned = Pg(SqlType::kTimestamp, "timestamp(3) with time zone", 3);
  infinite.precision = 3;
  EXPECT_EQ(Field(zoned, Value::Timestamp(infinite)), R"("-infinity")");
  EXPECT_EQ(Field(zoned, Value::Timestamp(DateTime{Date{-999, 1, 1, 0}, 0, 0, 0, 0, 3})),
            R"("-0999-01-01T00:00:00.000Z")");
  EXPECT_EQ(
      Field(zoned, Value::Timestamp(DateTime{Date{294276, 12, 31, 0}, 23, 59, 59, 999000, 3})),
      R"("+294276-12-31T23:59:59.999Z")");
}

TEST(PostgresFieldsTest, OtherTypesAreTheirTextBooleansBooleans) {
  EXPECT_EQ(
      Field(Pg(SqlType::kOther, "integer[]"), Value::FromOther(Other{"integer[]", "{1,NULL}"})),
      R"("{1,NULL}")");
  EXPECT_EQ(Field(Pg(SqlType::kInterval, "interval"), Value::FromOther(Other{"interval", "1 day"})),
            R"("1 day")");
  EXPECT_EQ(Field(Pg(SqlType::kBoolean, "boolean"), Value::Bool(true)), "true");
  Column dbl = Pg(SqlType::kDouble, "double precision");
  EXPECT_EQ(Field(dbl, Value::Double(-std::numeric_limits<double>::infinity())), R"("-Infinity")");
  EXPECT_EQ(Field(dbl, Value::Double(-0.0)), "-0.0");
  EXPECT_EQ(Field(Pg(SqlType::kFloat, "real"), Value::Float(-0.0f)), "-0.0");
  EXPECT_EQ(EncodeField(dbl, Value::Double(std::numeric_limits<double>::quiet_NaN())), R"("NaN")");
}

}  // namespace
}  // namespace cutover::kafka
