// Unit tests of MariaDbValues: each PostgreSQL source kind against what MariaDB returns for the
// column the copy made (docs/type-mapping.md).
#include "verify/mariadb_values.h"

#include <gtest/gtest.h>

#include "core/postgres_test_types.h"
#include "source/postgres/types.h"

namespace cutover::verify {
namespace {

Value Dec(const char* text) { return Value::Dec(Decimal::Parse(text).value()); }

DateTime Fields(uint32_t micros, uint8_t precision) {
  DateTime fields;
  fields.date = Date{2024, 2, 29, 0};
  fields.hour = 6;
  fields.minute = 30;
  fields.micros = micros;
  fields.precision = precision;
  return fields;
}

TEST(MariaDbValuesTest, BooleanIsTheTargetsZeroOrOne) {
  EXPECT_TRUE(SameMariaDbValue(Value::Bool(true), Value::Int(1)));
  EXPECT_TRUE(SameMariaDbValue(Value::Bool(false), Value::Int(0)));
  EXPECT_FALSE(SameMariaDbValue(Value::Bool(true), Value::Int(0)));
}

TEST(MariaDbValuesTest, NumericByValueNotByScale) {
  // An unconstrained numeric comes back from DECIMAL(65,30) at scale 30.
  EXPECT_TRUE(SameMariaDbValue(Dec("1.5"), Dec("1.500000000000000000000000000000")));
  EXPECT_TRUE(SameMariaDbValue(Dec("12.50"), Dec("12.50")));
  EXPECT_TRUE(SameMariaDbValue(Dec("-3"), Dec("-3.000")));
  EXPECT_FALSE(SameMariaDbValue(Dec("1.5"), Dec("1.500000000000000000000000000001")));
  EXPECT_FALSE(SameMariaDbValue(Dec("10"), Dec("1")));
  EXPECT_FALSE(SameMariaDbValue(Dec("-1.5"), Dec("1.5")));
}

TEST(MariaDbValuesTest, TimestamptzIsTheDatetimeOfItsUtcFields) {
  EXPECT_TRUE(SameMariaDbValue(Value::Timestamp(Fields(500000, 1)),
                               Value::FromDateTime(Fields(500000, 6))));
  EXPECT_FALSE(SameMariaDbValue(Value::Timestamp(Fields(500000, 1)),
                                Value::FromDateTime(Fields(500001, 6))));
  EXPECT_TRUE(SameMariaDbValue(Value::FromDateTime(Fields(0, 0)),
                               Value::FromDateTime(Fields(0, 6))));
}

TEST(MariaDbValuesTest, TimeWithoutItsDisplayPrecision) {
  Time source;
  source.hours = 24;  // PostgreSQL's 24:00:00, which TIME holds
  source.precision = 0;
  Time target = source;
  target.precision = 6;
  EXPECT_TRUE(SameMariaDbValue(Value::FromTime(source), Value::FromTime(target)));
  target.micros = 1;
  EXPECT_FALSE(SameMariaDbValue(Value::FromTime(source), Value::FromTime(target)));
}

TEST(MariaDbValuesTest, TypesKeptAsTextCompareAsText) {
  EXPECT_TRUE(SameMariaDbValue(Value::FromOther(Other{"uuid", "6ba7b810-9dad-11d1-80b4-00c04fd430c8"}),
                               Value::Str("6ba7b810-9dad-11d1-80b4-00c04fd430c8")));
  EXPECT_FALSE(SameMariaDbValue(Value::FromOther(Other{"interval", "1 day"}),
                                Value::Str("1 day ")));
  EXPECT_TRUE(SameMariaDbValue(Value::Json("{\"a\": 1}"), Value::Json("{\"a\": 1}")));
  EXPECT_TRUE(SameMariaDbValue(Value::Json("{\"a\": 1}"), Value::Str("{\"a\": 1}")));
  EXPECT_FALSE(SameMariaDbValue(Value::Json("{\"a\": 1}"), Value::Str("{\"a\":1}")));
  EXPECT_TRUE(SameMariaDbValue(Value::FromEnum(Enum{2, "happy"}), Value::FromEnum(Enum{2, "happy"})));
  EXPECT_FALSE(SameMariaDbValue(Value::FromEnum(Enum{2, "happy"}), Value::FromEnum(Enum{1, "sad"})));
}

TEST(MariaDbValuesTest, EverythingElseExactly) {
  EXPECT_TRUE(SameMariaDbValue(Value::Int(7), Value::Int(7)));
  EXPECT_FALSE(SameMariaDbValue(Value::Int(7), Value::Int(8)));
  EXPECT_TRUE(SameMariaDbValue(Value::Str("pad  "), Value::Str("pad  ")));
  EXPECT_FALSE(SameMariaDbValue(Value::Str("pad  "), Value::Str("pad")));  // char(n) keeps it
  EXPECT_FALSE(SameMariaDbValue(Value::Double(0.1), Value::Double(0.1000000001)));
  EXPECT_FALSE(SameMariaDbValue(Value::Bytes("\x01"), Value::Bytes("\x02")));
  EXPECT_TRUE(SameMariaDbValue(Value(), Value()));
  EXPECT_FALSE(SameMariaDbValue(Value(), Value::Str("")));
}

TEST(MariaDbValuesTest, ComparableKeysMatchAcrossTheTwoSides) {
  Key source{{Value::Bool(true), Dec("2.50"), Value::FromOther(Other{"uuid", "u"})}};
  Key target{{Value::Int(1), Dec("2.500000"), Value::Str("u")}};
  EXPECT_EQ(MariaDbComparableKey(source).Encode(), MariaDbComparableKey(target).Encode());
}

}  // namespace
}  // namespace cutover::verify

namespace cutover::verify {
namespace {

using cutover::testing::Pg;

// A target row's key read back into the source's types is the source key itself, for every
// kind a key can have: what `--repair --delete-extra` deletes an extra row by.
TEST(MariaDbValuesTest, ComparableKeyReadsBackAsTheSourceKey) {
  TableSchema schema;
  ColumnType mood = Pg(SqlType::kEnum, "public.mood");
  mood.elements = {"sad", "ok"};
  std::vector<std::pair<ColumnType, std::string>> parts = {
      {Pg(SqlType::kText, "text"), "name-007"},
      {Pg(SqlType::kUuid, "uuid"), "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"},
      {mood, "ok"},
      {Pg(SqlType::kBoolean, "boolean"), "t"},
      {Pg(SqlType::kTimestamp, "timestamp(3) with time zone", 3), "2024-02-29 06:30:00.5+00"},
      {Pg(SqlType::kDecimal, "numeric"), "12.50"},
  };
  Key source;
  for (size_t part = 0; part < parts.size(); ++part) {
    schema.columns.push_back(Column{"c" + std::to_string(part), parts[part].first, false});
    schema.key.push_back(part);
    Result<Value> value = postgres::ParsePostgresText(parts[part].first, parts[part].second);
    ASSERT_TRUE(value.ok()) << parts[part].second << ": " << value.status().ToString();
    source.values.push_back(*value);
  }
  Result<Key> back = PostgresKeyOfComparable(schema, MariaDbComparableKey(source));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  for (size_t part = 0; part < parts.size(); ++part) {
    // numeric by value: the comparable form drops trailing zeros, which MariaDB does not keep.
    if (parts[part].first.type == SqlType::kDecimal) {
      EXPECT_TRUE(SameMariaDbValue(back->values[part], source.values[part]));
      continue;
    }
    EXPECT_EQ(back->values[part], source.values[part]) << parts[part].second;
  }
  Key wrong = MariaDbComparableKey(source);
  wrong.values[2] = Value::Str("angry");  // no label of the enum
  EXPECT_FALSE(PostgresKeyOfComparable(schema, wrong).ok());
}

}  // namespace
}  // namespace cutover::verify
