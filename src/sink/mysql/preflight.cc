// Preflight for a MariaDB/MySQL target: connect, database, a scratch-table write round trip and
// LOAD DATA LOCAL INFILE into the scratch table.
#include "sink/mysql/preflight.h"

#include <filesystem>
#include <fstream>
#include <random>

#include <fmt/format.h>

#include "db/mysql/connection.h"
#include "db/mysql/preflight_support.h"

namespace cutover::mysql {
namespace {

constexpr char kScratchNote[] = "cutover check";

// What the scratch-table round trip found: the failed step (empty when all worked).
struct WriteTrial {
  std::string failed_step;  // "CREATE TABLE", "INSERT", "SELECT", "DROP TABLE"
  std::string error;
  bool dropped = false;  // the scratch table is gone again
  std::string table;     // its quoted name
};

CheckResult CheckVersion(Connection& connection) {
  return CheckResult::Pass(
      "target.version", "server version",
      fmt::format("{} {}", connection.ServerFlavor(), connection.ServerVersion()));
}

CheckResult CheckDatabase(Connection& connection, const std::string& database, bool* exists) {
  const char* id = "target.database";
  const char* title = "database exists";
  auto found = connection.Query(
      fmt::format("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = {}",
                  connection.QuoteString(database)));
  if (!found.ok()) {
    return CheckResult::Fail(id, title,
                             fmt::format("could not check: {}", found.status().message()),
                             "let the user read information_schema.SCHEMATA");
  }
  *exists = !found->rows.empty();
  if (*exists) return CheckResult::Pass(id, title, fmt::format("database '{}' exists", database));
  auto grants = connection.Query("SHOW GRANTS FOR CURRENT_USER()");
  std::vector<std::string> lines;
  if (grants.ok()) {
    for (const SqlRow& row : grants->rows) lines.push_back(row[0].value_or(""));
  }
  std::string create = fmt::format("CREATE DATABASE {};", QuoteIdentifier(database));
  if (ParseGlobalGrants(lines).Has("CREATE")) {
    return CheckResult::Warn(
        id, title,
        fmt::format("database '{}' does not exist; the user may create it (CREATE ON *.*)",
                    database),
        create);
  }
  return CheckResult::Fail(
      id, title,
      fmt::format("database '{}' does not exist (or the user has no privilege on it) and the "
                  "user may not create it",
                  database),
      fmt::format("{}\nGRANT ALL ON {}.* TO {};", create, QuoteIdentifier(database),
                  connection.CurrentAccount()));
}

// The LOAD DATA LOCAL INFILE trial: one row from a temporary file into the scratch table.
Status LoadLocalFile(Connection& connection, const std::string& table) {
  std::filesystem::path file =
      std::filesystem::temp_directory_path() / (ScratchTableName() + ".tsv");
  {
    std::ofstream out(file);
    out << "2\t" << kScratchNote << "\n";
    if (!out) return Status::Unavailable(fmt::format("cannot write {}", file.string()));
  }
  auto loaded = connection.Execute(
      fmt::format("LOAD DATA LOCAL INFILE {} INTO TABLE {} FIELDS TERMINATED BY '\\t' "
                  "LINES TERMINATED BY '\\n' (id, note)",
                  connection.QuoteString(file.string()), table));
  std::error_code ignored;
  std::filesystem::remove(file, ignored);
  if (!loaded.ok()) return loaded.status();
  if (*loaded != 1) {
    return Status::Internal(fmt::format("LOAD DATA loaded {} rows instead of 1", *loaded));
  }
  return Status::Ok();
}

// Creates, writes, reads back and drops the scratch table; with `try_load`, also loads a row
// by LOAD DATA LOCAL INFILE (its outcome in *load).
WriteTrial TryWrite(Connection& connection, const std::string& database, bool try_load,
                    Status* load) {
  std::string table = QuoteQualified(database, ScratchTableName());
  WriteTrial trial;
  trial.table = table;
  auto fail = [&trial](std::string step, const Status& status) {
    trial.failed_step = std::move(step);
    trial.error = std::string(status.message());
  };
  auto created = connection.Execute(
      fmt::format("CREATE TABLE {} (id INT PRIMARY KEY, note VARCHAR(64))", table));
  if (!created.ok()) {
    fail("CREATE TABLE", created.status());
    trial.dropped = true;
    return trial;
  }
  auto inserted = connection.Execute(fmt::format("INSERT INTO {} (id, note) VALUES (1, {})", table,
                                                 connection.QuoteString(kScratchNote)));
  if (!inserted.ok()) {
    fail("INSERT", inserted.status());
  } else {
    auto read = connection.Query(fmt::format("SELECT note FROM {} WHERE id = 1", table));
    if (!read.ok()) {
      fail("SELECT", read.status());
    } else if (read->rows.size() != 1 || read->rows[0][0] != kScratchNote) {
      fail("SELECT", Status::Internal("the row read back differs from the row written"));
    }
  }
  if (try_load) *load = LoadLocalFile(connection, table);
  auto dropped = connection.Execute(fmt::format("DROP TABLE {}", table));
  trial.dropped = dropped.ok();
  if (!dropped.ok() && trial.failed_step.empty()) fail("DROP TABLE", dropped.status());
  return trial;
}

CheckResult JudgeWrite(const WriteTrial& trial, const std::string& database,
                       const std::string& account) {
  const char* id = "target.writable";
  const char* title = "scratch table write round trip";
  if (trial.failed_step.empty()) {
    return CheckResult::Pass(
        id, title,
        fmt::format("created, wrote, read back and dropped a scratch table in '{}'", database));
  }
  std::string observed = fmt::format("{} failed: {}", trial.failed_step, trial.error);
  if (!trial.dropped) {
    observed += fmt::format("; the scratch table was left behind: DROP TABLE {};", trial.table);
  }
  return CheckResult::Fail(
      id, title, observed,
      fmt::format("GRANT CREATE, INSERT, SELECT, UPDATE, DELETE, DROP, ALTER, INDEX ON {}.* TO {};",
                  QuoteIdentifier(database), account));
}

CheckResult JudgeLocalInfile(bool server_allows, const Status& load) {
  const char* id = "target.local_infile";
  const char* title = "LOAD DATA LOCAL INFILE allowed";
  if (!server_allows) {
    return CheckResult::Fail(id, title, "local_infile is OFF on the server",
                             "SET GLOBAL local_infile = ON; and set local_infile=ON under "
                             "[mysqld] in the server config so it survives a restart");
  }
  if (load.ok()) {
    return CheckResult::Pass(id, title,
                             "loaded a row into the scratch table with LOAD DATA "
                             "LOCAL INFILE");
  }
  return CheckResult::Fail(id, title,
                           fmt::format("LOAD DATA LOCAL INFILE failed: {}", load.message()),
                           "allow local_infile on the server (SET GLOBAL local_infile = ON) and "
                           "give the user INSERT on the target database");
}

Result<bool> ServerAllowsLocalInfile(Connection& connection) {
  CUTOVER_ASSIGN_OR_RETURN(QueryResult result, connection.Query("SELECT @@GLOBAL.local_infile"));
  std::string value = result.rows.empty() ? "" : result.rows[0][0].value_or("");
  return value == "1" || value == "ON";
}

void CheckWrites(Connection& connection, const std::string& database, bool database_exists,
                 std::vector<CheckResult>* results) {
  if (database.empty() || !database_exists) {
    std::string reason =
        database.empty() ? "not checked: target.database is not set in the spec"
                         : fmt::format("not checked: database '{}' does not exist yet", database);
    SkipRemaining(TargetCheckDefinitions(), reason, results);
    return;
  }
  auto allows = ServerAllowsLocalInfile(connection);
  Status load = Status::Ok();
  WriteTrial trial = TryWrite(connection, database, allows.ok() && *allows, &load);
  results->push_back(JudgeWrite(trial, database, connection.CurrentAccount()));
  if (!allows.ok()) {
    results->push_back(
        CheckResult::Fail("target.local_infile", "LOAD DATA LOCAL INFILE allowed",
                          fmt::format("could not read local_infile: {}", allows.status().message()),
                          "let the user read global variables"));
  } else if (*allows && !trial.failed_step.empty() && trial.failed_step != "DROP TABLE") {
    SkipRemaining(TargetCheckDefinitions(), "not checked: target.writable failed", results);
  } else {
    results->push_back(JudgeLocalInfile(*allows, load));
  }
}

}  // namespace

const std::vector<CheckDefinition>& TargetCheckDefinitions() {
  static const std::vector<CheckDefinition> kDefinitions = {
      {"target.reachable", "server is reachable"},
      {"target.credentials", "user can log in"},
      {"target.version", "server version"},
      {"target.database", "database exists"},
      {"target.writable", "scratch table write round trip"},
      {"target.local_infile", "LOAD DATA LOCAL INFILE allowed"},
  };
  return kDefinitions;
}

std::string ScratchTableName() {
  static thread_local std::mt19937 generator{std::random_device{}()};
  return fmt::format("_cutover_check_{:08x}", static_cast<uint32_t>(generator()));
}

std::vector<CheckResult> CheckTarget(const Spec& spec) {
  std::vector<CheckResult> results;
  ConnectOptions options;
  options.use_database = false;
  options.local_infile = true;
  const ConnectionSpec& connection_spec = spec.target.connection;
  std::unique_ptr<Connection> connection =
      ConnectForCheck("target", connection_spec, options, &results);
  if (connection == nullptr) {
    SkipRemaining(TargetCheckDefinitions(), SkipReason(results), &results);
    return results;
  }
  results.push_back(CheckVersion(*connection));
  bool exists = false;
  if (connection_spec.database.empty()) {
    results.push_back(CheckResult::Skip("target.database", "database exists",
                                        "target.database is not set in the spec"));
  } else {
    results.push_back(CheckDatabase(*connection, connection_spec.database, &exists));
  }
  CheckWrites(*connection, connection_spec.database, exists, &results);
  return results;
}

}  // namespace cutover::mysql
