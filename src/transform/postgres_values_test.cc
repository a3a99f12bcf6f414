// Tests of a PostgreSQL source's values as DynamoDB attributes: BC dates and +-infinity as ISO
// text, 1 BC as a real date in epoch rules, NaN refused with the way out (a `string` rule).
#include <cmath>

#include <gtest/gtest.h>

#include "core/postgres_test_types.h"
#include "transform/attribute_values.h"

namespace cutover::transform {
namespace {

using cutover::testing::Pg;

std::string Attribute(const ColumnType& type, const Value& value, TypeRule rule) {
  Result<std::optional<Json>> attribute = AttributeFromValue(type, value, rule, false);
  if (!attribute.ok()) return std::string(attribute.status().message());
  return attribute->has_value() ? (*attribute)->dump() : "<none>";
}

TEST(PostgresValuesTest, DatesNumbersAndText) {
  ColumnType date = Pg(SqlType::kDate, "date");
  EXPECT_EQ(Attribute(date, Value::FromDate(Date{-43, 3, 15, 0}), TypeRule::kDefault),
            R"({"S":"-0043-03-15"})");
  EXPECT_EQ(Attribute(date, Value::FromDate(Date{0, 0, 0, 1}), TypeRule::kDefault),
            R"({"S":"infinity"})");
  EXPECT_EQ(Attribute(date, Value::FromDate(Date{0, 1, 1, 0}), TypeRule::kEpochSeconds),
            R"({"N":"-62167219200"})");  // 1 BC is a real date
  ColumnType numeric = Pg(SqlType::kDecimal, "numeric");
  Value nan = Value::Dec(*Decimal::Parse("NaN"));
  EXPECT_EQ(Attribute(numeric, nan, TypeRule::kDefault), "DECIMAL NaN has no DynamoDB number");
  EXPECT_EQ(Attribute(numeric, nan, TypeRule::kString), R"({"S":"NaN"})");
  EXPECT_EQ(Attribute(Pg(SqlType::kBoolean, "boolean"), Value::Bool(false), TypeRule::kDefault),
            R"({"BOOL":false})");
  EXPECT_EQ(Attribute(Pg(SqlType::kOther, "inet"), Value::FromOther(Other{"inet", "::1"}),
                      TypeRule::kDefault),
            R"({"S":"::1"})");
  EXPECT_EQ(Attribute(Pg(SqlType::kLongBlob, "bytea"), Value::Bytes("\x01"), TypeRule::kDefault),
            R"({"B":"AQ=="})");
}

// Under a `string` rule a float keeps PostgreSQL's text, NaN and the infinities included (found
// by run_postgres_types_test: they were "nan", "inf", "-inf").
TEST(PostgresValuesTest, FloatsUnderAStringRuleKeepPostgresText) {
  ColumnType real = Pg(SqlType::kFloat, "real");
  ColumnType double_precision = Pg(SqlType::kDouble, "double precision");
  EXPECT_EQ(Attribute(real, Value::Float(std::nanf("")), TypeRule::kString), R"({"S":"NaN"})");
  EXPECT_EQ(Attribute(real, Value::Float(-INFINITY), TypeRule::kString), R"({"S":"-Infinity"})");
  EXPECT_EQ(Attribute(double_precision, Value::Double(INFINITY), TypeRule::kString),
            R"({"S":"Infinity"})");
  EXPECT_EQ(Attribute(real, Value::Float(-0.0f), TypeRule::kString), R"({"S":"-0"})");
  EXPECT_EQ(Attribute(double_precision, Value::Double(5e-324), TypeRule::kString),
            R"({"S":"5e-324"})");
  EXPECT_EQ(Attribute(double_precision, Value::Double(INFINITY), TypeRule::kDefault),
            "DOUBLE Infinity has no DynamoDB number");
}

}  // namespace
}  // namespace cutover::transform
