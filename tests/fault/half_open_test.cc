// A PostgreSQL server that stops answering without closing the connection (half-open, through
// FaultProxy): a statement with a read timeout fails instead of waiting forever, and the
// replication stream notices the silence; a healthy idle stream never does.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <unistd.h>

#include "db/mysql/connection.h"
#include "db/postgres/connection.h"
#include "fault_proxy.h"
#include "source/postgres/replication_stream.h"
#include "support/connection_spec.h"
#include "support/servers.h"

namespace cutover::fault {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class HalfOpenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::EnsureServer("postgres-source"));
    const testing::ServerInfo server = testing::PostgresSource();
    Result<std::unique_ptr<FaultProxy>> proxy = FaultProxy::Start(server.host, server.port);
    ASSERT_TRUE(proxy.ok()) << proxy.status().ToString();
    proxy_ = *std::move(proxy);
    direct_ = Open(server.port, {});
    ASSERT_NE(direct_, nullptr);
  }
  void TearDown() override {
    proxy_.reset();  // closes the half-open sessions: their walsenders end
    if (!slot_.empty() && direct_) {
      for (int attempt = 0; attempt < 50; ++attempt) {
        if (direct_->Execute("SELECT pg_drop_replication_slot('" + slot_ + "')").ok()) {
          break;
        }
        std::this_thread::sleep_for(100ms);
      }
      (void)direct_->Execute("DROP PUBLICATION IF EXISTS " + slot_);
    }
  }

  std::unique_ptr<postgres::Connection> Open(int port, const postgres::ConnectOptions& options) {
    testing::ServerInfo server = testing::PostgresSource();
    server.port = port;
    Result<std::unique_ptr<postgres::Connection>> opened =
        postgres::Connection::Open(testing::ConnectionFor(server, server.database), options);
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    return opened.ok() ? *std::move(opened) : nullptr;
  }

  std::unique_ptr<FaultProxy> proxy_;
  std::unique_ptr<postgres::Connection> direct_;
  std::string slot_;
};

TEST_F(HalfOpenTest, AStatementWithAReadTimeoutFailsAndTheSessionIsAbandoned) {
  postgres::ConnectOptions options;
  options.read_timeout = 1s;
  std::unique_ptr<postgres::Connection> session = Open(proxy_->port(), options);
  ASSERT_NE(session, nullptr);
  ASSERT_TRUE(session->Query("SELECT 1").ok());
  proxy_->HalfOpen();
  const auto start = Clock::now();
  Result<postgres::QueryResult> lost = session->Query("SELECT 2");
  EXPECT_LT(Clock::now() - start, 5s);
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(lost.status().message().find(
                "no reply from the server within 1000 ms; the connection is taken as lost"),
            std::string_view::npos)
      << lost.status().ToString();
  Result<uint64_t> later = session->Execute("SELECT 3");
  ASSERT_FALSE(later.ok());
  EXPECT_NE(later.status().message().find("the session was abandoned"), std::string_view::npos)
      << later.status().ToString();
  // A session through the same proxy opened now works (new connections are forwarded).
  std::unique_ptr<postgres::Connection> fresh = Open(proxy_->port(), options);
  ASSERT_NE(fresh, nullptr);
  EXPECT_TRUE(fresh->Query("SELECT 4").ok());
}

// COPY ... FROM STDIN on a session with a read timeout: rows go in while the link is healthy;
// once it is half-open, neither sending the data (the socket buffers fill and stay full) nor
// waiting for the COPY's end may block for longer than the timeout.
TEST_F(HalfOpenTest, ACopyWithAReadTimeoutNeitherSendsNorWaitsForever) {
  const std::string table = "half_open_copy_" + std::to_string(getpid());
  ASSERT_TRUE(direct_
                  ->Execute("DROP TABLE IF EXISTS " + table + "; CREATE TABLE " + table +
                            " (id bigint PRIMARY KEY, pad text)")
                  .ok());
  postgres::ConnectOptions options;
  options.read_timeout = 1s;
  std::unique_ptr<postgres::Connection> session = Open(proxy_->port(), options);
  ASSERT_NE(session, nullptr);
  const std::string copy = "COPY " + table + " (id, pad) FROM STDIN";
  // `pieces` pieces of 1 MiB of rows, from id `first` on; `after_first` runs once the first
  // piece was handed over.
  auto rows = [](int64_t first, int pieces, std::function<void()> after_first) {
    return [=, next_id = first, given = 0](std::string* piece) mutable -> Status {
      piece->clear();
      if (given == 1 && after_first) after_first();
      if (given++ == pieces) return Status::Ok();
      const std::string pad(1000, 'x');
      while (piece->size() < (1 << 20)) *piece += std::to_string(next_id++) + "\t" + pad + "\n";
      return Status::Ok();
    };
  };
  Result<uint64_t> healthy = session->CopyIn(copy, rows(0, 3, nullptr));
  ASSERT_TRUE(healthy.ok()) << healthy.status().ToString();
  EXPECT_GT(*healthy, 3000u);
  EXPECT_TRUE(session->IdleAndOpen());

  // Sending: 64 MiB cannot fit in the socket buffers of a link that forwards nothing.
  auto start = Clock::now();
  Result<uint64_t> stuck = session->CopyIn(copy, rows(1000000, 64, [this] { proxy_->HalfOpen(); }));
  EXPECT_LT(Clock::now() - start, 10s);
  ASSERT_FALSE(stuck.ok());
  EXPECT_EQ(stuck.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(stuck.status().message().find(
                "the server took no data within 1000 ms; the connection is taken as lost"),
            std::string_view::npos)
      << stuck.status().ToString();
  EXPECT_FALSE(session->IdleAndOpen());

  // Waiting for the end: a small COPY whose data fits in the buffers gets no reply.
  std::unique_ptr<postgres::Connection> small = Open(proxy_->port(), options);
  ASSERT_NE(small, nullptr);
  ASSERT_TRUE(small->Query("SELECT 1").ok());
  proxy_->HalfOpen();
  start = Clock::now();
  Result<uint64_t> unanswered = small->CopyIn(copy, rows(2000000, 0, nullptr));
  EXPECT_LT(Clock::now() - start, 5s);
  ASSERT_FALSE(unanswered.ok());
  EXPECT_EQ(unanswered.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(unanswered.status().message().find("no reply from the server within 1000 ms"),
            std::string_view::npos)
      << unanswered.status().ToString();
  // The rows of the healthy COPY, and none of the others (their transactions never ended).
  proxy_.reset();
  for (auto until = Clock::now() + 10s; Clock::now() < until;) {
    Result<postgres::QueryResult> count = direct_->Query(
        "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY half_open_copy_%' AND "
        "pid <> pg_backend_pid()");
    if (count.ok() && count->rows[0][0] == "0") break;
    std::this_thread::sleep_for(100ms);
  }
  Result<postgres::QueryResult> copied = direct_->Query("SELECT count(*) FROM " + table);
  ASSERT_TRUE(copied.ok()) << copied.status().ToString();
  EXPECT_EQ(copied->rows[0][0], std::to_string(*healthy));
  (void)direct_->Execute("DROP TABLE IF EXISTS " + table);
}

TEST_F(HalfOpenTest, ReplicationStreamNoticesSilenceButNotAnIdleServer) {
  const std::string schema = "half_open_" + std::to_string(getpid());
  slot_ = schema;
  ASSERT_TRUE(direct_
                  ->Execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE; CREATE SCHEMA " +
                            schema + "; CREATE TABLE " + schema + ".t (id int PRIMARY KEY)")
                  .ok());
  ASSERT_TRUE(direct_->Execute("CREATE PUBLICATION " + slot_ + " FOR TABLE " + schema + ".t").ok());
  ASSERT_TRUE(
      direct_->Execute("SELECT pg_create_logical_replication_slot('" + slot_ + "', 'pgoutput')")
          .ok());
  postgres::ConnectOptions replication;
  replication.replication = true;
  std::unique_ptr<postgres::Connection> connection = Open(proxy_->port(), replication);
  ASSERT_NE(connection, nullptr);
  postgres::ReplicationOptions options;
  options.slot = slot_;
  options.publication = slot_;
  options.lost_after = 2s;
  Result<std::unique_ptr<postgres::ReplicationStream>> stream =
      postgres::ReplicationStream::Start(*connection, options);
  ASSERT_TRUE(stream.ok()) << stream.status().ToString();
  // Idle for twice lost_after: the keepalives it asks for keep it alive.
  for (auto until = Clock::now() + 4s; Clock::now() < until;) {
    Result<std::optional<postgres::WalMessage>> message = (*stream)->Next(300ms);
    ASSERT_TRUE(message.ok()) << message.status().ToString();
  }
  proxy_->HalfOpen();
  const auto start = Clock::now();
  Status lost;
  while (lost.ok() && Clock::now() - start < 20s) lost = (*stream)->Next(300ms).status();
  EXPECT_LT(Clock::now() - start, 4s);
  EXPECT_EQ(lost.code(), StatusCode::kUnavailable);
  EXPECT_NE(lost.message().find("nothing from the server for 2 s, not even a keepalive asked "
                                "for; the connection is taken as lost"),
            std::string_view::npos)
      << lost.ToString();
  (void)direct_->Execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
}

// A MariaDB session (libmariadb) with the apply lanes' timeouts: a statement larger than the
// socket buffers, sent into a link gone half-open, fails by the write timeout; a small one by the
// read timeout. Neither blocks.
TEST(HalfOpenMariaDbTest, ReadAndWriteTimeoutsEndAStatementOnAHalfOpenLink) {
  ASSERT_TRUE(testing::EnsureServer("mariadb-target"));
  const testing::ServerInfo server = testing::MariaDbTarget();
  Result<std::unique_ptr<FaultProxy>> proxy = FaultProxy::Start(server.host, server.port);
  ASSERT_TRUE(proxy.ok()) << proxy.status().ToString();
  testing::ServerInfo through = server;
  through.port = (*proxy)->port();
  mysql::ConnectOptions options;
  options.read_timeout = 2s;
  options.write_timeout = 2s;
  options.use_database = false;
  auto open = [&] {
    Result<std::unique_ptr<mysql::Connection>> opened =
        mysql::Connection::Open(testing::ConnectionFor(through), options);
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    return opened.ok() ? *std::move(opened) : nullptr;
  };
  std::unique_ptr<mysql::Connection> large = open();
  std::unique_ptr<mysql::Connection> small = open();
  ASSERT_NE(large, nullptr);
  ASSERT_NE(small, nullptr);
  ASSERT_TRUE(large->Query("SELECT 1").ok());
  ASSERT_TRUE(small->Query("SELECT 1").ok());
  (*proxy)->HalfOpen();

  auto start = Clock::now();
  Result<mysql::QueryResult> sent =
      large->Query("SELECT LENGTH('" + std::string(12 << 20, 'x') + "')");
  EXPECT_GE(Clock::now() - start, 1500ms);  // the timeout, not a refusal before sending
  EXPECT_LT(Clock::now() - start, 8s);
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.status().code(), StatusCode::kUnavailable) << sent.status().ToString();

  start = Clock::now();
  Result<mysql::QueryResult> answered = small->Query("SELECT 2");
  EXPECT_LT(Clock::now() - start, 8s);
  ASSERT_FALSE(answered.ok());
  EXPECT_EQ(answered.status().code(), StatusCode::kUnavailable) << answered.status().ToString();
  EXPECT_NE(answered.status().message().find("Lost connection"), std::string_view::npos)
      << answered.status().ToString();
}

}  // namespace
}  // namespace cutover::fault
