// Unit tests of a PostgreSQL source's columns on a PostgreSQL target: the type each is created
// with (its own; an enum as text with its labels' CHECK) and the text of the values whose
// rendering differs from a MySQL source's (year 0 is 1 BC, +-infinity).
#include <gtest/gtest.h>

#include "core/postgres_test_types.h"
#include "sink/postgres/copy_text.h"
#include "sink/postgres/type_mapping.h"

namespace cutover::postgres {
namespace {

using cutover::testing::Pg;

std::string Text(const ColumnType& type, const Value& value) {
  ValueAdjustments adjustments;
  Result<std::optional<std::string>> text = PostgresText(type, value, &adjustments);
  EXPECT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(adjustments.zero_dates, 0u);
  return text.ok() && text->has_value() ? **text : "<null>";
}

TEST(PostgresSourceTypeTest, KeepsItsOwnTypeEnumsBecomeCheckedText) {
  for (auto [type, name] : {std::pair{SqlType::kDecimal, "numeric"},
                            {SqlType::kDecimal, "money"},
                            {SqlType::kChar, "character(5)"},
                            {SqlType::kTimestamp, "timestamp(3) with time zone"},
                            {SqlType::kTimeTz, "time with time zone"},
                            {SqlType::kOther, "integer[]"},
                            {SqlType::kOther, "hstore"},
                            {SqlType::kLongBlob, "bytea"}}) {
    EXPECT_EQ(*PostgresType(Pg(type, name)), name);
  }
  ColumnType mood = Pg(SqlType::kEnum, "public.mood");
  mood.elements = {"sad", "it's"};
  EXPECT_EQ(*PostgresType(mood), "text");
  EXPECT_EQ(PostgresCheck(mood, "\"m\""), "\"m\" IN ('sad', 'it''s')");
  ColumnType moods = Pg(SqlType::kOther, "public.mood[]");
  moods.elements = mood.elements;
  EXPECT_EQ(*PostgresType(moods), "text[]");
  EXPECT_EQ(PostgresCheck(moods, "\"m\""), "");
}

TEST(PostgresSourceTextTest, BcDatesAndInfinityAsPostgresReadsThem) {
  ColumnType date = Pg(SqlType::kDate, "date");
  EXPECT_EQ(Text(date, Value::FromDate(Date{0, 1, 1, 0})), "0001-01-01 BC");
  EXPECT_EQ(Text(date, Value::FromDate(Date{-4712, 1, 1, 0})), "4713-01-01 BC");
  EXPECT_EQ(Text(date, Value::FromDate(Date{5874897, 12, 31, 0})), "5874897-12-31");
  EXPECT_EQ(Text(date, Value::FromDate(Date{0, 0, 0, -1})), "-infinity");
  ColumnType stamp = Pg(SqlType::kDateTime, "timestamp without time zone");
  EXPECT_EQ(Text(stamp, Value::FromDateTime(DateTime{Date{0, 2, 29, 0}, 1, 2, 3, 450000, 6})),
            "0001-02-29 01:02:03.450000 BC");
  ColumnType zoned = Pg(SqlType::kTimestamp, "timestamp(3) with time zone");
  EXPECT_EQ(Text(zoned, Value::Timestamp(DateTime{Date{-999, 1, 1, 0}, 0, 0, 0, 0, 3})),
            "1000-01-01 00:00:00.000+00 BC");
  EXPECT_EQ(Text(zoned, Value::Timestamp(DateTime{Date{2024, 1, 1, 0}, 6, 30, 0, 500000, 3})),
            "2024-01-01 06:30:00.500+00");
  EXPECT_EQ(Text(zoned, Value::Timestamp(DateTime{Date{0, 0, 0, 1}, 0, 0, 0, 0, 3})), "infinity");
  ColumnType money = Pg(SqlType::kDecimal, "money");
  EXPECT_EQ(Text(money, Value::Dec(*Decimal::Parse("-92233720368547758.08"))),
            "-92233720368547758.08");
  EXPECT_EQ(Text(Pg(SqlType::kDouble, "double precision"), Value::Double(-0.0)), "-0");
}

}  // namespace
}  // namespace cutover::postgres
