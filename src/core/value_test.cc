// Tests of Value: binary round trip, text rendering and parsing, and ordering, for every type.
#include "cutover/value.h"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "cutover/change.h"
#include "cutover/schema.h"

namespace cutover {
namespace {

ColumnType Type(std::string_view column_type, std::string_view charset = "",
                std::string_view collation = "") {
  auto t = ParseMysqlColumnType(column_type, charset, collation);
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return t.ok() ? *t : ColumnType{};
}

Value Dec(std::string_view text) {
  auto d = Decimal::Parse(text);
  EXPECT_TRUE(d.ok()) << text;
  return Value::Dec(d.ok() ? *d : Decimal{});
}

Value Parse(std::string_view column_type, std::string_view text, std::string_view charset = "",
            std::string_view collation = "") {
  auto v = ParseMysqlText(Type(column_type, charset, collation), text);
  EXPECT_TRUE(v.ok()) << column_type << " '" << text << "': " << v.status().ToString();
  return v.ok() ? *v : Value();
}

Value RoundTrip(const Value& v) {
  std::string encoded;
  v.EncodeTo(&encoded);
  std::string_view in = encoded;
  auto decoded = Value::DecodeFrom(&in);
  EXPECT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_TRUE(in.empty());
  return decoded.ok() ? *decoded : Value();
}

// One row of the type matrix: a MySQL column type, the server's text for a value, and the kind.
struct TextCase {
  std::string_view column_type;
  std::string_view text;
  ValueKind kind;
  std::string_view charset = "";
  std::string_view collation = "";
};

const TextCase kTextCases[] = {
    {"tinyint(4)", "-128", ValueKind::kInt},
    {"tinyint(3) unsigned", "255", ValueKind::kUInt},
    {"smallint(6)", "-32768", ValueKind::kInt},
    {"mediumint(8) unsigned", "16777215", ValueKind::kUInt},
    {"int(11)", "-2147483648", ValueKind::kInt},
    {"bigint(20)", "-9223372036854775808", ValueKind::kInt},
    {"bigint(20)", "9223372036854775807", ValueKind::kInt},
    {"bigint(20) unsigned", "18446744073709551615", ValueKind::kUInt},
    {"bigint(20) unsigned", "0", ValueKind::kUInt},
    {"decimal(65,30)", "99999999999999999999999999999999999.999999999999999999999999999999",
     ValueKind::kDecimal},
    {"decimal(65,30)", "-99999999999999999999999999999999999.999999999999999999999999999999",
     ValueKind::kDecimal},
    {"decimal(10,2)", "0.00", ValueKind::kDecimal},
    {"decimal(10,2)", "-0.50", ValueKind::kDecimal},
    {"decimal(10,0)", "1234567890", ValueKind::kDecimal},
    {"float", "3.4028235e+38", ValueKind::kFloat},
    {"float", "-1.1754944e-38", ValueKind::kFloat},
    {"double", "1.7976931348623157e+308", ValueKind::kDouble},
    {"double", "5e-324", ValueKind::kDouble},
    {"double", "0.1", ValueKind::kDouble},
    {"year(4)", "2155", ValueKind::kInt},
    {"year(4)", "0", ValueKind::kInt},
    {"date", "0000-00-00", ValueKind::kDate},
    {"date", "2024-00-15", ValueKind::kDate},
    {"date", "9999-12-31", ValueKind::kDate},
    {"date", "1000-01-01", ValueKind::kDate},
    {"time", "-838:59:59", ValueKind::kTime},
    {"time", "838:59:59", ValueKind::kTime},
    {"time(6)", "-00:00:00.000001", ValueKind::kTime},
    {"time(3)", "-12:34:56.780", ValueKind::kTime},
    {"time(6)", "00:00:00.000000", ValueKind::kTime},
    {"datetime", "0000-00-00 00:00:00", ValueKind::kDateTime},
    {"datetime(6)", "9999-12-31 23:59:59.999999", ValueKind::kDateTime},
    {"datetime(2)", "2024-02-29 12:00:00.50", ValueKind::kDateTime},
    {"timestamp", "0000-00-00 00:00:00", ValueKind::kTimestamp},
    {"timestamp(6)", "2038-01-19 03:14:07.999999", ValueKind::kTimestamp},
    {"timestamp", "1970-01-01 00:00:01", ValueKind::kTimestamp},
    {"varchar(255)", "caf\xc3\xa9 \xf0\x9f\x98\x80", ValueKind::kText, "utf8mb4",
     "utf8mb4_general_ci"},
    {"char(10)", "caf\xe9", ValueKind::kText, "latin1", "latin1_swedish_ci"},
    {"varchar(10)", std::string_view("a\0b", 3), ValueKind::kBytes, "binary", "binary"},
    {"binary(4)", std::string_view("\0\x01\xff\0", 4), ValueKind::kBytes},
    {"varbinary(16)", "", ValueKind::kBytes},
    {"longblob", std::string_view("\0\0\0", 3), ValueKind::kBytes},
    {"longtext", "", ValueKind::kText, "utf8mb4", "utf8mb4_bin"},
    {"enum('small','medium','it''s')", "it's", ValueKind::kEnum},
    {"enum('a','b')", "", ValueKind::kEnum},
    {"set('red','green','blue')", "red,blue", ValueKind::kSet},
    {"set('red','green','blue')", "", ValueKind::kSet},
    {"bit(1)", std::string_view("\x01", 1), ValueKind::kBit},
    {"bit(64)", "\xff\xff\xff\xff\xff\xff\xff\xff", ValueKind::kBit},
    {"bit(10)", std::string_view("\x02\x01", 2), ValueKind::kBit},
    {"json", "{\"a\": [1, 2.5, null, \"\\u00e9\"]}", ValueKind::kJson},
    {"geometry", std::string_view("\0\0\0\0\x01\x01\0\0\0", 9), ValueKind::kBytes},
};

TEST(ValueTextTest, EveryMysqlTypeParsesToItsKindAndRendersBack) {
  for (const auto& c : kTextCases) {
    SCOPED_TRACE(std::string(c.column_type) + " '" + std::string(c.text) + "'");
    Value v = Parse(c.column_type, c.text, c.charset, c.collation);
    EXPECT_EQ(v.kind(), c.kind);
    EXPECT_EQ(v.ToText(), c.text);
  }
}

TEST(ValueCodecTest, EveryTypeRoundTripsThroughTheBinaryEncoding) {
  for (const auto& c : kTextCases) {
    SCOPED_TRACE(std::string(c.column_type) + " '" + std::string(c.text) + "'");
    Value v = Parse(c.column_type, c.text, c.charset, c.collation);
    EXPECT_EQ(RoundTrip(v), v);
  }
  const Value extra[] = {
      Value::Null(),
      Value::Bool(true),
      Value::Bool(false),
      Value::Double(std::numeric_limits<double>::quiet_NaN()),
      Value::Double(-0.0),
      Value::Float(std::numeric_limits<float>::infinity()),
      Value::Dec(Decimal{false, "0", "", Decimal::Special::kNaN}),
      Value::Dec(Decimal{false, "0", "", Decimal::Special::kNegInfinity}),
      Value::FromDate(Date{-43, 3, 15, 0}),
      Value::FromDate(Date{0, 0, 0, 1}),
      Value::Timestamp(DateTime{Date{0, 0, 0, -1}, 0, 0, 0, 0, 0}),
      Value::FromOther(Other{"uuid", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"}),
      Value::Str(std::string("\x00\x41\xd8\x3d\xde\x00", 6), Charset::kUtf16),
      Value::Bytes(std::string(70000, '\xab')),
  };
  for (const Value& v : extra) EXPECT_EQ(RoundTrip(v), v) << v.ToDisplay();
}

TEST(ValueCodecTest, ConcatenatedValuesDecodeInOrderAndTruncationIsDataLoss) {
  std::string encoded;
  Value::Int(-5).EncodeTo(&encoded);
  Value::Str("x").EncodeTo(&encoded);
  Value::UInt(UINT64_MAX).EncodeTo(&encoded);
  std::string_view in = encoded;
  EXPECT_EQ(*Value::DecodeFrom(&in), Value::Int(-5));
  EXPECT_EQ(*Value::DecodeFrom(&in), Value::Str("x"));
  EXPECT_EQ(*Value::DecodeFrom(&in), Value::UInt(UINT64_MAX));
  EXPECT_TRUE(in.empty());

  std::string decimal;
  Dec("-12.5").EncodeTo(&decimal);
  for (size_t cut = 1; cut < decimal.size(); ++cut) {
    std::string_view truncated(decimal.data(), cut);
    auto r = Value::DecodeFrom(&truncated);
    EXPECT_FALSE(r.ok()) << "cut at " << cut;
    EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
  }
  std::string bad_kind = "\x7f";
  std::string_view bin = bad_kind;
  EXPECT_EQ(Value::DecodeFrom(&bin).status().ToString(), "DataLoss: unknown value kind 127");
}

TEST(ValueTextTest, DisplayContractHexesBinaryAndPrintsBitAsInteger) {
  EXPECT_EQ(Parse("varbinary(4)", std::string_view("\x00\xab", 2)).ToDisplay(), "0x00ab");
  EXPECT_EQ(Parse("bit(10)", std::string_view("\x02\x01", 2)).ToDisplay(), "513");
  EXPECT_EQ(Parse("bit(64)", "\xff\xff\xff\xff\xff\xff\xff\xff").ToDisplay(),
            "18446744073709551615");
  EXPECT_EQ(Parse("char(4)", "caf\xe9", "latin1", "latin1_swedish_ci").ToDisplay(), "caf\xc3\xa9");
  EXPECT_EQ(Parse("char(4)", "\x80", "latin1", "latin1_swedish_ci").ToDisplay(), "\xe2\x82\xac");
  EXPECT_EQ(Value::Double(0.1).ToDisplay(), "0.1");
  EXPECT_EQ(Value::Float(0.1f).ToDisplay(), "0.1");
  EXPECT_EQ(Value::Double(1e300).ToDisplay(), "1e+300");
  EXPECT_EQ(Value::Str("bad\xff", Charset::kUtf8).ToDisplay(), "bad\xef\xbf\xbd");
}

TEST(ValueTextTest, TemporalRenderingKeepsSignFractionAndZeroDates) {
  Value t = Parse("time(6)", "-00:00:00.000001");
  EXPECT_TRUE(t.as_time().negative);
  EXPECT_EQ(t.as_time().TotalMicros(), -1);
  Value z = Parse("date", "0000-00-00");
  EXPECT_TRUE(z.as_date().IsZero());
  EXPECT_FALSE(z.is_null());
  EXPECT_NE(z, Value::Null());
  EXPECT_NE(z, Parse("date", "0001-01-01"));
  EXPECT_TRUE(Parse("date", "2024-00-15").as_date().IsZero());
  EXPECT_EQ(Value::FromDate(Date{-43, 3, 15, 0}).ToText(), "0044-03-15 BC");
  EXPECT_EQ(Value::FromDate(Date{0, 0, 0, 1}).ToText(), "infinity");
  // "-00:00:00" is not negative zero: MySQL has no negative zero TIME.
  EXPECT_FALSE(Parse("time", "-00:00:00").as_time().negative);
}

TEST(ValueTextTest, MalformedTextIsRejectedWithTheColumnType) {
  auto r = ParseMysqlText(Type("int(11)"), "12x");
  EXPECT_EQ(r.status().ToString(), "InvalidArgument: cannot read '12x' as int(11)");
  EXPECT_FALSE(ParseMysqlText(Type("tinyint(3) unsigned"), "-1").ok());
  EXPECT_FALSE(ParseMysqlText(Type("bigint(20) unsigned"), "18446744073709551616").ok());
  EXPECT_FALSE(ParseMysqlText(Type("date"), "2024-13-01").ok());
  EXPECT_FALSE(ParseMysqlText(Type("time"), "12:60:00").ok());
  EXPECT_FALSE(ParseMysqlText(Type("datetime"), "2024-01-01T00:00:00").ok());
  EXPECT_FALSE(ParseMysqlText(Type("enum('a','b')"), "c").ok());
  EXPECT_FALSE(ParseMysqlText(Type("set('a','b')"), "a,c").ok());
  EXPECT_FALSE(ParseMysqlText(Type("decimal(5,2)"), "1.2.3").ok());
}

TEST(ValueTest, EnumAndSetKeepIndexAndBits) {
  Value e = Parse("enum('small','medium','large')", "large");
  EXPECT_EQ(e.as_enum().index, 3u);
  Value s = Parse("set('r','g','b')", "r,b");
  EXPECT_EQ(s.as_set().bits, 0b101u);
  EXPECT_EQ(s.ToText(), "r,b");
}

TEST(DecimalTest, ParseKeepsScaleAndNormalisesSignOfZero) {
  EXPECT_EQ(Decimal::Parse("-0.000")->ToString(), "0.000");
  EXPECT_EQ(Decimal::Parse("007.50")->ToString(), "7.50");
  EXPECT_EQ(Decimal::Parse(".5")->ToString(), "0.5");
  EXPECT_EQ(Decimal::Parse("+3")->ToString(), "3");
  EXPECT_EQ(Decimal::Parse("-Infinity")->ToString(), "-Infinity");
  EXPECT_EQ(Decimal::Parse("12.340")->scale(), 3);
  EXPECT_EQ(Decimal::Parse("12.340")->precision(), 5);
  EXPECT_EQ(Decimal::Parse("1e3").status().ToString(),
            "InvalidArgument: not a decimal number: '1e3'");
  EXPECT_FALSE(Decimal::Parse("").ok());
  EXPECT_FALSE(Decimal::Parse("-").ok());
  EXPECT_FALSE(Decimal::Parse(".").ok());
  EXPECT_FALSE(Decimal::Parse("1,5").ok());
}

// Values listed in strictly ascending order.
TEST(ValueOrderTest, NumbersOrderAcrossIntUintAndDecimal) {
  const Value ascending[] = {
      Value::Null(),
      Dec("-Infinity"),
      Dec("-99999999999999999999999999999999999.999999999999999999999999999999"),
      Value::Int(INT64_MIN),
      Dec("-1.5"),
      Value::Int(-1),
      Dec("-0.000000000000000000000000000001"),
      Value::UInt(0),
      Dec("0.5"),
      Value::Bool(true),
      Dec("1.000000000000000000000000000001"),
      Value::Int(INT64_MAX),
      Value::UInt(uint64_t{INT64_MAX} + 1),
      Value::UInt(UINT64_MAX),
      Dec("18446744073709551616"),
      Dec("Infinity"),
      Dec("NaN"),
  };
  for (size_t a = 0; a < std::size(ascending); ++a) {
    for (size_t b = 0; b < std::size(ascending); ++b) {
      EXPECT_EQ(ascending[a].Compare(ascending[b]), a <=> b)
          << ascending[a].ToDisplay() << " vs " << ascending[b].ToDisplay();
    }
  }
  EXPECT_EQ(Value::Int(1).Compare(Value::UInt(1)), std::strong_ordering::equal);
  EXPECT_EQ(Dec("1.5").Compare(Dec("1.50")), std::strong_ordering::equal);
  EXPECT_NE(Dec("1.5"), Dec("1.50"));  // == is exact: the scale differs
  EXPECT_NE(Value::Int(1), Value::UInt(1));
}

void ExpectAscending(const std::vector<Value>& values) {
  for (size_t a = 0; a < values.size(); ++a) {
    for (size_t b = 0; b < values.size(); ++b) {
      EXPECT_EQ(values[a].Compare(values[b]), a <=> b)
          << values[a].ToDisplay() << " vs " << values[b].ToDisplay();
    }
  }
}

TEST(ValueOrderTest, EveryOtherKindOrdersNaturally) {
  double nan = std::numeric_limits<double>::quiet_NaN();
  ExpectAscending({Value::Double(-INFINITY), Value::Float(-1.5f), Value::Double(0.1),
                   Value::Float(1e30f), Value::Double(INFINITY), Value::Double(nan)});
  ExpectAscending({Value::Bytes(""), Value::Bytes(std::string(1, '\0')), Value::Bytes("a"),
                   Value::Bytes("\x7f"), Value::Bytes("\x80"), Value::Bytes("\xff")});
  ExpectAscending({Value::Str(""), Value::Str("A"), Value::Str("a"), Value::Str("ab")});
  ExpectAscending({Parse("date", "0000-00-00"), Parse("date", "0000-01-01"),
                   Parse("date", "2024-00-15"), Parse("date", "2024-01-00"),
                   Parse("date", "2024-01-01"), Parse("date", "9999-12-31")});
  ExpectAscending({Parse("time(6)", "-838:59:59.000000"), Parse("time(6)", "-00:00:00.000001"),
                   Parse("time(6)", "00:00:00.000000"), Parse("time(6)", "00:00:00.000001"),
                   Parse("time(6)", "838:59:59.000000")});
  ExpectAscending({Parse("datetime(6)", "0000-00-00 00:00:00.000000"),
                   Parse("datetime(6)", "2024-01-01 00:00:00.000000"),
                   Parse("datetime(6)", "2024-01-01 00:00:00.000001"),
                   Parse("datetime(6)", "9999-12-31 23:59:59.999999")});
  ExpectAscending({Parse("timestamp", "0000-00-00 00:00:00"),
                   Parse("timestamp", "1970-01-01 00:00:01"),
                   Parse("timestamp", "2038-01-19 03:14:07")});
  ExpectAscending(
      {Parse("enum('z','a')", ""), Parse("enum('z','a')", "z"), Parse("enum('z','a')", "a")});
  ExpectAscending({Parse("set('a','b')", ""), Parse("set('a','b')", "a"),
                   Parse("set('a','b')", "b"), Parse("set('a','b')", "a,b")});
  ExpectAscending({Parse("bit(64)", std::string_view("\0", 1)), Parse("bit(64)", "\x01"),
                   Parse("bit(64)", "\xff\xff\xff\xff\xff\xff\xff\xff")});
  // Across kinds: NULL < numbers < floating < bytes < text < date < time < ...
  ExpectAscending({Value::Null(), Value::Int(5), Value::Double(1), Value::Bytes("a"),
                   Value::Str("a"), Parse("date", "2024-01-01"), Parse("time", "01:00:00")});
}

TEST(ColumnTypeTest, ParsesMysqlColumnTypes) {
  ColumnType d = Type("decimal(65,30)");
  EXPECT_EQ(d.type, SqlType::kDecimal);
  EXPECT_EQ(d.precision, 65u);
  EXPECT_EQ(d.scale, 30u);
  ColumnType u = Type("int(10) unsigned zerofill");
  EXPECT_TRUE(u.is_unsigned);
  EXPECT_EQ(u.value_kind(), ValueKind::kUInt);
  ColumnType e = Type("enum('A','b''c','d,e')");
  EXPECT_EQ(e.elements, (std::vector<std::string>{"A", "b'c", "d,e"}));
  EXPECT_EQ(Type("datetime(6)").fsp, 6);
  EXPECT_EQ(Type("bit(1)").length, 1u);
  EXPECT_EQ(Type("varchar(20)", "binary", "binary").value_kind(), ValueKind::kBytes);
  EXPECT_EQ(Type("varchar(20)", "utf8mb4", "utf8mb4_bin").value_kind(), ValueKind::kText);
  EXPECT_EQ(Type("blob").value_kind(), ValueKind::kBytes);
  EXPECT_EQ(Type("point").value_kind(), ValueKind::kBytes);
  EXPECT_EQ(Type("text", "latin1", "latin1_swedish_ci").charset, Charset::kLatin1);
  EXPECT_EQ(ParseMysqlColumnType("hyperlogloglog", "", "").status().ToString(),
            "Unimplemented: unsupported column type 'hyperlogloglog'");
  EXPECT_EQ(ParseMysqlColumnType("datetime(7)", "", "").status().ToString(),
            "InvalidArgument: column type 'datetime(7)': fractional precision above 6");
}

TEST(CharsetTest, ConvertsEveryCharsetToUtf8) {
  EXPECT_EQ(ToUtf8("\xe9\x80\x9f", Charset::kLatin1), "\xc3\xa9\xe2\x82\xac\xc5\xb8");
  EXPECT_EQ(ToUtf8(std::string("\xd8\x3d\xde\x00", 4), Charset::kUtf16), "\xf0\x9f\x98\x80");
  EXPECT_EQ(ToUtf8(std::string("\x3d\xd8\x00\xde", 4), Charset::kUtf16le), "\xf0\x9f\x98\x80");
  EXPECT_EQ(ToUtf8(std::string("\x00\x01\xf6\x00", 4), Charset::kUtf32), "\xf0\x9f\x98\x80");
  EXPECT_EQ(ToUtf8(std::string("\x00\xe9", 2), Charset::kUcs2), "\xc3\xa9");
  EXPECT_EQ(ToUtf8("a\xc0\xafz", Charset::kUtf8), "a\xef\xbf\xbd\xef\xbf\xbdz");  // overlong
  EXPECT_EQ(ToUtf8("\xed\xa0\x80", Charset::kUtf8), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
  EXPECT_EQ(HexBytes(std::string("\x00\x0f\xf0", 3)), "0x000ff0");
}

TEST(KeyTest, EncodesDecodesAndOrdersComposites) {
  Key a{{Value::Int(1), Value::Str("b")}};
  Key b{{Value::Int(1), Value::Str("c")}};
  Key c{{Value::Int(2), Value::Str("a")}};
  EXPECT_EQ(a.Compare(b), std::strong_ordering::less);
  EXPECT_EQ(b.Compare(c), std::strong_ordering::less);
  EXPECT_EQ(*Key::Decode(a.Encode()), a);
  EXPECT_FALSE(Key::Decode(a.Encode() + "x").ok());
  EXPECT_FALSE(Key::Decode("\x05").ok());
}

TEST(ChangeTest, KeysComeFromTheImagesFollowingTheSchemaKey) {
  auto schema = std::make_shared<TableSchema>();
  schema->id = {"shop", "orders"};
  schema->columns = {{"tenant", Type("int(11)"), false},
                     {"note", Type("text", "utf8mb4", "utf8mb4_general_ci"), true},
                     {"id", Type("bigint(20) unsigned"), false}};
  schema->key = {0, 2};
  Change update;
  update.table = schema->id;
  update.op = ChangeOp::kUpdate;
  update.schema = schema;
  update.before = Row{{Value::Int(1), Value::Str("x"), Value::UInt(7)}, {}};
  update.after = Row{{Value::Int(1), Value::Str("y"), Value::UInt(8)}, {}};
  EXPECT_EQ(update.KeyBefore(), (Key{{Value::Int(1), Value::UInt(7)}}));
  EXPECT_EQ(update.KeyAfter(), (Key{{Value::Int(1), Value::UInt(8)}}));
  EXPECT_EQ(ChangeOpName(update.op), "update");
  EXPECT_EQ(schema->ColumnIndex("id"), 2u);
  EXPECT_EQ(schema->ColumnIndex("missing"), std::nullopt);
  Row partial{{Value::Int(1), Value(), Value::UInt(1)}, {true, false, true}};
  EXPECT_FALSE(partial.IsPresent(1));
  EXPECT_TRUE(partial.IsPresent(2));
}

TEST(ValueSetterTest, InPlaceSettersGiveTheSameValueAsTheFactoriesWhateverWasHeld) {
  std::vector<Value> held = {Value(),
                             Value::Int(-5),
                             Value::UInt(7),
                             Value::Str("old", Charset::kLatin1),
                             Value::Bytes(std::string(100, 'x')),
                             Value::Json("{}")};
  for (const Value& start : held) {
    Value v = start;
    v.SetText("caf\xc3\xa9", Charset::kUtf8);
    EXPECT_EQ(v, Value::Str("caf\xc3\xa9", Charset::kUtf8));
    v = start;
    v.SetBytes(std::string_view("a\0b", 3), 5);  // BINARY(5) shows its 0x00 padding
    EXPECT_EQ(v, Value::Bytes(std::string("a\0b\0\0", 5)));
    v = start;
    v.SetBytes("abcdef", 3);  // never truncates
    EXPECT_EQ(v, Value::Bytes("abcdef"));
    v = start;
    v.SetInt(INT64_MIN);
    EXPECT_EQ(v, Value::Int(INT64_MIN));
    v = start;
    v.SetUInt(UINT64_MAX);
    EXPECT_EQ(v, Value::UInt(UINT64_MAX));
    v = start;
    v.SetNull();
    EXPECT_TRUE(v.is_null());
  }
}

TEST(ValueSetterTest, SetTextKeepsTheStringsCapacityForTheNextRow) {
  Value v = Value::Str(std::string(200, 'a'));
  const char* buffer = v.as_text().bytes.data();
  v.SetText(std::string(150, 'b'), Charset::kUtf8);
  EXPECT_EQ(v.as_text().bytes, std::string(150, 'b'));
  EXPECT_EQ(v.as_text().bytes.data(), buffer);  // no new allocation
}

}  // namespace
}  // namespace cutover
