// Unit tests of PostgreSQL text rendering: every Value kind, zero dates, refusals, COPY escapes.
#include "sink/postgres/copy_text.h"

#include <gtest/gtest.h>

#include "sink/common/test_support.h"

namespace cutover::postgres {
namespace {

using sink::testing::Type;

// The PostgreSQL text of the MySQL text `text` in a column of `column_type`.
std::string Text(std::string_view column_type, std::string_view text,
                 ValueAdjustments* adjustments = nullptr, std::string_view charset = "") {
  ColumnType type = Type(column_type, charset, charset.empty() ? "" : "utf8mb4_general_ci");
  Result<Value> value = ParseMysqlText(type, text);
  EXPECT_TRUE(value.ok()) << value.status().ToString();
  ValueAdjustments unused;
  Result<std::optional<std::string>> out =
      PostgresText(type, *value, adjustments ? adjustments : &unused);
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  return out.ok() && out->has_value() ? **out : "<null>";
}

TEST(PostgresTextTest, RendersEveryKind) {
  EXPECT_EQ(Text("bigint(20) unsigned", "18446744073709551615"), "18446744073709551615");
  EXPECT_EQ(Text("tinyint(4)", "-128"), "-128");
  EXPECT_EQ(Text("decimal(65,30)", "-0.000000000000000000000000000001"),
            "-0.000000000000000000000000000001");
  EXPECT_EQ(Text("float", "1.5"), "1.5");
  EXPECT_EQ(Text("double", "-1.7976931348623157e308"), "-1.7976931348623157e+308");
  EXPECT_EQ(Text("bit(13)", std::string("\x10\x01", 2)), "1000000000001");
  EXPECT_EQ(Text("bit(1)", std::string(1, '\0')), "0");
  EXPECT_EQ(Text("year(4)", "2155"), "2155");
  EXPECT_EQ(Text("date", "1000-01-01"), "1000-01-01");
  EXPECT_EQ(Text("time(6)", "-838:59:59.000000"), "-838:59:59.000000");
  EXPECT_EQ(Text("time(3)", "-00:00:00.001"), "-00:00:00.001");
  EXPECT_EQ(Text("datetime(6)", "9999-12-31 23:59:59.999999"), "9999-12-31 23:59:59.999999");
  EXPECT_EQ(Text("timestamp(3)", "2038-01-19 03:14:07.500"), "2038-01-19 03:14:07.500+00");
  EXPECT_EQ(Text("varbinary(8)", std::string("\0\xff\\", 3)), "\\x00ff5c");
  EXPECT_EQ(Text("varchar(5)", "\xe7\xe9", nullptr, "latin1"), "\xc3\xa7\xc3\xa9");
  EXPECT_EQ(Text("enum('a','\xc3\xa7')", "\xc3\xa7", nullptr, "utf8mb4"), "\xc3\xa7");
  EXPECT_EQ(Text("set('x','y','z')", "x,z", nullptr, "utf8mb4"), "x,z");
  EXPECT_EQ(Text("json", "{\"a\": 1}"), "{\"a\": 1}");
  EXPECT_EQ(Text("int(11)", "0"), "0");
  ValueAdjustments adjustments;
  ASSERT_TRUE(PostgresText(Type("int(11)"), Value::Null(), &adjustments).ok());
  EXPECT_FALSE(PostgresText(Type("int(11)"), Value::Null(), &adjustments)->has_value());
  EXPECT_EQ(**PostgresText(Type("float"), Value::Float(-1.0f / 0.0f), &adjustments), "-Infinity");
  EXPECT_EQ(**PostgresText(Type("tinyint(1)"), Value::Bool(true), &adjustments), "t");
}

TEST(PostgresTextTest, WritesZeroDatesAsMinusInfinityAndCountsThem) {
  ValueAdjustments adjustments;
  EXPECT_EQ(Text("date", "0000-00-00", &adjustments), "-infinity");
  EXPECT_EQ(Text("date", "2024-00-10", &adjustments), "-infinity");
  EXPECT_EQ(Text("datetime(6)", "0000-00-00 00:00:00.000000", &adjustments), "-infinity");
  EXPECT_EQ(Text("timestamp", "0000-00-00 00:00:00", &adjustments), "-infinity");
  EXPECT_EQ(adjustments.zero_dates, 4u);
  EXPECT_EQ(Text("date", "2024-02-29", &adjustments), "2024-02-29");
  EXPECT_EQ(adjustments.zero_dates, 4u);
}

TEST(PostgresTextTest, RefusesWhatPostgresCannotHold) {
  ValueAdjustments adjustments;
  auto nul = PostgresText(Type("text", "utf8mb4", "utf8mb4_bin"),
                          Value::Str(std::string("a\0b", 3)), &adjustments);
  EXPECT_EQ(nul.status().ToString(),
            "InvalidArgument: PostgreSQL text cannot hold the NUL character (0x00) this value "
            "contains");
  auto empty_enum = PostgresText(Type("enum('a')", "utf8mb4", "utf8mb4_bin"),
                                 Value::FromEnum(Enum{0, ""}), &adjustments);
  EXPECT_EQ(empty_enum.status().code(), StatusCode::kInvalidArgument);
}

TEST(AppendCopyRowTest, EscapesTabsNewlinesBackslashesAndNulls) {
  TableSchema schema;
  schema.id = TableId{"s", "t"};
  schema.columns = {Column{"id", Type("int(11)"), false},
                    Column{"txt", Type("text", "utf8mb4", "utf8mb4_bin"), true},
                    Column{"bin", Type("blob"), true}};
  std::string out;
  ValueAdjustments adjustments;
  ASSERT_TRUE(
      AppendCopyRow(schema,
                    Row{{Value::Int(1), Value::Str("a\tb\nc\rd\\N"), Value::Bytes("\x01")}, {}},
                    &out, &adjustments)
          .ok());
  ASSERT_TRUE(AppendCopyRow(schema, Row{{Value::Int(2), Value::Null(), Value::Null()}, {}}, &out,
                            &adjustments)
                  .ok());
  EXPECT_EQ(out, "1\ta\\tb\\nc\\rd\\\\N\t\\\\x01\n2\t\\N\t\\N\n");
  Status failed = AppendCopyRow(
      schema, Row{{Value::Int(3), Value::Str(std::string(1, '\0')), Value::Null()}, {}}, &out,
      &adjustments);
  EXPECT_EQ(failed.message(),
            "s.t column txt: PostgreSQL text cannot hold the NUL character (0x00) this value "
            "contains");
}

TEST(AppendCopyRowTest, EscapesAtTheEdgesOfAValueAndAppendsNothingOfARefusedValue) {
  TableSchema schema;
  schema.id = TableId{"s", "t"};
  schema.columns = {Column{"txt", Type("text", "utf8mb4", "utf8mb4_bin"), true}};
  std::string out;
  ValueAdjustments adjustments;
  ASSERT_TRUE(AppendCopyRow(schema, Row{{Value::Str("\\\\x\t")}, {}}, &out, &adjustments).ok());
  ASSERT_TRUE(AppendCopyRow(schema, Row{{Value::Str("")}, {}}, &out, &adjustments).ok());
  EXPECT_EQ(out, "\\\\\\\\x\\t\n\n");
  std::string refused = "kept";
  EXPECT_FALSE(
      AppendCopyRow(schema, Row{{Value::Str(std::string("a\tb\0", 4))}, {}}, &refused, &adjustments)
          .ok());
  EXPECT_EQ(refused, "kept");
}

TEST(AppendCopyRowTest, FindsEverySpecialByteAtEveryOffsetOfALongValue) {
  TableSchema schema;
  schema.id = TableId{"s", "t"};
  schema.columns = {Column{"txt", Type("text", "utf8mb4", "utf8mb4_bin"), true}};
  ValueAdjustments adjustments;
  for (size_t offset = 0; offset < 40; ++offset) {
    for (char special : std::string("\t\n\r\\\x80\x01\x08\x5b")) {
      std::string text(40, 'a');
      text[offset] = special;
      std::string expected;
      for (char c : text) {
        if (c == '\t')
          expected += "\\t";
        else if (c == '\n')
          expected += "\\n";
        else if (c == '\r')
          expected += "\\r";
        else if (c == '\\')
          expected += "\\\\";
        else
          expected += c;
      }
      std::string out;
      ASSERT_TRUE(AppendCopyRow(schema, Row{{Value::Str(text)}, {}}, &out, &adjustments).ok());
      EXPECT_EQ(out, expected + "\n") << "offset " << offset << " byte " << int{special};
    }
    std::string with_nul(40, 'a');
    with_nul[offset] = '\0';
    std::string out;
    EXPECT_FALSE(AppendCopyRow(schema, Row{{Value::Str(with_nul)}, {}}, &out, &adjustments).ok())
        << "offset " << offset;
    EXPECT_EQ(out, "");
  }
}

TEST(AppendCopyRowTest, FastPathsWriteWhatPostgresTextWrites) {
  TableSchema schema;
  schema.id = TableId{"s", "t"};
  schema.columns = {Column{"i", Type("bigint(20)"), true},
                    Column{"u", Type("bigint(20) unsigned"), true},
                    Column{"t", Type("varchar(10)", "utf8mb4", "utf8mb4_bin"), true},
                    Column{"l", Type("varchar(10)", "latin1", "latin1_swedish_ci"), true}};
  Row row{{Value::Int(INT64_MIN), Value::UInt(UINT64_MAX), Value::Str("caf\xc3\xa9\t"),
           Value::Str("caf\xe9", Charset::kLatin1)},
          {}};
  std::string expected;
  ValueAdjustments adjustments;
  for (size_t idx = 0; idx < row.values.size(); ++idx) {
    if (idx > 0) expected += '\t';
    auto text = PostgresText(schema.columns[idx].type, row.values[idx], &adjustments);
    ASSERT_TRUE(text.ok());
    for (char c : **text) expected += c == '\t' ? std::string("\\t") : std::string(1, c);
  }
  expected += '\n';
  std::string out;
  ASSERT_TRUE(AppendCopyRow(schema, row, &out, &adjustments).ok());
  EXPECT_EQ(out, expected);
  EXPECT_EQ(out, "-9223372036854775808\t18446744073709551615\tcaf\xc3\xa9\\t\tcaf\xc3\xa9\n");
}

}  // namespace
}  // namespace cutover::postgres
