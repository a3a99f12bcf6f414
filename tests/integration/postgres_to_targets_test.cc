// Integration test of a PostgreSQL source's types written to the SQL targets through their
// sinks (the copy's path, without the PostgresSource): the table of every type
// (tests/support/postgres_types.h) read from postgres-source as Values, then
//   - into postgres-target: created with the source's types (an enum as checked text), every
//     edge row written by COPY, and every value read back as the same text the source shows;
//   - into mariadb-target: created with the types of docs/type-mapping.md, the rows MariaDB
//     cannot hold refused naming the column, and a row of holdable values read back exactly.
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "db/mysql/connection.h"
#include "db/postgres/connection.h"
#include "sink/mysql/sink.h"
#include "sink/postgres/sink.h"
#include "source/postgres/source_schema.h"
#include "source/postgres/types.h"
#include "support/connection_spec.h"
#include "support/postgres_types.h"
#include "support/servers.h"

namespace cutover {
namespace {

// Each row of `sql`'s result as text, NULL as "NULL".
std::vector<std::vector<std::string>> Texts(postgres::Connection& db, const std::string& sql) {
  for (const std::string& setting : postgres::SessionSettings()) {
    EXPECT_TRUE(db.Execute(setting).ok());
  }
  Result<postgres::QueryResult> result = db.Query(sql);
  EXPECT_TRUE(result.ok()) << sql << ": " << result.status().ToString();
  std::vector<std::vector<std::string>> rows;
  if (!result.ok()) return rows;
  for (const postgres::SqlRow& row : result->rows) {
    std::vector<std::string> texts;
    for (const auto& cell : row) texts.push_back(cell.value_or("NULL"));
    rows.push_back(std::move(texts));
  }
  return rows;
}

class PostgresToTargetsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::EnsureServer("postgres-source"));
    auto opened = postgres::Connection::Open(
        testing::ConnectionFor(testing::PostgresSource(), testing::PostgresSource().database));
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    source_ = std::move(*opened);
    bool hstore = source_->Execute("CREATE EXTENSION IF NOT EXISTS hstore").ok();
    ASSERT_TRUE(source_->Execute("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE").ok());
    ASSERT_TRUE(source_->Execute("CREATE SCHEMA " + schema_).ok());
    // hstore needs the extension on the target too; the matrix without it is enough here.
    (void)hstore;
    ASSERT_TRUE(source_->Execute(testing::PostgresTypesSql(schema_, false)).ok());
    Result<TableSchema> schema = postgres::LoadTableSchema(*source_, {schema_, "types"});
    ASSERT_TRUE(schema.ok()) << schema.status().ToString();
    schema_of_ = *schema;
    source_texts_ = Texts(*source_, SelectAll(schema_));
    for (const std::vector<std::string>& texts : source_texts_) {
      Row row;
      for (size_t column_idx = 0; column_idx < texts.size(); ++column_idx) {
        if (texts[column_idx] == "NULL") {
          row.values.push_back(Value());
          continue;
        }
        Result<Value> value =
            postgres::ParsePostgresText(schema_of_.columns[column_idx].type, texts[column_idx]);
        ASSERT_TRUE(value.ok()) << value.status().ToString();
        row.values.push_back(*value);
      }
      rows_.push_back(std::move(row));
    }
    ASSERT_EQ(rows_.size(), 4u);
  }
  void TearDown() override {
    if (source_ != nullptr) (void)source_->Execute("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
  }
  std::string SelectAll(const std::string& schema) const {
    std::string columns;
    for (const Column& column : schema_of_.columns) {
      columns += (columns.empty() ? "" : ", ") + postgres::QuoteIdentifier(column.name);
    }
    return fmt::format("SELECT {} FROM {}.types ORDER BY id", columns,
                       postgres::QuoteIdentifier(schema));
  }
  // Prepares the target table through `sink` and writes `rows` as one chunk.
  Status Write(Sink& sink, const std::vector<Row>& rows) {
    CUTOVER_ASSIGN_OR_RETURN(TargetTablePlan plan, sink.PrepareTable(schema_of_, rule_, false));
    CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<TableWriter> writer, sink.OpenWriter(plan));
    return writer->WriteChunk(ChunkBounds{}, rows);
  }

  const std::string schema_ = fmt::format("totargets_{}", getpid());
  const TableRule rule_{"*", {}, "", {}, ""};
  std::unique_ptr<postgres::Connection> source_;
  TableSchema schema_of_;
  std::vector<std::vector<std::string>> source_texts_;
  std::vector<Row> rows_;
};

TEST_F(PostgresToTargetsTest, PostgresTargetHoldsEveryValueAsTheSourceShowsIt) {
  ASSERT_TRUE(testing::EnsureServer("postgres-target"));
  Spec spec;
  spec.target.kind = TargetKind::kPostgres;
  spec.target.connection =
      testing::ConnectionFor(testing::PostgresTarget(), testing::PostgresTarget().database);
  auto target = postgres::Connection::Open(spec.target.connection);
  ASSERT_TRUE(target.ok()) << target.status().ToString();
  ASSERT_TRUE((*target)->Execute("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE").ok());
  ASSERT_TRUE((*target)->Execute("CREATE SCHEMA " + schema_).ok());
  auto sink = postgres::OpenPostgresSink(spec);
  ASSERT_TRUE(sink.ok()) << sink.status().ToString();
  Status written = Write(**sink, rows_);
  EXPECT_TRUE(written.ok()) << written.ToString();
  std::vector<std::vector<std::string>> texts = Texts(**target, SelectAll(schema_));
  ASSERT_EQ(texts.size(), source_texts_.size());
  for (size_t row_idx = 0; row_idx < texts.size(); ++row_idx) {
    for (size_t column_idx = 0; column_idx < schema_of_.columns.size(); ++column_idx) {
      EXPECT_EQ(texts[row_idx][column_idx], source_texts_[row_idx][column_idx])
          << "row " << row_idx + 1 << " column " << schema_of_.columns[column_idx].name;
    }
  }
  // An enum's labels are the CHECK of its text column: another label is refused.
  Result<uint64_t> bad =
      (*target)->Execute(fmt::format("UPDATE {}.types SET c_mood = 'angry' WHERE id = 1", schema_));
  EXPECT_FALSE(bad.ok());
  (void)(*target)->Execute("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
}

TEST_F(PostgresToTargetsTest, MariaDbTargetRefusesByNameAndHoldsTheRest) {
  ASSERT_TRUE(testing::EnsureServer("mariadb-target"));
  testing::ServerInfo server = testing::MariaDbTarget();
  Spec spec;
  spec.target.kind = TargetKind::kMariaDB;
  spec.target.connection = testing::ConnectionFor(server, schema_);
  spec.target.existing_tables = TargetSpec::ExistingTable::kTruncate;  // written twice
  mysql::ConnectOptions options;
  options.use_database = false;
  auto admin = mysql::Connection::Open(spec.target.connection, options);
  ASSERT_TRUE(admin.ok()) << admin.status().ToString();
  ASSERT_TRUE((*admin)->Execute("DROP DATABASE IF EXISTS " + schema_).ok());
  ASSERT_TRUE((*admin)->Execute("CREATE DATABASE " + schema_).ok());
  auto sink = mysql::OpenMysqlSink(spec);
  ASSERT_TRUE(sink.ok()) << sink.status().ToString();

  // Row 1 holds NaN (the first such column), row 2 infinity: refused, naming the column.
  Status refused = Write(**sink, {rows_[0]});
  EXPECT_EQ(refused.message(),
            fmt::format("{}.types column c_numeric: NaN has no MariaDB DECIMAL value; it is never "
                        "written altered: leave the column out with the table's `columns` list, "
                        "or change the value on the source",
                        schema_));
  // Row 3 holds -0, which MariaDB stores as 0.
  EXPECT_EQ(Write(**sink, {rows_[2]}).message(),
            fmt::format("{}.types column c_real: -0 (MariaDB stores it as 0) has no MariaDB "
                        "FLOAT/DOUBLE value; it is never written altered: leave the column out "
                        "with the table's `columns` list, or change the value on the source",
                        schema_));
  // Row 3 without its -0 and BC dates: every other value is held.
  Row holdable = rows_[2];
  for (const char* name : {"c_real", "c_date", "c_timestamp", "c_timestamptz"}) {
    holdable.values[*schema_of_.ColumnIndex(name)] = Value();
  }
  Status written = Write(**sink, {holdable, rows_[3]});
  ASSERT_TRUE(written.ok()) << written.ToString();
  auto result = (*admin)->Query(fmt::format("SELECT * FROM {}.types ORDER BY id", schema_));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_EQ(result->rows.size(), 2u);
  std::vector<std::string> expected = {
      "3",
      "0",
      "42",
      "1",
      "-123456789012345678901234567890.123456789012345678901234567890",
      "0.50",
      "1.50",
      "NULL",
      "0.1",
      "plain",
      "mid",
      "     ",
      "\xde\xad\xbe\xef",
      "1",
      "NULL",
      "2024-02-29",
      "12:34:56.789000",
      "12:00:00.1+05:30",
      "NULL",
      "NULL",
      "00:00:00",
      "6ba7b810-9dad-11d1-80b4-00c04fd430c8",
      "null",
      "{}",
      "{}",
      "{\"\"}",
      "ok",
      "{ok}",
      "5",
      "1.00",
      "{3}",
      "10.0.0.1",
      "::/0",
      "00:00:00:00:00:00",
      "00:00:00:00:00:00:00:00",
      "\x05",
      std::string("\x80\0\0\0\0\0\0\x01", 8),
      "1",
      "",
      "(,)",
      "{(,)}"};
  ASSERT_EQ(result->rows[0].size(), expected.size());
  for (size_t column_idx = 0; column_idx < expected.size(); ++column_idx) {
    EXPECT_EQ(result->rows[0][column_idx].value_or("NULL"), expected[column_idx])
        << "column " << schema_of_.columns[column_idx].name;
    if (column_idx > 0) {
      EXPECT_FALSE(result->rows[1][column_idx].has_value());
    }
  }
  (void)(*admin)->Execute("DROP DATABASE IF EXISTS " + schema_);
}

}  // namespace
}  // namespace cutover
