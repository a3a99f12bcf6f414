// Preflight for a MariaDB/MySQL source: connect, server settings (binlog, GTID, server id) and
// the order of the checks. Privileges and tables are in preflight_tables.cc.
#include "source/mysql/preflight.h"

#include <algorithm>
#include <charconv>
#include <map>

#include <fmt/format.h>

#include "core/parse_number.h"

#include "source/mysql/preflight_tables.h"

namespace cutover::mysql {
namespace {

using Variables = std::map<std::string, std::string>;

constexpr int64_t kOneDay = 86400;

const char* const kVariablesQuery =
    "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('log_bin', 'binlog_format', "
    "'binlog_row_image', 'binlog_row_metadata', 'binlog_expire_logs_seconds', "
    "'expire_logs_days', 'gtid_mode', 'server_id', 'basedir', 'aurora_version', "
    "'binlog_row_value_options', 'binlog_order_commits', 'binlog_transaction_compression')";

std::string Upper(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

std::string Lookup(const Variables& variables, const std::string& name) {
  auto found = variables.find(name);
  return found == variables.end() ? std::string() : found->second;
}

std::string PersistFix(std::string_view variable, std::string_view value) {
  return fmt::format(
      "SET GLOBAL {0} = '{1}'; and set {0}={1} under [mysqld] in the server config so it "
      "survives a restart",
      variable, value);
}

// A check that a variable has one value; `fix_note` is appended to the fix on its own line.
CheckResult ExpectValue(const Variables& variables, std::string_view variable,
                        std::string_view expected, std::string_view fix_note,
                        ManagedService service = ManagedService::kNone) {
  std::string id = fmt::format("source.{}", variable);
  std::string title = fmt::format("{} is {}", variable, expected);
  std::string actual = Lookup(variables, std::string(variable));
  std::string observed = fmt::format("{} is {}", variable, actual);
  if (Upper(actual) == expected) return CheckResult::Pass(id, title, observed);
  std::string fix = SettingFix(service, variable, expected);
  if (!fix_note.empty()) fix += fmt::format("\n{}", fix_note);
  return CheckResult::Fail(id, title, observed, fix);
}

CheckResult CheckVersion(Connection& connection) {
  return CheckResult::Pass(
      "source.version", "server version",
      fmt::format("{} {}", connection.ServerFlavor(), connection.ServerVersion()));
}

CheckResult CheckLogBin(const Variables& variables) {
  std::string value = Lookup(variables, "log_bin");
  std::string observed = fmt::format("log_bin is {}", value);
  if (Upper(value) == "ON" || value == "1") {
    return CheckResult::Pass("source.log_bin", "binary log enabled", observed);
  }
  return CheckResult::Fail(
      "source.log_bin", "binary log enabled", observed,
      "set log_bin=mysql-bin (and a non-zero server_id) under [mysqld] in the server config and "
      "restart the server; log_bin cannot be changed at runtime");
}

CheckResult CheckRowMetadata(const Variables& variables, const std::string& flavor,
                             ManagedService service) {
  const char* title = "binlog_row_metadata is FULL";
  if (!variables.contains("binlog_row_metadata")) {
    return CheckResult::Warn(
        "source.binlog_row_metadata", title,
        fmt::format("this {} version has no binlog_row_metadata", flavor),
        "upgrade to MariaDB 10.5+ or MySQL 8.0+; until then cutover takes column names from "
        "the schema it read at start, so do not change table definitions during the migration");
  }
  return ExpectValue(variables, "binlog_row_metadata", "FULL", "", service);
}

CheckResult CheckRetention(const Variables& variables) {
  const char* id = "source.binlog_retention";
  const char* title = "binlogs kept at least a day";
  int64_t seconds = BinlogRetentionSeconds(Lookup(variables, "binlog_expire_logs_seconds"),
                                           Lookup(variables, "expire_logs_days"));
  if (seconds == 0) return CheckResult::Pass(id, title, "binlogs never expire");
  std::string observed = fmt::format("binlogs expire after {} seconds", seconds);
  if (seconds >= kOneDay) return CheckResult::Pass(id, title, observed);
  return CheckResult::Warn(
      id, title, observed + " (less than a day): a paused or slow migration can lose its place",
      "SET GLOBAL binlog_expire_logs_seconds = 604800; and set "
      "binlog_expire_logs_seconds=604800 under [mysqld] in the server config");
}

// RDS and Aurora keep binlogs by `binlog retention hours` (binlog_expire_logs_seconds is not
// theirs to set); mysql.rds_show_configuration reads it from mysql.rds_configuration.
CheckResult ReadManagedRetention(Connection& connection) {
  auto hours = connection.Query(
      "SELECT value FROM mysql.rds_configuration WHERE name = 'binlog retention hours'");
  if (!hours.ok()) {
    return CheckResult::Warn(
        "source.binlog_retention", "binlogs kept at least a day",
        fmt::format("cannot read binlog retention hours: {}", hours.status().message()),
        "CALL mysql.rds_show_configuration; and if binlog retention hours is NULL or under 24: "
        "CALL mysql.rds_set_configuration('binlog retention hours', 168);");
  }
  std::optional<std::string> value;
  if (!hours->rows.empty()) value = hours->rows[0][0];
  return ManagedRetentionCheck(value);
}

CheckResult CheckMariaDbGtid(Connection& connection) {
  const char* title = "GTID position";
  auto result = connection.Query("SELECT @@GLOBAL.gtid_binlog_pos");
  if (!result.ok() || result->rows.empty()) {
    return CheckResult::Fail(
        "source.gtid", title,
        fmt::format("cannot read gtid_binlog_pos: {}", result.status().message()),
        "use MariaDB 10.0 or later with log_bin enabled");
  }
  std::string position = result->rows[0][0].value_or("");
  return CheckResult::Pass("source.gtid", title,
                           position.empty()
                               ? "gtid_binlog_pos is empty (no transactions logged yet)"
                               : fmt::format("gtid_binlog_pos is {}", position));
}

CheckResult CheckMySqlGtid(const Variables& variables) {
  const char* title = "GTID position";
  std::string mode = Lookup(variables, "gtid_mode");
  std::string observed = fmt::format("gtid_mode is {}", mode.empty() ? "not available" : mode);
  if (Upper(mode) == "ON") return CheckResult::Pass("source.gtid", title, observed);
  return CheckResult::Warn(
      "source.gtid", title,
      observed + ": cutover uses binlog file:position, which does not survive a failover",
      "SET GLOBAL enforce_gtid_consistency = ON; then SET GLOBAL gtid_mode = OFF_PERMISSIVE; "
      "= ON_PERMISSIVE; = ON (one step at a time), and set gtid_mode=ON and "
      "enforce_gtid_consistency=ON under [mysqld] in the server config");
}

// The server_ids of the replicas registered with the source right now (SHOW SLAVE HOSTS, which
// MariaDB and MySQL 8 both accept); empty when the user may not list them.
std::vector<std::string> RegisteredReplicaIds(Connection& connection) {
  std::vector<std::string> ids;
  auto hosts = connection.Query("SHOW SLAVE HOSTS");
  if (!hosts.ok()) return ids;
  for (const SqlRow& row : hosts->rows) {
    if (!row.empty()) ids.push_back(row[0].value_or(""));
  }
  return ids;
}

CheckResult CheckServerId(const Variables& variables, uint32_t own_server_id,
                          const std::vector<std::string>& replica_ids) {
  const char* id = "source.server_id";
  const char* title = "server_id set and distinct";
  std::string value = Lookup(variables, "server_id");
  std::string observed = fmt::format("server_id is {}", value);
  if (value.empty() || value == "0") {
    return CheckResult::Fail(id, title, observed,
                             "SET GLOBAL server_id = 1; and set server_id=1 under [mysqld] in the "
                             "server config (any number no other server or replica uses)");
  }
  if (value == std::to_string(own_server_id)) {
    return CheckResult::Fail(
        id, title, observed + ", the same as source.server_id in the spec",
        "set source.server_id in the spec to a number that no server or replica uses");
  }
  std::string own = std::to_string(own_server_id);
  if (std::find(replica_ids.begin(), replica_ids.end(), own) != replica_ids.end()) {
    return CheckResult::Fail(
        id, title,
        fmt::format("{}; a replica with server_id {} is connected already (SHOW SLAVE HOSTS)",
                    observed, own),
        "set source.server_id in the spec to a number no connected replica uses, or stop the "
        "other cutover process replicating as that id (two replicas with one id disconnect "
        "each other)");
  }
  return CheckResult::Pass(
      id, title, fmt::format("{}; cutover replicates as server_id {}", observed, own_server_id));
}

void CheckServerSettings(Connection& connection, const Spec& spec,
                         std::vector<CheckResult>* results) {
  results->push_back(CheckVersion(connection));
  auto queried = connection.Query(kVariablesQuery);
  if (!queried.ok()) {
    std::string reason =
        fmt::format("not checked: cannot read server variables: {}", queried.status().message());
    for (const CheckDefinition& check : SourceCheckDefinitions()) {
      if (!check.id.starts_with("source.binlog") && check.id != "source.log_bin" &&
          check.id != "source.gtid" && check.id != "source.server_id") {
        continue;
      }
      results->push_back(CheckResult::Fail(std::string(check.id), std::string(check.title), reason,
                                           "let the user read global variables (SHOW GLOBAL "
                                           "VARIABLES)"));
    }
    return;
  }
  Variables variables;
  for (const SqlRow& row : queried->rows) variables[row[0].value_or("")] = row[1].value_or("");
  std::string flavor = connection.ServerFlavor();
  ManagedService service = DetectManagedService(variables);
  results->push_back(CheckLogBin(variables));
  results->push_back(
      ExpectValue(variables, "binlog_format", "ROW",
                  "Sessions opened before the change keep the old format until they reconnect.",
                  service));
  results->push_back(ExpectValue(variables, "binlog_row_image", "FULL", "", service));
  results->push_back(CheckRowMetadata(variables, flavor, service));
  results->push_back(RowValueOptionsCheck(variables, service));
  results->push_back(TransactionCompressionCheck(variables, service));
  results->push_back(CommitOrderCheck(variables, flavor, service));
  results->push_back(service == ManagedService::kNone ? CheckRetention(variables)
                                                      : ReadManagedRetention(connection));
  results->push_back(flavor == "MariaDB" ? CheckMariaDbGtid(connection)
                                         : CheckMySqlGtid(variables));
  results->push_back(
      CheckServerId(variables, spec.source.server_id, RegisteredReplicaIds(connection)));
}

}  // namespace

const std::vector<CheckDefinition>& SourceCheckDefinitions() {
  static const std::vector<CheckDefinition> kDefinitions = {
      {"source.reachable", "server is reachable"},
      {"source.credentials", "user can log in"},
      {"source.version", "server version"},
      {"source.log_bin", "binary log enabled"},
      {"source.binlog_format", "binlog_format is ROW"},
      {"source.binlog_row_image", "binlog_row_image is FULL"},
      {"source.binlog_row_metadata", "binlog_row_metadata is FULL"},
      {"source.binlog_row_value_options", "JSON updates logged whole"},
      {"source.binlog_transaction_compression", "transactions logged uncompressed"},
      {"source.binlog_order_commits", "commits visible in binlog order"},
      {"source.binlog_retention", "binlogs kept at least a day"},
      {"source.gtid", "GTID position"},
      {"source.server_id", "server_id set and distinct"},
      {"source.replication_privileges", "replication privileges"},
      {"source.tables", "tables selected"},
      {"source.select_privilege", "SELECT on selected tables"},
      {"source.watermark_privileges", "cutover's tables writable"},
      {"source.primary_keys", "every table has a key"},
      {"source.filters", "row filters evaluable"},
  };
  return kDefinitions;
}

std::vector<CheckResult> CheckSource(const Spec& spec) {
  std::vector<CheckResult> results;
  ConnectOptions options;
  options.use_database = false;
  std::unique_ptr<Connection> connection =
      ConnectForCheck("source", spec.source.connection, options, &results);
  if (connection == nullptr) {
    SkipRemaining(SourceCheckDefinitions(), SkipReason(results), &results);
    return results;
  }
  CheckServerSettings(*connection, spec, &results);
  CheckPrivilegesAndTables(*connection, spec, &results);
  return results;
}

ManagedService DetectManagedService(const Variables& variables) {
  if (variables.contains("aurora_version")) return ManagedService::kAurora;
  if (Lookup(variables, "basedir").starts_with("/rdsdbbin/")) return ManagedService::kRds;
  return ManagedService::kNone;
}

std::string_view ManagedServiceName(ManagedService service) {
  switch (service) {
    case ManagedService::kRds: return "RDS";
    case ManagedService::kAurora: return "Aurora";
    case ManagedService::kNone: break;
  }
  return "";
}

std::string SettingFix(ManagedService service, std::string_view variable, std::string_view value) {
  switch (service) {
    case ManagedService::kRds:
      return fmt::format(
          "set {}={} in the instance's DB parameter group (a custom one: the default group "
          "cannot be changed) and reboot the instance; RDS does not allow SET GLOBAL",
          variable, value);
    case ManagedService::kAurora:
      return fmt::format(
          "set {}={} in the DB cluster parameter group and reboot the writer instance; Aurora "
          "does not allow SET GLOBAL",
          variable, value);
    case ManagedService::kNone: break;
  }
  return PersistFix(variable, value);
}

CheckResult ManagedRetentionCheck(const std::optional<std::string>& hours) {
  const char* id = "source.binlog_retention";
  const char* title = "binlogs kept at least a day";
  const char* fix = "CALL mysql.rds_set_configuration('binlog retention hours', 168);";
  if (!hours || hours->empty()) {
    return CheckResult::Fail(
        id, title,
        "binlog retention hours is NULL: the binlogs are removed as soon as no replica needs "
        "them, so a paused or restarted migration loses its place",
        fix);
  }
  Result<int64_t> value = ParseInteger<int64_t>(*hours, "binlog retention hours");
  if (!value.ok()) return CheckResult::Fail(id, title, std::string(value.status().message()), fix);
  std::string observed = fmt::format("binlog retention hours is {}", *value);
  if (*value >= 24) return CheckResult::Pass(id, title, observed);
  return CheckResult::Fail(id, title,
                           observed + " (less than a day): a paused migration can lose its place",
                           fix);
}

CheckResult RowValueOptionsCheck(const Variables& variables, ManagedService service) {
  const char* id = "source.binlog_row_value_options";
  const char* title = "JSON updates logged whole";
  if (!variables.contains("binlog_row_value_options")) {
    return CheckResult::Pass(id, title, "no binlog_row_value_options (JSON is logged whole)");
  }
  std::string value = Lookup(variables, "binlog_row_value_options");
  if (value.empty()) return CheckResult::Pass(id, title, "binlog_row_value_options is empty");
  return CheckResult::Fail(
      id, title,
      fmt::format("binlog_row_value_options is {}: JSON updates are logged as partial diffs, "
                  "which cutover does not apply",
                  value),
      service == ManagedService::kNone
          ? std::string("SET GLOBAL binlog_row_value_options = ''; and remove "
                        "binlog_row_value_options from the server config")
          : SettingFix(service, "binlog_row_value_options", "''"));
}

CheckResult TransactionCompressionCheck(const Variables& variables, ManagedService service) {
  const char* id = "source.binlog_transaction_compression";
  const char* title = "transactions logged uncompressed";
  std::string value = Lookup(variables, "binlog_transaction_compression");
  if (value.empty()) {
    return CheckResult::Pass(id, title, "no binlog_transaction_compression (never compressed)");
  }
  std::string observed = fmt::format("binlog_transaction_compression is {}", value);
  if (Upper(value) == "OFF" || value == "0") return CheckResult::Pass(id, title, observed);
  return CheckResult::Fail(
      id, title,
      observed + ": transactions arrive as compressed TRANSACTION_PAYLOAD events, which cutover "
                 "does not read",
      SettingFix(service, "binlog_transaction_compression", "OFF"));
}

CheckResult CommitOrderCheck(const Variables& variables, const std::string& flavor,
                             ManagedService service) {
  const char* id = "source.binlog_order_commits";
  const char* title = "commits visible in binlog order";
  if (flavor == "MariaDB") {
    return CheckResult::Pass(id, title, "MariaDB commits in binlog order");
  }
  std::string value = Lookup(variables, "binlog_order_commits");
  std::string observed = fmt::format("binlog_order_commits is {}", value);
  if (value.empty() || Upper(value) == "ON" || value == "1") {
    return CheckResult::Pass(id, title, value.empty() ? "binlog_order_commits is ON" : observed);
  }
  return CheckResult::Fail(
      id, title, observed + ": no start position for the copy is safe",
      SettingFix(service, "binlog_order_commits", "ON"));
}

std::vector<std::string> MissingWatermarkPrivileges(const std::set<std::string>& privileges) {
  std::vector<std::string> missing;
  if (privileges.contains("ALL PRIVILEGES") || privileges.contains("ALL")) return missing;
  for (const char* needed : {"CREATE", "INSERT", "DELETE"}) {
    if (!privileges.contains(needed)) missing.push_back(needed);
  }
  return missing;
}

int64_t BinlogRetentionSeconds(std::string_view binlog_expire_logs_seconds,
                               std::string_view expire_logs_days) {
  auto parse = [](std::string_view text) {
    double value = 0;
    std::from_chars(text.data(), text.data() + text.size(), value);
    return value;
  };
  double seconds = parse(binlog_expire_logs_seconds);
  if (seconds > 0) return static_cast<int64_t>(seconds);
  return static_cast<int64_t>(parse(expire_logs_days) * kOneDay);
}

}  // namespace cutover::mysql
