// LoadProbes: Threads_running (MariaDB/MySQL) or active backends (PostgreSQL) of source and
// target, SHOW SLAVE STATUS of the replicas, each on a session of its own.
#include "pipeline/load_probes.h"

#include <fmt/format.h>

#include "core/parse_number.h"
#include "db/mysql/connection.h"
#include "db/postgres/connection.h"

namespace cutover::pipeline {
namespace {

constexpr char kPostgresActive[] =
    "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND "
    "backend_type = 'client backend' AND pid <> pg_backend_pid()";
constexpr char kMysqlRunning[] = "SHOW GLOBAL STATUS LIKE 'Threads_running'";

struct Rows {
  std::vector<std::string> columns;
  std::vector<std::vector<std::optional<std::string>>> rows;
};

// "host:port" (validated by the spec) into the source's connection to that server.
ConnectionSpec ReplicaConnection(const ConnectionSpec& source, const std::string& address) {
  ConnectionSpec replica = source;
  size_t colon = address.rfind(':');
  replica.host = address.substr(0, colon);
  if (replica.host.size() >= 2 && replica.host.front() == '[') {
    replica.host = replica.host.substr(1, replica.host.size() - 2);
  }
  replica.port = std::atoi(address.substr(colon + 1).c_str());
  return replica;
}

}  // namespace

// One connection of either kind, dropped after a failure so that the next round reconnects.
class LoadProbes::Session {
 public:
  Session(bool postgres, ConnectionSpec connection)
      : postgres_(postgres), connection_(std::move(connection)) {}

  bool postgres() const { return postgres_; }

  Result<Rows> Query(const std::string& sql) {
    Result<Rows> rows = QueryOnce(sql);
    if (!rows.ok()) {
      mysql_.reset();
      pg_.reset();
    }
    return rows;
  }

 private:
  Result<Rows> QueryOnce(const std::string& sql) {
    if (postgres_) {
      if (!pg_) {
        postgres::ConnectOptions options;
        options.read_timeout = std::chrono::seconds(5);  // as the MySQL probe's
        CUTOVER_ASSIGN_OR_RETURN(pg_, postgres::Connection::Open(connection_, options));
      }
      CUTOVER_ASSIGN_OR_RETURN(postgres::QueryResult result, pg_->Query(sql));
      return Rows{std::move(result.columns), std::move(result.rows)};
    }
    if (!mysql_) {
      mysql::ConnectOptions options;
      options.read_timeout = std::chrono::seconds(5);
      options.write_timeout = std::chrono::seconds(5);
      options.use_database = false;
      CUTOVER_ASSIGN_OR_RETURN(mysql_, mysql::Connection::Open(connection_, options));
    }
    CUTOVER_ASSIGN_OR_RETURN(mysql::QueryResult result, mysql_->Query(sql));
    return Rows{std::move(result.columns), std::move(result.rows)};
  }

  const bool postgres_;
  const ConnectionSpec connection_;
  std::unique_ptr<mysql::Connection> mysql_;
  std::unique_ptr<postgres::Connection> pg_;
};

LoadProbes::LoadProbes(const Spec& spec) : spec_(spec) {}
LoadProbes::~LoadProbes() = default;

LoadProbes::Session& LoadProbes::SessionFor(const std::string& name, bool postgres,
                                            const ConnectionSpec& connection) {
  std::unique_ptr<Session>& session = sessions_[name];
  if (!session) {
    ConnectionSpec probe = connection;
    probe.connect_timeout = std::chrono::seconds(5);
    session = std::make_unique<Session>(postgres, std::move(probe));
  }
  return *session;
}

Result<int64_t> LoadProbes::RunningThreads(Session& session) {
  CUTOVER_ASSIGN_OR_RETURN(Rows result,
                           session.Query(session.postgres() ? kPostgresActive : kMysqlRunning));
  const size_t column = session.postgres() ? 0 : 1;
  if (result.rows.size() != 1 || result.rows[0].size() <= column || !result.rows[0][column]) {
    return Status::Internal("the server did not answer with a count of running threads");
  }
  CUTOVER_ASSIGN_OR_RETURN(int64_t running,
                           ParseInteger<int64_t>(*result.rows[0][column], "Threads_running"));
  return session.postgres() ? running : std::max<int64_t>(running - 1, 0);
}

Result<int64_t> LoadProbes::ReplicaLagSeconds(Session& session) {
  CUTOVER_ASSIGN_OR_RETURN(Rows result, session.Query("SHOW SLAVE STATUS"));
  if (result.rows.empty()) {
    return Status::FailedPrecondition("not a replica (SHOW SLAVE STATUS is empty)");
  }
  for (size_t column = 0; column < result.columns.size(); ++column) {
    if (result.columns[column] != "Seconds_Behind_Master") continue;
    const std::optional<std::string>& value = result.rows[0][column];
    if (!value) {
      return Status::FailedPrecondition(
          "Seconds_Behind_Master is NULL: its replication is not running");
    }
    return ParseInteger<int64_t>(*value, "Seconds_Behind_Master");
  }
  return Status::Internal("SHOW SLAVE STATUS has no Seconds_Behind_Master");
}

void LoadProbes::ProbeSource(const LoadLimits& limits, LoadVerdicts& out) {
  if (limits.source_threads_running <= 0) return;
  const bool postgres = spec_.source.kind == SourceKind::kPostgres;
  Result<int64_t> running = RunningThreads(SessionFor("source", postgres, spec_.source.connection));
  if (!running.ok()) {
    out.errors.push_back(fmt::format("source: {}", running.status().message()));
    return;
  }
  if (*running <= limits.source_threads_running) return;
  out.source_load = fmt::format("source {} {} > throttle.max_load.threads_running {}",
                                postgres ? "active backends" : "Threads_running", *running,
                                limits.source_threads_running);
}

void LoadProbes::ProbeReplicas(const LoadLimits& limits, LoadVerdicts& out) {
  if (spec_.source.kind == SourceKind::kPostgres && !spec_.throttle.replicas.empty()) {
    out.errors.push_back(
        "throttle.replicas: only MariaDB/MySQL replicas are probed; a PostgreSQL source's "
        "standbys are not (docs/operations.md)");
    return;
  }
  for (const std::string& address : spec_.throttle.replicas) {
    Result<int64_t> lag = ReplicaLagSeconds(
        SessionFor(address, false, ReplicaConnection(spec_.source.connection, address)));
    if (!lag.ok()) {
      out.errors.push_back(fmt::format("replica {}: {}", address, lag.status().message()));
      continue;
    }
    if (*lag * 1000 <= limits.max_replica_lag_ms || !out.replica_lag.empty()) continue;
    out.replica_lag =
        fmt::format("replica {} lags {} s > throttle.max_replica_lag {:.3g} s", address, *lag,
                    static_cast<double>(limits.max_replica_lag_ms) / 1000.0);
  }
}

void LoadProbes::ProbeTarget(const LoadLimits& limits, LoadVerdicts& out) {
  const TargetKind kind = spec_.target.kind;
  if (limits.target_threads_running <= 0) return;
  if (kind != TargetKind::kMariaDB && kind != TargetKind::kMySQL && kind != TargetKind::kPostgres) {
    return;  // DynamoDB: its throttling answers slow the writers (backoff); Kafka: none
  }
  const bool postgres = kind == TargetKind::kPostgres;
  Result<int64_t> running = RunningThreads(SessionFor("target", postgres, spec_.target.connection));
  if (!running.ok()) {
    out.errors.push_back(fmt::format("target: {}", running.status().message()));
    return;
  }
  if (*running <= limits.target_threads_running) return;
  out.target_load = fmt::format("target {} {} > throttle.target_max_load {}",
                                postgres ? "active backends" : "Threads_running", *running,
                                limits.target_threads_running);
}

std::string CommitLatencyVerdict(int64_t commit_us, int64_t commits, double seconds,
                                 int64_t limit_ms) {
  if (limit_ms <= 0 || commits <= 0) return "";
  const double average_ms = static_cast<double>(commit_us) / 1000.0 / static_cast<double>(commits);
  if (average_ms <= static_cast<double>(limit_ms)) return "";
  return fmt::format(
      "target COMMITs took {:.1f} ms on average ({} in {:.1f} s) > "
      "throttle.target_max_commit_latency {} ms",
      average_ms, commits, seconds, limit_ms);
}

LoadVerdicts LoadProbes::Round(const LoadLimits& limits) {
  LoadVerdicts out;
  ProbeSource(limits, out);
  ProbeReplicas(limits, out);
  ProbeTarget(limits, out);
  return out;
}

}  // namespace cutover::pipeline
