// Test support for a PostgreSQL source under a live workload (run_postgres_source_test.cc,
// run_postgres_source_restart_test.cc, run_postgres_source_lifecycle_test.cc,
// verify_postgres_source_test.cc): sessions and the workload of its own, on two tables of
// schema `schema`: docs (a large TOASTed body) and lines (a composite key); `cutover run` and
// the row-by-row comparison of both sides.
#pragma once

#include <atomic>
#include <cctype>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "db/mysql/connection.h"
#include "db/postgres/connection.h"
#include "run_support.h"

namespace cutover::pgsource {

constexpr int kDocs = 600;
constexpr int kOrders = 200;  // 3 lines each

inline std::unique_ptr<postgres::Connection> ConnectPg(const testing::ServerInfo& server) {
  ConnectionSpec spec = copytest::ConnectionFor(server, server.database);
  Result<std::unique_ptr<postgres::Connection>> opened = postgres::Connection::Open(spec);
  EXPECT_TRUE(opened.ok()) << opened.status().ToString();
  return opened.ok() ? *std::move(opened) : nullptr;
}

inline void PgExec(postgres::Connection& connection, const std::string& sql) {
  Status status = connection.Execute(sql).status();
  EXPECT_TRUE(status.ok()) << sql << ": " << status.ToString();
}

// The cells of each row of `sql`'s result, NULL as "NULL".
inline std::vector<std::vector<std::string>> PgCells(postgres::Connection& connection,
                                                     const std::string& sql) {
  Result<postgres::QueryResult> result = connection.Query(sql);
  EXPECT_TRUE(result.ok()) << sql << ": " << result.status().ToString();
  std::vector<std::vector<std::string>> rows;
  if (!result.ok()) return rows;
  for (const postgres::SqlRow& row : result->rows) {
    std::vector<std::string> cells;
    for (const std::optional<std::string>& cell : row) cells.push_back(cell.value_or("NULL"));
    rows.push_back(std::move(cells));
  }
  return rows;
}

// Each row of `sql`'s result as one line, its cells joined by tabs.
inline std::vector<std::string> PgLines(postgres::Connection& connection, const std::string& sql) {
  std::vector<std::string> lines;
  for (const std::vector<std::string>& cells : PgCells(connection, sql)) {
    std::string line;
    for (size_t column = 0; column < cells.size(); ++column) {
      if (column > 0) line += '\t';
      line += cells[column];
    }
    lines.push_back(std::move(line));
  }
  return lines;
}

// A body of `size` random hex characters: stored out of line (STORAGE EXTERNAL), so an update
// that does not touch it reaches pgoutput as 'unchanged TOAST'.
inline const char* kBigBody = "(SELECT string_agg(md5(random()::text), '') FROM generate_series(1, 100))";

// The workload, on its own connection and thread, about one transaction per `pause`.
class PgWorkload {
 public:
  PgWorkload(const testing::ServerInfo& server, std::string schema)
      : server_(server), schema_(std::move(schema)) {}
  ~PgWorkload() { Stop(); }

  void Start(std::chrono::milliseconds pause) {
    thread_ = std::thread([this, pause] {
      std::unique_ptr<postgres::Connection> connection;
      std::mt19937 random(42);
      int64_t next_id = 1'000'000;
      int next_order = 100'000;
      while (!stop_) {
        if (connection == nullptr) {  // at the start, and after a lost one (a restarting source)
          Result<std::unique_ptr<postgres::Connection>> opened =
              postgres::Connection::Open(copytest::ConnectionFor(server_, server_.database));
          if (!opened.ok()) {
            ++failures_;
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            continue;
          }
          connection = *std::move(opened);
        }
        const std::string docs = schema_ + ".docs";
        const std::string id = std::to_string(1 + random() % (kDocs * 2));
        std::string sql;
        switch (random() % 7) {
          case 0:
            sql = fmt::format(
                "INSERT INTO {} (id, title, body, n, price) VALUES ({}, 'new', {}, "
                "0, 1.25)",
                docs, ++next_id, kBigBody);
            break;
          case 1:
          case 2:  // the TOASTed body unchanged
            sql = fmt::format(
                "UPDATE {} SET n = n + 1, updated = now(), price = price + 0.5 "
                "WHERE id = {}",
                docs, id);
            break;
          case 3:
            sql = fmt::format("UPDATE {} SET body = {} WHERE id = {}", docs, kBigBody, id);
            break;
          case 4:  // a key change, the body unchanged
            sql = fmt::format("UPDATE {} SET id = {}, title = 'moved' WHERE id = {}", docs,
                              ++next_id, id);
            break;
          case 5: sql = fmt::format("DELETE FROM {} WHERE id = {}", docs, id); break;
          default: {
            const int order = ++next_order;
            const std::string lines = schema_ + ".lines";
            sql = fmt::format(
                "BEGIN; INSERT INTO {0} VALUES ({1}, 1, 'a', 1), ({1}, 2, 'b', 2.5), ({1}, 3, 'c', "
                "3); UPDATE {0} SET qty = qty * 2 WHERE order_id = {2}; DELETE FROM {0} WHERE "
                "order_id = {3} AND line = 2; UPDATE {0} SET line = 9 WHERE order_id = {1} AND "
                "line = 3; COMMIT",
                lines, order, 1 + random() % kOrders, 1 + random() % kOrders);
          }
        }
        Status status = connection->Execute(sql).status();
        if (status.ok()) {
          ++transactions_;
        } else {
          ++failures_;
          std::cerr << "workload: " << status.ToString() << "\n";
          // A failed statement of a live session leaves its transaction to roll back; a session
          // the server dropped is opened again.
          if (!connection->Execute("ROLLBACK").ok()) connection.reset();
        }
        std::this_thread::sleep_for(pause);
      }
    });
  }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int transactions() const { return transactions_; }
  // Failed transactions and failed attempts to connect: none unless the source went away.
  int failures() const { return failures_; }

 private:
  testing::ServerInfo server_;
  std::string schema_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> transactions_{0};
  std::atomic<int> failures_{0};
};

// The live-workload scenario's runs, `workload` writing meanwhile: `cutover run` (each started
// by `start(env)`) killed with SIGKILL at each of `points` (CUTOVER_TEST_PAUSE_AT; a point in the
// copy, such as after_write, makes the next run resume the copy in a snapshot of its own:
// docs/copy.md, "A resumed copy on PostgreSQL") and at random. Returns the last run, started
// again and in CDC for 2 s; the workload is stopped by then, with more than 200 transactions and
// no failure.
template <typename StartRun>
std::unique_ptr<runtest::CutoverProcess> RunKilledAndResumedUnderLoad(
    PgWorkload& workload, StartRun start, std::initializer_list<const char*> points) {
  using namespace std::chrono_literals;
  runtest::KillAtEachPointThenAtRandom(start, points);
  std::unique_ptr<runtest::CutoverProcess> run = start("");
  EXPECT_TRUE(runtest::WaitForCdc(*run, 60s)) << run->Output();
  std::this_thread::sleep_for(2s);
  workload.Stop();
  EXPECT_GT(workload.transactions(), 200);
  EXPECT_EQ(workload.failures(), 0);
  return run;
}

// The docs and lines tables of the workload, filled: docs ids 1..kDocs (every tenth body NULL),
// lines of orders 1..kOrders (3 each).
inline std::string WorkloadTablesSql(const std::string& schema) {
  return fmt::format(
      "CREATE TABLE {0}.docs (id bigint PRIMARY KEY, title text NOT NULL, "
      "body text, n integer NOT NULL DEFAULT 0, updated timestamptz NOT NULL "
      "DEFAULT now(), price numeric(12,2));"
      "ALTER TABLE {0}.docs ALTER COLUMN body SET STORAGE EXTERNAL;"
      "CREATE INDEX docs_by_title ON {0}.docs (title);"
      "CREATE TABLE {0}.lines (order_id integer, line integer, sku "
      "varchar(20), qty numeric(10,2), PRIMARY KEY (order_id, line));"
      "INSERT INTO {0}.docs (id, title, body, n, price) SELECT i, 'doc ' || i, "
      "CASE WHEN i % 10 = 0 THEN NULL ELSE {1} || i END, i % 7, i * 0.25 "
      "FROM generate_series(1, {2}) i;"
      "INSERT INTO {0}.lines SELECT o, l, 'sku' || l, o + l / 4.0 FROM "
      "generate_series(1, {3}) o, generate_series(1, 3) l;"
      "ANALYZE {0}.docs; ANALYZE {0}.lines",
      schema, kBigBody, kDocs, kOrders);
}

// A test of a PostgreSQL source: schema `schema_` (<prefix>_<pid>) on postgres-source with the
// workload's tables, a migration named after the test (its slot and publication), a temporary
// directory for the spec and the state; everything removed afterwards (kept after a failure with
// CUTOVER_TEST_KEEP set). A test picks its target with UsePostgresTarget or UseMariaDbTarget
// (postgres_source_dynamodb_support.h adds DynamoDB). Without `workload_tables` the schema starts
// empty.
class PostgresSourceTest : public ::testing::Test {
 protected:
  explicit PostgresSourceTest(std::string prefix, bool workload_tables = true)
      : prefix_(std::move(prefix)), workload_tables_(workload_tables) {}

  void SetUp() override {
    ASSERT_TRUE(testing::EnsureServer("postgres-source"));
    source_ = ConnectPg(testing::PostgresSource());
    ASSERT_NE(source_, nullptr);
    schema_ = prefix_ + "_" + std::to_string(getpid());
    // Short: the slot's name (cutover_<name>) must fit PostgreSQL's 63 bytes.
    std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    migration_ = prefix_ + "-" + std::to_string(getpid()) + "-" + test.substr(0, 12);
    for (char& c : migration_) c = static_cast<char>(std::tolower(c));
    dir_ = copytest::MakeTempDir("cutover_" + prefix_);
    spec_ = dir_ / "spec.yaml";
    PgExec(*source_, "DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
    PgExec(*source_, "CREATE SCHEMA " + schema_);
    if (workload_tables_) PgExec(*source_, WorkloadTablesSql(schema_));
  }

  void TearDown() override {
    if (HasFailure() && std::getenv("CUTOVER_TEST_KEEP") != nullptr) return;
    if (source_) {
      const std::string slot = SlotName();
      (void)source_->Execute(
          "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name "
          "= $1 AND NOT active",
          {slot});
      (void)source_->Execute("DROP PUBLICATION IF EXISTS \"" + slot + "\"");
      (void)source_->Execute("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
    }
    if (pg_target_) {
      (void)pg_target_->Execute("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
      (void)pg_target_->Execute("DELETE FROM cutover.cutover_checkpoints WHERE migration = '" +
                                migration_ + "'");
    }
    if (maria_target_) copytest::Exec(*maria_target_, "DROP DATABASE IF EXISTS " + schema_);
    std::filesystem::remove_all(dir_);
  }

  // The slot and publication name the spec derives from the migration's name.
  std::string SlotName() const {
    std::string slot = "cutover_" + migration_;
    for (char& c : slot) {
      if (c == '-') c = '_';
    }
    return slot;
  }

  void WriteSpec(const std::string& target_yaml, const std::string& extra) {
    const testing::ServerInfo pg = testing::PostgresSource();
    copytest::WriteFile(
        spec_, "name: " + migration_ + "\nsource:\n  kind: postgres\n  host: " + pg.host +
                   "\n  port: " + std::to_string(pg.port) + "\n  user: " + pg.user +
                   "\n  password_env: COPY_TEST_PASSWORD\n  database: " + pg.database + "\n" +
                   source_extra_ + target_yaml + "tables:\n" + rules_ + "  - match: \"" + schema_ +
                   ".*\"\nstate_dir: " + (dir_ / "state").string() + "\n" + extra);
  }
  void UsePostgresTarget(const std::string& extra) {
    ASSERT_TRUE(testing::EnsureServer("postgres-target"));
    pg_target_ = ConnectPg(testing::PostgresTarget());
    ASSERT_NE(pg_target_, nullptr);
    PgExec(*pg_target_, "DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
    WriteSpec(copytest::PostgresTargetYaml(testing::PostgresTarget()), extra);
  }
  void UseMariaDbTarget(const std::string& extra) {
    ASSERT_TRUE(testing::EnsureServer("mariadb-target"));
    maria_target_ = copytest::Connect(testing::MariaDbTarget());
    ASSERT_NE(maria_target_, nullptr);
    copytest::Exec(*maria_target_, "SET time_zone = '+00:00'");
    copytest::Exec(*maria_target_, "DROP DATABASE IF EXISTS " + schema_);
    WriteSpec(copytest::MariaDbTargetYaml(testing::MariaDbTarget(), schema_), extra);
  }

  // `cutover run SPEC --status-every 1` in the background with `env`, its output in run.out.
  std::unique_ptr<runtest::CutoverProcess> StartRun(const std::string& env = "") {
    return std::make_unique<runtest::CutoverProcess>("run " + spec_.string() + " --status-every 1",
                                                     env, dir_ / "run.out");
  }

  // Every row of docs and lines as text, in key order, the same way on each server: the body by
  // its md5 and length (NULL stays NULL), timestamps in UTC with six fraction digits.
  std::vector<std::string> SourceRows(const std::string& table) {
    return PgLines(*source_, PgSelect(table));
  }
  std::string PgSelect(const std::string& table) const {
    if (table == "docs") {
      return "SELECT id, title, md5(body), length(body), n, to_char(updated AT TIME ZONE 'UTC', "
             "'YYYY-MM-DD HH24:MI:SS.US'), price FROM " +
             schema_ + ".docs ORDER BY id";
    }
    return "SELECT order_id, line, sku, qty FROM " + schema_ + ".lines ORDER BY order_id, line";
  }
  std::vector<std::string> TargetRows(const std::string& table) {
    if (pg_target_) return PgLines(*pg_target_, PgSelect(table));
    if (table == "docs") {
      return copytest::Lines(*maria_target_,
                             "SELECT id, title, MD5(body), CHAR_LENGTH(body), n, "
                             "DATE_FORMAT(updated, '%Y-%m-%d %H:%i:%s.%f'), price FROM " +
                                 schema_ + ".docs ORDER BY id");
    }
    return copytest::Lines(*maria_target_, "SELECT order_id, line, sku, qty FROM " + schema_ +
                                               ".lines ORDER BY order_id, line");
  }

  // Waits up to `timeout` for docs and lines to be equal on both sides, then expects them equal
  // row by row (`context`, e.g. the run's output, in the failure message).
  void ExpectConverges(std::chrono::seconds timeout, const std::string& context) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (SourceRows("docs") == TargetRows("docs") && SourceRows("lines") == TargetRows("lines")) {
        break;
      }
      if (std::chrono::steady_clock::now() > deadline) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
    for (const char* table : {"docs", "lines"}) {
      std::vector<std::string> source_rows = SourceRows(table);
      std::vector<std::string> target_rows = TargetRows(table);
      EXPECT_EQ(target_rows.size(), source_rows.size()) << table;
      EXPECT_TRUE(target_rows == source_rows)
          << table << " differs\n"
          << runtest::RowsDiff(source_rows, target_rows) << context;
    }
  }

  // The TOASTed bodies the source has that the target lost (NULL on the target only): none.
  void ExpectNoBodyLost() {
    const std::string count = "SELECT count(*) FROM " + schema_ + ".docs WHERE body IS NULL";
    std::vector<std::string> source_null = PgLines(*source_, count);
    std::vector<std::string> target_null =
        pg_target_ ? PgLines(*pg_target_, count) : copytest::Lines(*maria_target_, count);
    EXPECT_EQ(target_null, source_null);
  }

  // The slot's confirmed flush LSN as pg_lsn text ("" when there is no slot).
  std::string ConfirmedFlush() {
    std::vector<std::string> lines = PgLines(
        *source_, "SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '" +
                      SlotName() + "'");
    return lines.empty() ? "" : lines[0];
  }

  // Expects the slot's confirmed flush LSN to reach the source's WAL position of now within 20 s.
  void ExpectSlotReachesCurrentWal() {
    const std::string written = PgLines(*source_, "SELECT pg_current_wal_lsn()")[0];
    bool advanced = false;
    for (int attempt = 0; attempt < 100 && !advanced; ++attempt) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      advanced = PgLines(*source_, "SELECT '" + ConfirmedFlush() + "'::pg_lsn >= '" + written +
                                       "'::pg_lsn")[0] == "t";
    }
    EXPECT_TRUE(advanced) << "confirmed " << ConfirmedFlush() << ", written " << written;
  }

  std::unique_ptr<postgres::Connection> source_;
  std::unique_ptr<postgres::Connection> pg_target_;
  std::unique_ptr<mysql::Connection> maria_target_;
  std::string source_extra_;  // more lines of the spec's source section ("  slot: x\n")
  std::string prefix_;
  bool workload_tables_;
  std::string schema_;
  std::string rules_;  // table rules before the one that selects every table of schema_
  std::string migration_;
  std::filesystem::path dir_;
  std::filesystem::path spec_;
};

}  // namespace cutover::pgsource
