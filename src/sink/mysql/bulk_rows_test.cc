// Unit tests of the bulk REPLACE columns: how each column travels and what its bytes are.
#include "sink/mysql/bulk_rows.h"

#include <limits>

#include <gtest/gtest.h>

namespace cutover::mysql {
namespace {

Column Col(std::string name, std::string_view column_type) {
  Result<ColumnType> type = ParseMysqlColumnType(column_type, "", "");
  EXPECT_TRUE(type.ok()) << type.status().ToString();
  return Column{std::move(name), *type, true};
}

// The i-th value of a kBytes column.
std::string BytesAt(const BulkColumn& column, size_t row) {
  size_t start = row == 0 ? 0 : column.ends[row - 1];
  return column.bytes.substr(start, column.ends[row] - start);
}

TEST(BulkRowsTest, StatementListsEveryColumnQuoted) {
  TableSchema schema;
  schema.columns = {Col("id", "int(11)"), Col("we`ird", "varchar(10)")};
  EXPECT_EQ(BulkReplaceStatement(schema, TableId{"db", "t"}),
            "REPLACE INTO `db`.`t` (`id`, `we``ird`) VALUES (?, ?)");
}

TEST(BulkRowsTest, IntegersTravelBinaryAndEverythingElseAsLoadDataText) {
  TableSchema schema;
  schema.columns = {Col("i", "bigint(20)"),    Col("u", "bigint(20) unsigned"),
                    Col("b", "bit(64)"),       Col("y", "year(4)"),
                    Col("d", "decimal(10,2)"), Col("t", "varchar(10)"),
                    Col("e", "enum('a','b')"), Col("g", "geometry"),
                    Col("v", "varbinary(4)")};
  std::vector<Row> rows(2);
  rows[0].values = {Value::Int(INT64_MIN),
                    Value::UInt(UINT64_MAX),
                    Value::FromBit(Bit{UINT64_MAX, 64}),
                    Value::Int(0),
                    Value::Dec(*Decimal::Parse("-1.50")),
                    Value::Str("tab\there\\"),
                    Value::FromEnum(Enum{2, "b"}),
                    Value::Null(),
                    Value::Bytes(std::string("\0\n", 2))};
  rows[1].values = {Value::Null(), Value::UInt(1), Value::FromBit(Bit{0, 64}),
                    Value::Null(), Value::Null(),  Value::Str(""),
                    Value::Null(), Value::Null(),  Value::Null()};
  std::vector<BulkColumn> columns;
  FillBulkColumns(schema, rows, &columns);
  ASSERT_EQ(columns.size(), 9u);
  EXPECT_EQ(columns[0].kind, BulkColumn::Kind::kSigned);
  EXPECT_EQ(columns[0].integers, (std::vector<int64_t>{INT64_MIN, 0}));
  EXPECT_EQ(columns[0].is_null, (std::vector<char>{0, 1}));
  EXPECT_EQ(columns[1].kind, BulkColumn::Kind::kUnsigned);
  EXPECT_EQ(static_cast<uint64_t>(columns[1].integers[0]), UINT64_MAX);
  EXPECT_EQ(columns[2].kind, BulkColumn::Kind::kUnsigned);
  EXPECT_EQ(static_cast<uint64_t>(columns[2].integers[0]), UINT64_MAX);
  // YEAR 0 as the integer 0 is the zero year (the string "0" would be 2000).
  EXPECT_EQ(columns[3].kind, BulkColumn::Kind::kSigned);
  EXPECT_EQ(columns[3].integers[0], 0);
  EXPECT_EQ(columns[4].kind, BulkColumn::Kind::kBytes);
  EXPECT_EQ(BytesAt(columns[4], 0), "-1.50");
  EXPECT_EQ(columns[4].is_null, (std::vector<char>{0, 1}));
  EXPECT_EQ(BytesAt(columns[5], 0), "tab\there\\");  // no escapes: values travel as they are
  EXPECT_EQ(BytesAt(columns[5], 1), "");
  EXPECT_EQ(columns[5].is_null, (std::vector<char>{0, 0}));  // '' is not NULL
  EXPECT_EQ(BytesAt(columns[6], 0), "b");
  // A column of NULLs only is not an integer column: it travels as (NULL) bytes.
  EXPECT_EQ(columns[7].kind, BulkColumn::Kind::kBytes);
  EXPECT_EQ(columns[7].is_null, (std::vector<char>{1, 1}));
  EXPECT_EQ(BytesAt(columns[8], 0), std::string("\0\n", 2));
}

TEST(BulkRowsTest, FloatsTravelAsTheirDoubleValue) {
  TableSchema schema;
  schema.columns = {Col("f", "float")};
  std::vector<Row> rows(1);
  rows[0].values = {Value::Float(std::numeric_limits<float>::max())};
  std::vector<BulkColumn> columns;
  FillBulkColumns(schema, rows, &columns);
  ASSERT_EQ(columns.size(), 1u);
  EXPECT_EQ(BytesAt(columns[0], 0), "3.4028234663852886e+38");  // FLT_MAX, not 3.4028235e+38
}

TEST(BulkRowsTest, MixedSignsInOneIntegerColumnFallBackToText) {
  TableSchema schema;
  schema.columns = {Col("x", "bigint(20)")};
  std::vector<Row> rows(2);
  rows[0].values = {Value::Int(-1)};
  rows[1].values = {Value::UInt(UINT64_MAX)};
  std::vector<BulkColumn> columns;
  FillBulkColumns(schema, rows, &columns);
  EXPECT_EQ(columns[0].kind, BulkColumn::Kind::kBytes);
  EXPECT_EQ(BytesAt(columns[0], 0), "-1");
  EXPECT_EQ(BytesAt(columns[0], 1), "18446744073709551615");
}

TEST(BulkRowsTest, ColumnsAreReusedAcrossChunks) {
  TableSchema schema;
  schema.columns = {Col("t", "varchar(10)")};
  std::vector<Row> first(3), second(1);
  for (Row& row : first) row.values = {Value::Str("abc")};
  second[0].values = {Value::Str("z")};
  std::vector<BulkColumn> columns;
  FillBulkColumns(schema, first, &columns);
  FillBulkColumns(schema, second, &columns);
  EXPECT_EQ(columns[0].ends, (std::vector<size_t>{1}));
  EXPECT_EQ(columns[0].bytes, "z");
  EXPECT_EQ(BulkRowBytes(second[0]), 1u);
}

}  // namespace
}  // namespace cutover::mysql
