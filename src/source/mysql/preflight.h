// Preflight for a MariaDB/MySQL source: binlog settings, GTID, server id, privileges and keys,
// each a CheckResult with what was observed and the fix. The connect step shared with the MySQL
// target checks is in db/mysql/preflight_support.h.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "cutover/preflight.h"
#include "cutover/spec.h"

#include "db/mysql/connection.h"
#include "db/mysql/preflight_support.h"

namespace cutover::mysql {

// Runs every source check for spec.source (kind MariaDB or MySQL), in the order of
// SourceCheckDefinitions(). Never fails: problems are check results.
std::vector<CheckResult> CheckSource(const Spec& spec);

// The source checks, in report order.
const std::vector<CheckDefinition>& SourceCheckDefinitions();

// --- Pure logic, exposed for unit tests ---

// The replication privileges `grants` lacks, e.g. {"REPLICATION SLAVE"}; empty when complete.
// REPLICATION CLIENT is satisfied by BINLOG MONITOR (its MariaDB 10.5+ name) and
// REPLICATION SLAVE by REPLICATION REPLICA.
std::vector<std::string> MissingReplicationPrivileges(const GlobalGrants& grants);

// The binlog retention in seconds from the server variables (absent ones empty):
// binlog_expire_logs_seconds when set and non-zero, else expire_logs_days * 86400. 0 means the
// binlogs never expire.
int64_t BinlogRetentionSeconds(std::string_view binlog_expire_logs_seconds,
                               std::string_view expire_logs_days);

// Where a MySQL-protocol source runs: cutover's fixes differ (RDS and Aurora take settings from
// parameter groups, not SET GLOBAL, and keep binlogs by `binlog retention hours`).
enum class ManagedService { kNone, kRds, kAurora };
// From the server variables: `aurora_version` exists on Aurora MySQL; RDS installs the server
// under /rdsdbbin/ (`basedir`).
ManagedService DetectManagedService(const std::map<std::string, std::string>& variables);
std::string_view ManagedServiceName(ManagedService service);  // "", "RDS", "Aurora"

// How to set a server variable persistently on `service`.
std::string SettingFix(ManagedService service, std::string_view variable, std::string_view value);

// The binlog retention check on RDS/Aurora, from `binlog retention hours` of
// mysql.rds_show_configuration (nullopt: NULL, RDS's default: binlogs are removed as soon as no
// replica needs them, which a paused migration cannot survive).
CheckResult ManagedRetentionCheck(const std::optional<std::string>& hours);

// MySQL 8's binlog_row_value_options: PARTIAL_JSON logs JSON updates as diffs (cutover needs full
// images), so it must be empty. MariaDB has no such variable.
CheckResult RowValueOptionsCheck(const std::map<std::string, std::string>& variables,
                                 ManagedService service);

// MySQL 8.0.20+'s binlog_transaction_compression: ON wraps transactions in compressed
// TRANSACTION_PAYLOAD events, which cutover does not read, so it must be OFF.
CheckResult TransactionCompressionCheck(const std::map<std::string, std::string>& variables,
                                        ManagedService service);

// Whether commits become visible in binlog order (the start position's premise, docs/copy.md):
// always on MariaDB; binlog_order_commits=ON on MySQL.
CheckResult CommitOrderCheck(const std::map<std::string, std::string>& variables,
                             const std::string& flavor, ManagedService service);

// The privileges the start watermark (and the fence and repair tables) need on the schema of the
// first selected table that `privileges` (the account's global and schema privilege names) lacks:
// of CREATE, INSERT, DELETE; "ALL PRIVILEGES" covers them.
std::vector<std::string> MissingWatermarkPrivileges(const std::set<std::string>& privileges);

// One column of a unique index, as information_schema.STATISTICS lists it.
struct UniqueIndexColumn {
  std::string index;   // "PRIMARY" for the primary key
  std::string column;  // empty for an expression part
  bool nullable = false;
};

// How a table's rows are identified.
struct TableKey {
  enum class Kind { kPrimary, kUniqueNotNull, kNone };
  Kind kind = Kind::kNone;
  std::string index;                 // the index used
  std::vector<std::string> columns;  // its columns
};
// The primary key when there is one, else the first unique index whose parts are all NOT NULL
// columns, else kNone. `columns` is in index order.
TableKey ChooseTableKey(const std::vector<UniqueIndexColumn>& columns);

}  // namespace cutover::mysql
