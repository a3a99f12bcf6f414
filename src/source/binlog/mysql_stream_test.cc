// Tests of the decoder on a MySQL 8 event stream built by hand from the documented formats:
// FORMAT_DESCRIPTION (8.0.36, CRC32), GTID_LOG_EVENT, QUERY BEGIN, TABLE_MAP with full optional
// metadata and a JSON column, WRITE/UPDATE/DELETE_ROWS v2 (with extra data), XID, DDL, table id
// reuse, and events cutover skips or refuses.
#include <gtest/gtest.h>

#include "source/binlog/decoder.h"
#include "source/binlog/event_types.h"
#include "source/binlog/test_support.h"

namespace cutover::binlog {
namespace {

using testing::Hex;
using testing::MakeEvent;
using testing::RecordingSink;

// Appends events with consecutive file offsets, as they would lie in mysql-bin.000001.
class Stream {
 public:
  Stream() { Add(EventType::kFormatDescription, FormatDescriptionPayload()); }
  void Add(EventType type, std::string_view payload) {
    size_t size = kEventHeaderSize + payload.size() + kChecksumSize;
    offset_ += static_cast<uint32_t>(size);
    events.push_back(MakeEvent(static_cast<uint8_t>(type), payload, true, offset_));
  }
  std::vector<std::string> events;

 private:
  static std::string FormatDescriptionPayload() {
    std::string version = "8.0.36";
    version.resize(50, '\0');
    std::string lengths(41, '\0');
    lengths[1] = 13;                                                    // QUERY
    lengths[3] = 8;                                                     // ROTATE
    lengths[18] = 8;                                                    // TABLE_MAP
    for (size_t type = 30; type <= 32; ++type) lengths[type - 1] = 10;  // ROWS v2
    lengths[32] = 42;                                                   // GTID_LOG_EVENT
    return Hex("0400") + version + Hex("00000000 13") + lengths + Hex("01");
  }
  uint32_t offset_ = 4;
};

std::string Gtid(uint8_t gno) {
  // flags 1 | source uuid 3e11fa47-71ca-11e1-9e33-c80aa9429562 | gno | logical clock:
  // type 2, last committed, sequence number
  return Hex("01 3e11fa4771ca11e19e33c80aa9429562") + std::string(1, static_cast<char>(gno)) +
         Hex("00000000000000 02 0000000000000000 0100000000000000");
}

std::string Query(std::string_view schema, std::string_view text) {
  // thread id | exec time | schema length | error code | status vars length 0 | schema NUL | text
  return Hex("05000000 00000000") + std::string(1, static_cast<char>(schema.size())) +
         Hex("0000 0000") + std::string(schema) + std::string(1, '\0') + std::string(text);
}

// TABLE_MAP of shop.orders (id INT UNSIGNED PRIMARY KEY, note VARCHAR(20) utf8mb4, doc JSON)
// with table id `table_id`.
std::string OrdersTableMap(uint8_t table_id) {
  return std::string(1, static_cast<char>(table_id)) + Hex("0000000000 0100") +  // id, flags
         Hex("04") + "shop" + Hex("00") + Hex("06") + "orders" + Hex("00") +
         Hex("03 03 0f f5")     // 3 columns: LONG, VARCHAR, JSON
         + Hex("03 5000 04")    // metadata: VARCHAR max 80 bytes; JSON length in 4 bytes
         + Hex("06")            // nullable: note, doc
         + Hex("01 01 80")      // SIGNEDNESS: the one numeric column is unsigned
         + Hex("02 03 fcff00")  // DEFAULT_CHARSET: 255 (utf8mb4_0900_ai_ci)
         + Hex("04 0c 026964 046e6f7465 03646f63")  // COLUMN_NAME: id, note, doc
         + Hex("08 01 00");                         // SIMPLE_PRIMARY_KEY: column 0
}

// {"a": 1, "b": [1, 2]} in binary JSON (see json_binary_test.cc), with its 4-byte length.
std::string JsonDocument() {
  std::string doc =
      Hex("00 0200 1e00 1200 0100 1300 0100 05 0100 02 1400 61 62 0200 0a00 "
          "05 0100 05 0200");
  std::string out;
  testing::PutLe(&out, doc.size(), 4);
  return out + doc;
}

std::string RowsHeader(uint8_t table_id) {
  // table id, flags STMT_END, extra data length 5 (itself + 3 bytes of extra data, skipped)
  return std::string(1, static_cast<char>(table_id)) + Hex("0000000000 0100 0500 010203");
}

Stream OrdersTransaction() {
  Stream stream;
  stream.Add(EventType::kMysqlGtid, Gtid(23));
  stream.Add(EventType::kQuery, Query("shop", "BEGIN"));
  stream.Add(EventType::kTableMap, OrdersTableMap(0x42));
  // Two rows: (4294967295, "hello", {"a":1,"b":[1,2]}) and (2, NULL, 123.45 as opaque DECIMAL).
  stream.Add(EventType::kWriteRowsV2, RowsHeader(0x42) + Hex("03 07") + Hex("00 ffffffff 05") +
                                          "hello" + JsonDocument() +
                                          Hex("02 02000000 08000000 0f f6 05 05 02 807b2d"));
  // Update row 2: note NULL -> "x"; doc unchanged.
  stream.Add(EventType::kUpdateRowsV2, RowsHeader(0x42) + Hex("03 07 07") +
                                           Hex("02 02000000 08000000 0f f6 05 05 02 807b2d") +
                                           Hex("00 02000000 01 78 08000000 0f f6 05 05 02 807b2d"));
  stream.Add(EventType::kDeleteRowsV2, RowsHeader(0x42) + Hex("03 07") + Hex("06 02000000"));
  stream.Add(EventType::kXid, Hex("0900000000000000"));
  return stream;
}

Status Feed(const Stream& stream, BinlogDecoder* decoder, RecordingSink* sink) {
  for (const std::string& event : stream.events) {
    CUTOVER_RETURN_IF_ERROR(decoder->Decode(event, sink));
  }
  return Status::Ok();
}

DecoderOptions StartAt(std::string_view file) {
  DecoderOptions options;
  options.start = Position::FromFile(*BinlogFilePosition::Make(file, 4));
  return options;
}

TEST(MysqlStream, DecodesRowsV2WithJsonAndTransactionBoundaries) {
  RecordingSink sink;
  BinlogDecoder decoder(StartAt("mysql-bin.000001"));
  Status status = Feed(OrdersTransaction(), &decoder, &sink);
  ASSERT_TRUE(status.ok()) << status.ToString();
  ASSERT_EQ(sink.changes.size(), 4u);
  const Change& first = sink.changes[0];
  EXPECT_EQ(first.table.ToString(), "shop.orders");
  EXPECT_EQ(first.op, ChangeOp::kInsert);
  EXPECT_FALSE(first.before.has_value());
  EXPECT_EQ(first.after->values[0], Value::UInt(4294967295u));
  EXPECT_EQ(first.after->values[1], Value::Str("hello", Charset::kUtf8));
  EXPECT_EQ(first.after->values[2], Value::Json(R"({"a": 1, "b": [1, 2]})"));
  EXPECT_EQ(sink.changes[1].after->values[1], Value());
  EXPECT_EQ(sink.changes[1].after->values[2].ToText(), "123.45");
  const Change& update = sink.changes[2];
  EXPECT_EQ(update.op, ChangeOp::kUpdate);
  EXPECT_TRUE(update.before->values[1].is_null());
  EXPECT_EQ(update.after->values[1].ToText(), "x");
  const Change& removal = sink.changes[3];
  EXPECT_EQ(removal.op, ChangeOp::kDelete);
  EXPECT_FALSE(removal.after.has_value());
  EXPECT_EQ(removal.KeyBefore().values[0], Value::UInt(2));
  EXPECT_TRUE(removal.before->values[2].is_null());

  const TableSchema& schema = *first.schema;
  EXPECT_EQ(schema.columns[0].name, "id");
  EXPECT_EQ(schema.columns[0].type.source_name, "int unsigned");
  EXPECT_EQ(schema.columns[1].type.source_name, "varchar(20)");
  EXPECT_EQ(schema.columns[1].type.collation, "utf8mb4_0900_ai_ci");
  EXPECT_EQ(schema.columns[2].type.type, SqlType::kJson);
  EXPECT_EQ(schema.key, std::vector<size_t>{0});

  Stream stream = OrdersTransaction();
  size_t end = 4;
  for (const std::string& event : stream.events) end += event.size();
  ASSERT_EQ(sink.begins.size(), 1u);
  EXPECT_EQ(sink.begins[0].mysql_gtid, "3e11fa47-71ca-11e1-9e33-c80aa9429562:23");
  EXPECT_EQ(sink.begins[0].resume_position.Encode(),
            "file:mysql-bin.000001:" + std::to_string(4 + stream.events[0].size()));
  ASSERT_EQ(sink.commits.size(), 1u);
  EXPECT_EQ(sink.commits[0].xid, 9u);
  EXPECT_EQ(sink.commits[0].position.Encode(), "file:mysql-bin.000001:" + std::to_string(end));
  EXPECT_EQ(sink.log.front(), "begin 3e11fa47-71ca-11e1-9e33-c80aa9429562:23");
  EXPECT_EQ(sink.log.back(), "commit file:mysql-bin.000001:" + std::to_string(end));
  EXPECT_EQ(decoder.committed_position(), sink.commits[0].position);
  // The first insert's position is the end of its rows event.
  size_t rows_end = 4;
  for (size_t idx = 0; idx <= 4; ++idx) rows_end += stream.events[idx].size();
  EXPECT_EQ(first.position.Encode(), "file:mysql-bin.000001:" + std::to_string(rows_end));
}

// Started from a GTID set (what `cutover run` records on MySQL with GTIDs), each committed
// transaction's GTID joins the set: the position after it names every transaction before it,
// wherever a promoted replica's binlog holds them.
TEST(MysqlStream, AGtidSetPositionGainsEachCommittedTransaction) {
  DecoderOptions options;
  options.start = Position::FromGtidSetAndFile(
      GtidSet::Parse("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-22").value(),
      *BinlogFilePosition::Make("mysql-bin.000001", 4));
  RecordingSink sink;
  BinlogDecoder decoder(options);
  Status status = Feed(OrdersTransaction(), &decoder, &sink);
  ASSERT_TRUE(status.ok()) << status.ToString();
  ASSERT_EQ(sink.begins.size(), 1u);
  EXPECT_EQ(sink.begins[0].resume_position.gtid_set().ToString(),
            "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-22");
  ASSERT_EQ(sink.commits.size(), 1u);
  Stream stream = OrdersTransaction();
  size_t end = 4;
  for (const std::string& event : stream.events) end += event.size();
  EXPECT_EQ(sink.commits[0].position.Encode(),
            "gtidset:3e11fa47-71ca-11e1-9e33-c80aa9429562:1-23;file:mysql-bin.000001:" +
                std::to_string(end));
  EXPECT_TRUE(sink.commits[0].position.IsAfter(options.start));
}

// MySQL 8 with binlog_row_value_options=PARTIAL_JSON logs a JSON update as
// PARTIAL_UPDATE_ROWS_EVENT (39), and binlog_transaction_compression=ON a transaction as
// TRANSACTION_PAYLOAD_EVENT (40): neither carries full images, so the stream stops at once,
// naming the settings to change (the same that `cutover check` reports).
TEST(MysqlStream, PartialJsonAndCompressedTransactionsAreRefusedWithTheSettings) {
  for (EventType type : {EventType::kPartialUpdateRows, EventType::kTransactionPayload}) {
    Stream stream;
    stream.Add(EventType::kMysqlGtid, Gtid(30));
    stream.Add(type, Hex("4200000000000100 0000"));  // its content is never read
    RecordingSink sink;
    BinlogDecoder decoder(StartAt("mysql-bin.000001"));
    Status status = Feed(stream, &decoder, &sink);
    EXPECT_EQ(status.code(), StatusCode::kUnimplemented) << status.ToString();
    EXPECT_NE(status.message().find("set binlog_row_value_options='' and "
                                    "binlog_transaction_compression=OFF on the source"),
              std::string::npos)
        << status.ToString();
    EXPECT_TRUE(sink.changes.empty());
  }
}

TEST(MysqlStream, DdlIsAStatementThatCommitsAndForgetsTableIds) {
  Stream stream = OrdersTransaction();
  stream.Add(EventType::kMysqlGtid, Gtid(24));
  stream.Add(EventType::kQuery, Query("shop", "ALTER TABLE orders RENAME TO customers"));
  // Table id 0x42 now names shop.customers (INT UNSIGNED id, VARCHAR note, JSON doc).
  std::string map = OrdersTableMap(0x42);
  size_t name = map.find("orders");
  map.replace(name - 1, 7, std::string(1, 9) + "customers");
  stream.Add(EventType::kMysqlGtid, Gtid(25));
  stream.Add(EventType::kQuery, Query("shop", "BEGIN"));
  stream.Add(EventType::kTableMap, map);
  stream.Add(EventType::kWriteRowsV2, RowsHeader(0x42) + Hex("03 07 06 07000000"));
  stream.Add(EventType::kXid, Hex("0a00000000000000"));
  RecordingSink sink;
  BinlogDecoder decoder(StartAt("mysql-bin.000001"));
  Status status = Feed(stream, &decoder, &sink);
  ASSERT_TRUE(status.ok()) << status.ToString();
  ASSERT_EQ(sink.statements, std::vector<std::string>{"ALTER TABLE orders RENAME TO customers"});
  ASSERT_EQ(sink.commits.size(), 3u);
  std::vector<std::string> tail(sink.log.end() - 9, sink.log.end());
  EXPECT_EQ(tail[0].substr(0, 6), "commit");
  EXPECT_EQ(tail[1], "begin 3e11fa47-71ca-11e1-9e33-c80aa9429562:24");
  EXPECT_EQ(tail[2], "statement ALTER TABLE orders RENAME TO customers");
  // The table changes of the statement: the renamed table's, and the new name's.
  EXPECT_EQ(tail[3], "ddl shop.orders");
  EXPECT_EQ(tail[4], "ddl shop.customers");
  EXPECT_EQ(tail[5].substr(0, 6), "commit");
  EXPECT_EQ(tail[6], "begin 3e11fa47-71ca-11e1-9e33-c80aa9429562:25");
  EXPECT_EQ(tail[7], "insert shop.customers");
  EXPECT_EQ(sink.changes.back().after->values[0], Value::UInt(7));
}

TEST(MysqlStream, ChangedColumnsOfASelectedTableAreReported) {
  Stream stream = OrdersTransaction();
  // orders gains a fourth column (TINYINT), mapped under a new table id.
  std::string map = OrdersTableMap(0x43);
  size_t types = map.find(Hex("03 03 0f f5"));
  map.replace(types, 4, Hex("04 03 0f f5 01"));
  map.replace(map.find(Hex("06 01 01 80")), 4, Hex("0e 01 01 80"));
  map.replace(map.find(Hex("04 0c 026964")), 5, Hex("04 0e 026964"));
  map.replace(map.find(Hex("03646f63")), 4, Hex("03646f63 016e"));
  stream.Add(EventType::kMysqlGtid, Gtid(24));
  stream.Add(EventType::kQuery, Query("shop", "BEGIN"));
  stream.Add(EventType::kTableMap, map);
  stream.Add(EventType::kWriteRowsV2, RowsHeader(0x43) + Hex("04 0f 06 05000000 09"));
  stream.Add(EventType::kXid, Hex("0b00000000000000"));
  RecordingSink sink;
  BinlogDecoder decoder(StartAt("mysql-bin.000001"));
  Status status = Feed(stream, &decoder, &sink);
  ASSERT_TRUE(status.ok()) << status.ToString();
  ASSERT_GE(sink.changes.size(), 2u);
  const Change& schema_change = sink.changes[sink.changes.size() - 2];
  EXPECT_EQ(schema_change.op, ChangeOp::kSchema);
  EXPECT_EQ(schema_change.table.ToString(), "shop.orders");
  ASSERT_EQ(schema_change.schema->columns.size(), 4u);
  EXPECT_EQ(schema_change.schema->columns[3].name, "n");
  EXPECT_EQ(schema_change.schema->columns[3].type.source_name, "tinyint");
  EXPECT_EQ(sink.changes.back().after->values[3], Value::Int(9));
}

TEST(MysqlStream, UnknownEventsAreSkippedAndCompressedOnesRefused) {
  Stream stream;
  stream.Add(static_cast<EventType>(99), "whatever bytes");
  stream.Add(EventType::kAnnotateRows, "INSERT INTO t VALUES (1)");
  RecordingSink sink;
  BinlogDecoder decoder(StartAt("mysql-bin.000001"));
  ASSERT_TRUE(Feed(stream, &decoder, &sink).ok());
  EXPECT_EQ(decoder.stats().events, 3u);
  stream.Add(EventType::kWriteRowsCompressedV1, "zzz");
  BinlogDecoder again(StartAt("mysql-bin.000001"));
  Status status = Feed(stream, &again, &sink);
  size_t start = 4 + stream.events[0].size() + stream.events[1].size() + stream.events[2].size();
  EXPECT_EQ(
      status.ToString(),
      "Unimplemented: WRITE_ROWS_COMPRESSED_EVENT_V1 at mysql-bin.000001:" + std::to_string(start) +
          ": WRITE_ROWS_COMPRESSED_EVENT_V1 (log_bin_compress): cutover does not inflate "
          "compressed events; turn log_bin_compress off on the source");
}

TEST(MysqlStream, RowsForAnUnknownTableIdAreDataLoss) {
  Stream stream;
  stream.Add(EventType::kWriteRowsV2, RowsHeader(0x42) + Hex("03 07 00"));
  RecordingSink sink;
  BinlogDecoder decoder(StartAt("mysql-bin.000001"));
  Status status = Feed(stream, &decoder, &sink);
  EXPECT_EQ(status.code(), StatusCode::kDataLoss);
  EXPECT_NE(status.message().find("rows event for table id 66 without a preceding TABLE_MAP_EVENT"),
            std::string::npos);
}

TEST(MysqlStream, FakeRotateBeforeTheFormatDescriptionUsesTheNegotiatedChecksum) {
  // A server's first event: an artificial ROTATE (log_pos 0) with the negotiated CRC32.
  std::string rotate =
      MakeEvent(static_cast<uint8_t>(EventType::kRotate),
                Hex("0400000000000000") + "mysql-bin.000009", true, 0, kArtificialEventFlag);
  // A heartbeat, as a server sends when idle.
  std::string heartbeat =
      MakeEvent(static_cast<uint8_t>(EventType::kHeartbeat), "mysql-bin.000009", true, 1234);
  RecordingSink sink;
  DecoderOptions options;
  options.initial_checksum = ChecksumAlgorithm::kCrc32;
  BinlogDecoder decoder(options);
  ASSERT_TRUE(decoder.Decode(rotate, &sink).ok());
  ASSERT_TRUE(decoder.Decode(heartbeat, &sink).ok());
  EXPECT_EQ(sink.log, (std::vector<std::string>{"rotate mysql-bin.000009:4",
                                                "heartbeat mysql-bin.000009:1234"}));
  EXPECT_EQ(decoder.committed_position().Encode(), "file:mysql-bin.000009:4");
}

}  // namespace
}  // namespace cutover::binlog
