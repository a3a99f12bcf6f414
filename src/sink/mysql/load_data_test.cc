// Unit tests of the LOAD DATA rendering: every Value kind, escapes, the statement.
#include "sink/mysql/load_data.h"

#include <gtest/gtest.h>

#include "sink/common/test_support.h"

namespace cutover::mysql {
namespace {

using sink::testing::Type;

std::string Field(const ColumnType& type, const Value& value) {
  std::string out;
  AppendLoadDataField(type, value, &out);
  return out;
}

std::string FieldFromText(std::string_view column_type, std::string_view text,
                          std::string_view charset = "", std::string_view collation = "") {
  ColumnType type = Type(column_type, charset, collation);
  Result<Value> value = ParseMysqlText(type, text);
  EXPECT_TRUE(value.ok()) << value.status().ToString();
  return Field(type, *value);
}

TEST(LoadDataFieldTest, RendersEveryKind) {
  EXPECT_EQ(Field(Type("int(11)"), Value::Null()), "\\N");
  EXPECT_EQ(FieldFromText("bigint(20)", "-9223372036854775808"), "-9223372036854775808");
  EXPECT_EQ(FieldFromText("bigint(20) unsigned", "18446744073709551615"), "18446744073709551615");
  EXPECT_EQ(FieldFromText("decimal(65,30)", "-0.000000000000000000000000000001"),
            "-0.000000000000000000000000000001");
  // FLOAT as the float's double value: the server reads it back as the same float.
  EXPECT_EQ(FieldFromText("float", "-3.40282e38"), "-3.402820018375656e+38");
  EXPECT_EQ(FieldFromText("double", "0.1"), "0.1");
  EXPECT_EQ(FieldFromText("bit(64)", std::string(8, '\xff')), "18446744073709551615");
  EXPECT_EQ(FieldFromText("bit(1)", std::string(1, '\0')), "0");
  EXPECT_EQ(FieldFromText("year(4)", "0"), "0000");
  EXPECT_EQ(FieldFromText("year(4)", "1901"), "1901");
  EXPECT_EQ(FieldFromText("date", "0000-00-00"), "0000-00-00");
  EXPECT_EQ(FieldFromText("time(6)", "-838:59:59.000000"), "-838:59:59.000000");
  EXPECT_EQ(FieldFromText("time(3)", "-00:00:00.001"), "-00:00:00.001");
  EXPECT_EQ(FieldFromText("datetime(6)", "2024-02-29 12:34:56.000001"),
            "2024-02-29 12:34:56.000001");
  EXPECT_EQ(FieldFromText("timestamp", "0000-00-00 00:00:00"), "0000-00-00 00:00:00");
  EXPECT_EQ(FieldFromText("enum('a','b''c')", "b'c", "utf8mb4", "utf8mb4_general_ci"), "b'c");
  EXPECT_EQ(FieldFromText("set('x','y','z')", "x,z", "utf8mb4", "utf8mb4_general_ci"), "x,z");
  EXPECT_EQ(Field(Type("json"), Value::Json("{\"a\": \"t\\tb\"}")), "{\"a\": \"t\\\\tb\"}");
  EXPECT_EQ(Field(Type("tinyint(1)"), Value::Bool(true)), "1");
}

TEST(LoadDataFieldTest, EscapesTheBytesLoadDataInterprets) {
  ColumnType blob = Type("longblob");
  EXPECT_EQ(Field(blob, Value::Bytes(std::string("a\0b\tc\nd\re\\f", 11))),
            "a\\0b\\tc\\nd\\re\\\\f");
  EXPECT_EQ(Field(blob, Value::Bytes("\\N")), "\\\\N");  // not NULL
  EXPECT_EQ(Field(blob, Value::Bytes("")), "");
  EXPECT_EQ(Field(blob, Value::Bytes("\xff\xfe")), "\xff\xfe");
  ColumnType latin1 = Type("varchar(10)", "latin1", "latin1_swedish_ci");
  EXPECT_EQ(Field(latin1, Value::Str("\xe7\xe9", Charset::kLatin1)), "\xe7\xe9");
}

TEST(LoadDataRowTest, JoinsFieldsWithTabsAndEndsWithNewline) {
  TableSchema schema;
  schema.columns = {Column{"id", Type("int(11)"), false},
                    Column{"name", Type("varchar(10)", "utf8mb4", "utf8mb4_bin"), true}};
  std::string out;
  AppendLoadDataRow(schema, Row{{Value::Int(1), Value::Str("a\tb")}, {}}, &out);
  AppendLoadDataRow(schema, Row{{Value::Int(2), Value::Null()}, {}}, &out);
  EXPECT_EQ(out, "1\ta\\tb\n2\t\\N\n");
}

TEST(LoadDataStatementTest, LoadsBitAndJsonThroughVariables) {
  TableSchema schema;
  schema.columns = {Column{"id", Type("int(11)"), false}, Column{"b", Type("bit(8)"), true},
                    Column{"j", Type("json"), true}, Column{"we`ird", Type("longblob"), true}};
  EXPECT_EQ(LoadDataStatement(schema, TableId{"db", "t"}),
            "LOAD DATA LOCAL INFILE 'cutover-chunk' REPLACE INTO TABLE `db`.`t` CHARACTER SET "
            "binary FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' "
            "(`id`, @c1, @c2, `we``ird`) SET `b` = CAST(@c1 AS UNSIGNED), "
            "`j` = CONVERT(@c2 USING utf8mb4)");
}

}  // namespace
}  // namespace cutover::mysql
