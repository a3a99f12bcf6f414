// `cutover run` from a PostgreSQL source, end to end on real PostgreSQL 15 servers, under a live
// workload of its own (inserts, updates that leave a large TOASTed column unchanged, updates that
// change it, primary-key changes, deletes, multi-row transactions): the copy reads in the slot's
// exported snapshot, CDC reads the slot, and `cutover run` is killed with SIGKILL during the copy
// and during CDC and run again. Each test ends with every row equal on both sides, compared by
// text on both servers (not through cutover verify), and no TOASTed value NULL on the target.
#include <atomic>
#include <iostream>
#include <random>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "db/postgres/connection.h"
#include "run_support.h"

namespace cutover {
namespace {

using copytest::Lines;
using namespace std::chrono_literals;

constexpr int kDocs = 600;
constexpr int kOrders = 200;  // 3 lines each

std::unique_ptr<postgres::Connection> ConnectPg(const testing::ServerInfo& server) {
  ConnectionSpec spec = copytest::ConnectionFor(server, server.database);
  Result<std::unique_ptr<postgres::Connection>> opened = postgres::Connection::Open(spec);
  EXPECT_TRUE(opened.ok()) << opened.status().ToString();
  return opened.ok() ? *std::move(opened) : nullptr;
}

void PgExec(postgres::Connection& connection, const std::string& sql) {
  Status status = connection.Execute(sql).status();
  EXPECT_TRUE(status.ok()) << sql << ": " << status.ToString();
}

std::vector<std::string> PgLines(postgres::Connection& connection, const std::string& sql) {
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
const char* kBigBody = "(SELECT string_agg(md5(random()::text), '') FROM generate_series(1, 100))";

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

class RunPostgresSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::EnsureServer("postgres-source"));
    source_ = ConnectPg(testing::PostgresSource());
    ASSERT_NE(source_, nullptr);
    schema_ = "pgsrc_" + std::to_string(getpid());
    // Short: the slot's name (cutover_<name>) must fit PostgreSQL's 63 bytes.
    std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    migration_ = "pgsrc-" + std::to_string(getpid()) + "-" + test.substr(0, 12);
    for (char& c : migration_) c = static_cast<char>(std::tolower(c));
    dir_ = copytest::MakeTempDir("cutover_run_pgsrc");
    spec_ = dir_ / "spec.yaml";
    PgExec(*source_, "DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
    PgExec(*source_,
           fmt::format("CREATE SCHEMA {0};"
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
                       schema_, kBigBody, kDocs, kOrders));
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
                   target_yaml + "tables:\n  - match: \"" + schema_ +
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
      return Lines(*maria_target_,
                   "SELECT id, title, MD5(body), CHAR_LENGTH(body), n, DATE_FORMAT(updated, "
                   "'%Y-%m-%d %H:%i:%s.%f'), price FROM " +
                       schema_ + ".docs ORDER BY id");
    }
    return Lines(*maria_target_, "SELECT order_id, line, sku, qty FROM " + schema_ +
                                     ".lines ORDER BY order_id, line");
  }

  void ExpectConverges(std::chrono::seconds timeout, const std::string& context) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (SourceRows("docs") == TargetRows("docs") && SourceRows("lines") == TargetRows("lines")) {
        break;
      }
      if (std::chrono::steady_clock::now() > deadline) break;
      std::this_thread::sleep_for(300ms);
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
    std::vector<std::string> source_null =
        PgLines(*source_, "SELECT count(*) FROM " + schema_ + ".docs WHERE body IS NULL");
    std::vector<std::string> target_null =
        pg_target_
            ? PgLines(*pg_target_, "SELECT count(*) FROM " + schema_ + ".docs WHERE body IS NULL")
            : Lines(*maria_target_, "SELECT COUNT(*) FROM " + schema_ + ".docs WHERE body IS NULL");
    EXPECT_EQ(target_null, source_null);
  }

  // The slot's confirmed flush LSN as pg_lsn text.
  std::string ConfirmedFlush() {
    std::vector<std::string> lines = PgLines(
        *source_, "SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '" +
                      SlotName() + "'");
    return lines.empty() ? "" : lines[0];
  }

  // The live-workload scenario: copy (throttled so the workload overlaps it) and CDC, killed
  // during the copy, right after capture appended, right after an applied batch, and at random.
  void LiveWorkloadKilledAndResumed() {
    PgWorkload workload(testing::PostgresSource(), schema_);
    workload.Start(5ms);
    runtest::KillAtEachPointThenAtRandom(
        [this](const std::string& env) { return StartRun(env); },
        {"after_write:3:kill", "capture_appended:25:kill", "apply_after:6:kill"});
    if (HasFatalFailure()) return;
    auto run = StartRun();
    ASSERT_TRUE(runtest::WaitForCdc(*run, 60s)) << run->Output();
    std::this_thread::sleep_for(2s);
    workload.Stop();
    EXPECT_GT(workload.transactions(), 200);
    EXPECT_EQ(workload.failures(), 0);
    ExpectConverges(60s, run->Output());
    ExpectNoBodyLost();
    runtest::StopRun(*run);
  }

  std::unique_ptr<postgres::Connection> source_;
  std::unique_ptr<postgres::Connection> pg_target_;
  std::unique_ptr<mysql::Connection> maria_target_;
  std::string schema_;
  std::string migration_;
  std::filesystem::path dir_;
  std::filesystem::path spec_;
};

TEST_F(RunPostgresSourceTest, ToPostgresUnderLoadKilledAndResumedEndsEqual) {
  UsePostgresTarget(
      "parallelism: {copy_workers: 2, chunk_rows: 100, apply_lanes: 4}\n"
      "throttle: {copy_rows_per_second: 1500}\n");
  ASSERT_NO_FATAL_FAILURE(LiveWorkloadKilledAndResumed());
}

TEST_F(RunPostgresSourceTest, ToMariaDbUnderLoadKilledAndResumedEndsEqual) {
  UseMariaDbTarget(
      "parallelism: {copy_workers: 2, chunk_rows: 100, apply_lanes: 4}\n"
      "throttle: {copy_rows_per_second: 1500}\n");
  ASSERT_NO_FATAL_FAILURE(LiveWorkloadKilledAndResumed());
}

// The slot only ever advances to what the change log holds, and on a database whose writes are
// all to unselected tables it still advances (the keepalives' WAL end, once everything received
// is durable), so it does not hold WAL back while the migration is idle.
TEST_F(RunPostgresSourceTest, TheSlotAdvancesOnWritesElsewhere) {
  UsePostgresTarget("");
  PgExec(*source_, "CREATE TABLE " + schema_ + "_other (id int)");
  auto run = StartRun();
  ASSERT_TRUE(runtest::WaitForCdc(*run, 60s)) << run->Output();
  PgExec(*source_, "INSERT INTO " + schema_ + "_other SELECT generate_series(1, 1000)");
  const std::string written = PgLines(*source_, "SELECT pg_current_wal_lsn()")[0];
  bool advanced = false;
  for (int i = 0; i < 100 && !advanced; ++i) {
    std::this_thread::sleep_for(200ms);
    advanced = PgLines(*source_, "SELECT '" + ConfirmedFlush() + "'::pg_lsn >= '" + written +
                                     "'::pg_lsn")[0] == "t";
  }
  EXPECT_TRUE(advanced) << "confirmed " << ConfirmedFlush() << ", written " << written;
  runtest::StopRun(*run);
  PgExec(*source_, "DROP TABLE " + schema_ + "_other");
}

// `cutover tail` on a PostgreSQL source: its own temporary slot over the migration's publication
// (created by the run), from now; an update that leaves the TOASTed body alone shows no body.
TEST_F(RunPostgresSourceTest, TailPrintsChangesWithoutTheUnchangedToastValue) {
  UsePostgresTarget("");
  {
    auto run = StartRun();
    ASSERT_TRUE(runtest::WaitForCdc(*run, 60s)) << run->Output();
    runtest::StopRun(*run);
  }
  runtest::CutoverProcess tail("tail " + spec_.string() + " --limit 2 --tables '*.docs'", "",
                               dir_ / "tail.out");
  // The temporary slot exists once tail is reading: then write.
  for (int i = 0; i < 100; ++i) {
    if (PgLines(*source_, "SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE "
                          "'cutover_tail_%' AND active")[0] == "1") {
      break;
    }
    std::this_thread::sleep_for(100ms);
  }
  PgExec(*source_, "UPDATE " + schema_ + ".lines SET qty = 0 WHERE order_id = 1");
  PgExec(*source_, "UPDATE " + schema_ + ".docs SET n = 99 WHERE id = 1");
  PgExec(*source_, "DELETE FROM " + schema_ + ".docs WHERE id = 2");
  int code = 0;
  ASSERT_TRUE(tail.WaitFor(30s, &code)) << tail.Output();
  EXPECT_EQ(code, 0) << tail.Output();
  std::vector<std::string> lines;
  std::istringstream in(tail.Output());
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("{")) lines.push_back(line);
  }
  ASSERT_EQ(lines.size(), 2u) << tail.Output();
  const std::string docs = schema_ + ".docs";
  EXPECT_NE(lines[0].find("\"table\":\"" + docs + "\",\"op\":\"update\""), std::string::npos)
      << lines[0];
  EXPECT_NE(lines[0].find("\"n\":\"99\""), std::string::npos) << lines[0];
  EXPECT_EQ(lines[0].find("\"body\""), std::string::npos) << "unchanged TOAST shown: " << lines[0];
  EXPECT_NE(lines[1].find("\"op\":\"delete\""), std::string::npos) << lines[1];
}

// A slot dropped under a stopped migration: the next run says so and what to do, instead of
// retrying or silently copying again.
TEST_F(RunPostgresSourceTest, ALostSlotIsReportedClearly) {
  UsePostgresTarget("");
  {
    auto run = StartRun();
    ASSERT_TRUE(runtest::WaitForCdc(*run, 60s)) << run->Output();
    runtest::StopRun(*run);
  }
  PgExec(*source_, "SELECT pg_drop_replication_slot('" + SlotName() + "')");
  auto run = StartRun();
  int code = 0;
  ASSERT_TRUE(run->WaitFor(60s, &code)) << run->Output();
  EXPECT_NE(code, 0);
  EXPECT_NE(run->Output().find("the source's replication slot " + SlotName() +
                               " does not exist (it was dropped): the changes made since the "
                               "copy are no longer on the source"),
            std::string::npos)
      << run->Output();
}

}  // namespace
}  // namespace cutover
