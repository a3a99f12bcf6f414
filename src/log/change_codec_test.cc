// Unit tests of the change log's record codec: every value kind, partial images, shapes.
#include "log/change_codec.h"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

namespace cutover::log {
namespace {

std::shared_ptr<const TableSchema> Shape(std::string table) {
  auto schema = std::make_shared<TableSchema>();
  schema->id = TableId{"shop", std::move(table)};
  Result<ColumnType> id = ParseMysqlColumnType("bigint(20) unsigned", "", "");
  Result<ColumnType> name = ParseMysqlColumnType("varchar(20)", "latin1", "latin1_swedish_ci");
  Result<ColumnType> state = ParseMysqlColumnType("enum('new','paid')", "utf8mb4", "utf8mb4_bin");
  schema->columns = {Column{"id", *id, false}, Column{"na`me", *name, true},
                     Column{"state", *state, true}};
  schema->key = {0};
  schema->key_index = "PRIMARY";
  schema->indexes = {Index{"PRIMARY", {"id"}, true, true, "PRIMARY KEY (`id`)"}};
  schema->charset = "utf8mb4";
  return schema;
}

TEST(ChangeCodecTest, SchemaJsonRoundTripsEveryField) {
  auto schema = Shape("orders");
  Result<TableSchema> back = SchemaFromJson(SchemaToJson(*schema));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->id, schema->id);
  EXPECT_EQ(back->columns, schema->columns);
  EXPECT_EQ(back->key, schema->key);
  EXPECT_EQ(back->key_index, schema->key_index);
  EXPECT_EQ(back->indexes, schema->indexes);
  EXPECT_EQ(back->charset, schema->charset);
}

TEST(ChangeCodecTest, ChangesRoundTripAndEachShapeTravelsOnce) {
  auto orders = Shape("orders");
  Change update;
  update.table = orders->id;
  update.schema = orders;
  update.op = ChangeOp::kUpdate;
  update.position = Position::FromFile(*BinlogFilePosition::Make("binlog.000003", 4711));
  update.before = Row{{Value::UInt(UINT64_MAX), Value::Str("caf\xe9", Charset::kLatin1),
                       Value::FromEnum(Enum{1, "new"})},
                      {}};
  update.after = Row{{Value::UInt(7), Value::Null(), Value::FromEnum(Enum{2, "paid"})},
                     {true, false, true}};  // an absent value stays absent, not NULL
  Change remove = update;
  remove.op = ChangeOp::kDelete;
  remove.after.reset();

  ChangeEncoder encoder;
  std::vector<std::string> records;
  EXPECT_EQ(*encoder.Encode(update, &records), 2);  // shape, then the change
  EXPECT_EQ(*encoder.Encode(remove, &records), 1);  // the shape is known by now
  ASSERT_EQ(records.size(), 3u);

  ChangeDecoder decoder;
  Change out;
  EXPECT_EQ(*decoder.Decode(records[0], &out), RecordKind::kShape);
  ASSERT_EQ(*decoder.Decode(records[1], &out), RecordKind::kChange);
  EXPECT_EQ(out.table, update.table);
  EXPECT_EQ(out.op, ChangeOp::kUpdate);
  EXPECT_EQ(out.position, update.position);
  EXPECT_EQ(out.before, update.before);
  EXPECT_EQ(out.after, update.after);
  EXPECT_EQ(out.schema->columns, orders->columns);
  ASSERT_EQ(*decoder.Decode(records[2], &out), RecordKind::kChange);
  EXPECT_EQ(out.op, ChangeOp::kDelete);
  EXPECT_EQ(*decoder.Decode(CommitRecord(), &out), RecordKind::kCommit);
  EXPECT_FALSE(out.after.has_value());
  EXPECT_EQ(out.before, remove.before);
}

TEST(ChangeCodecTest, TableChangesKeepTheirStatement) {
  for (ChangeOp op : {ChangeOp::kDdl, ChangeOp::kTruncate, ChangeOp::kSchema}) {
    Change change;
    change.table = TableId{"shop", "orders"};
    change.schema = Shape("orders");
    change.op = op;
    change.statement = "ALTER TABLE orders ADD COLUMN `na``me` INT DEFAULT 'x,y'";
    change.position = Position::Parse("0-1-7").value();
    std::string record = EncodeChangeRecord(change, 1);
    Change back;
    ASSERT_TRUE(DecodeChangeRecord(record, change.schema, &back).ok());
    EXPECT_EQ(back.op, op);
    EXPECT_EQ(back.statement, change.statement);
    EXPECT_EQ(back.position, change.position);
    // A record written before statements were kept (no statement bytes) reads as empty.
    std::string old = record.substr(0, record.size() - 4 - change.statement.size());
    ASSERT_TRUE(DecodeChangeRecord(old, change.schema, &back).ok());
    EXPECT_EQ(back.statement, "");
  }
}

TEST(ChangeCodecTest, AChangeWhoseShapeWasNeverSeenIsDataLoss) {
  auto orders = Shape("orders");
  Change insert;
  insert.table = orders->id;
  insert.schema = orders;
  insert.after = Row{{Value::UInt(1), Value::Null(), Value::Null()}, {}};
  ChangeEncoder encoder;
  std::vector<std::string> records;
  ASSERT_TRUE(encoder.Encode(insert, &records).ok());
  ChangeDecoder decoder;  // starts after the shape record
  Change out;
  Result<RecordKind> decoded = decoder.Decode(records[1], &out);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().message(),
            "change log record malformed: change refers to unknown shape 1");
  std::string cut = records[1].substr(0, records[1].size() - 3);
  ASSERT_TRUE(decoder.Decode(records[0], &out).ok());
  EXPECT_EQ(decoder.Decode(cut, &out).status().code(), StatusCode::kDataLoss);
}

TEST(ChangeCodecTest, AChangeWithoutASchemaIsRefused) {
  Change change;
  change.table = TableId{"shop", "orders"};
  ChangeEncoder encoder;
  std::vector<std::string> records;
  Result<int> encoded = encoder.Encode(change, &records);
  ASSERT_FALSE(encoded.ok());
  EXPECT_EQ(encoded.status().message(), "change of shop.orders has no schema");
}

// Fuzz finding 9 (docs/fuzzing.md; fuzz/crashes/fuzz_change_codec/crash-1ca8b9b3...): a schema
// record's number fields were converted with get<int>, undefined behaviour for 1e119.
TEST(ChangeCodecTest, ASchemaNumberOutOfRangeIsDataLoss) {
  const nlohmann::json good = nlohmann::json::parse(SchemaToJson(*Shape("orders")));
  auto with = [&](const char* field, const nlohmann::json& value) {
    nlohmann::json doc = good;
    if (std::string_view(field) == "key") {
      doc["key"] = value;
    } else {
      doc["columns"][0][field] = value;
    }
    return SchemaFromJson(doc.dump()).status().ToString();
  };
  EXPECT_EQ(with("type", 1.1e119),
            "DataLoss: change log record malformed: schema: type: expected a whole number in "
            "range");
  EXPECT_EQ(with("length", -1),
            "DataLoss: change log record malformed: schema: length: expected a whole number in "
            "range");
  EXPECT_EQ(with("fsp", 256),
            "DataLoss: change log record malformed: schema: fsp: expected a whole number in "
            "range");
  EXPECT_EQ(with("key", nlohmann::json::array({0.5})),
            "DataLoss: change log record malformed: schema: key: expected a whole number in "
            "range");
  EXPECT_EQ(with("key", 0),
            "DataLoss: change log record malformed: schema: key: expected an array of column "
            "indexes");
  EXPECT_TRUE(SchemaFromJson(good.dump()).ok());
}

// Fuzz findings 3, 4 and 6 (docs/fuzzing.md; fuzz/crashes/fuzz_change_codec/): corrupt records
// read back from the log are DataLoss, never a read past the record or a huge allocation.
class CorruptChangeRecord : public ::testing::Test {
 protected:
  void SetUp() override {
    auto orders = Shape("orders");
    Change insert;
    insert.table = orders->id;
    insert.schema = orders;
    insert.position = Position::FromFile(*BinlogFilePosition::Make("binlog.000003", 4711));
    insert.after = Row{{Value::UInt(1), Value::Null(), Value::Null()}, {}};
    std::vector<std::string> records;
    ASSERT_TRUE(encoder_.Encode(insert, &records).ok());
    ASSERT_TRUE(decoder_.Decode(records[0], &out_).ok());  // the shape
    change_ = records[1];
  }

  // The change record with its after image's value count (type, shape id, op, position size,
  // position, images byte, then the count) set to `count` and its present flag to `present`.
  std::string WithRowCount(uint32_t count, bool present) const {
    std::string record = change_;
    const size_t at = 10 + static_cast<size_t>(static_cast<uint8_t>(record[6])) + 1;
    for (size_t i = 0; i < 4; ++i) record[at + i] = static_cast<char>((count >> (8 * i)) & 0xFF);
    record[at + 4] = present ? 1 : 0;
    return record;
  }

  std::string change_;
  ChangeEncoder encoder_;
  ChangeDecoder decoder_;
  Change out_;
};

TEST_F(CorruptChangeRecord, TheUnchangedRecordDecodes) {
  ASSERT_TRUE(decoder_.Decode(WithRowCount(3, false), &out_).ok());
  EXPECT_EQ(out_.after->values.size(), 3u);
}

// Finding 3 (crash-ad3d9ada...): a change record of type and shape id only.
TEST_F(CorruptChangeRecord, ARecordCutBeforeItsOpHasNoPosition) {
  EXPECT_EQ(ChangeRecordPosition(change_.substr(0, 5)).status().ToString(),
            "DataLoss: change log record malformed: op");
  EXPECT_EQ(ChangeRecordPosition(change_.substr(0, 6)).status().ToString(),
            "DataLoss: change log record malformed: position");
  Result<Position> whole = ChangeRecordPosition(change_);
  ASSERT_TRUE(whole.ok()) << whole.status().ToString();
  EXPECT_EQ(whole->Encode(),
            Position::FromFile(*BinlogFilePosition::Make("binlog.000003", 4711)).Encode());
}

// Finding 4 (oom-9747120a...): a count of 4G values was reserved before anything checked it.
TEST_F(CorruptChangeRecord, AValueCountLargerThanTheRecordIsDataLoss) {
  EXPECT_EQ(decoder_.Decode(WithRowCount(0xFFFFFF00u, false), &out_).status().ToString(),
            "DataLoss: change log record malformed: row of 4294967040 values but only 4 bytes "
            "left");
  EXPECT_EQ(decoder_.Decode(WithRowCount(5, false), &out_).status().ToString(),
            "DataLoss: change log record malformed: row of 5 values but only 4 bytes left");
}

// Finding 6 (crash-f5858868...): (count + 7) / 8 wrapped in 32 bits to a bitmap of 0 bytes.
TEST_F(CorruptChangeRecord, AValueCountWhoseBitmapSizeWouldWrapIsDataLoss) {
  EXPECT_EQ(decoder_.Decode(WithRowCount(0xFFFFFFF9u, true), &out_).status().ToString(),
            "DataLoss: change log record malformed: row of 4294967289 values but only 4 bytes "
            "left");
}

}  // namespace
}  // namespace cutover::log
