// Tests for PostgreSQL types: catalog facts -> ColumnType, and each type's text output -> Value
// with its edge values (the texts are what PostgreSQL 15 prints under SessionSettings()).
#include "source/postgres/types.h"

#include <cmath>
#include <limits>
#include <tuple>
#include <utility>

#include <gtest/gtest.h>

namespace cutover::postgres {
namespace {

ColumnType Builtin(std::string name, std::string format, int32_t typmod = -1) {
  return ColumnTypeOf(PgType{std::move(format), "pg_catalog", std::move(name), 'b', typmod, {}});
}

Value Parse(const ColumnType& type, std::string_view text) {
  Result<Value> value = ParsePostgresText(type, text);
  EXPECT_TRUE(value.ok()) << text << ": " << value.status().ToString();
  return value.ok() ? *value : Value();
}

std::string Error(const ColumnType& type, std::string_view text) {
  Result<Value> value = ParsePostgresText(type, text);
  EXPECT_FALSE(value.ok()) << text;
  return value.ok() ? "" : std::string(value.status().message());
}

Decimal Dec(std::string_view text) { return *Decimal::Parse(text); }

DateTime Stamp(int32_t year, uint8_t month, uint8_t day, uint8_t hour, uint8_t minute,
               uint8_t second, uint32_t micros, uint8_t precision = 6) {
  return DateTime{Date{year, month, day, 0}, hour, minute, second, micros, precision};
}

TEST(SessionSettingsTest, OneListTwoForms) {
  EXPECT_EQ(SessionOptions(),
            "-c DateStyle=ISO,MDY -c IntervalStyle=postgres -c TimeZone=UTC "
            "-c extra_float_digits=1 -c bytea_output=hex -c lc_monetary=C "
            "-c client_encoding=UTF8");
  ASSERT_EQ(SessionSettings().size(), 7u);
  EXPECT_EQ(SessionSettings()[0], "SET DateStyle = 'ISO,MDY'");
  EXPECT_EQ(SessionSettings()[2], "SET TimeZone = 'UTC'");
}

TEST(ColumnTypeOfTest, BuiltinTypes) {
  ColumnType numeric = Builtin("numeric", "numeric(10,2)", (10 << 16 | 2) + 4);
  EXPECT_EQ(numeric.type, SqlType::kDecimal);
  EXPECT_EQ(numeric.precision, 10u);
  EXPECT_EQ(numeric.scale, 2u);
  EXPECT_TRUE(numeric.postgres);
  EXPECT_EQ(numeric.source_name, "numeric(10,2)");
  EXPECT_EQ(Builtin("numeric", "numeric").precision, 0u);
  // PostgreSQL 15 allows a negative scale and one above the precision: no DECIMAL(p,s) form.
  EXPECT_EQ(Builtin("numeric", "numeric(3,-2)", (3 << 16 | (0x7FF & -2)) + 4).precision, 0u);
  EXPECT_EQ(Builtin("numeric", "numeric(2,5)", (2 << 16 | 5) + 4).precision, 0u);
  ColumnType money = Builtin("money", "money");
  EXPECT_EQ(money.type, SqlType::kDecimal);
  EXPECT_EQ(money.precision, 19u);
  EXPECT_EQ(money.scale, 2u);
  EXPECT_EQ(Builtin("varchar", "character varying(20)", 24).length, 20u);
  EXPECT_EQ(Builtin("varchar", "character varying").length, 0u);
  ColumnType padded = Builtin("bpchar", "character(5)", 9);
  EXPECT_EQ(padded.type, SqlType::kChar);
  EXPECT_EQ(padded.length, 5u);
  EXPECT_EQ(padded.value_kind(), ValueKind::kText);
  EXPECT_EQ(Builtin("bytea", "bytea").value_kind(), ValueKind::kBytes);
  EXPECT_EQ(Builtin("timestamptz", "timestamp(3) with time zone", 3).fsp, 3);
  EXPECT_EQ(Builtin("timestamp", "timestamp without time zone").fsp, 6);
  EXPECT_EQ(Builtin("time", "time(0) without time zone", 0).fsp, 0);
  EXPECT_TRUE(Builtin("jsonb", "jsonb").is_jsonb);
  EXPECT_FALSE(Builtin("json", "json").is_jsonb);
  EXPECT_EQ(Builtin("bool", "boolean").value_kind(), ValueKind::kBool);
  EXPECT_EQ(Builtin("int2", "smallint").type, SqlType::kSmallInt);
  EXPECT_EQ(Builtin("int8", "bigint").value_kind(), ValueKind::kInt);
  EXPECT_EQ(Builtin("uuid", "uuid").type, SqlType::kUuid);
  EXPECT_EQ(Builtin("interval", "interval").type, SqlType::kInterval);
  EXPECT_EQ(Builtin("timetz", "time with time zone").value_kind(), ValueKind::kOther);
  ColumnType bits = Builtin("bit", "bit(64)", 64);
  EXPECT_EQ(bits.type, SqlType::kBit);
  EXPECT_EQ(bits.length, 64u);
}

TEST(ColumnTypeOfTest, EverythingElseIsItsText) {
  for (auto [name, format] : {std::pair{"_int4", "integer[]"},
                              {"inet", "inet"},
                              {"int4range", "int4range"},
                              {"varbit", "bit varying(8)"},
                              {"bit", "bit(65)"},
                              {"tsvector", "tsvector"}}) {
    ColumnType type = Builtin(name, format, std::string(name) == "bit" ? 65 : -1);
    EXPECT_EQ(type.type, SqlType::kOther) << name;
    EXPECT_EQ(type.source_name, format);
  }
  // A type outside pg_catalog named like a built-in one is not that one.
  EXPECT_EQ(ColumnTypeOf(PgType{"public.int4", "public", "int4", 'b', -1, {}}).type,
            SqlType::kOther);
  ColumnType hstore = ColumnTypeOf(PgType{"hstore", "public", "hstore", 'b', -1, {}});
  EXPECT_EQ(hstore.value_kind(), ValueKind::kOther);
  ColumnType mood = ColumnTypeOf(PgType{"mood", "public", "mood", 'e', -1, {"sad", "ok"}});
  EXPECT_EQ(mood.type, SqlType::kEnum);
  EXPECT_EQ(mood.elements, (std::vector<std::string>{"sad", "ok"}));
  ColumnType moods = ColumnTypeOf(PgType{"mood[]", "public", "_mood", 'b', -1, {"sad", "ok"}});
  EXPECT_EQ(moods.type, SqlType::kOther);  // its values are text; a PostgreSQL target: text[]
  EXPECT_EQ(moods.elements, (std::vector<std::string>{"sad", "ok"}));
}

TEST(ParsePostgresTextTest, Integers) {
  ColumnType bigint = Builtin("int8", "bigint");
  EXPECT_EQ(Parse(bigint, "-9223372036854775808"), Value::Int(std::numeric_limits<int64_t>::min()));
  EXPECT_EQ(Parse(bigint, "9223372036854775807"), Value::Int(std::numeric_limits<int64_t>::max()));
  EXPECT_EQ(Parse(Builtin("int2", "smallint"), "-32768"), Value::Int(-32768));
  EXPECT_EQ(Parse(Builtin("int4", "integer"), "2147483647"), Value::Int(2147483647));
  EXPECT_EQ(Error(bigint, "9223372036854775808"), "cannot read '9223372036854775808' as bigint");
  EXPECT_EQ(Error(bigint, ""), "cannot read '' as bigint");
  EXPECT_EQ(Error(bigint, "1.0"), "cannot read '1.0' as bigint");
}

TEST(ParsePostgresTextTest, NumericKeepsDigitsScaleAndSpecials) {
  ColumnType numeric = Builtin("numeric", "numeric");
  EXPECT_EQ(Parse(numeric, "NaN"), Value::Dec(Decimal{false, "", "", Decimal::Special::kNaN}));
  EXPECT_EQ(Parse(numeric, "Infinity"),
            Value::Dec(Decimal{false, "", "", Decimal::Special::kPosInfinity}));
  EXPECT_EQ(Parse(numeric, "-Infinity"),
            Value::Dec(Decimal{false, "", "", Decimal::Special::kNegInfinity}));
  EXPECT_EQ(Parse(numeric, "0.000"), Value::Dec(Decimal{false, "0", "000"}));
  std::string tiny = "0." + std::string(999, '0') + "1";
  EXPECT_EQ(Parse(numeric, tiny), Value::Dec(Decimal{false, "0", std::string(999, '0') + "1"}));
  std::string huge = "-1" + std::string(130000, '0');
  EXPECT_EQ(Parse(numeric, huge).as_decimal().integer.size(), 130001u);
  EXPECT_EQ(Parse(Builtin("numeric", "numeric(10,2)", (10 << 16 | 2) + 4), "-12345678.90"),
            Value::Dec(Dec("-12345678.90")));
  EXPECT_EQ(Error(numeric, "1e5"), "cannot read '1e5' as numeric");
  EXPECT_EQ(Error(numeric, "nan"), "cannot read 'nan' as numeric");
}

TEST(ParsePostgresTextTest, MoneyInTheCLocale) {
  ColumnType money = Builtin("money", "money");
  EXPECT_EQ(Parse(money, "$92,233,720,368,547,758.07"), Value::Dec(Dec("92233720368547758.07")));
  EXPECT_EQ(Parse(money, "-$92,233,720,368,547,758.08"), Value::Dec(Dec("-92233720368547758.08")));
  EXPECT_EQ(Parse(money, "-$0.01"), Value::Dec(Dec("-0.01")));
  EXPECT_EQ(Parse(money, "$0.00"), Value::Dec(Dec("0.00")));
  EXPECT_EQ(Error(money, "1.00"), "cannot read '1.00' as money");
  EXPECT_EQ(Error(money, "$1.0"), "cannot read '$1.0' as money");
  EXPECT_EQ(Error(money, "€1.00"), "cannot read '€1.00' as money");
}

TEST(ParsePostgresTextTest, FloatsRoundTripWithSpecials) {
  ColumnType real = Builtin("float4", "real");
  ColumnType dbl = Builtin("float8", "double precision");
  EXPECT_EQ(Parse(real, "0.1"), Value::Float(0.1f));
  EXPECT_EQ(Parse(real, "1.1754944e-38"), Value::Float(1.1754944e-38f));
  EXPECT_EQ(Parse(real, "3.4028235e+38"), Value::Float(std::numeric_limits<float>::max()));
  EXPECT_EQ(Parse(dbl, "1e+300"), Value::Double(1e300));
  EXPECT_EQ(Parse(dbl, "5e-324"), Value::Double(std::numeric_limits<double>::denorm_min()));
  EXPECT_EQ(Parse(dbl, "1.7976931348623157e+308"),
            Value::Double(std::numeric_limits<double>::max()));
  EXPECT_EQ(Parse(dbl, "Infinity"), Value::Double(std::numeric_limits<double>::infinity()));
  EXPECT_EQ(Parse(dbl, "-Infinity"), Value::Double(-std::numeric_limits<double>::infinity()));
  EXPECT_TRUE(std::isnan(Parse(dbl, "NaN").as_double()));
  EXPECT_TRUE(std::isnan(Parse(real, "NaN").as_float()));
  Value negative_zero = Parse(dbl, "-0");
  EXPECT_EQ(negative_zero.as_double(), 0.0);
  EXPECT_TRUE(std::signbit(negative_zero.as_double()));
  EXPECT_EQ(Error(dbl, "1,5"), "cannot read '1,5' as double precision");
  EXPECT_EQ(Error(dbl, " 1"), "cannot read ' 1' as double precision");
}

TEST(ParsePostgresTextTest, TextBytesAndBoolean) {
  EXPECT_EQ(Parse(Builtin("bpchar", "character(5)", 9), "a b  "), Value::Str("a b  "));
  EXPECT_EQ(Parse(Builtin("text", "text"), "ünï\tcode 😀"), Value::Str("ünï\tcode 😀"));
  ColumnType bytea = Builtin("bytea", "bytea");
  EXPECT_EQ(Parse(bytea, "\\x00ff7F"), Value::Bytes(std::string("\0\xff\x7f", 3)));
  EXPECT_EQ(Parse(bytea, "\\x"), Value::Bytes(""));
  EXPECT_EQ(Error(bytea, "\\x0"), "cannot read '\\x0' as bytea");
  EXPECT_EQ(Error(bytea, "\\000"), "cannot read '\\000' as bytea");
  EXPECT_EQ(Error(bytea, "\\xzz"), "cannot read '\\xzz' as bytea");
  ColumnType boolean = Builtin("bool", "boolean");
  EXPECT_EQ(Parse(boolean, "t"), Value::Bool(true));
  EXPECT_EQ(Parse(boolean, "f"), Value::Bool(false));
  EXPECT_EQ(Error(boolean, "true"), "cannot read 'true' as boolean");
}

TEST(ParsePostgresTextTest, DatesWithInfinityAndBc) {
  ColumnType date = Builtin("date", "date");
  EXPECT_EQ(Parse(date, "2024-02-29"), Value::FromDate(Date{2024, 2, 29, 0}));
  EXPECT_EQ(Parse(date, "infinity"), Value::FromDate(Date{0, 0, 0, 1}));
  EXPECT_EQ(Parse(date, "-infinity"), Value::FromDate(Date{0, 0, 0, -1}));
  EXPECT_EQ(Parse(date, "0001-01-01 BC"), Value::FromDate(Date{0, 1, 1, 0}));
  EXPECT_EQ(Parse(date, "4713-01-01 BC"), Value::FromDate(Date{-4712, 1, 1, 0}));
  EXPECT_EQ(Parse(date, "5874897-12-31"), Value::FromDate(Date{5874897, 12, 31, 0}));
  EXPECT_EQ(Parse(date, "0044-03-15 BC").ToText(), "0044-03-15 BC");
  EXPECT_EQ(Error(date, "0000-01-01 BC"), "cannot read '0000-01-01 BC' as date");
  EXPECT_EQ(Error(date, "2024-13-01"), "cannot read '2024-13-01' as date");
  EXPECT_EQ(Error(date, "24-01-01"), "cannot read '24-01-01' as date");
  EXPECT_EQ(Error(date, "01/02/2024"), "cannot read '01/02/2024' as date");
}

TEST(ParsePostgresTextTest, Timestamps) {
  ColumnType timestamp = Builtin("timestamp", "timestamp without time zone");
  EXPECT_EQ(Parse(timestamp, "294276-12-31 23:59:59.999999"),
            Value::FromDateTime(Stamp(294276, 12, 31, 23, 59, 59, 999999)));
  EXPECT_EQ(Parse(timestamp, "4713-01-01 00:00:00 BC"),
            Value::FromDateTime(Stamp(-4712, 1, 1, 0, 0, 0, 0)));
  EXPECT_EQ(Parse(timestamp, "2024-01-01 06:30:00.5"),
            Value::FromDateTime(Stamp(2024, 1, 1, 6, 30, 0, 500000)));
  DateTime infinite;
  infinite.date.infinity = 1;
  infinite.precision = 6;
  EXPECT_EQ(Parse(timestamp, "infinity"), Value::FromDateTime(infinite));
  ColumnType zoned = Builtin("timestamptz", "timestamp(3) with time zone", 3);
  EXPECT_EQ(Parse(zoned, "2024-01-01 06:30:00.5+00"),
            Value::Timestamp(Stamp(2024, 1, 1, 6, 30, 0, 500000, 3)));
  EXPECT_EQ(Parse(zoned, "1000-01-01 00:00:00+00 BC"),
            Value::Timestamp(Stamp(-999, 1, 1, 0, 0, 0, 0, 3)));
  infinite.date.infinity = -1;
  infinite.precision = 3;
  EXPECT_EQ(Parse(zoned, "-infinity"), Value::Timestamp(infinite));
  // Another offset means the session is not in UTC: refused, never guessed.
  EXPECT_EQ(Error(zoned, "2024-01-01 12:00:00+05:30"),
            "cannot read '2024-01-01 12:00:00+05:30' as timestamp(3) with time zone");
  EXPECT_EQ(Error(timestamp, "2024-01-01 24:00:00"),
            "cannot read '2024-01-01 24:00:00' as timestamp without time zone");
  EXPECT_EQ(Error(timestamp, "2024-01-01T00:00:00"),
            "cannot read '2024-01-01T00:00:00' as timestamp without time zone");
}

TEST(ParsePostgresTextTest, TimesAndTheTextTypes) {
  ColumnType time = Builtin("time", "time without time zone");
  EXPECT_EQ(Parse(time, "24:00:00"), Value::FromTime(Time{false, 24, 0, 0, 0, 6}));
  EXPECT_EQ(Parse(time, "12:34:56.789"), Value::FromTime(Time{false, 12, 34, 56, 789000, 6}));
  EXPECT_EQ(Error(time, "24:00:00.000001"),
            "cannot read '24:00:00.000001' as time without time zone");
  EXPECT_EQ(Error(time, "-01:00:00"), "cannot read '-01:00:00' as time without time zone");
  for (auto [name, format, text] : {std::tuple{"timetz", "time with time zone", "00:00:00-15:59"},
                                    {"interval", "interval", "1 year 2 mons -3 days +04:05:06.789"},
                                    {"uuid", "uuid", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"},
                                    {"_text", "text[]", "{{\"a b\",\"c\\\"d\"},{NULL,\"NULL\"}}"},
                                    {"inet", "inet", "192.168.0.1/24"},
                                    {"int4range", "int4range", "empty"},
                                    {"tsvector", "tsvector", "'a' 'cat' 'fat'"},
                                    {"varbit", "bit varying", "1"}}) {
    EXPECT_EQ(Parse(Builtin(name, format), text), Value::FromOther(Other{format, text}));
  }
  EXPECT_EQ(Parse(Builtin("jsonb", "jsonb"), "{\"a\": [1, 2], \"b\": 1}"),
            Value::Json("{\"a\": [1, 2], \"b\": 1}"));
}

TEST(ParsePostgresTextTest, EnumsAndBits) {
  ColumnType mood = ColumnTypeOf(PgType{"mood", "public", "mood", 'e', -1, {"sad", "o'k"}});
  EXPECT_EQ(Parse(mood, "o'k"), Value::FromEnum(Enum{2, "o'k"}));
  EXPECT_EQ(Error(mood, "happy"), "cannot read 'happy' as mood");
  ColumnType bits = Builtin("bit", "bit(3)", 3);
  EXPECT_EQ(Parse(bits, "101"), Value::FromBit(Bit{5, 3}));
  EXPECT_EQ(Parse(Builtin("bit", "bit(64)", 64), std::string(64, '1')),
            Value::FromBit(Bit{~uint64_t{0}, 64}));
  EXPECT_EQ(Error(bits, "11"), "cannot read '11' as bit(3)");
  EXPECT_EQ(Error(bits, "102"), "cannot read '102' as bit(3)");
}

}  // namespace
}  // namespace cutover::postgres
