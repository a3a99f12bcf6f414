// The Debezium envelope of every column type cutover decodes, compared byte for byte with the
// golden files in testdata/ (CUTOVER_UPDATE_GOLDEN=1 rewrites them; review the diff), the
// encodings Debezium's documentation gives checked by hand, and every envelope decoded back.
#include "sink/kafka/envelope.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "tests/support/paths.h"

namespace cutover::kafka {
namespace {

Column Col(const std::string& name, const std::string& type, bool nullable = true,
           const std::string& charset = "", const std::string& collation = "") {
  Result<ColumnType> parsed = ParseMysqlColumnType(type, charset, collation);
  EXPECT_TRUE(parsed.ok()) << type << ": " << parsed.status().ToString();
  Column column;
  column.name = name;
  column.type = parsed.ok() ? *parsed : ColumnType{};
  column.type.source_name = type;
  column.nullable = nullable;
  return column;
}

Decimal Dec(const std::string& text) { return *Decimal::Parse(text); }
DateTime At(int year, int month, int day, int hour, int minute, int second, uint32_t micros,
            uint8_t fsp) {
  return DateTime{Date{year, static_cast<uint8_t>(month), static_cast<uint8_t>(day), 0},
                  static_cast<uint8_t>(hour),
                  static_cast<uint8_t>(minute),
                  static_cast<uint8_t>(second),
                  micros,
                  fsp};
}

// A table with a column of every MySQL/MariaDB type (the matrix of binlog_types_test).
TableSchema TypesTable() {
  TableSchema schema;
  schema.id = TableId{"shop", "types"};
  schema.columns = {
      Col("id", "int", false),
      Col("ti", "tinyint"),
      Col("tiu", "tinyint unsigned"),
      Col("si", "smallint"),
      Col("siu", "smallint unsigned"),
      Col("mi", "mediumint"),
      Col("miu", "mediumint unsigned"),
      Col("i", "int"),
      Col("iu", "int unsigned"),
      Col("bi", "bigint"),
      Col("biu", "bigint unsigned"),
      Col("dec", "decimal(10,2)"),
      Col("dec_big", "decimal(65,30)"),
      Col("f", "float"),
      Col("d", "double"),
      Col("b1", "bit(1)"),
      Col("b12", "bit(12)"),
      Col("y", "year"),
      Col("dt", "date"),
      Col("dt_nn", "date", false),
      Col("tm", "time(1)"),
      Col("dtm0", "datetime"),
      Col("dtm3", "datetime(3)"),
      Col("dtm6", "datetime(6)"),
      Col("ts", "timestamp"),
      Col("ts3", "timestamp(3)"),
      Col("c", "char(4)", true, "utf8mb4", "utf8mb4_general_ci"),
      Col("vc", "varchar(20)", true, "utf8mb4", "utf8mb4_general_ci"),
      Col("txt", "text", true, "utf8mb4", "utf8mb4_general_ci"),
      Col("bin", "binary(4)"),
      Col("vbin", "varbinary(8)"),
      Col("blb", "blob"),
      Col("e", "enum('small','medium','large')", true, "utf8mb4", "utf8mb4_general_ci"),
      Col("st", "set('a','b','c')", true, "utf8mb4", "utf8mb4_general_ci"),
      Col("j", "json"),
      Col("g", "geometry"),
  };
  schema.key = {0};
  schema.key_index = "PRIMARY";
  return schema;
}

// Row A: a value in every column.
Row FullRow() {
  Row row;
  row.values = {
      Value::Int(7),
      Value::Int(-128),
      Value::UInt(255),
      Value::Int(-32768),
      Value::UInt(65535),
      Value::Int(-8388608),
      Value::UInt(16777215),
      Value::Int(-2147483648LL),
      Value::UInt(4294967295ULL),
      Value::Int(INT64_MIN),
      Value::UInt(UINT64_MAX),
      Value::Dec(Dec("1234.56")),
      Value::Dec(Dec("-12345678901234567890.123456789012345678901234567890")),
      Value::Float(1.1F),
      Value::Double(-2.5e-300),
      Value::FromBit(Bit{1, 1}),
      Value::FromBit(Bit{0xABC, 12}),
      Value::Int(2024),
      Value::FromDate(Date{2018, 6, 20, 0}),
      Value::FromDate(Date{1969, 12, 31, 0}),
      Value::FromTime(Time{true, 1, 0, 0, 500000, 1}),
      Value::FromDateTime(At(2018, 6, 20, 6, 37, 3, 0, 0)),
      Value::FromDateTime(At(2018, 6, 20, 6, 37, 3, 120000, 3)),
      Value::FromDateTime(At(1960, 1, 2, 3, 4, 5, 678901, 6)),
      Value::Timestamp(At(2018, 6, 20, 13, 37, 3, 0, 0)),
      Value::Timestamp(At(2038, 1, 19, 3, 14, 7, 999000, 3)),
      Value::Str("ab"),
      Value::Str("tab\there \"quoted\" ünï"),
      Value::Str("line\nbreak\\"),
      Value::Bytes(std::string("\x00\x01\xfe\xff", 4)),
      Value::Bytes("bin"),
      Value::Bytes(std::string("\x00blob", 5)),
      Value::FromEnum(Enum{2, "medium"}),
      Value::FromSet(Set{5, "a,c"}),
      Value::Json(R"({"k": [1, "two"]})"),
      // SRID 4326, then the WKB of POINT(1 2).
      Value::Bytes(std::string("\xe6\x10\x00\x00\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                               "\xf0\x3f\x00\x00\x00\x00\x00\x00\x00\x40",
                               25)),
  };
  return row;
}

// Row B: the same key, NULL in every nullable column, the zero date in the NOT NULL one.
Row NullRow() {
  Row row;
  row.values.resize(TypesTable().columns.size());
  row.values[0] = Value::Int(7);
  row.values[19] = Value::FromDate(Date{0, 0, 0, 0});
  return row;
}

EnvelopeOptions Options(bool schemas) {
  EnvelopeOptions options;
  options.prefix = "dbserver1";
  options.schemas = schemas;
  options.version = "1.0.0";
  return options;
}

EnvelopeSource Source(const std::string& snapshot) {
  EnvelopeSource source;
  source.snapshot = snapshot;
  source.ts_ms = 1700000000000;
  if (snapshot == "false") {
    source.position = *Position::Parse("mysql-bin.000003:1234");
    (void)source.position.Advance(0, 223344, 42);
  }
  return source;
}

// The golden file `name` (a key line and a value line) equals `text`, byte for byte.
void ExpectGolden(const std::string& name, const std::string& text) {
  const std::string path = std::string(testing::CheckoutDir()) + "/src/sink/kafka/testdata/" + name;
  if (std::getenv("CUTOVER_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(path, std::ios::binary) << text;
  }
  std::ifstream file(path, std::ios::binary);
  ASSERT_TRUE(file) << path << " is missing; run with CUTOVER_UPDATE_GOLDEN=1 and review it";
  std::stringstream golden;
  golden << file.rdbuf();
  EXPECT_EQ(golden.str(), text) << name;
}

std::string Record(const EnvelopeEncoder& encoder, const Row& key_image, const std::string& value) {
  return encoder.Key(key_image) + "\n" + value + "\n";
}

TEST(EnvelopeTest, EveryOpOfEveryTypeMatchesItsGoldenFile) {
  const TableSchema schema = TypesTable();
  const Row full = FullRow();
  const Row nulls = NullRow();
  for (bool schemas : {true, false}) {
    EnvelopeEncoder encoder(schema, Options(schemas));
    const std::string suffix = schemas ? "" : "_bare";
    const int64_t ts = 1700000000123;
    ExpectGolden("types_read" + suffix + ".json",
                 Record(encoder, full,
                        encoder.Value(EnvelopeOp::kRead, nullptr, &full, Source("true"), ts)));
    ExpectGolden("types_create" + suffix + ".json",
                 Record(encoder, full,
                        encoder.Value(EnvelopeOp::kCreate, nullptr, &full, Source("false"), ts)));
    ExpectGolden("types_update" + suffix + ".json",
                 Record(encoder, nulls,
                        encoder.Value(EnvelopeOp::kUpdate, &full, &nulls, Source("false"), ts)));
    ExpectGolden("types_delete" + suffix + ".json",
                 Record(encoder, nulls,
                        encoder.Value(EnvelopeOp::kDelete, &nulls, nullptr, Source("false"), ts)));
  }
}

TEST(EnvelopeTest, OneTopicForAllTablesPutsTheTableInTheKey) {
  EnvelopeOptions options = Options(false);
  options.table_in_key = true;
  EnvelopeEncoder encoder(TypesTable(), options);
  EXPECT_EQ(encoder.Key(FullRow()),
            R"({"id":7,"__dbz__physicalTableIdentifier":"dbserver1.shop.types"})");
}

// The examples of Debezium's MySQL connector documentation and values worked out by hand.
TEST(EnvelopeTest, FieldsAreDebeziumsDefaultEncodings) {
  const TableSchema schema = TypesTable();
  auto field = [&schema](size_t column, const Value& value) {
    return EncodeField(schema.columns[column], value);
  };
  EXPECT_EQ(field(10, Value::UInt(UINT64_MAX)), "-1");  // bigint.unsigned.handling.mode=long
  EXPECT_EQ(field(11, Value::Dec(Dec("1234.56"))), R"("AeJA")");  // 123456 = 0x01E240
  EXPECT_EQ(field(11, Value::Dec(Dec("-1.00"))), R"("nA==")");    // -100 = 0x9C
  EXPECT_EQ(field(11, Value::Dec(Dec("1.28"))), R"("AIA=")");     // 128 = 0x0080: sign byte
  EXPECT_EQ(field(11, Value::Dec(Dec("0.00"))), R"("AA==")");
  EXPECT_EQ(field(15, Value::FromBit(Bit{1, 1})), "true");
  EXPECT_EQ(field(16, Value::FromBit(Bit{0xABC, 12})), R"("vAo=")");  // little-endian BC 0A
  EXPECT_EQ(field(18, Value::FromDate(Date{2018, 6, 20, 0})), "17702");
  EXPECT_EQ(field(18, Value::FromDate(Date{1969, 12, 31, 0})), "-1");
  EXPECT_EQ(field(18, Value::FromDate(Date{0, 0, 0, 0})), "null");  // nullable zero date
  EXPECT_EQ(field(19, Value::FromDate(Date{0, 0, 0, 0})), "0");     // NOT NULL zero date
  EXPECT_EQ(field(20, Value::FromTime(Time{true, 1, 0, 0, 500000, 1})), "-3600500000");
  EXPECT_EQ(field(21, Value::FromDateTime(At(2018, 6, 20, 6, 37, 3, 0, 0))), "1529476623000");
  EXPECT_EQ(field(23, Value::FromDateTime(At(2018, 6, 20, 6, 37, 3, 5, 6))), "1529476623000005");
  EXPECT_EQ(field(24, Value::Timestamp(At(2018, 6, 20, 13, 37, 3, 0, 0))),
            R"("2018-06-20T13:37:03Z")");
  EXPECT_EQ(field(25, Value::Timestamp(At(2018, 6, 20, 13, 37, 3, 120000, 3))),
            R"("2018-06-20T13:37:03.120Z")");
  EXPECT_EQ(field(13, Value::Float(1.1F)), "1.1");
  EXPECT_EQ(field(27, Value::Str("a\"b\\c\x01")), R"("a\"b\\c\u0001")");
  EXPECT_EQ(field(27, Value::Str("caf\xe9", Charset::kLatin1)), "\"caf\xc3\xa9\"");
  EXPECT_EQ(field(35, FullRow().values[35]),
            R"({"wkb":"AQEAAAAAAAAAAADwPwAAAAAAAABA","srid":4326})");
}

TEST(EnvelopeTest, EveryGoldenEnvelopeDecodesToItsRows) {
  const TableSchema schema = TypesTable();
  EnvelopeEncoder encoder(schema, Options(true));
  const Row full = FullRow();
  const Row nulls = NullRow();
  Result<DecodedRecord> update =
      DecodeEnvelope(schema, encoder.Value(EnvelopeOp::kUpdate, &full, &nulls, Source("false"), 1));
  ASSERT_TRUE(update.ok()) << update.status().ToString();
  EXPECT_EQ(update->op, "u");
  ASSERT_TRUE(update->before && update->after);
  // Exact values: every type keeps what the source had.
  for (size_t column = 0; column < schema.columns.size(); ++column) {
    EXPECT_EQ(update->before->values[column], full.values[column]) << schema.columns[column].name;
  }
  // The NOT NULL zero date is Debezium's epoch: the same envelope, not the same value.
  size_t differs = 0;
  EXPECT_TRUE(SameImage(schema, *update->after, nulls, &differs)) << differs;
  EXPECT_EQ(update->after->values[19], Value::FromDate(Date{1970, 1, 1, 0}));

  EnvelopeEncoder bare(schema, Options(false));
  Result<DecodedRecord> removed =
      DecodeEnvelope(schema, bare.Value(EnvelopeOp::kDelete, &full, nullptr, Source("false"), 1));
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  EXPECT_EQ(removed->op, "d");
  EXPECT_FALSE(removed->after.has_value());
  Result<Key> key = DecodeKey(schema, encoder.Key(full));
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(*key, KeyOf(schema, full));
}

// A PostgreSQL source's partial image (an unchanged TOAST value, docs/kafka.md "Partial
// images"): the field is left out, never null; read back, it is absent.
TEST(EnvelopeTest, AnAbsentValueIsLeftOutOfTheImageNotNull) {
  TableSchema schema;
  schema.id = TableId{"shop", "docs"};
  schema.columns = {Col("id", "int", false), Col("n", "int"), Col("doc", "longtext")};
  schema.key = {0};
  EnvelopeEncoder encoder(schema, Options(false));
  const Row before{{Value::Int(1), Value::Null(), Value::Null()}, {true, false, false}};
  const Row after{{Value::Int(1), Value::Null(), Value::Null()}, {true, true, false}};
  const std::string value =
      encoder.Value(EnvelopeOp::kUpdate, &before, &after, Source("false"), 1);
  EXPECT_NE(value.find(R"({"before":{"id":1},"after":{"id":1,"n":null},)"), std::string::npos)
      << value;
  Result<DecodedRecord> decoded = DecodeEnvelope(schema, value);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ASSERT_TRUE(decoded->after.has_value());
  EXPECT_EQ(decoded->after->present, (std::vector<bool>{true, true, false}));
  EXPECT_TRUE(decoded->after->values[1].is_null());  // a NULL that is there
}

TEST(EnvelopeTest, ADifferentValueIsNamedAndABrokenRecordRefused) {
  const TableSchema schema = TypesTable();
  Row other = FullRow();
  other.values[11] = Value::Dec(Dec("1234.57"));
  size_t differs = 0;
  EXPECT_FALSE(SameImage(schema, FullRow(), other, &differs));
  EXPECT_EQ(schema.columns[differs].name, "dec");
  EXPECT_EQ(DecodeEnvelope(schema, "not json").status().message(),
            "the record value is not a JSON object");
  Result<DecodedRecord> wrong =
      DecodeEnvelope(schema, R"({"op":"c","before":null,"after":{"id":"seven"}})");
  EXPECT_EQ(wrong.status().message(), R"(column id: "seven" is not what the column's type holds)");
}

}  // namespace
}  // namespace cutover::kafka
