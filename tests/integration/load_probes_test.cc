// LoadProbes against the real servers (docs/operations.md, "Load-aware throttling"): a PostgreSQL
// source's active backends and a MariaDB target's Threads_running over their limits hold the
// copy (and, for the target, the apply) with the sentence status shows; under the limits nothing
// is held; a replica that cannot be reached holds nothing and is reported.
#include "pipeline/load_probes.h"

#include <regex>
#include <thread>

#include <gtest/gtest.h>

#include "db/mysql/connection.h"
#include "db/postgres/connection.h"
#include "support/connection_spec.h"
#include "support/servers.h"

namespace cutover::pipeline {
namespace {

using namespace std::chrono_literals;

// `count` sessions of their own running `sleep_sql` on `server`, ended by `cancel` (with the
// session's id) from another session when the object goes away.
template <typename Connection>
class BusySessions {
 public:
  BusySessions(const testing::ServerInfo& server, int count, const std::string& id_sql,
               const std::string& sleep_sql, std::function<void(const std::string&)> cancel)
      : cancel_(std::move(cancel)) {
    for (int session = 0; session < count; ++session) {
      threads_.emplace_back([this, server, id_sql, sleep_sql] {
        auto sql = Connection::Open(testing::ConnectionFor(server, server.database));
        if (!sql.ok()) return;
        auto id = (*sql)->Query(id_sql);
        if (!id.ok()) return;
        {
          std::lock_guard lock(mutex_);
          ids_.push_back(*id->rows[0][0]);
        }
        (*sql)->Query(sleep_sql).status().IgnoreError();
      });
    }
    for (auto deadline = std::chrono::steady_clock::now() + 10s;
         Started() < count && std::chrono::steady_clock::now() < deadline;) {
      std::this_thread::sleep_for(50ms);
    }
    std::this_thread::sleep_for(300ms);  // each reaches its sleep
  }
  ~BusySessions() {
    std::vector<std::string> ids;
    {
      std::lock_guard lock(mutex_);
      ids.swap(ids_);
    }
    for (const std::string& id : ids) cancel_(id);
    for (std::thread& thread : threads_) thread.join();
  }

 private:
  int Started() {
    std::lock_guard lock(mutex_);
    return static_cast<int>(ids_.size());
  }
  std::function<void(const std::string&)> cancel_;
  std::mutex mutex_;
  std::vector<std::string> ids_;  // guarded by mutex_
  std::vector<std::thread> threads_;
};

TEST(LoadProbesTest, APostgresSourcesActiveBackendsOverTheLimitHoldTheCopy) {
  ASSERT_TRUE(testing::EnsureServer("postgres-source"));
  const testing::ServerInfo server = testing::PostgresSource();
  auto canceller = postgres::Connection::Open(testing::ConnectionFor(server, server.database));
  ASSERT_TRUE(canceller.ok()) << canceller.status().ToString();
  Spec spec;
  spec.source.kind = SourceKind::kPostgres;
  spec.source.connection = testing::ConnectionFor(server, server.database);
  spec.target.kind = TargetKind::kDynamoDB;
  LoadProbes probes(spec);
  {
    BusySessions<postgres::Connection> busy(
        server, 3, "SELECT pg_backend_pid()", "SELECT pg_sleep(30)", [&](const std::string& id) {
          (*canceller)->Query("SELECT pg_cancel_backend(" + id + ")").status().IgnoreError();
        });
    LoadVerdicts verdicts = probes.Round(
        {.source_threads_running = 2, .max_replica_lag_ms = 0, .target_threads_running = 5});
    EXPECT_TRUE(std::regex_match(
        verdicts.source_load,
        std::regex(R"(source active backends \d+ > throttle\.max_load\.threads_running 2)")))
        << verdicts.source_load;
    EXPECT_TRUE(verdicts.target_load.empty());  // DynamoDB: no probe
    EXPECT_TRUE(verdicts.errors.empty());
    verdicts = probes.Round(
        {.source_threads_running = 100, .max_replica_lag_ms = 0, .target_threads_running = 0});
    EXPECT_TRUE(verdicts.source_load.empty()) << verdicts.source_load;
  }
}

TEST(LoadProbesTest, AMariaDbTargetOverTheLimitHoldsAndAnUnreachableReplicaIsReported) {
  ASSERT_TRUE(testing::EnsureServer("mariadb-source"));
  ASSERT_TRUE(testing::EnsureServer("mariadb-target"));
  const testing::ServerInfo target = testing::MariaDbTarget();
  auto killer = mysql::Connection::Open(testing::ConnectionFor(target, target.database));
  ASSERT_TRUE(killer.ok()) << killer.status().ToString();
  Spec spec;
  spec.source.connection = testing::ConnectionFor(testing::MariaDbSource());
  spec.target.connection = testing::ConnectionFor(target);
  spec.throttle.replicas = {"127.0.0.1:1"};  // nothing listens there
  LoadProbes probes(spec);
  BusySessions<mysql::Connection> busy(
      target, 4, "SELECT CONNECTION_ID()", "SELECT SLEEP(30)", [&](const std::string& id) {
        (*killer)->Execute("KILL QUERY " + id).status().IgnoreError();
      });
  LoadVerdicts verdicts = probes.Round(
      {.source_threads_running = 0, .max_replica_lag_ms = 1000, .target_threads_running = 3});
  EXPECT_TRUE(
      std::regex_match(verdicts.target_load,
                       std::regex(R"(target Threads_running \d+ > throttle\.target_max_load 3)")))
      << verdicts.target_load;
  EXPECT_TRUE(verdicts.source_load.empty());
  EXPECT_TRUE(verdicts.replica_lag.empty());
  ASSERT_EQ(verdicts.errors.size(), 1u);
  EXPECT_EQ(verdicts.errors[0].rfind("replica 127.0.0.1:1: ", 0), 0u) << verdicts.errors[0];
}

}  // namespace
}  // namespace cutover::pipeline
