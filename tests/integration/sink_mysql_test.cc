// Integration test of the MariaDB target sink: a table with every column type is created from a
// TableSchema, chunks with edge values are written by LOAD DATA LOCAL INFILE and read back
// with SELECT; rewrites, stale rows, existing-table modes and deferred indexes are checked.
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include "cutover/schema.h"

#include "db/mysql/connection.h"
#include "sink/mysql/sink.h"
#include "support/servers.h"

namespace cutover {
namespace {

struct ColumnDef {
  const char* name;
  const char* column_type;  // information_schema.COLUMNS.COLUMN_TYPE
  const char* charset;
  const char* collation;
};

const std::vector<ColumnDef>& Columns() {
  static const std::vector<ColumnDef> columns = {
      {"id", "int(11)", "", ""},
      {"ti", "tinyint(4)", "", ""},
      {"tiu", "tinyint(3) unsigned", "", ""},
      {"si", "smallint(6)", "", ""},
      {"mi", "mediumint(9)", "", ""},
      {"iu", "int(10) unsigned", "", ""},
      {"bi", "bigint(20)", "", ""},
      {"biu", "bigint(20) unsigned", "", ""},
      {"d65", "decimal(65,30)", "", ""},
      {"f", "float", "", ""},
      {"db", "double", "", ""},
      {"b1", "bit(1)", "", ""},
      {"b64", "bit(64)", "", ""},
      {"y", "year(4)", "", ""},
      {"dt", "date", "", ""},
      {"t6", "time(6)", "", ""},
      {"dt6", "datetime(6)", "", ""},
      {"ts0", "timestamp", "", ""},
      {"vu", "varchar(300)", "utf8mb4", "utf8mb4_general_ci"},
      {"cl", "char(10)", "latin1", "latin1_swedish_ci"},
      {"vb", "varbinary(20)", "", ""},
      {"lb", "longblob", "", ""},
      {"tx", "text", "utf8mb4", "utf8mb4_general_ci"},
      {"e", "enum('a','b','\xc3\xa7')", "utf8mb4", "utf8mb4_general_ci"},
      {"s", "set('x','y','z')", "utf8mb4", "utf8mb4_general_ci"},
      {"j", "longtext", "utf8mb4", "utf8mb4_bin"},
      {"g", "geometry", "", ""},
      {"jj", "json", "", ""},
  };
  return columns;
}

TableSchema TypeSchema(const std::string& database) {
  TableSchema schema;
  schema.id = TableId{database, "types"};
  for (const ColumnDef& def : Columns()) {
    Result<ColumnType> type = ParseMysqlColumnType(def.column_type, def.charset, def.collation);
    EXPECT_TRUE(type.ok()) << def.column_type << ": " << type.status().ToString();
    schema.columns.push_back(Column{def.name, *type, std::string(def.name) != "id"});
  }
  schema.key = {0};
  schema.key_index = "PRIMARY";
  schema.indexes = {Index{"PRIMARY", {"id"}, true, true, ""},
                    Index{"by_bi", {"bi"}, false, false, ""},
                    Index{"by_vu", {"vu", "id"}, true, false, ""}};
  schema.charset = "utf8mb4";
  return schema;
}

// One row from the MySQL text of each column (nullopt or a missing tail means NULL).
Row RowFromText(const TableSchema& schema, const std::vector<std::optional<std::string>>& texts) {
  Row row;
  for (size_t column_idx = 0; column_idx < schema.columns.size(); ++column_idx) {
    if (column_idx >= texts.size() || !texts[column_idx]) {
      row.values.push_back(Value::Null());
      continue;
    }
    Result<Value> value = ParseMysqlText(schema.columns[column_idx].type, *texts[column_idx]);
    EXPECT_TRUE(value.ok()) << schema.columns[column_idx].name << ": " << value.status().ToString();
    row.values.push_back(value.ok() ? *value : Value::Null());
  }
  return row;
}

// A POINT(1 2) in MySQL's internal form: SRID 0, then WKB.
std::string Point() {
  return std::string("\0\0\0\0\x01\x01\0\0\0", 9) + std::string("\0\0\0\0\0\0\xf0\x3f", 8) +
         std::string("\0\0\0\0\0\0\0\x40", 8);
}

std::vector<Row> EdgeRows(const TableSchema& schema) {
  std::string nul_bytes("a\0b\tc\nd\\e", 9);
  std::string blob(70 * 1024, '\0');
  for (size_t byte_idx = 0; byte_idx < blob.size(); ++byte_idx)
    blob[byte_idx] = static_cast<char>(byte_idx * 7);
  return {
      RowFromText(schema, {"1",
                           "-128",
                           "0",
                           "-32768",
                           "-8388608",
                           "0",
                           "-9223372036854775808",
                           "0",
                           "-99999999999999999999999999999999999.999999999999999999999999999999",
                           "-3.40282e38",
                           "-1.7976931348623157e308",
                           std::string(1, '\0'),
                           std::string(8, '\0'),
                           "1901",
                           "1000-01-01",
                           "-838:59:59.000000",
                           "1000-01-01 00:00:00.000000",
                           "1970-01-01 00:00:01",
                           "",
                           "",
                           std::string(),
                           "",
                           "",
                           "a",
                           "",
                           "{}"}),
      RowFromText(schema, {"2",
                           "127",
                           "255",
                           "32767",
                           "8388607",
                           "4294967295",
                           "9223372036854775807",
                           "18446744073709551615",
                           "99999999999999999999999999999999999.999999999999999999999999999999",
                           "1.5",
                           "0.1",
                           std::string(1, '\1'),
                           std::string(8, '\xff'),
                           "2155",
                           "9999-12-31",
                           "838:59:59.000000",
                           "9999-12-31 23:59:59.999999",
                           "2038-01-19 03:14:07",
                           "emoji \xf0\x9f\x98\x80 tab\t\\N",
                           "\xe7\xe9\\",
                           nul_bytes,
                           blob,
                           "line\nbreak\r\\0",
                           "\xc3\xa7",
                           "x,z",
                           "{\"a\": [1, 2.5, \"\xf0\x9f\x98\x80\"], \"b\": null}",
                           Point(),
                           "[\"\xf0\x9f\x98\x80\", {\"k\": \"tab\\t\"}]"}),
      RowFromText(schema, {"3"}),
      RowFromText(schema, {"4",
                           "0",
                           "0",
                           "0",
                           "0",
                           "0",
                           "0",
                           "0",
                           "0.000000000000000000000000000000",
                           "0",
                           "0",
                           std::string(1, '\0'),
                           std::string(8, '\0'),
                           "0000",
                           "0000-00-00",
                           "-00:00:00.000001",
                           "0000-00-00 00:00:00.000000",
                           "0000-00-00 00:00:00",
                           "N",
                           "\\N",
                           std::string("\0", 1),
                           "",
                           "-01:02:03.5",
                           "b",
                           "x,y,z",
                           "[]"}),
  };
}

class SinkMysqlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::EnsureServer("mariadb-target"));
    testing::ServerInfo server = testing::MariaDbTarget();
    database_ = "sink_test_" + std::to_string(getpid());
    spec_.target.kind = TargetKind::kMariaDB;
    spec_.target.connection.host = server.host;
    spec_.target.connection.port = server.port;
    spec_.target.connection.user = server.user;
    spec_.target.connection.password = Secret{"test", server.password};
    spec_.target.connection.database = database_;
    mysql::ConnectOptions options;
    options.use_database = false;
    auto admin = mysql::Connection::Open(spec_.target.connection, options);
    ASSERT_TRUE(admin.ok()) << admin.status().ToString();
    admin_ = std::move(*admin);
    ASSERT_TRUE(admin_->Execute("DROP DATABASE IF EXISTS " + database_).ok());
    ASSERT_TRUE(admin_->Execute("CREATE DATABASE " + database_).ok());
    schema_ = TypeSchema(database_);
  }
  void TearDown() override {
    if (admin_) admin_->Execute("DROP DATABASE IF EXISTS " + database_).IgnoreError();  // cleanup
  }

  std::unique_ptr<Sink> OpenSink(TargetSpec::ExistingTable mode) {
    spec_.target.existing_tables = mode;
    auto sink = mysql::OpenMysqlSink(spec_);
    EXPECT_TRUE(sink.ok()) << sink.status().ToString();
    return sink.ok() ? std::move(*sink) : nullptr;
  }

  // The table's rows as Values, parsed back from SELECT's text (BIT arrives as raw bytes).
  std::vector<Row> ReadBack() {
    // Text in the column's own charset, as the Values hold it (latin1 stays latin1).
    EXPECT_TRUE(admin_->Execute("SET character_set_results = binary").ok());
    auto result = admin_->Query("SELECT * FROM " + database_ + ".types ORDER BY id");
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    std::vector<Row> rows;
    for (const mysql::SqlRow& sql_row : result->rows) rows.push_back(RowFromText(schema_, sql_row));
    return rows;
  }

  uint64_t Count() {
    auto result = admin_->Query("SELECT COUNT(*) FROM " + database_ + ".types");
    return result.ok() ? std::stoull(*result->rows[0][0]) : 0;
  }

  Spec spec_;
  std::string database_;
  TableSchema schema_;
  std::unique_ptr<mysql::Connection> admin_;
};

// Compares column by column so a failure names the column and shows both values.
void ExpectRowsEqual(const TableSchema& schema, const std::vector<Row>& actual,
                     const std::vector<Row>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t row_idx = 0; row_idx < actual.size(); ++row_idx) {
    for (size_t column_idx = 0; column_idx < schema.columns.size(); ++column_idx) {
      const Value& got = actual[row_idx].values[column_idx];
      const Value& want = expected[row_idx].values[column_idx];
      EXPECT_EQ(got, want) << "row " << row_idx << " column " << schema.columns[column_idx].name
                           << ": got " << (got.is_null() ? "NULL" : got.ToDisplay()) << ", want "
                           << (want.is_null() ? "NULL" : want.ToDisplay());
    }
  }
}

Key KeyOfId(int64_t id) { return Key{{Value::Int(id)}}; }

// QueryEach (the full load's chunk reads) streams every row with its NULLs and empty strings
// apart, binary bytes intact; an error from the callback stops the statement, is returned, and
// leaves the connection usable.
TEST_F(SinkMysqlTest, QueryEachStreamsRowsAndStopsAtTheFirstError) {
  ASSERT_TRUE(
      admin_->Execute("CREATE TABLE " + database_ + ".stream (id INT PRIMARY KEY, s VARBINARY(20))")
          .ok());
  ASSERT_TRUE(admin_
                  ->Execute("INSERT INTO " + database_ +
                            ".stream SELECT seq, CASE seq % 3 WHEN 0 THEN NULL WHEN 1 THEN '' "
                            "ELSE CONCAT('v', seq, X'00ff') END FROM " +
                            database_ + ".seq_1_to_5000")
                  .ok());
  std::string select = "SELECT id, s FROM " + database_ + ".stream ORDER BY id";
  std::vector<std::pair<std::string, std::optional<std::string>>> rows;
  Status status = admin_->QueryEach(select, [&](mysql::Connection::RowView cells) {
    EXPECT_EQ(cells.size(), 2u);
    rows.emplace_back(std::string(*cells[0]),
                      cells[1] ? std::optional<std::string>(std::string(*cells[1])) : std::nullopt);
    return Status::Ok();
  });
  ASSERT_TRUE(status.ok()) << status.ToString();
  ASSERT_EQ(rows.size(), 5000u);
  for (int id = 1; id <= 5000; ++id) {
    const auto& [got_id, got_s] = rows[id - 1];
    EXPECT_EQ(got_id, std::to_string(id));
    if (id % 3 == 0) {
      EXPECT_FALSE(got_s.has_value()) << id;
    } else if (id % 3 == 1) {
      EXPECT_EQ(got_s, std::optional<std::string>("")) << id;
    } else {
      EXPECT_EQ(got_s, "v" + std::to_string(id) + std::string("\x00\xff", 2)) << id;
    }
  }

  int seen = 0;
  status = admin_->QueryEach(select, [&](mysql::Connection::RowView) {
    return ++seen == 10 ? Status::DataLoss("row 10 is bad") : Status::Ok();
  });
  EXPECT_EQ(status.ToString(), Status::DataLoss("row 10 is bad").ToString());
  EXPECT_EQ(seen, 10);
  auto count = admin_->Query("SELECT COUNT(*) FROM " + database_ + ".stream");
  ASSERT_TRUE(count.ok()) << count.status().ToString();
  EXPECT_EQ(count->rows[0][0], "5000");

  status = admin_->QueryEach("SELECT no_such_column FROM " + database_ + ".stream",
                             [](mysql::Connection::RowView) { return Status::Ok(); });
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("no_such_column"), std::string::npos) << status.ToString();
}

TEST_F(SinkMysqlTest, WritesEveryTypeExactlyAndRewritesIdempotently) {
  auto sink = OpenSink(TargetSpec::ExistingTable::kCreate);
  ASSERT_NE(sink, nullptr);
  auto plan = sink->PrepareTable(schema_, TableRule{}, false);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_TRUE(plan->created);
  EXPECT_EQ(plan->target, (TableId{database_, "types"}));
  ASSERT_EQ(plan->deferred.size(), 2u);
  EXPECT_EQ(plan->deferred[0].name, "by_bi");
  auto writer = sink->OpenWriter(*plan);
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  std::vector<Row> rows = EdgeRows(schema_);
  ChunkBounds first{std::nullopt, KeyOfId(2)};
  ChunkBounds second{KeyOfId(2), std::nullopt};
  ASSERT_TRUE((*writer)->WriteChunk(first, std::span(rows).subspan(0, 2)).ok());
  Status status = (*writer)->WriteChunk(second, std::span(rows).subspan(2));
  ASSERT_TRUE(status.ok()) << status.ToString();
  ExpectRowsEqual(schema_, ReadBack(), rows);

  // The same chunk again: still one copy of each row.
  ASSERT_TRUE((*writer)->WriteChunk(first, std::span(rows).subspan(0, 2)).ok());
  EXPECT_EQ(Count(), 4u);
  // The first chunk now has only row 2: row 1 is stale and goes; rows 3 and 4 stay.
  ASSERT_TRUE((*writer)->WriteChunk(first, std::span(rows).subspan(1, 1)).ok());
  std::vector<Row> back = ReadBack();
  ASSERT_EQ(back.size(), 3u);
  ExpectRowsEqual(schema_, back, {rows[1], rows[2], rows[3]});
  auto exact = sink->CountRows(plan->target, true);
  ASSERT_TRUE(exact.ok());
  EXPECT_EQ(*exact, 3u);
  EXPECT_TRUE(sink->CountRows(plan->target, false).ok());
}

TEST_F(SinkMysqlTest, RefusesAChunkWhoseValuesTheServerWouldChange) {
  auto sink = OpenSink(TargetSpec::ExistingTable::kCreate);
  auto plan = sink->PrepareTable(schema_, TableRule{}, false);
  ASSERT_TRUE(plan.ok());
  auto writer = sink->OpenWriter(*plan);
  std::vector<Row> rows = {RowFromText(schema_, {"1"}), RowFromText(schema_, {"2"})};
  rows[1].values[1] = Value::Int(300);  // ti is a TINYINT
  Status status = (*writer)->WriteChunk(ChunkBounds{}, rows);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "writing rows into " + database_ +
                                  ".types changed a value: Out of range value for column 'ti' "
                                  "at row 2 (MySQL Warning 1264)");
  EXPECT_EQ(Count(), 0u);  // the chunk was rolled back
}

TEST_F(SinkMysqlTest, StreamsAChunkOfManyPieces) {
  auto sink = OpenSink(TargetSpec::ExistingTable::kCreate);
  auto plan = sink->PrepareTable(schema_, TableRule{}, false);
  ASSERT_TRUE(plan.ok());
  auto writer = sink->OpenWriter(*plan);
  size_t lb = schema_.ColumnIndex("lb").value();
  std::vector<Row> rows;
  for (int id = 1; id <= 6000; ++id) {  // about 6 MiB of LOAD DATA text: several pieces
    rows.push_back(RowFromText(schema_, {std::to_string(id)}));
    rows.back().values[lb] = Value::Bytes(std::string(1000, static_cast<char>(id % 251)));
  }
  Status status = (*writer)->WriteChunk(ChunkBounds{}, rows);
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(Count(), 6000u);
  auto sample = admin_->Query("SELECT LENGTH(lb), HEX(LEFT(lb, 1)) FROM " + database_ +
                              ".types WHERE id IN (1, 6000) ORDER BY id");
  ASSERT_TRUE(sample.ok());
  EXPECT_EQ(sample->rows, (std::vector<mysql::SqlRow>{{"1000", "01"}, {"1000", "E3"}}));
}

TEST_F(SinkMysqlTest, BuildsDeferredIndexesOnceAndAgain) {
  auto sink = OpenSink(TargetSpec::ExistingTable::kCreate);
  auto plan = sink->PrepareTable(schema_, TableRule{}, false);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  for (const Index& index : plan->deferred) {
    Status built = sink->BuildIndex(*plan, index);
    EXPECT_TRUE(built.ok()) << built.ToString();
    EXPECT_TRUE(sink->BuildIndex(*plan, index).ok());  // a crash after the build: no error
  }
  auto names = admin_->Query(
      "SELECT INDEX_NAME, NON_UNIQUE, GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX) FROM "
      "information_schema.STATISTICS WHERE TABLE_SCHEMA = '" +
      database_ + "' AND TABLE_NAME = 'types' GROUP BY INDEX_NAME, NON_UNIQUE ORDER BY INDEX_NAME");
  ASSERT_TRUE(names.ok());
  ASSERT_EQ(names->rows.size(), 3u);
  EXPECT_EQ(names->rows[0], (mysql::SqlRow{"by_bi", "1", "bi"}));
  EXPECT_EQ(names->rows[1], (mysql::SqlRow{"by_vu", "0", "vu,id"}));
  EXPECT_EQ(names->rows[2], (mysql::SqlRow{"PRIMARY", "0", "id"}));
}

TEST_F(SinkMysqlTest, ExistingTableModes) {
  auto create = OpenSink(TargetSpec::ExistingTable::kCreate);
  auto plan = create->PrepareTable(schema_, TableRule{}, false);
  ASSERT_TRUE(plan.ok());
  auto writer = create->OpenWriter(*plan);
  std::vector<Row> rows = EdgeRows(schema_);
  ASSERT_TRUE((*writer)->WriteChunk(ChunkBounds{}, rows).ok());

  TableSchema keyless = schema_;
  keyless.key.clear();
  auto refused = create->PrepareTable(keyless, TableRule{}, false);
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(refused.status().message(),
            "table " + database_ +
                ".types has no primary key and no unique NOT NULL index; chunks "
                "need a key");
  auto again = create->PrepareTable(schema_, TableRule{}, false);
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(again.status().message(), "target table " + database_ +
                                          ".types exists already; drop it, or set "
                                          "target.existing_tables to truncate or keep");
  EXPECT_TRUE(create->PrepareTable(schema_, TableRule{}, true).ok());  // resuming
  EXPECT_EQ(Count(), 4u);

  ASSERT_TRUE(create->BuildIndex(*plan, plan->deferred[0]).ok());
  auto keep = OpenSink(TargetSpec::ExistingTable::kKeep)->PrepareTable(schema_, TableRule{}, false);
  ASSERT_TRUE(keep.ok());
  EXPECT_FALSE(keep->created);
  ASSERT_EQ(keep->deferred.size(), 1u);  // by_bi exists already
  EXPECT_EQ(keep->deferred[0].name, "by_vu");
  EXPECT_EQ(Count(), 4u);

  auto truncate =
      OpenSink(TargetSpec::ExistingTable::kTruncate)->PrepareTable(schema_, TableRule{}, false);
  ASSERT_TRUE(truncate.ok()) << truncate.status().ToString();
  EXPECT_EQ(Count(), 0u);
  EXPECT_EQ(truncate->deferred.size(), 2u);
  auto indexes = admin_->Query(
      "SELECT COUNT(DISTINCT INDEX_NAME) FROM information_schema.STATISTICS "
      "WHERE TABLE_SCHEMA = '" +
      database_ + "'");
  EXPECT_EQ(indexes->rows[0][0], "1");  // only PRIMARY left

  TableRule renamed;
  renamed.rename = "types_copy";
  auto other = create->PrepareTable(schema_, renamed, false);
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->target.name, "types_copy");
}

}  // namespace
}  // namespace cutover
