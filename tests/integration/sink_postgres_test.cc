// Integration test of the PostgreSQL target sink: a table with every MySQL column type is
// created through the type mapping of docs/type-mapping.md, chunks with edge values are written
// by COPY and read back as PostgreSQL's text; rewrites, stale rows, text keys, existing-table
// modes and deferred indexes are checked.
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include "cutover/schema.h"

#include "db/postgres/connection.h"
#include "sink/postgres/sink.h"
#include "support/servers.h"

namespace cutover {
namespace {

using Cells = std::vector<std::optional<std::string>>;

struct ColumnDef {
  const char* name;
  const char* column_type;  // information_schema.COLUMNS.COLUMN_TYPE
  const char* charset;
  const char* collation;
  const char* pg_type;  // format_type() of the created column
};

const std::vector<ColumnDef>& Columns() {
  static const std::vector<ColumnDef> columns = {
      {"id", "int(11)", "", "", "integer"},
      {"ti", "tinyint(4)", "", "", "smallint"},
      {"tiu", "tinyint(3) unsigned", "", "", "smallint"},
      {"si", "smallint(6)", "", "", "smallint"},
      {"siu", "smallint(5) unsigned", "", "", "integer"},
      {"mi", "mediumint(9)", "", "", "integer"},
      {"miu", "mediumint(8) unsigned", "", "", "integer"},
      {"i", "int(11)", "", "", "integer"},
      {"iu", "int(10) unsigned", "", "", "bigint"},
      {"bi", "bigint(20)", "", "", "bigint"},
      {"biu", "bigint(20) unsigned", "", "", "numeric(20,0)"},
      {"d65", "decimal(65,30)", "", "", "numeric(65,30)"},
      {"f", "float", "", "", "real"},
      {"db", "double", "", "", "double precision"},
      {"b1", "bit(1)", "", "", "bit(1)"},
      {"b64", "bit(64)", "", "", "bit(64)"},
      {"y", "year(4)", "", "", "smallint"},
      {"dt", "date", "", "", "date"},
      {"t0", "time", "", "", "interval"},
      {"t6", "time(6)", "", "", "interval"},
      {"dt0", "datetime", "", "", "timestamp(0) without time zone"},
      {"dt6", "datetime(6)", "", "", "timestamp(6) without time zone"},
      {"ts0", "timestamp", "", "", "timestamp(0) with time zone"},
      {"ts6", "timestamp(6)", "", "", "timestamp(6) with time zone"},
      {"c", "char(10)", "utf8mb4", "utf8mb4_general_ci", "character varying(10)"},
      {"vu", "varchar(300)", "utf8mb4", "utf8mb4_general_ci", "character varying(300)"},
      {"vl", "varchar(20)", "latin1", "latin1_swedish_ci", "character varying(20)"},
      {"bn", "binary(4)", "", "", "bytea"},
      {"vb", "varbinary(20)", "", "", "bytea"},
      {"tb", "tinyblob", "", "", "bytea"},
      {"bl", "blob", "", "", "bytea"},
      {"mb", "mediumblob", "", "", "bytea"},
      {"lb", "longblob", "", "", "bytea"},
      {"tt", "tinytext", "utf8mb4", "utf8mb4_general_ci", "text"},
      {"tx", "text", "utf8mb4", "utf8mb4_general_ci", "text"},
      {"mt", "mediumtext", "utf8mb4", "utf8mb4_general_ci", "text"},
      {"lt", "longtext", "utf8mb4", "utf8mb4_general_ci", "text"},
      {"e", "enum('a','b','\xc3\xa7')", "utf8mb4", "utf8mb4_general_ci", "text"},
      {"s", "set('x','y','z')", "utf8mb4", "utf8mb4_general_ci", "text"},
      {"j", "json", "", "", "jsonb"},
      {"g", "geometry", "", "", "bytea"},
  };
  return columns;
}

TableSchema TypeSchema(const std::string& schema_name) {
  TableSchema schema;
  schema.id = TableId{schema_name, "types"};
  for (const ColumnDef& def : Columns()) {
    Result<ColumnType> type = ParseMysqlColumnType(def.column_type, def.charset, def.collation);
    EXPECT_TRUE(type.ok()) << def.column_type << ": " << type.status().ToString();
    schema.columns.push_back(Column{def.name, *type, std::string(def.name) != "id"});
  }
  schema.key = {0};
  schema.key_index = "PRIMARY";
  schema.indexes = {Index{"PRIMARY", {"id"}, true, true, ""},
                    Index{"by_bi", {"bi"}, false, false, "KEY `by_bi` (`bi`)"},
                    Index{"by_vu", {"vu", "id"}, true, false, ""}};
  return schema;
}

Row RowFromText(const TableSchema& schema, const Cells& texts) {
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

std::string Blob() {
  std::string blob(70 * 1024, '\0');
  for (size_t byte_idx = 0; byte_idx < blob.size(); ++byte_idx)
    blob[byte_idx] = static_cast<char>(byte_idx * 7);
  return blob;
}

std::string HexOf(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out = "\\x";
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

// A POINT(1 2) in MySQL's internal form: SRID 0, then WKB.
std::string Point() {
  return std::string("\0\0\0\0\x01\x01\0\0\0", 9) + std::string("\0\0\0\0\0\0\xf0\x3f", 8) +
         std::string("\0\0\0\0\0\0\0\x40", 8);
}

struct EdgeCase {
  Cells mysql;     // source text per column
  Cells postgres;  // what PostgreSQL's SELECT shows after the load
};

std::vector<EdgeCase> EdgeCases() {
  std::string nul_bytes("a\0b\tc\nd\\e", 9);
  std::string zeros64(64, '0');
  std::string ones64(64, '1');
  return {
      {{"1",
        "-128",
        "0",
        "-32768",
        "0",
        "-8388608",
        "0",
        "-2147483648",
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
        "-838:59:59",
        "-838:59:59.000000",
        "1000-01-01 00:00:00",
        "1000-01-01 00:00:00.000000",
        "1970-01-01 00:00:01",
        "1970-01-01 00:00:01.000000",
        "",
        "",
        "",
        std::string(4, '\0'),
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "a",
        "",
        "{}",
        Point()},
       {"1",
        "-128",
        "0",
        "-32768",
        "0",
        "-8388608",
        "0",
        "-2147483648",
        "0",
        "-9223372036854775808",
        "0",
        "-99999999999999999999999999999999999.999999999999999999999999999999",
        "-3.40282e+38",
        "-1.7976931348623157e+308",
        "0",
        zeros64,
        "1901",
        "1000-01-01",
        "-838:59:59",
        "-838:59:59",
        "1000-01-01 00:00:00",
        "1000-01-01 00:00:00",
        "1970-01-01 00:00:01+00",
        "1970-01-01 00:00:01+00",
        "",
        "",
        "",
        "\\x00000000",
        "\\x",
        "\\x",
        "\\x",
        "\\x",
        "\\x",
        "",
        "",
        "",
        "",
        "a",
        "",
        "{}",
        HexOf(Point())}},
      {{"2",
        "127",
        "255",
        "32767",
        "65535",
        "8388607",
        "16777215",
        "2147483647",
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
        "838:59:59",
        "838:59:59.000000",
        "9999-12-31 23:59:59",
        "9999-12-31 23:59:59.999999",
        "2038-01-19 03:14:07",
        "2038-01-19 03:14:07.999999",
        "\xf0\x9f\x98\x80 ab",
        "emoji \xf0\x9f\x98\x80 tab\t\\N",
        "\xe7\xe9\\",
        std::string("\xff\x00\x01\x02", 4),
        nul_bytes,
        std::string(255, '\x5c'),
        "b",
        "mb",
        Blob(),
        "t",
        "line\nbreak\r\\0",
        "m",
        "l",
        "\xc3\xa7",
        "x,z",
        "{\"b\": null, \"a\": [1, 2.5, \"\xf0\x9f\x98\x80\"]}",
        ""},
       {"2",
        "127",
        "255",
        "32767",
        "65535",
        "8388607",
        "16777215",
        "2147483647",
        "4294967295",
        "9223372036854775807",
        "18446744073709551615",
        "99999999999999999999999999999999999.999999999999999999999999999999",
        "1.5",
        "0.1",
        "1",
        ones64,
        "2155",
        "9999-12-31",
        "838:59:59",
        "838:59:59",
        "9999-12-31 23:59:59",
        "9999-12-31 23:59:59.999999",
        "2038-01-19 03:14:07+00",
        "2038-01-19 03:14:07.999999+00",
        "\xf0\x9f\x98\x80 ab",
        "emoji \xf0\x9f\x98\x80 tab\t\\N",
        "\xc3\xa7\xc3\xa9\\",
        "\\xff000102",
        HexOf(nul_bytes),
        HexOf(std::string(255, '\x5c')),
        "\\x62",
        "\\x6d62",
        HexOf(Blob()),
        "t",
        "line\nbreak\r\\0",
        "m",
        "l",
        "\xc3\xa7",
        "x,z",
        "{\"a\": [1, 2.5, \"\xf0\x9f\x98\x80\"], \"b\": null}",
        "\\x"}},
      {{"3"}, {"3"}},
      {{"4",
        "0",
        "0",
        "0",
        "0",
        "0",
        "0",
        "0",
        "0",
        "0",
        "0",
        "-0.000000000000000000000000000001",
        "0",
        "0",
        std::string(1, '\0'),
        std::string("\x80\0\0\0\0\0\0\0", 8),
        "0000",
        "0000-00-00",
        "-00:00:01",
        "-00:00:00.000001",
        "0000-00-00 00:00:00",
        "2024-00-10 00:00:00.000000",
        "0000-00-00 00:00:00",
        "0000-00-00 00:00:00.000000",
        "\\N",
        "N",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "-01:02:03.5",
        "",
        "",
        "b",
        "x,y,z",
        "[]"},
       {"4",
        "0",
        "0",
        "0",
        "0",
        "0",
        "0",
        "0",
        "0",
        "0",
        "0",
        "-0.000000000000000000000000000001",
        "0",
        "0",
        "0",
        "1" + std::string(63, '0'),
        "0",
        "-infinity",
        "-00:00:01",
        "-00:00:00.000001",
        "-infinity",
        "-infinity",
        "-infinity",
        "-infinity",
        "\\N",
        "N",
        "",
        "\\x",
        "\\x",
        "\\x",
        "\\x",
        "\\x",
        "\\x",
        "",
        "-01:02:03.5",
        "",
        "",
        "b",
        "x,y,z",
        "[]"}},
  };
}

class SinkPostgresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::EnsureServer("postgres-target"));
    testing::ServerInfo server = testing::PostgresTarget();
    schema_name_ = "sink_test_" + std::to_string(getpid());
    spec_.target.kind = TargetKind::kPostgres;
    spec_.target.connection.host = server.host;
    spec_.target.connection.port = server.port;
    spec_.target.connection.user = server.user;
    spec_.target.connection.password = Secret{"test", server.password};
    spec_.target.connection.database = server.database;
    auto admin = postgres::Connection::Open(spec_.target.connection);
    ASSERT_TRUE(admin.ok()) << admin.status().ToString();
    admin_ = std::move(*admin);
    ASSERT_TRUE(admin_->Execute("DROP SCHEMA IF EXISTS " + schema_name_ + " CASCADE").ok());
    ASSERT_TRUE(admin_->Execute("SET TIME ZONE 'UTC'").ok());
    schema_ = TypeSchema(schema_name_);
  }
  void TearDown() override {
    if (admin_) {
      admin_->Execute("DROP SCHEMA IF EXISTS " + schema_name_ + " CASCADE").IgnoreError();
    }
  }

  std::unique_ptr<Sink> OpenSink(TargetSpec::ExistingTable mode) {
    spec_.target.existing_tables = mode;
    auto sink = postgres::OpenPostgresSink(spec_);
    EXPECT_TRUE(sink.ok()) << sink.status().ToString();
    return sink.ok() ? std::move(*sink) : nullptr;
  }

  std::vector<postgres::SqlRow> Select(const std::string& table = "types") {
    auto result = admin_->Query("SELECT * FROM " + schema_name_ + "." + table + " ORDER BY 1");
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? result->rows : std::vector<postgres::SqlRow>{};
  }

  Spec spec_;
  std::string schema_name_;
  TableSchema schema_;
  std::unique_ptr<postgres::Connection> admin_;
};

Key KeyOfId(int64_t id) { return Key{{Value::Int(id)}}; }

TEST_F(SinkPostgresTest, CreatesEveryMappedType) {
  auto sink = OpenSink(TargetSpec::ExistingTable::kCreate);
  auto plan = sink->PrepareTable(schema_, TableRule{}, false);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  auto types = admin_->Query(
      "SELECT attname, format_type(atttypid, atttypmod), attnotnull FROM pg_attribute WHERE "
      "attrelid = to_regclass($1) AND attnum > 0 ORDER BY attnum",
      {schema_name_ + ".types"});
  ASSERT_TRUE(types.ok()) << types.status().ToString();
  ASSERT_EQ(types->rows.size(), Columns().size());
  for (size_t column_idx = 0; column_idx < Columns().size(); ++column_idx) {
    const ColumnDef& def = Columns()[column_idx];
    EXPECT_EQ(types->rows[column_idx],
              (postgres::SqlRow{def.name, def.pg_type, column_idx == 0 ? "t" : "f"}));
  }
}

TEST_F(SinkPostgresTest, WritesEdgeValuesAndRewritesIdempotently) {
  auto sink = OpenSink(TargetSpec::ExistingTable::kCreate);
  auto plan = sink->PrepareTable(schema_, TableRule{}, false);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  auto writer = sink->OpenWriter(*plan);
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  std::vector<Row> rows;
  std::vector<postgres::SqlRow> expected;
  for (const EdgeCase& edge : EdgeCases()) {
    rows.push_back(RowFromText(schema_, edge.mysql));
    postgres::SqlRow cells = edge.postgres;
    cells.resize(Columns().size());
    expected.push_back(cells);
  }
  ChunkBounds first{std::nullopt, KeyOfId(2)};
  ChunkBounds second{KeyOfId(2), std::nullopt};
  Status status = (*writer)->WriteChunk(first, std::span(rows).subspan(0, 2));
  ASSERT_TRUE(status.ok()) << status.ToString();
  status = (*writer)->WriteChunk(second, std::span(rows).subspan(2));
  ASSERT_TRUE(status.ok()) << status.ToString();
  std::vector<postgres::SqlRow> back = Select();
  ASSERT_EQ(back.size(), expected.size());
  for (size_t row_idx = 0; row_idx < back.size(); ++row_idx) {
    for (size_t column_idx = 0; column_idx < Columns().size(); ++column_idx) {
      EXPECT_EQ(back[row_idx][column_idx], expected[row_idx][column_idx])
          << "row " << row_idx << " column " << Columns()[column_idx].name;
    }
  }

  ASSERT_TRUE((*writer)->WriteChunk(first, std::span(rows).subspan(0, 2)).ok());
  EXPECT_EQ(*sink->CountRows(plan->target, true), 4u);
  // The first chunk now holds only row 2: row 1 is stale and goes; rows 3 and 4 stay.
  ASSERT_TRUE((*writer)->WriteChunk(first, std::span(rows).subspan(1, 1)).ok());
  back = Select();
  ASSERT_EQ(back.size(), 3u);
  EXPECT_EQ(back[0], expected[1]);
  EXPECT_EQ(back[2], expected[3]);
  EXPECT_TRUE(sink->CountRows(plan->target, false).ok());
}

TEST_F(SinkPostgresTest, RefusesValuesPostgresCannotHoldAndKeepsTheChunkOut) {
  auto sink = OpenSink(TargetSpec::ExistingTable::kCreate);
  auto plan = sink->PrepareTable(schema_, TableRule{}, false);
  ASSERT_TRUE(plan.ok());
  auto writer = sink->OpenWriter(*plan);
  std::vector<Row> rows = {RowFromText(schema_, {"1"}), RowFromText(schema_, {"2"})};
  rows[1].values[schema_.ColumnIndex("tx").value()] = Value::Str(std::string("a\0b", 3));
  Status status = (*writer)->WriteChunk(ChunkBounds{}, rows);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), schema_name_ +
                                  ".types column tx: PostgreSQL text cannot hold the "
                                  "NUL character (0x00) this value contains");
  rows[1].values[schema_.ColumnIndex("tx").value()] = Value::Null();
  rows[1].values[schema_.ColumnIndex("e").value()] = Value::FromEnum(Enum{0, ""});
  status = (*writer)->WriteChunk(ChunkBounds{}, rows);
  EXPECT_EQ(status.message(), schema_name_ +
                                  ".types column e: the ENUM error value '' (index 0) "
                                  "is not one of the column's labels");
  EXPECT_TRUE(Select().empty());  // nothing of a failed chunk stays
}

TEST_F(SinkPostgresTest, StreamsAChunkOfManyPieces) {
  auto sink = OpenSink(TargetSpec::ExistingTable::kCreate);
  auto plan = sink->PrepareTable(schema_, TableRule{}, false);
  ASSERT_TRUE(plan.ok());
  auto writer = sink->OpenWriter(*plan);
  size_t lb = schema_.ColumnIndex("lb").value();
  std::vector<Row> rows;
  for (int id = 1; id <= 6000; ++id) {  // about 12 MiB of COPY text: several pieces
    rows.push_back(RowFromText(schema_, {std::to_string(id)}));
    rows.back().values[lb] = Value::Bytes(std::string(1000, static_cast<char>(id % 251)));
  }
  Status status = (*writer)->WriteChunk(ChunkBounds{}, rows);
  ASSERT_TRUE(status.ok()) << status.ToString();
  auto sample = admin_->Query("SELECT id, length(lb), get_byte(lb, 0) FROM " + schema_name_ +
                              ".types WHERE id IN (1, 6000) ORDER BY id");
  ASSERT_TRUE(sample.ok());
  EXPECT_EQ(sample->rows,
            (std::vector<postgres::SqlRow>{{"1", "1000", "1"}, {"6000", "1000", "227"}}));
  EXPECT_EQ(*sink->CountRows(plan->target, true), 6000u);
}

// The local ports of this process's TCP connections to `port` (its sockets in /proc/self/fd
// matched with /proc/self/net/tcp): which server backends are this test's own, when other tests
// use the same database at the same time.
std::set<std::string> OwnClientPorts(int port) {
  std::set<std::string> inodes;
  for (const auto& fd : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code error;
    std::string target = std::filesystem::read_symlink(fd.path(), error).string();
    if (!error && target.starts_with("socket:["))
      inodes.insert(target.substr(8, target.size() - 9));
  }
  std::set<std::string> ports;
  std::ifstream tcp("/proc/self/net/tcp");
  std::string line;
  std::getline(tcp, line);  // the header
  while (std::getline(tcp, line)) {
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
    std::istringstream fields(line);
    std::string slot, local, remote, skip, inode;
    fields >> slot >> local >> remote;
    for (int i = 0; i < 6; ++i) fields >> skip;
    fields >> inode;
    if (!inodes.contains(inode)) continue;
    if (std::stoi(remote.substr(remote.find(':') + 1), nullptr, 16) != port) continue;
    ports.insert(std::to_string(std::stoi(local.substr(local.find(':') + 1), nullptr, 16)));
  }
  return ports;
}

TEST_F(SinkPostgresTest, WritersShareASessionAndNeverGetOneTheServerEnded) {
  auto sink = OpenSink(TargetSpec::ExistingTable::kCreate);
  auto plan = sink->PrepareTable(schema_, TableRule{}, false);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  // This process's backends other than admin_'s (other tests, run at the same time, have
  // sessions of their own in this database).
  auto writer_backends = [&] {
    std::vector<postgres::SqlRow> own;
    auto result = admin_->Query(
        "SELECT pid, client_port FROM pg_stat_activity WHERE datname = current_database() AND "
        "pid <> pg_backend_pid() ORDER BY pid");
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    if (!result.ok()) return own;
    const std::set<std::string> ports = OwnClientPorts(testing::PostgresTarget().port);
    for (postgres::SqlRow& row : result->rows) {
      if (row[1] && ports.contains(*row[1])) own.push_back(std::move(row));
    }
    return own;
  };
  auto write = [&](int64_t id) {
    auto writer = sink->OpenWriter(*plan);
    ASSERT_TRUE(writer.ok()) << writer.status().ToString();
    std::vector<Row> rows = {RowFromText(schema_, {std::to_string(id)})};
    Status status = (*writer)->WriteChunk(ChunkBounds{KeyOfId(id - 1), KeyOfId(id)}, rows);
    ASSERT_TRUE(status.ok()) << status.ToString();
  };
  const std::vector<postgres::SqlRow> before = writer_backends();
  write(1);
  write(2);
  const std::vector<postgres::SqlRow> shared = writer_backends();
  ASSERT_EQ(shared.size(), before.size() + 1) << "two writers one after the other, one session";
  for (const postgres::SqlRow& backend : shared) {
    ASSERT_TRUE(admin_->Execute("SELECT pg_terminate_backend($1::int)", {backend[0]}).ok());
  }
  for (int wait = 0; wait < 100 && !writer_backends().empty(); ++wait) usleep(20'000);
  write(3);  // on a new session, at the first attempt
  std::vector<postgres::SqlRow> back = Select();
  ASSERT_EQ(back.size(), 3u);
  EXPECT_EQ(back[2][0], "3");
}

TEST_F(SinkPostgresTest, TextKeysRewriteWithoutTouchingNeighbourChunks) {
  TableSchema schema;
  schema.id = TableId{schema_name_, "words"};
  schema.columns = {
      Column{"w", *ParseMysqlColumnType("varchar(20)", "utf8mb4", "utf8mb4_general_ci"), false},
      Column{"n", *ParseMysqlColumnType("int(11)", "", ""), true}};
  schema.key = {0};
  auto sink = OpenSink(TargetSpec::ExistingTable::kCreate);
  auto plan = sink->PrepareTable(schema, TableRule{}, false);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  auto writer = sink->OpenWriter(*plan);
  auto word = [](const char* w, int n) { return Row{{Value::Str(w), Value::Int(n)}, {}}; };
  // Source (case-insensitive) order: a < B < c; the chunks are (-inf, B] and (B, +inf).
  std::vector<Row> first = {word("a", 1), word("B", 2)};
  std::vector<Row> second = {word("c", 3)};
  Key b{{Value::Str("B")}};
  ASSERT_TRUE((*writer)->WriteChunk(ChunkBounds{std::nullopt, b}, first).ok());
  ASSERT_TRUE((*writer)->WriteChunk(ChunkBounds{b, std::nullopt}, second).ok());
  ASSERT_TRUE((*writer)->WriteChunk(ChunkBounds{b, std::nullopt}, second).ok());
  ASSERT_TRUE((*writer)->WriteChunk(ChunkBounds{std::nullopt, b}, first).ok());
  EXPECT_EQ(Select("words").size(), 3u);
}

TEST_F(SinkPostgresTest, ExistingTableModesAndDeferredIndexes) {
  auto create = OpenSink(TargetSpec::ExistingTable::kCreate);
  auto plan = create->PrepareTable(schema_, TableRule{}, false);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_EQ(plan->deferred.size(), 3u);
  EXPECT_EQ(plan->deferred[0], (Index{"types_pkey", {"id"}, true, true, ""}));
  EXPECT_EQ(plan->deferred[1].name, "types_by_bi");
  for (const Index& index : plan->deferred) {
    Status built = create->BuildIndex(*plan, index);
    EXPECT_TRUE(built.ok()) << built.ToString();
    EXPECT_TRUE(create->BuildIndex(*plan, index).ok());
  }
  auto indexes = admin_->Query(
      "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 ORDER BY indexname",
      {schema_name_});
  ASSERT_TRUE(indexes.ok());
  ASSERT_EQ(indexes->rows.size(), 3u);
  EXPECT_EQ(indexes->rows[0][1],
            "CREATE INDEX types_by_bi ON " + schema_name_ + ".types USING btree (bi)");
  EXPECT_EQ(indexes->rows[1][1],
            "CREATE UNIQUE INDEX types_by_vu ON " + schema_name_ + ".types USING btree (vu, id)");
  EXPECT_EQ(indexes->rows[2][0], "types_pkey");

  auto writer = create->OpenWriter(*plan);
  std::vector<Row> seven = {RowFromText(schema_, {"7"})};
  ASSERT_TRUE((*writer)->WriteChunk(ChunkBounds{}, seven).ok());
  TableSchema keyless = schema_;
  keyless.key.clear();
  auto refused = create->PrepareTable(keyless, TableRule{}, false);
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(refused.status().message(),
            "table " + schema_name_ +
                ".types has no primary key and no unique NOT NULL index; chunks "
                "need a key");
  auto again = create->PrepareTable(schema_, TableRule{}, false);
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(again.status().message(), "target table " + schema_name_ +
                                          ".types exists already; drop it, or set "
                                          "target.existing_tables to truncate or keep");
  EXPECT_TRUE(create->PrepareTable(schema_, TableRule{}, true).ok());

  auto keep = OpenSink(TargetSpec::ExistingTable::kKeep)->PrepareTable(schema_, TableRule{}, false);
  ASSERT_TRUE(keep.ok());
  EXPECT_FALSE(keep->created);
  EXPECT_TRUE(keep->deferred.empty());
  EXPECT_EQ(Select().size(), 1u);

  auto truncate =
      OpenSink(TargetSpec::ExistingTable::kTruncate)->PrepareTable(schema_, TableRule{}, false);
  ASSERT_TRUE(truncate.ok()) << truncate.status().ToString();
  EXPECT_TRUE(Select().empty());
  EXPECT_EQ(truncate->deferred.size(), 2u);
  auto left =
      admin_->Query("SELECT count(*) FROM pg_indexes WHERE schemaname = $1", {schema_name_});
  EXPECT_EQ(left->rows[0][0], "1");  // only the primary key
}

TEST_F(SinkPostgresTest, LoadsUnkeyedAndAddsTheKeyAfterTheLoadOrWhenResuming) {
  auto sink = OpenSink(TargetSpec::ExistingTable::kCreate);
  auto plan = sink->PrepareTable(schema_, TableRule{}, false);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_TRUE(plan->starts_empty);
  std::string constraints_sql =
      "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'p' AND "
      "conrelid = to_regclass($1)";
  postgres::Params table = {schema_name_ + ".types"};
  EXPECT_TRUE(admin_->Query(constraints_sql, table)->rows.empty());

  auto writer = sink->OpenWriter(*plan);
  ASSERT_TRUE(writer.ok());
  std::vector<Row> rows = {RowFromText(schema_, {"1"}), RowFromText(schema_, {"2"})};
  ChunkBounds fresh{std::nullopt, KeyOfId(2), /*may_exist=*/false};
  ASSERT_TRUE((*writer)->WriteChunk(fresh, rows).ok());
  // may_exist=false promises an empty range, so nothing is deleted: a second such write
  // duplicates (the copier never sends it twice) ...
  ASSERT_TRUE((*writer)->WriteChunk(fresh, rows).ok());
  EXPECT_EQ(*sink->CountRows(plan->target, true), 4u);
  // ... and the key cannot be built over duplicates; the error names it and the row.
  auto duplicated = sink->PrepareTable(schema_, TableRule{}, true);
  EXPECT_EQ(duplicated.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(duplicated.status().message(),
            "adding primary key types_pkey: " + admin_->Describe() +
                ": ERROR: could not create unique index \"types_pkey\" DETAIL: Key (id)=(1) is "
                "duplicated. (SQLSTATE 23505)");
  // A retry (may_exist) replaces every row in its bounds, keyed or not.
  ChunkBounds retried{std::nullopt, KeyOfId(2)};
  ASSERT_TRUE((*writer)->WriteChunk(retried, rows).ok());
  EXPECT_EQ(*sink->CountRows(plan->target, true), 2u);

  // Resuming keys the table first, so that this run's rewrites delete by key.
  auto resumed = sink->PrepareTable(schema_, TableRule{}, true);
  ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
  EXPECT_FALSE(resumed->starts_empty);
  ASSERT_EQ(resumed->deferred.size(), 2u);
  EXPECT_FALSE(resumed->deferred[0].primary);
  EXPECT_EQ(admin_->Query(constraints_sql, table)->rows,
            (std::vector<postgres::SqlRow>{{"types_pkey", "PRIMARY KEY (id)"}}));
  // The key the first run deferred is then found built.
  Status built = sink->BuildIndex(*plan, plan->deferred[0]);
  EXPECT_TRUE(built.ok()) << built.ToString();
  EXPECT_EQ(admin_->Query(constraints_sql, table)->rows.size(), 1u);

  // truncate keeps a table's own primary key; a table without one is keyed after the load.
  auto truncate = OpenSink(TargetSpec::ExistingTable::kTruncate);
  auto keyed = truncate->PrepareTable(schema_, TableRule{}, false);
  ASSERT_TRUE(keyed.ok()) << keyed.status().ToString();
  EXPECT_TRUE(keyed->starts_empty);
  EXPECT_EQ(keyed->deferred.size(), 2u);
  EXPECT_EQ(admin_->Query(constraints_sql, table)->rows.size(), 1u);
  ASSERT_TRUE(
      admin_->Execute("ALTER TABLE " + schema_name_ + ".types DROP CONSTRAINT types_pkey").ok());
  auto unkeyed = truncate->PrepareTable(schema_, TableRule{}, false);
  ASSERT_TRUE(unkeyed.ok()) << unkeyed.status().ToString();
  ASSERT_EQ(unkeyed->deferred.size(), 3u);
  EXPECT_TRUE(unkeyed->deferred[0].primary);
  EXPECT_TRUE(truncate->BuildIndex(*unkeyed, unkeyed->deferred[0]).ok());
  EXPECT_EQ(admin_->Query(constraints_sql, table)->rows.size(), 1u);

  // keep leaves the table as it is and promises nothing about its rows.
  auto kept = OpenSink(TargetSpec::ExistingTable::kKeep)->PrepareTable(schema_, TableRule{}, false);
  ASSERT_TRUE(kept.ok());
  EXPECT_FALSE(kept->starts_empty);
}

}  // namespace
}  // namespace cutover
