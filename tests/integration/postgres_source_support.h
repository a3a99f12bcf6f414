// Test support for a PostgreSQL source under a live workload (run_postgres_source_test.cc,
// verify_postgres_source_test.cc): sessions and the workload of its own, on two tables of
// schema `schema`: docs (a large TOASTed body) and lines (a composite key).
#pragma once

#include <atomic>
#include <cctype>
#include <filesystem>
#include <memory>
#include <iostream>
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

inline std::vector<std::string> PgLines(postgres::Connection& connection, const std::string& sql) {
  Result<postgres::QueryResult> result = connection.Query(sql);
  EXPECT_TRUE(result.ok()) << sql << ": " << result.status().ToString();
  std::vector<std::string> lines;
  if (!result.ok()) return lines;
  for (const postgres::SqlRow& row : result->rows) {
    std::string line;
    for (size_t column = 0; column < row.size(); ++column) {
      if (column > 0) line += '\t';
      line += row[column].value_or("NULL");
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
      std::unique_ptr<postgres::Connection> connection = ConnectPg(server_);
      if (connection == nullptr) return;
      std::mt19937 random(42);
      int64_t next_id = 1'000'000;
      int next_order = 100'000;
      while (!stop_) {
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
          (void)connection->Execute("ROLLBACK");
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
  int failures() const { return failures_; }

 private:
  testing::ServerInfo server_;
  std::string schema_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> transactions_{0};
  std::atomic<int> failures_{0};
};


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
// CUTOVER_TEST_KEEP set). A test picks its target with UsePostgresTarget or UseMariaDbTarget.
class PostgresSourceTest : public ::testing::Test {
 protected:
  explicit PostgresSourceTest(std::string prefix) : prefix_(std::move(prefix)) {}

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
    PgExec(*source_, WorkloadTablesSql(schema_));
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
                   target_yaml + "tables:\n" + rules_ + "  - match: \"" + schema_ +
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

  std::unique_ptr<postgres::Connection> source_;
  std::unique_ptr<postgres::Connection> pg_target_;
  std::unique_ptr<mysql::Connection> maria_target_;
  std::string prefix_;
  std::string schema_;
  std::string rules_;  // table rules before the one that selects every table of schema_
  std::string migration_;
  std::filesystem::path dir_;
  std::filesystem::path spec_;
};

}  // namespace cutover::pgsource
