// Preflight for a PostgreSQL target: connect, database, schema and a scratch-table write round
// trip.
#include "sink/postgres/preflight.h"

#include <random>

#include <fmt/format.h>

#include "db/postgres/connection.h"
#include "db/postgres/preflight_support.h"

namespace cutover::postgres {
namespace {

constexpr char kScratchNote[] = "cutover check";

std::string ScratchTableName() {
  static thread_local std::mt19937 generator{std::random_device{}()};
  return fmt::format("_cutover_check_{:08x}", static_cast<uint32_t>(generator()));
}

CheckResult CheckVersion(Connection& connection) {
  auto result = connection.Query("SELECT current_setting('server_version')");
  std::string version =
      result.ok() && !result->rows.empty() ? result->rows[0][0].value_or("") : "(unknown)";
  return CheckResult::Pass("target.version", "server version", "PostgreSQL " + version);
}

// The database is missing: a warning instead of a failure when the role may create it.
void JudgeMissingDatabase(const ConnectionSpec& spec, std::vector<CheckResult>* results) {
  ConnectOptions options;
  options.database_override = "postgres";
  auto opened = Connection::Open(spec, options);
  if (!opened.ok()) return;
  auto role = (*opened)->Query(
      "SELECT rolcreatedb OR rolsuper FROM pg_roles "
      "WHERE rolname = current_user");
  if (!role.ok() || role->rows.empty() || role->rows[0][0] != "t") return;
  CheckResult& database = results->back();
  database.outcome = CheckOutcome::kWarn;
  database.observed =
      fmt::format("database '{}' does not exist; the role may create it (CREATEDB)", spec.database);
  database.fix = fmt::format("CREATE DATABASE {};", QuoteIdentifier(spec.database));
}

CheckResult CheckSchema(Connection& connection, std::string* schema) {
  const char* id = "target.schema";
  const char* title = "schema to write into";
  auto result = connection.Query(
      "SELECT current_schema(), current_user, "
      "current_schema() IS NOT NULL AND has_schema_privilege(current_schema(), 'CREATE')");
  if (!result.ok() || result->rows.empty()) {
    return CheckResult::Fail(id, title,
                             fmt::format("could not check: {}", result.status().message()),
                             "let the role read current_schema()");
  }
  const SqlRow& row = result->rows[0];
  std::string role = row[1].value_or("");
  if (!row[0]) {
    return CheckResult::Fail(
        id, title, "no schema on the role's search_path exists",
        fmt::format("CREATE SCHEMA {0} AUTHORIZATION {0};", QuoteIdentifier(role)));
  }
  *schema = *row[0];
  if (row[2] == "t") {
    return CheckResult::Pass(id, title,
                             fmt::format("schema '{}', where {} may create tables", *schema, role));
  }
  return CheckResult::Fail(id, title,
                           fmt::format("{} may not create tables in schema '{}'", role, *schema),
                           fmt::format("GRANT CREATE ON SCHEMA {} TO {};", QuoteIdentifier(*schema),
                                       QuoteIdentifier(role)));
}

// Creates, writes, reads back and drops a scratch table in `schema`; the first failed step.
CheckResult CheckWritable(Connection& connection, const std::string& schema) {
  const char* id = "target.writable";
  const char* title = "scratch table write round trip";
  std::string table = QuoteQualified(schema, ScratchTableName());
  auto created =
      connection.Execute(fmt::format("CREATE TABLE {} (id integer PRIMARY KEY, note text)", table));
  if (!created.ok()) {
    return CheckResult::Fail(
        id, title, fmt::format("CREATE TABLE failed: {}", created.status().message()),
        fmt::format("GRANT CREATE ON SCHEMA {} TO <role>;", QuoteIdentifier(schema)));
  }
  std::string failure;
  auto inserted = connection.Execute(fmt::format("INSERT INTO {} (id, note) VALUES (1, $1)", table),
                                     Params{kScratchNote});
  if (!inserted.ok()) {
    failure = fmt::format("INSERT failed: {}", inserted.status().message());
  } else {
    auto read = connection.Query(fmt::format("SELECT note FROM {} WHERE id = 1", table));
    if (!read.ok()) {
      failure = fmt::format("SELECT failed: {}", read.status().message());
    } else if (read->rows.size() != 1 || read->rows[0][0] != kScratchNote) {
      failure = "SELECT failed: the row read back differs from the row written";
    }
  }
  auto dropped = connection.Execute(fmt::format("DROP TABLE {}", table));
  if (!dropped.ok()) {
    if (!failure.empty()) failure += "; ";
    failure += fmt::format(
        "DROP TABLE failed: {}; the scratch table was left behind: DROP TABLE "
        "{};",
        dropped.status().message(), table);
  }
  if (failure.empty()) {
    return CheckResult::Pass(
        id, title,
        fmt::format("created, wrote, read back and dropped a scratch table in schema '{}'",
                    schema));
  }
  return CheckResult::Fail(id, title, failure,
                           fmt::format("let the role create, write and drop tables in schema {} "
                                       "(it should own the tables cutover creates)",
                                       QuoteIdentifier(schema)));
}

}  // namespace

const std::vector<CheckDefinition>& TargetCheckDefinitions() {
  static const std::vector<CheckDefinition> kDefinitions = {
      {"target.reachable", "server is reachable"},
      {"target.credentials", "user can log in"},
      {"target.database", "database exists"},
      {"target.version", "server version"},
      {"target.schema", "schema to write into"},
      {"target.writable", "scratch table write round trip"},
  };
  return kDefinitions;
}

std::vector<CheckResult> CheckTarget(const Spec& spec) {
  std::vector<CheckResult> results;
  const ConnectionSpec& connection_spec = spec.target.connection;
  std::unique_ptr<Connection> connection = ConnectForCheck("target", connection_spec, &results);
  if (connection == nullptr) {
    bool database_missing = results.back().id == "target.database";
    if (database_missing) JudgeMissingDatabase(connection_spec, &results);
    std::string reason =
        database_missing
            ? fmt::format("not checked: database '{}' does not exist yet", connection_spec.database)
            : SkipReason(results);
    SkipRemaining(TargetCheckDefinitions(), reason, &results);
    return results;
  }
  results.push_back(CheckVersion(*connection));
  std::string schema;
  results.push_back(CheckSchema(*connection, &schema));
  if (results.back().outcome != CheckOutcome::kPass) {
    SkipRemaining(TargetCheckDefinitions(), "not checked: target.schema failed", &results);
    return results;
  }
  results.push_back(CheckWritable(*connection, schema));
  return results;
}

}  // namespace cutover::postgres
