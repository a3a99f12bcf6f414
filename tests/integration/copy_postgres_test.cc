// `cutover copy` MariaDB -> PostgreSQL: every type, composite and binary keys, a row filter and
// a column subset arrive row by row equal under docs/type-mapping.md (each column compared
// through the text both servers give for it, normalised only where the mapping says the
// spelling differs: fraction zeros, time zone suffix, float exponent, JSON whitespace), and
// every table ends with its primary key, which the copy builds after the load: also when the
// copy is killed between a chunk's write and its record, or while the keys are being built,
// and run again.
#include <csignal>
#include <nlohmann/json.hpp>
#include <thread>

#include <gtest/gtest.h>

#include "copy_support.h"
#include "db/postgres/connection.h"

namespace cutover {
namespace {

enum class Compare { kExact, kNumber, kTime, kJson };

struct ColumnPair {
  std::string mariadb;   // select expression on the source
  std::string postgres;  // select expression on the target
  Compare compare = Compare::kExact;
};

// "12:00:00.500000+00" -> "12:00:00.5"; "1000-01-01 00:00:00.000000" -> "1000-01-01 00:00:00".
std::string NormaliseTime(std::string text) {
  if (text.size() > 3 && text.compare(text.size() - 3, 3, "+00") == 0) text.resize(text.size() - 3);
  size_t dot = text.rfind('.');
  if (dot != std::string::npos &&
      text.find_first_not_of("0123456789", dot + 1) == std::string::npos) {
    while (text.back() == '0') text.pop_back();
    if (text.back() == '.') text.pop_back();
  }
  return text;
}

std::string Normalise(const std::optional<std::string>& cell, Compare compare) {
  if (!cell) return "NULL";
  switch (compare) {
    case Compare::kExact: return *cell;
    case Compare::kNumber: return std::to_string(std::stod(*cell));
    case Compare::kTime: return NormaliseTime(*cell);
    case Compare::kJson: return nlohmann::json::parse(*cell).dump();
  }
  return *cell;
}

class CopyPostgresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::EnsureServer("mariadb-source"));
    ASSERT_TRUE(testing::EnsureServer("postgres-target"));
    source_ = copytest::Connect(testing::MariaDbSource());
    ASSERT_NE(source_, nullptr);
    testing::ServerInfo pg = testing::PostgresTarget();
    ConnectionSpec spec = copytest::ConnectionFor(pg, pg.database);
    Result<std::unique_ptr<postgres::Connection>> target = postgres::Connection::Open(spec);
    ASSERT_TRUE(target.ok()) << target.status().ToString();
    target_ = *std::move(target);
    db_ = "copy_pg_" + std::to_string(getpid());
    dir_ = copytest::MakeTempDir("cutover_copy_pg");
    PgExec("DROP SCHEMA IF EXISTS " + db_ + " CASCADE");
    PgExec("SET TIME ZONE 'UTC'");
  }
  void TearDown() override {
    if (source_) copytest::Exec(*source_, "DROP DATABASE IF EXISTS " + db_);
    if (target_) PgExec("DROP SCHEMA IF EXISTS " + db_ + " CASCADE");
    std::filesystem::remove_all(dir_);
  }
  void PgExec(const std::string& sql) {
    Result<postgres::QueryResult> result = target_->Query(sql);
    ASSERT_TRUE(result.ok()) << sql << ": " << result.status().ToString();
  }
  // Rows of both sides, column by column normalised, in key order.
  void ExpectSameRows(const std::string& table, const std::vector<ColumnPair>& columns,
                      const std::string& order, const std::string& where = "") {
    std::string mariadb_sql = "SELECT ";
    std::string postgres_sql = "SELECT ";
    for (size_t index = 0; index < columns.size(); ++index) {
      mariadb_sql += (index ? ", " : "") + columns[index].mariadb;
      postgres_sql += (index ? ", " : "") + columns[index].postgres;
    }
    mariadb_sql += " FROM " + db_ + "." + table + where + " ORDER BY " + order;
    postgres_sql += " FROM " + db_ + "." + table + " ORDER BY " + order;
    Result<mysql::QueryResult> expected = source_->Query(mariadb_sql);
    Result<postgres::QueryResult> actual = target_->Query(postgres_sql);
    ASSERT_TRUE(expected.ok()) << mariadb_sql << ": " << expected.status().ToString();
    ASSERT_TRUE(actual.ok()) << postgres_sql << ": " << actual.status().ToString();
    ASSERT_EQ(actual->rows.size(), expected->rows.size()) << table;
    ASSERT_FALSE(expected->rows.empty()) << table;
    for (size_t row = 0; row < expected->rows.size(); ++row) {
      for (size_t column = 0; column < columns.size(); ++column) {
        EXPECT_EQ(Normalise(actual->rows[row][column], columns[column].compare),
                  Normalise(expected->rows[row][column], columns[column].compare))
            << table << " row " << row << " column " << columns[column].mariadb;
      }
    }
  }

  // The spec of the copy tests' schema into the PostgreSQL target, with `extra` settings.
  std::filesystem::path WriteSpec(const std::string& extra = "") {
    std::filesystem::path spec = dir_ / "spec.yaml";
    copytest::WriteFile(
        spec, copytest::CopySpec("copy-pg", testing::MariaDbSource(),
                                 copytest::PostgresTargetYaml(testing::PostgresTarget()),
                                 copytest::SourceTablesYaml(db_), (dir_ / "state").string(),
                                 copytest::SmallChunks() + extra));
    return spec;
  }

  // Every copied table equals its source under the type mapping: no row missing, none twice.
  void ExpectTargetEqualsSource() {
    auto same = [](const std::string& column) {
      return ColumnPair{column, column, Compare::kExact};
    };
    std::vector<ColumnPair> types = {same("id"),
                                     same("ti"),
                                     same("tu"),
                                     same("si"),
                                     same("mi"),
                                     same("bi"),
                                     same("bu"),
                                     same("de"),
                                     {"fl", "fl", Compare::kNumber},
                                     {"dbl", "dbl", Compare::kNumber},
                                     {"LPAD(BIN(bt), 10, '0')", "bt::text", Compare::kExact},
                                     same("yr"),
                                     same("d"),
                                     {"t", "t::text", Compare::kTime},
                                     {"dt", "dt::text", Compare::kTime},
                                     {"ts", "ts::text", Compare::kTime},
                                     same("c"),
                                     same("vc"),
                                     same("tx"),
                                     {"LOWER(HEX(bn))", "encode(bn, 'hex')"},
                                     {"LOWER(HEX(vb))", "encode(vb, 'hex')"},
                                     {"LOWER(HEX(bl))", "encode(bl, 'hex')"},
                                     same("en"),
                                     same("st"),
                                     {"js", "js::text", Compare::kJson},
                                     same("l1")};
    ExpectSameRows("types", types, "id");
    ExpectSameRows("composite", {same("tenant"), same("line"), same("qty"), same("note")}, "line");
    ExpectSameRows("binkey", {{"LOWER(HEX(code))", "encode(code, 'hex')"}, same("v")}, "v");
    ExpectSameRows("uniq_only", {same("code"), same("v")}, "code");
    ExpectSameRows("filtered", {same("id"), same("payload")}, "id", " WHERE status = 'active'");
  }

  // Every table has exactly its primary key on the source's key (uniq_only: its unique index)
  // and every index once.
  void ExpectKeysAndIndexes() {
    Result<postgres::QueryResult> keys = target_->Query(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype = 'p' AND connamespace = to_regnamespace($1) ORDER BY 1",
        {db_});
    ASSERT_TRUE(keys.ok()) << keys.status().ToString();
    std::vector<postgres::SqlRow> expected = {
        {db_ + ".binkey", "binkey_pkey", "PRIMARY KEY (code)"},
        {db_ + ".composite", "composite_pkey", "PRIMARY KEY (tenant, line)"},
        {db_ + ".filtered", "filtered_pkey", "PRIMARY KEY (id)"},
        {db_ + ".types", "types_pkey", "PRIMARY KEY (id)"},
        {db_ + ".uniq_only", "uniq_only_pkey", "PRIMARY KEY (code)"}};
    EXPECT_EQ(keys->rows, expected);
    Result<postgres::QueryResult> indexes = target_->Query(
        "SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes WHERE "
        "schemaname = $1",
        {db_});
    ASSERT_TRUE(indexes.ok()) << indexes.status().ToString();
    EXPECT_EQ(indexes->rows[0][0].value_or(""),
              "binkey_pkey,composite_k_qty,composite_pkey,filtered_pkey,types_k_vc,types_pkey,"
              "types_u_bi,uniq_only_pkey");
  }

  std::unique_ptr<mysql::Connection> source_;
  std::unique_ptr<postgres::Connection> target_;
  std::string db_;
  std::filesystem::path dir_;
};

TEST_F(CopyPostgresTest, TargetEqualsSourceUnderTheTypeMapping) {
  copytest::CreateSourceSchema(*source_, db_);
  copytest::RunResult run = copytest::RunCopy(WriteSpec());
  ASSERT_EQ(run.exit_code, 0) << run.output;
  ExpectTargetEqualsSource();
  ExpectKeysAndIndexes();
  Result<postgres::QueryResult> columns = target_->Query(
      "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM "
      "information_schema.columns WHERE table_schema = '" +
      db_ + "' AND table_name = 'filtered'");
  ASSERT_TRUE(columns.ok());
  EXPECT_EQ(columns->rows[0][0].value_or(""), "id,payload");
  Result<postgres::QueryResult> indexes = target_->Query(
      "SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes WHERE schemaname = '" +
      db_ + "' AND tablename = 'types'");
  ASSERT_TRUE(indexes.ok());
  std::string names = indexes->rows[0][0].value_or("");
  EXPECT_NE(names.find("k_vc"), std::string::npos) << names;
  EXPECT_NE(names.find("u_bi"), std::string::npos) << names;
}

// Killed with SIGKILL at the named points (copytest's CUTOVER_TEST_PAUSE_AT), then run again.
class CopyPostgresResumeTest : public CopyPostgresTest,
                               public ::testing::WithParamInterface<std::vector<std::string>> {};

TEST_P(CopyPostgresResumeTest, KilledThenRerunEndsEqualWithEveryKey) {
  copytest::CreateSourceSchema(*source_, db_);
  std::filesystem::path spec = WriteSpec();
  for (const std::string& point : GetParam()) {
    copytest::RunResult killed = copytest::RunCopy(spec, "CUTOVER_TEST_PAUSE_AT=" + point);
    ASSERT_EQ(killed.signal, 9) << point << " exit " << killed.exit_code << ": " << killed.output;
  }
  copytest::RunResult rerun = copytest::RunCopy(spec);
  ASSERT_EQ(rerun.exit_code, 0) << rerun.output;
  ExpectTargetEqualsSource();
  ExpectKeysAndIndexes();
  copytest::RunResult again = copytest::RunCopy(spec);
  EXPECT_EQ(again.exit_code, 0) << again.output;
  ExpectTargetEqualsSource();
}

INSTANTIATE_TEST_SUITE_P(
    KillPoints, CopyPostgresResumeTest,
    ::testing::Values(std::vector<std::string>{"after_write:7:kill"},
                      std::vector<std::string>{"after_index:1:kill"},
                      std::vector<std::string>{"after_write:3:kill", "after_write:12:kill",
                                               "after_index:2:kill"}),
    [](const ::testing::TestParamInfo<std::vector<std::string>>& param_info) {
      std::string name;
      for (const std::string& point : param_info.param) {
        name += (name.empty() ? "" : "_then_") + point.substr(0, point.find(':')) +
                point.substr(point.find(':') + 1, point.rfind(':') - point.find(':') - 1);
      }
      return name;
    });

// Killed in the middle of adding a primary key: the test holds a lock on the table that lets
// the load through but not the ALTER TABLE, kills the copy while its key build waits for it,
// then lets the dead process's session go on. The rerun adds the key (or finds it added) and
// ends equal.
TEST_F(CopyPostgresTest, KilledWhileAddingThePrimaryKeyThenRerunEndsKeyed) {
  copytest::CreateSourceSchema(*source_, db_);
  // Slow enough (about 3 s for the 6,000 rows) for the lock to be taken before the load ends.
  std::filesystem::path spec = WriteSpec("throttle:\n  copy_rows_per_second: 2000\n");
  ConnectionSpec pg =
      copytest::ConnectionFor(testing::PostgresTarget(), testing::PostgresTarget().database);
  Result<std::unique_ptr<postgres::Connection>> locker = postgres::Connection::Open(pg);
  ASSERT_TRUE(locker.ok()) << locker.status().ToString();
  pid_t copy = copytest::StartCopy(spec);
  ASSERT_GT(copy, 0);
  std::string table = db_ + ".composite";
  auto poll = [&](const std::string& sql, const postgres::Params& params) {
    for (int tries = 0; tries < 3000; ++tries) {
      Result<postgres::QueryResult> result = target_->Query(sql, params);
      if (result.ok() && !result->rows.empty() && result->rows[0][0]) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  };
  bool created = poll("SELECT to_regclass($1)", {table});
  // ACCESS SHARE lets COPY write but makes ALTER TABLE (ACCESS EXCLUSIVE) wait.
  Status locked =
      (*locker)->Execute("BEGIN; LOCK TABLE " + table + " IN ACCESS SHARE MODE").status();
  bool waiting = created && locked.ok() &&
                 poll(
                     "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND "
                     "query = $1",
                     {"LOCK TABLE \"" + db_ + "\".\"composite\" IN ACCESS EXCLUSIVE MODE"});
  kill(copy, SIGKILL);
  int status = 0;
  waitpid(copy, &status, 0);
  ASSERT_TRUE(created) << "the copy did not create " << table;
  ASSERT_TRUE(locked.ok()) << locked.ToString();
  ASSERT_TRUE(waiting) << "the copy did not start adding the primary key of " << table;
  ASSERT_TRUE(WIFSIGNALED(status));
  Result<postgres::QueryResult> keys = target_->Query(
      "SELECT 1 FROM pg_constraint WHERE contype = 'p' AND conrelid = to_regclass($1)", {table});
  ASSERT_TRUE(keys.ok());
  EXPECT_TRUE(keys->rows.empty());  // not yet: the build waits for the lock
  ASSERT_TRUE((*locker)->Execute("COMMIT").ok());

  copytest::RunResult rerun = copytest::RunCopy(spec);
  ASSERT_EQ(rerun.exit_code, 0) << rerun.output;
  ExpectTargetEqualsSource();
  ExpectKeysAndIndexes();
}

}  // namespace
}  // namespace cutover
