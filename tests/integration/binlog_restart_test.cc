// Integration test of the binlog stream across a source restart: the real MariaDB source is
// stopped and started again (scripts/servers) while the stream is reading a backlog; the stream
// reconnects with backoff, logs its attempts without the password, resumes from its last
// committed position, and delivers every committed transaction exactly once.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "db/mysql/connection.h"
#include "source/mysql/binlog_stream.h"
#include "support/connection_spec.h"
#include "support/servers.h"

namespace cutover {
namespace {

constexpr int kBeforeRestart = 150;
constexpr int kAfterRestart = 100;
constexpr int kRowsPerTransaction = 3;

using testing::ConnectionFor;

// Collects the inserted ids of whole transactions, slowly (so the restart lands mid-backlog),
// and ends the stream after the transaction with seqno `end_seqno` once that is known.
class SlowRecorder : public binlog::EventSink {
 public:
  Status OnChange(const Change& change) override {
    if (change.op == ChangeOp::kInsert) current_.push_back(change.after->values[0].as_int());
    return Status::Ok();
  }
  Status OnCommit(const binlog::TransactionCommit& commit) override {
    if (current_.empty()) return Status::Ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    transactions.push_back(std::move(current_));
    current_.clear();
    delivered.store(transactions.size());
    uint64_t end = end_seqno.load();
    if (end != 0 && commit.gtid && commit.gtid->seqno >= end) return Status::Cancelled("done");
    return Status::Ok();
  }
  std::vector<std::vector<int64_t>> transactions;
  std::atomic<size_t> delivered{0};
  std::atomic<uint64_t> end_seqno{0};

 private:
  std::vector<int64_t> current_;
};

class BinlogRestartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::EnsureServer("mariadb-source"));
    server_ = testing::MariaDbSource();
    database_ = "tail_restart_" + std::to_string(getpid());
    Connect();
    Run("DROP DATABASE IF EXISTS " + database_);
    Run("CREATE DATABASE " + database_);
    Run("CREATE TABLE " + database_ + ".t (id BIGINT PRIMARY KEY, note VARCHAR(20))");
  }
  void TearDown() override {
    Connect();
    if (sql_) Run("DROP DATABASE IF EXISTS " + database_);
    spdlog::set_default_logger(previous_logger_);
  }

  void Connect() {
    auto connection = mysql::Connection::Open(ConnectionFor(server_));
    ASSERT_TRUE(connection.ok()) << connection.status().ToString();
    sql_ = std::move(*connection);
  }
  void Run(const std::string& sql) {
    auto done = sql_->Execute(sql);
    ASSERT_TRUE(done.ok()) << done.status().ToString() << "\n" << sql;
  }
  std::optional<Gtid> DomainZero() {
    auto result = sql_->Query("SELECT @@global.gtid_binlog_pos");
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return GtidPosition::Parse(*result->rows[0][0])->Find(0);
  }
  // Transactions [first, first + count), each inserting kRowsPerTransaction ids.
  void Commit(int first, int count) {
    for (int txn = first; txn < first + count; ++txn) {
      std::string insert = "INSERT INTO " + database_ + ".t VALUES ";
      for (int row = 0; row < kRowsPerTransaction; ++row) {
        int64_t id = static_cast<int64_t>(txn) * kRowsPerTransaction + row;
        insert += (row ? ",(" : "(") + std::to_string(id) + ",'txn " + std::to_string(txn) + "')";
      }
      Run(insert);
    }
  }
  void CaptureLog() {
    previous_logger_ = spdlog::default_logger();
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log_);
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("restart_test", sink));
  }

  testing::ServerInfo server_;
  std::string database_;
  std::unique_ptr<mysql::Connection> sql_;
  std::ostringstream log_;
  std::shared_ptr<spdlog::logger> previous_logger_ = spdlog::default_logger();
};

TEST_F(BinlogRestartTest, SourceRestartWhileStreamingLosesNoChange) {
  std::optional<Gtid> start_gtid = DomainZero();
  ASSERT_TRUE(start_gtid.has_value());
  Position start = Position::FromGtid(*GtidPosition::Parse(start_gtid->ToString()));
  Commit(0, kBeforeRestart);
  CaptureLog();

  mysql::BinlogStreamOptions options;
  options.connection = ConnectionFor(server_);
  options.server_id = 5000000 + static_cast<uint32_t>(getpid());
  options.start = start;
  std::string database = database_;
  options.table_filter = [database](const TableId& id) { return id.schema == database; };
  options.backoff =
      mysql::BackoffOptions{std::chrono::milliseconds(100), std::chrono::milliseconds(1000)};
  std::atomic<bool> stop{false};
  options.stop = &stop;
  SlowRecorder recorder;
  mysql::BinlogStream stream(std::move(options));
  Status status;
  std::thread reader([&] { status = stream.Run(&recorder); });

  while (recorder.delivered.load() < 20) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::string servers = testing::SourceDir() + "/scripts/servers";
  ASSERT_EQ(std::system((servers + " stop mariadb-source >/dev/null").c_str()), 0);
  size_t delivered_at_stop = recorder.delivered.load();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  ASSERT_TRUE(testing::EnsureServer("mariadb-source"));
  Connect();
  Commit(kBeforeRestart, kAfterRestart);
  recorder.end_seqno.store(DomainZero()->seqno);

  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (recorder.delivered.load() < kBeforeRestart + kAfterRestart &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  stop.store(true);
  reader.join();

  EXPECT_LT(delivered_at_stop, static_cast<size_t>(kBeforeRestart)) << "restart after the backlog";
  EXPECT_EQ(status.code(), StatusCode::kCancelled) << status.ToString();
  ASSERT_EQ(recorder.transactions.size(), static_cast<size_t>(kBeforeRestart + kAfterRestart));
  for (size_t txn = 0; txn < recorder.transactions.size(); ++txn) {
    std::vector<int64_t> expected;
    for (int row = 0; row < kRowsPerTransaction; ++row) {
      expected.push_back(static_cast<int64_t>(txn) * kRowsPerTransaction + row);
    }
    ASSERT_EQ(recorder.transactions[txn], expected) << "transaction " << txn;
  }
  EXPECT_GE(stream.stats().connections, 2u);
  std::string log = log_.str();
  EXPECT_NE(log.find("reconnecting in "), std::string::npos) << log;
  EXPECT_NE(log.find("(attempt 1), resuming at gtid:0-"), std::string::npos) << log;
  EXPECT_EQ(log.find(server_.password), std::string::npos) << log;
  std::printf("restart test: %zu transactions delivered before the stop; log:\n%s",
              delivered_at_stop, log.c_str());
}

}  // namespace
}  // namespace cutover
