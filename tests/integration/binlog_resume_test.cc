// Integration test of resuming the binlog stream: while a workload of multi-row transactions
// runs on the real MariaDB source, the stream is stopped at random events (mostly inside a
// transaction) and started again from its last committed position, many times; what all the
// runs delivered together must equal one uninterrupted read: every committed transaction exactly
// once, whole, in order.
#include <atomic>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "cutover/tail.h"

#include "db/mysql/connection.h"
#include "source/mysql/binlog_stream.h"
#include "support/connection_spec.h"
#include "support/servers.h"

namespace cutover {
namespace {

constexpr int kTransactions = 240;
constexpr int kCuts = 20;

using testing::ConnectionFor;

// One delivered transaction: its GTID and its row changes as `cutover tail` prints them.
struct Transaction {
  std::string gtid;
  std::vector<std::string> lines;
  bool operator==(const Transaction&) const = default;
};

// Records whole transactions that touched the test database; ends the stream (Cancelled) after
// the transaction whose seqno is `end_seqno` once that is known.
class Recorder : public binlog::EventSink {
 public:
  explicit Recorder(const std::atomic<uint64_t>* end_seqno) : end_seqno_(end_seqno) {}
  Status OnBegin(const binlog::TransactionBegin& begin) override {
    EXPECT_TRUE(current_.lines.empty()) << "a transaction began inside another";
    current_ = Transaction{begin.gtid ? begin.gtid->ToString() : "", {}};
    return Status::Ok();
  }
  Status OnChange(const Change& change) override {
    if (change.op != ChangeOp::kSchema) current_.lines.push_back(ChangeToJsonLine(change));
    return Status::Ok();
  }
  Status OnCommit(const binlog::TransactionCommit& commit) override {
    if (!current_.lines.empty()) transactions.push_back(std::move(current_));
    current_ = Transaction{};
    uint64_t end = end_seqno_ == nullptr ? 0 : end_seqno_->load();
    if (end != 0 && commit.gtid && commit.gtid->seqno >= end) return Status::Cancelled("done");
    return Status::Ok();
  }
  std::vector<Transaction> transactions;

 private:
  const std::atomic<uint64_t>* end_seqno_;
  Transaction current_;
};

class BinlogResumeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::EnsureServer("mariadb-source"));
    server_ = testing::MariaDbSource();
    database_ = "tail_resume_" + std::to_string(getpid());
    auto connection = mysql::Connection::Open(ConnectionFor(server_));
    ASSERT_TRUE(connection.ok()) << connection.status().ToString();
    sql_ = std::move(*connection);
    Run("DROP DATABASE IF EXISTS " + database_);
    Run("CREATE DATABASE " + database_);
    Run("CREATE TABLE " + database_ +
        ".items (id INT PRIMARY KEY, v VARCHAR(40), n BIGINT, d DECIMAL(12,3))");
    Run("CREATE TABLE " + database_ + ".skipped (id INT PRIMARY KEY)");
  }
  void TearDown() override {
    if (sql_) Run("DROP DATABASE IF EXISTS " + database_);
  }

  void Run(const std::string& sql) {
    auto done = sql_->Execute(sql);
    ASSERT_TRUE(done.ok()) << done.status().ToString() << "\n" << sql;
  }

  Position Now() {
    auto result = sql_->Query("SELECT @@global.gtid_binlog_pos");
    EXPECT_TRUE(result.ok());
    return Position::FromGtid(*GtidPosition::Parse(*result->rows[0][0]));
  }

  uint64_t DomainZeroSeqno() {
    std::optional<Gtid> gtid = Now().gtid().Find(0);
    return gtid ? gtid->seqno : 0;
  }

  // Transaction t inserts 2-6 rows in one statement, updates two earlier rows, deletes one,
  // touches the unselected table; every 40th transaction rolls back. Returns the row changes
  // the committed transactions made in the selected table.
  static int Workload(const testing::ServerInfo& server, const std::string& database) {
    auto connection = mysql::Connection::Open(ConnectionFor(server));
    if (!connection.ok()) return -1;
    mysql::Connection& sql = **connection;
    std::mt19937 random(7);
    int next_id = 1, changes = 0;
    const std::string items = database + ".items";
    for (int txn = 1; txn <= kTransactions; ++txn) {
      int rows = 2 + static_cast<int>(random() % 5);
      std::string insert = "INSERT INTO " + items + " VALUES ";
      for (int row = 0; row < rows; ++row) {
        if (row > 0) insert += ',';
        insert += fmt::format("({},'t{}',{},{}.125)", next_id + row, txn, txn * 1000 + row, txn);
      }
      int low = std::max(1, next_id - 10);
      std::vector<std::string> statements = {
          "BEGIN", insert,
          "UPDATE " + items + " SET n = n + 1, v = CONCAT('u', v) WHERE id IN (" +
              std::to_string(low) + "," + std::to_string(low + 1) + ")",
          "DELETE FROM " + items + " WHERE id = " + std::to_string(next_id),
          "INSERT INTO " + database + ".skipped VALUES (" + std::to_string(txn) + ")"};
      bool rollback = txn % 40 == 0;
      statements.push_back(rollback ? "ROLLBACK" : "COMMIT");
      uint64_t updated = 0;
      for (const std::string& statement : statements) {
        auto done = sql.Execute(statement);
        if (!done.ok()) return -1;
        if (statement.starts_with("UPDATE")) updated = *done;
      }
      if (rollback) continue;
      changes += rows + static_cast<int>(updated) + 1;
      next_id += rows;
    }
    return changes;
  }

  mysql::BinlogStreamOptions StreamOptions(const Position& start) {
    mysql::BinlogStreamOptions options;
    options.connection = ConnectionFor(server_);
    options.server_id = 4000000 + static_cast<uint32_t>(getpid());
    options.start = start;
    std::string database = database_;
    options.table_filter = [database](const TableId& id) {
      return id.schema == database && id.name == "items";
    };
    options.max_attempts = 3;
    return options;
  }

  testing::ServerInfo server_;
  std::string database_;
  std::unique_ptr<mysql::Connection> sql_;
};

size_t CountLines(const std::vector<Transaction>& transactions) {
  size_t lines = 0;
  for (const Transaction& transaction : transactions) lines += transaction.lines.size();
  return lines;
}

TEST_F(BinlogResumeTest, StoppedAtRandomEventsAndResumedDeliversEachTransactionOnce) {
  const Position start = Now();
  std::atomic<uint64_t> end_seqno{0};
  std::atomic<int> expected_changes{0};
  std::thread workload([&] {
    expected_changes = Workload(server_, database_);
    end_seqno = DomainZeroSeqno();
  });

  // Interrupted reads: each run stops after a random number of events and the next one starts
  // from the position the previous run committed last.
  Recorder interrupted(&end_seqno);
  Position resume = start;
  std::mt19937 random(20240601);
  for (int cut = 0; cut < kCuts; ++cut) {
    const uint64_t stop_after = 1 + random() % 120;
    mysql::BinlogStreamOptions options = StreamOptions(resume);
    options.TEST_after_event = [stop_after](uint64_t events) { return events >= stop_after; };
    mysql::BinlogStream stream(std::move(options));
    Status status = stream.Run(&interrupted);
    ASSERT_TRUE(status.ok() || status.code() == StatusCode::kCancelled) << status.ToString();
    EXPECT_TRUE(stream.committed_position().IsAtOrAfter(resume));
    resume = stream.committed_position();
    if (status.code() == StatusCode::kCancelled) break;
  }
  workload.join();
  ASSERT_GT(expected_changes.load(), 0);
  {  // the rest, without interruption
    mysql::BinlogStream stream(StreamOptions(resume));
    Status status = stream.Run(&interrupted);
    ASSERT_EQ(status.code(), StatusCode::kCancelled) << status.ToString();
  }
  // One uninterrupted read of the same range is the reference.
  Recorder reference(&end_seqno);
  mysql::BinlogStream stream(StreamOptions(start));
  Status status = stream.Run(&reference);
  ASSERT_EQ(status.code(), StatusCode::kCancelled) << status.ToString();

  EXPECT_EQ(reference.transactions.size(), static_cast<size_t>(kTransactions - kTransactions / 40));
  EXPECT_EQ(CountLines(reference.transactions), static_cast<size_t>(expected_changes.load()));
  ASSERT_EQ(interrupted.transactions.size(), reference.transactions.size());
  for (size_t txn_idx = 0; txn_idx < reference.transactions.size(); ++txn_idx) {
    ASSERT_EQ(interrupted.transactions[txn_idx], reference.transactions[txn_idx])
        << "transaction " << txn_idx << " (" << reference.transactions[txn_idx].gtid << ")";
  }
  std::printf("resume test: %d cuts, %zu transactions, %zu row changes\n", kCuts,
              reference.transactions.size(), CountLines(reference.transactions));
}

TEST_F(BinlogResumeTest, PurgedPositionIsDataLossNamingThePosition) {
  // A GTID of this server far beyond anything logged cannot be found in any binlog.
  Position start = *Position::Parse("0-1-999999999");
  mysql::BinlogStreamOptions options = StreamOptions(start);
  mysql::BinlogStream stream(std::move(options));
  Recorder recorder(nullptr);
  Status status = stream.Run(&recorder);
  EXPECT_EQ(status.code(), StatusCode::kDataLoss) << status.ToString();
  EXPECT_NE(status.message().find("cannot send its binlog from position gtid:0-1-999999999: "),
            std::string::npos)
      << status.ToString();
  EXPECT_NE(status.message().find("(MySQL error 1236)"), std::string::npos) << status.ToString();
}

}  // namespace
}  // namespace cutover
