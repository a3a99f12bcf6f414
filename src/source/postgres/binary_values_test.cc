// Tests for BinaryValues: each type's binary send form -> the same Value its text output gives.
// Every fixture pairs the text PostgreSQL 15.18 prints for a value under SessionSettings() with
// that value's send form, both captured once from the server (`SELECT v, encode(<type>send(v),
// 'hex')`); tests/integration/postgres_binary_test.cc checks thousands more against the server.
#include "source/postgres/binary_values.h"

#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "source/postgres/types.h"

namespace cutover::postgres {
namespace {

ColumnType Builtin(std::string name, std::string format, int32_t typmod = -1) {
  return ColumnTypeOf(PgType{std::move(format), "pg_catalog", std::move(name), 'b', typmod, {}});
}

ColumnType Mood() {
  return ColumnTypeOf(PgType{"mood", "public", "mood", 'e', -1, {"sad", "ok", "happy"}});
}

std::string FromHex(std::string_view hex) {
  std::string out;
  for (size_t at = 0; at + 1 < hex.size(); at += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(at, 2)), nullptr, 16)));
  }
  return out;
}

struct Fixture {
  std::string_view text;  // the server's text output
  std::string_view hex;   // the server's send form of the same value
};

// Each fixture's binary form reads as the Value of its text.
void ExpectSameAsText(const ColumnType& type, const std::vector<Fixture>& fixtures) {
  ASSERT_TRUE(HasBinaryReader(type)) << type.source_name;
  for (const Fixture& fixture : fixtures) {
    Result<Value> text = ParsePostgresText(type, fixture.text);
    ASSERT_TRUE(text.ok()) << text.status().ToString();
    Result<Value> binary = ParsePostgresBinary(type, FromHex(fixture.hex));
    ASSERT_TRUE(binary.ok()) << fixture.hex << ": " << binary.status().ToString();
    EXPECT_EQ(*binary, *text) << type.source_name << " '" << fixture.text << "' read from "
                              << fixture.hex << " as '" << binary->ToText() << "'";
  }
}

std::string Error(const ColumnType& type, std::string_view hex) {
  Result<Value> value = ParsePostgresBinary(type, FromHex(hex));
  EXPECT_FALSE(value.ok()) << hex;
  return value.ok() ? "" : std::string(value.status().message());
}

TEST(BinaryValuesTest, BooleansAndIntegers) {
  ExpectSameAsText(Builtin("bool", "boolean"), {{"t", "01"}, {"f", "00"}});
  ExpectSameAsText(Builtin("int2", "smallint"),
                   {{"-32768", "8000"}, {"0", "0000"}, {"32767", "7fff"}});
  ExpectSameAsText(Builtin("int4", "integer"),
                   {{"-2147483648", "80000000"}, {"42", "0000002a"}, {"2147483647", "7fffffff"}});
  ExpectSameAsText(Builtin("int8", "bigint"), {{"-9223372036854775808", "8000000000000000"},
                                               {"-1", "ffffffffffffffff"},
                                               {"9223372036854775807", "7fffffffffffffff"}});
}

TEST(BinaryValuesTest, NumericKeepsItsScaleAndSpecialValues) {
  ExpectSameAsText(
      Builtin("numeric", "numeric"),
      {
          {"NaN", "00000000c0000000"},
          {"Infinity", "00000000d0000020"},
          {"-Infinity", "00000000f0000020"},
          {"0", "0000000000000000"},
          {"0.00", "0000000000000002"},
          {"1.50", "000200000000000200011388"},
          {"-1.50", "000200004000000200011388"},
          {"0.0001", "0001ffff000000040001"},
          {"0.00000000000000000001", "0001fffb000000140001"},  // 1e-20
          {"0.000120", "0002ffff00000006000107d0"},
          {"12345678901234567890.123", "000600040000000304d2162e23340d801ed204ce"},
          {"-123456789012345678901234567890.123456789012345678901234567890",
           "001000074000001e000c0d801ed204d2162e23340d801ed204d2162e23340d801ed204d2162e2328"},
          {"10000", "00010001000000000001"},
          {"100000000", "00010002000000000001"},
          {"9999.9999", "0002000000000004270f270f"},
          {"-0.5", "0001ffff400000011388"},
          {"1" + std::string(100, '0'), "00010019000000000001"},  // 1e100
      });
  ColumnType numeric_10_2 = Builtin("numeric", "numeric(10,2)", (10 << 16 | 2) + 4);
  ExpectSameAsText(numeric_10_2, {{"1.50", "000200000000000200011388"},
                                  {"-99999999.99", "0003000140000002270f270f26ac"},
                                  {"0.00", "0000000000000002"}});
  EXPECT_EQ(ParsePostgresBinary(numeric_10_2, FromHex("000200000000000200011388"))->as_decimal(),
            (Decimal{false, "1", "50", Decimal::Special::kNone}));
}

TEST(BinaryValuesTest, MoneyIsCentsWithTwoFractionDigits) {
  ExpectSameAsText(Builtin("money", "money"), {{"-$92,233,720,368,547,758.08", "8000000000000000"},
                                               {"$92,233,720,368,547,758.07", "7fffffffffffffff"},
                                               {"-$1.23", "ffffffffffffff85"},
                                               {"$0.00", "0000000000000000"},
                                               {"$0.50", "0000000000000032"},
                                               {"$1,234,567.89", "00000000075bcd15"}});
}

TEST(BinaryValuesTest, FloatsKeepEveryBit) {
  ExpectSameAsText(Builtin("float4", "real"),
                   {{"NaN", "7fc00000"},
                    {"NaN", "ffc00000"},  // -'NaN': every NaN prints "NaN"
                    {"Infinity", "7f800000"},
                    {"-Infinity", "ff800000"},
                    {"-0", "80000000"},
                    {"0", "00000000"},
                    {"1.1754944e-38", "00800000"},
                    {"1e-45", "00000001"},
                    {"3.4028235e+38", "7f7fffff"},
                    {"0.1", "3dcccccd"},
                    {"-123.456", "c2f6e979"}});
  ExpectSameAsText(Builtin("float8", "double precision"),
                   {{"NaN", "7ff8000000000000"},
                    {"NaN", "fff8000000000000"},
                    {"Infinity", "7ff0000000000000"},
                    {"-Infinity", "fff0000000000000"},
                    {"-0", "8000000000000000"},
                    {"0", "0000000000000000"},
                    {"5e-324", "0000000000000001"},
                    {"1.7976931348623157e+308", "7fefffffffffffff"},
                    {"0.1", "3fb999999999999a"},
                    {"2.2250738585072014e-308", "0010000000000000"},
                    {"-1e+22", "c480f0cf064dd592"},
                    {"123456789.125", "419d6f3454800000"}});
}

TEST(BinaryValuesTest, StringsAndBytes) {
  ExpectSameAsText(
      Builtin("text", "text"),
      {{"", ""}, {"plain", "706c61696e"}, {"ünï😀 \"q\"", "c3bc6ec3aff09f988020227122"}});
  ExpectSameAsText(Builtin("varchar", "character varying(10)", 14),
                   {{"mid", "6d6964"}, {"0123456789", "30313233343536373839"}});
  // char(n) is sent with its padding, as its text shows it.
  ExpectSameAsText(Builtin("bpchar", "character(5)", 9),
                   {{"a    ", "6120202020"}, {"     ", "2020202020"}, {"abcde", "6162636465"}});
  ExpectSameAsText(Builtin("bytea", "bytea"), {{"\\x", ""}, {"\\x00ff10", "00ff10"}});
}

TEST(BinaryValuesTest, DatesIncludingBcAndInfinity) {
  ColumnType date = Builtin("date", "date");
  ExpectSameAsText(date, {{"-infinity", "80000000"},
                          {"infinity", "7fffffff"},
                          {"4713-11-24 BC", "ffda9915"},
                          {"5874897-12-31", "7fda970c"},
                          {"0044-03-15 BC", "fff49d7b"},
                          {"2024-02-29", "00002279"},
                          {"2000-01-01", "00000000"},
                          {"1999-12-31", "ffffffff"},
                          {"0001-01-01", "fff4dbf9"},
                          {"0001-12-31 BC", "fff4dbf8"}});
  EXPECT_EQ(ParsePostgresBinary(date, FromHex("ffda9915"))->as_date(), (Date{-4712, 11, 24, 0}));
}

TEST(BinaryValuesTest, TimesOfDay) {
  ExpectSameAsText(Builtin("time", "time without time zone"),
                   {{"00:00:00", "0000000000000000"},
                    {"24:00:00", "000000141dd76000"},
                    {"12:34:56.789", "0000000a8be62608"},
                    {"23:59:59.999999", "000000141dd75fff"}});
  ExpectSameAsText(Builtin("time", "time(0) without time zone", 0),
                   {{"12:34:56", "0000000a8bda1c00"}});
  // The zone is sent in seconds west of UTC; its text shows the offset east.
  ExpectSameAsText(Builtin("timetz", "time with time zone"),
                   {{"00:00:00+15:59", "0000000000000000ffff1f3c"},
                    {"24:00:00-15:59", "000000141dd760000000e0c4"},
                    {"12:00:00.1+05:30", "0000000a0eed36a0ffffb2a8"},
                    {"04:05:06.789-08", "000000036c97ca8800007080"},
                    {"12:00:00+05:30:15", "0000000a0eebb000ffffb299"},
                    {"12:00:00-00:00:01", "0000000a0eebb00000000001"},
                    {"00:00:00+00", "000000000000000000000000"},
                    {"23:59:59.999999+15:59:59", "000000141dd75fffffff1f01"},
                    {"00:00:00-15:59:59", "00000000000000000000e0ff"}});
}

TEST(BinaryValuesTest, TimestampsFromTheirFirstToTheirLastMicrosecond) {
  std::vector<Fixture> shared = {
      {"-infinity", "8000000000000000"},
      {"infinity", "7fffffffffffffff"},
  };
  std::vector<Fixture> timestamp = shared;
  timestamp.insert(timestamp.end(), {{"4714-11-24 00:00:00 BC", "fd0f7cc1411fa000"},
                                     {"294276-12-31 23:59:59.999999", "7fffff5bb3b29fff"},
                                     {"2000-01-01 00:00:00", "0000000000000000"},
                                     {"1999-12-31 23:59:59.999999", "ffffffffffffffff"},
                                     {"0044-03-15 12:00:00 BC", "ff1af9e8fb46d000"},
                                     {"1970-01-01 00:00:00.5", "fffca2fec4cfc120"},
                                     {"0001-01-01 00:00:00", "ff1fe2ffc59c6000"},
                                     {"0001-12-31 23:59:59.000001 BC", "ff1fe2ffc58d1dc1"}});
  ExpectSameAsText(Builtin("timestamp", "timestamp without time zone"), timestamp);
  std::vector<Fixture> timestamptz = shared;
  timestamptz.insert(timestamptz.end(), {{"4714-11-24 00:00:00+00 BC", "fd0f7cc1411fa000"},
                                         {"294276-12-31 23:59:59.999999+00", "7fffff5bb3b29fff"},
                                         {"2024-01-01 06:30:00.5+00", "0002b0db47b08b20"},
                                         {"1000-01-01 00:00:00+00 BC", "feafc61444894000"}});
  ExpectSameAsText(Builtin("timestamptz", "timestamp with time zone"), timestamptz);
  ExpectSameAsText(Builtin("timestamptz", "timestamp(3) with time zone", 3),
                   {{"2024-01-01 12:00:00.123+00", "0002b0dfe3d6d078"}, shared[0]});
}

TEST(BinaryValuesTest, IntervalsInThePostgresStyle) {
  ExpectSameAsText(Builtin("interval", "interval"),
                   {
                       {"00:00:00", "00000000000000000000000000000000"},
                       {"-00:00:01", "fffffffffff0bdc00000000000000000"},
                       {"00:00:00.000001", "00000000000000010000000000000000"},
                       {"1 year 2 mons 3 days 04:05:06.5", "000000036c9361a0000000030000000e"},
                       {"1 year 2 mons -3 days +04:05:06.789", "000000036c97ca88fffffffd0000000e"},
                       {"-1 years -2 mons", "000000000000000000000000fffffff2"},
                       {"-1 years +00:00:01.1", "000000000010c8e000000000fffffff4"},
                       {"1 year -00:00:00.000001", "ffffffffffffffff000000000000000c"},
                       {"-1 days +04:05:06", "000000036c8bc080ffffffff00000000"},
                       {"-1 days -00:00:00.5", "fffffffffff85ee0ffffffff00000000"},
                       {"-1 days -02:00:00", "fffffffe52d8b800ffffffff00000000"},
                       {"1 day -00:00:00.000001", "ffffffffffffffff0000000100000000"},
                       {"1 day 02:00:00", "00000001ad2748000000000100000000"},
                       {"1 day 100:00:00", "00000053d1ac10000000000100000000"},
                       {"1 mon", "00000000000000000000000000000001"},
                       {"11 mons", "0000000000000000000000000000000b"},
                       {"11 mons 01:00:00", "00000000d693a400000000000000000b"},
                       {"1 mon -1 days", "0000000000000000ffffffff00000001"},
                       {"-1 mons +1 day", "000000000000000000000001ffffffff"},
                       {"-1 mons -1 days -01:00:00", "ffffffff296c5c00ffffffffffffffff"},
                       {"-178000000 years", "00000000000000000000000080af3a00"},
                       {"178000000 years", "0000000000000000000000007f50c600"},
                       {"-178956970 years -8 mons", "00000000000000000000000080000000"},
                       {"178956970 years 7 mons", "0000000000000000000000007fffffff"},
                       {"-2147483648 days", "00000000000000008000000000000000"},
                       {"2147483647 days -00:00:01", "fffffffffff0bdc07fffffff00000000"},
                       {"2562047788:00:54.775807", "7fffffffffffffff0000000000000000"},
                       {"-2562047788:00:54.775808", "80000000000000000000000000000000"},
                   });
}

TEST(BinaryValuesTest, UuidJsonEnumAndBits) {
  ExpectSameAsText(Builtin("uuid", "uuid"),
                   {{"00000000-0000-0000-0000-000000000000", "00000000000000000000000000000000"},
                    {"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "a0eebc999c0b4ef8bb6d6bb9bd380a11"},
                    {"ffffffff-ffff-ffff-ffff-ffffffffffff", "ffffffffffffffffffffffffffffffff"}});
  ExpectSameAsText(Builtin("json", "json"),
                   {{"{\"b\":1,  \"a\":2}", "7b2262223a312c20202261223a327d"},
                    {"[]", "5b5d"},
                    {"null", "6e756c6c"}});
  ExpectSameAsText(Builtin("jsonb", "jsonb"),
                   {{"{\"a\": [1, 2], \"b\": 1}", "017b2261223a205b312c20325d2c202262223a20317d"},
                    {"\"é\"", "0122c3a922"},
                    {"{}", "017b7d"}});
  ExpectSameAsText(Mood(), {{"sad", "736164"}, {"happy", "6861707079"}});
  ExpectSameAsText(Builtin("bit", "bit(1)", 1), {{"0", "0000000100"}, {"1", "0000000180"}});
  ExpectSameAsText(Builtin("bit", "bit(3)", 3), {{"101", "00000003a0"}});
  ExpectSameAsText(Builtin("bit", "bit(64)", 64),
                   {{std::string(64, '0'), "000000400000000000000000"},
                    {std::string(64, '1'), "00000040ffffffffffffffff"},
                    {"1" + std::string(62, '0') + "1", "000000408000000000000001"}});
}

TEST(BinaryValuesTest, OnlyTheTypesWithAReader) {
  EXPECT_TRUE(HasBinaryReader(Builtin("numeric", "numeric")));
  EXPECT_TRUE(HasBinaryReader(Mood()));
  for (const auto& [name, format] :
       std::vector<std::pair<std::string, std::string>>{{"_int4", "integer[]"},
                                                        {"int4range", "int4range"},
                                                        {"inet", "inet"},
                                                        {"macaddr", "macaddr"},
                                                        {"varbit", "bit varying(8)"},
                                                        {"tsvector", "tsvector"},
                                                        {"xml", "xml"}}) {
    ColumnType type = Builtin(name, format);
    EXPECT_FALSE(HasBinaryReader(type)) << format;
    EXPECT_EQ(Error(type, "00"),
              "cannot read binary 0x00 as " + format + ": cutover reads this type only as text");
  }
  EXPECT_FALSE(HasBinaryReader(Builtin("bit", "bit(65)", 65)));
  EXPECT_FALSE(HasBinaryReader(
      ColumnTypeOf(PgType{"hstore", "public", "hstore", 'b', -1, {}})));  // an extension's
  EXPECT_FALSE(
      HasBinaryReader(ColumnTypeOf(PgType{"mood[]", "public", "_mood", 'b', -1, {"sad"}})));
  Result<ColumnType> mysql = ParseMysqlColumnType("int", "", "");
  ASSERT_TRUE(mysql.ok());
  EXPECT_FALSE(HasBinaryReader(*mysql));
}

TEST(BinaryValuesTest, MalformedBytesAreClearErrors) {
  EXPECT_EQ(Error(Builtin("int4", "integer"), "000001"),
            "cannot read binary 0x000001 as integer: 3 bytes, expected 4");
  EXPECT_EQ(Error(Builtin("int8", "bigint"), ""),
            "cannot read binary 0x as bigint: 0 bytes, expected 8");
  EXPECT_EQ(Error(Builtin("bool", "boolean"), "02"),
            "cannot read binary 0x02 as boolean: a boolean is 0 or 1");
  ColumnType numeric = Builtin("numeric", "numeric");
  EXPECT_EQ(Error(numeric, "000200000000"),
            "cannot read binary 0x000200000000 as numeric: 6 bytes, expected 8 or more");
  EXPECT_EQ(Error(numeric, "0002000000000002000113"),  // the last digit cut
            "cannot read binary 0x0002000000000002000113 as numeric: 11 bytes, expected 12");
  EXPECT_EQ(Error(numeric, "0001000012340000000a"),
            "cannot read binary 0x0001000012340000000a as numeric: sign 0x1234 is none of "
            "0x0000 (+), 0x4000 (-), 0xc000 (NaN), 0xd000 (Infinity), 0xf000 (-Infinity)");
  EXPECT_EQ(Error(numeric, "00010000000000002710"),
            "cannot read binary 0x00010000000000002710 as numeric: digit 10000 is not a "
            "base-10000 digit");
  EXPECT_EQ(Error(numeric, "ffff00000000000000"),
            "cannot read binary 0xffff00000000000000 as numeric: -1 digits");
  EXPECT_EQ(Error(numeric, "000000000000ffff"),
            "cannot read binary 0x000000000000ffff as numeric: scale -1");
  EXPECT_EQ(Error(Builtin("jsonb", "jsonb"), "027b7d"),
            "cannot read binary 0x027b7d as jsonb: jsonb version 2, expected 1");
  EXPECT_EQ(Error(Builtin("jsonb", "jsonb"), ""),
            "cannot read binary 0x as jsonb: no jsonb version byte");
  EXPECT_EQ(Error(Builtin("date", "date"), "7fda970d"),  // 5874898-01-01
            "cannot read binary 0x7fda970d as date: date out of range");
  EXPECT_EQ(Error(Builtin("timestamp", "timestamp without time zone"), "7fffff5bb3b2a000"),
            "cannot read binary 0x7fffff5bb3b2a000 as timestamp without time zone: timestamp "
            "out of range");
  EXPECT_EQ(Error(Builtin("time", "time without time zone"), "000000141dd76001"),
            "cannot read binary 0x000000141dd76001 as time without time zone: time of day "
            "outside 00:00:00..24:00:00");
  EXPECT_EQ(Error(Builtin("timetz", "time with time zone"), "0000000000000000ffff1f00"),
            "cannot read binary 0x0000000000000000ffff1f00 as time with time zone: zone -57600 "
            "s is outside +-15:59:59");
  EXPECT_EQ(Error(Builtin("interval", "interval"), "00"),
            "cannot read binary 0x00 as interval: 1 bytes, expected 16");
  EXPECT_EQ(Error(Builtin("uuid", "uuid"), std::string(34, 'a')),
            "cannot read binary 0x" + std::string(34, 'a') + " as uuid: 17 bytes, expected 16");
  EXPECT_EQ(Error(Builtin("bit", "bit(3)", 3), "00000004a0"),
            "cannot read binary 0x00000004a0 as bit(3): 4 bits, expected 3");
  EXPECT_EQ(Error(Builtin("bit", "bit(9)", 9), "00000009a0"),
            "cannot read binary 0x00000009a0 as bit(9): 5 bytes, expected 6");
  EXPECT_EQ(Error(Mood(), "6d6568"),
            "cannot read binary 0x6d6568 as mood: not one of the type's labels");
  // Only the first 32 bytes are shown.
  EXPECT_EQ(Error(Builtin("money", "money"), std::string(80, 'f')),
            "cannot read binary 0x" + std::string(64, 'f') + "... as money: 40 bytes, expected 8");
}

// Any bytes read as a value or fail with the message's prefix; never a crash or a read past their
// end (run under the sanitizers by scripts/test).
TEST(BinaryValuesTest, AnyBytesReadOrFailCleanly) {
  const std::vector<ColumnType> types = {
      Builtin("bool", "boolean"),
      Builtin("int2", "smallint"),
      Builtin("int4", "integer"),
      Builtin("int8", "bigint"),
      Builtin("numeric", "numeric"),
      Builtin("money", "money"),
      Builtin("float4", "real"),
      Builtin("float8", "double precision"),
      Builtin("text", "text"),
      Builtin("bytea", "bytea"),
      Builtin("date", "date"),
      Builtin("time", "time without time zone"),
      Builtin("timetz", "timetz"),
      Builtin("timestamp", "timestamp without time zone"),
      Builtin("timestamptz", "timestamptz"),
      Builtin("interval", "interval"),
      Builtin("uuid", "uuid"),
      Builtin("jsonb", "jsonb"),
      Mood(),
      Builtin("bit", "bit(64)", 64),
      Builtin("bit", "bit(9)", 9),
  };
  std::mt19937 random(20);  // the same bytes every run
  for (const ColumnType& type : types) {
    for (int attempt = 0; attempt < 5000; ++attempt) {
      std::string bytes(random() % 40, '\0');
      for (char& byte : bytes) byte = static_cast<char>(random() % 4 == 0 ? 0 : random());
      // Plausible numerics: a small digit count that matches the length half of the time.
      if (type.source_name == "numeric" && bytes.size() >= 8 && attempt % 2 == 0) {
        bytes[0] = 0;
        bytes[1] = static_cast<char>((bytes.size() - 8) / 2);
      }
      Result<Value> value = ParsePostgresBinary(type, bytes);
      if (!value.ok()) {
        ASSERT_TRUE(value.status().message().starts_with("cannot read binary 0x"))
            << value.status().ToString();
      }
    }
  }
}

}  // namespace
}  // namespace cutover::postgres
