// Integration test of capture into the change log against the real MariaDB source: a workload of
// multi-row transactions runs while capture is stopped at random events many times, and the
// log is left with a transaction cut off half-way (as a crash would) before one of the restarts.
// The log must end holding every committed transaction exactly once, whole and in order: the
// same transactions an uninterrupted read of the binlog gives.
#include "pipeline/capture.h"

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
#include "log/change_reader.h"
#include "log/local_change_log.h"
#include "log/local_log.h"
#include "source/mysql/change_stream.h"
#include "state/test_support.h"
#include "support/connection_spec.h"
#include "support/servers.h"

namespace cutover {
namespace {

constexpr int kTransactions = 150;
constexpr int kCuts = 12;

using testing::ConnectionFor;

using Transactions = std::vector<std::vector<std::string>>;  // row changes as `tail` prints them

// Reads whole transactions from the binlog directly, up to the one with GTID seqno `end`.
class Reference : public binlog::EventSink {
 public:
  explicit Reference(uint64_t end) : end_(end) {}
  Status OnBegin(const binlog::TransactionBegin&) override {
    current_.clear();
    return Status::Ok();
  }
  Status OnChange(const Change& change) override {
    if (change.op != ChangeOp::kSchema) current_.push_back(ChangeToJsonLine(change));
    return Status::Ok();
  }
  Status OnCommit(const binlog::TransactionCommit& commit) override {
    if (!current_.empty()) transactions.push_back(current_);
    if (commit.gtid && commit.gtid->seqno >= end_) return Status::Cancelled("done");
    return Status::Ok();
  }
  Transactions transactions;

 private:
  uint64_t end_;
  std::vector<std::string> current_;
};

// The log's transactions, and the GTID seqno of its last commit record.
Transactions ReadLog(const std::shared_ptr<log::LocalLog>& log, uint64_t* last_seqno) {
  Transactions out;
  auto reader = log::ChangeReader::Open(log, log->first_offset());
  EXPECT_TRUE(reader.ok()) << reader.status().ToString();
  if (!reader.ok()) return out;
  std::vector<std::string> current;
  Change change;
  while (true) {
    auto record = (*reader)->Next(&change);
    EXPECT_TRUE(record.ok()) << record.status().ToString();
    if (!record.ok() || !record->has_value()) break;
    if ((*record)->kind == log::RecordKind::kChange) {
      if (change.op != ChangeOp::kSchema) current.push_back(ChangeToJsonLine(change));
      continue;
    }
    if (!current.empty()) out.push_back(std::move(current));
    current.clear();
    std::optional<Gtid> gtid = (*record)->position.gtid().Find(0);
    if (last_seqno != nullptr && gtid) *last_seqno = gtid->seqno;
  }
  EXPECT_TRUE(current.empty()) << "the log ends inside a transaction";
  return out;
}

class CaptureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::EnsureServer("mariadb-source"));
    server_ = testing::MariaDbSource();
    database_ = "capture_" + std::to_string(getpid());
    auto connection = mysql::Connection::Open(ConnectionFor(server_));
    ASSERT_TRUE(connection.ok()) << connection.status().ToString();
    sql_ = std::move(*connection);
    Run("DROP DATABASE IF EXISTS " + database_);
    Run("CREATE DATABASE " + database_);
    Run("CREATE TABLE " + database_ +
        ".items (id INT PRIMARY KEY, v VARCHAR(40), d DECIMAL(12,3))");
  }
  void TearDown() override {
    if (sql_) Run("DROP DATABASE IF EXISTS " + database_);
  }
  void Run(const std::string& sql) {
    auto done = sql_->Execute(sql);
    ASSERT_TRUE(done.ok()) << done.status().ToString() << "\n" << sql;
  }
  uint64_t Seqno() {
    auto result = sql_->Query("SELECT @@global.gtid_binlog_pos");
    EXPECT_TRUE(result.ok());
    std::optional<Gtid> gtid =
        Position::FromGtid(*GtidPosition::Parse(*result->rows[0][0])).gtid().Find(0);
    return gtid ? gtid->seqno : 0;
  }
  Position Now() {
    auto result = sql_->Query("SELECT @@global.gtid_binlog_pos");
    return Position::FromGtid(*GtidPosition::Parse(*result->rows[0][0]));
  }
  static bool Workload(const testing::ServerInfo& server, const std::string& database) {
    auto connection = mysql::Connection::Open(ConnectionFor(server));
    if (!connection.ok()) return false;
    const std::string items = database + ".items";
    int next_id = 1;
    for (int txn = 1; txn <= kTransactions; ++txn) {
      std::string insert = "INSERT INTO " + items + " VALUES ";
      for (int row = 0; row < 3; ++row) {
        if (row > 0) insert += ',';
        insert += fmt::format("({},'t{}',{}.5)", next_id + row, txn, txn);
      }
      for (const std::string& statement :
           {std::string("BEGIN"), insert,
            "UPDATE " + items + " SET v = CONCAT('u', v) WHERE id = " + std::to_string(next_id),
            "DELETE FROM " + items + " WHERE id = " + std::to_string(next_id + 1),
            std::string(txn % 25 == 0 ? "ROLLBACK" : "COMMIT")}) {
        if (!(*connection)->Execute(statement).ok()) return false;
      }
      next_id += 3;
    }
    return true;
  }
  mysql::BinlogStreamOptions Options(const Position& start) {
    mysql::BinlogStreamOptions options;
    options.connection = ConnectionFor(server_);
    options.server_id = 4100000 + static_cast<uint32_t>(getpid());
    options.start = start;
    std::string database = database_;
    options.table_filter = [database](const TableId& id) { return id.schema == database; };
    options.max_attempts = 3;
    options.heartbeat_period = std::chrono::milliseconds(200);
    return options;
  }

  testing::ServerInfo server_;
  std::string database_;
  std::unique_ptr<mysql::Connection> sql_;
};

// Captures `options`' binlog into `log` through the change log interface until the stream stops.
Status CaptureInto(const std::shared_ptr<log::LocalLog>& log, mysql::BinlogStreamOptions options) {
  CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<log::ChangeLog> change_log, log::WrapLocalLog(log));
  CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<log::LogWriter> writer, change_log->OpenWriter());
  pipeline::CaptureOptions capture;
  capture.start = options.start;
  pipeline::CaptureStats stats;
  return pipeline::RunCapture(
      [&options](ChangeStreamOptions stream) -> Result<std::unique_ptr<ChangeStream>> {
        options.start = stream.start;
        return mysql::BinlogChangeStream(options);
      },
      *writer, capture, &stats);
}

TEST_F(CaptureTest, StoppedAndCrashedCaptureLeavesEveryTransactionOnceInTheLog) {
  state::TempDir dir;
  log::LocalLogOptions log_options;
  log_options.dir = dir.path() / "log";
  log_options.segment_bytes = 16 * 1024;  // many segments
  const Position start = Now();
  std::atomic<bool> workload_ok{false};
  std::thread workload([&] { workload_ok = Workload(server_, database_); });

  std::mt19937 random(4242);
  for (int cut = 0; cut < kCuts; ++cut) {
    auto log = log::LocalLog::Open(log_options);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    if (cut == kCuts / 2) {
      // A crash in the middle of appending a transaction: its first records, no commit.
      ASSERT_TRUE((*log)->Sync().ok());
      std::string junk_change = "C";  // never decoded: recovery must cut it
      log::LogAppend partial{junk_change, Position()};
      ASSERT_TRUE((*log)->Append(std::span(&partial, 1), 0).ok());
      ASSERT_TRUE((*log)->Sync().ok());
    }
    mysql::BinlogStreamOptions options = Options(start);
    const uint64_t stop_after = 5 + random() % 150;
    options.TEST_after_event = [stop_after](uint64_t events) { return events >= stop_after; };
    Status status = CaptureInto(*log, std::move(options));
    ASSERT_TRUE(status.ok()) << status.ToString();
  }
  workload.join();
  ASSERT_TRUE(workload_ok.load());
  const uint64_t end = Seqno();

  {  // the rest, without interruption, until the log holds the last transaction
    auto log = log::LocalLog::Open(log_options);
    ASSERT_TRUE(log.ok());
    std::atomic<bool> stop{false};
    std::atomic<bool> caught_up{false};
    mysql::BinlogStreamOptions options = Options(start);
    options.stop = &stop;
    std::thread stopper([&] {
      for (int i = 0; i < 600 && !caught_up; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        uint64_t last = 0;
        ReadLog(*log, &last);
        if (last >= end) caught_up = true;
      }
      stop = true;
    });
    Status status = CaptureInto(*log, std::move(options));
    stopper.join();
    ASSERT_TRUE(status.ok()) << status.ToString();
    ASSERT_TRUE(caught_up.load()) << "capture did not reach seqno " << end;

    uint64_t last = 0;
    Transactions captured = ReadLog(*log, &last);
    Reference reference(end);
    mysql::BinlogStream stream(Options(start));
    Status read = stream.Run(&reference);
    ASSERT_EQ(read.code(), StatusCode::kCancelled) << read.ToString();
    ASSERT_EQ(reference.transactions.size(),
              static_cast<size_t>(kTransactions - kTransactions / 25));
    EXPECT_EQ(captured, reference.transactions);
  }
}

}  // namespace
}  // namespace cutover
