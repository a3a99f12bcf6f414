// Preflight for a MariaDB/MySQL source: binlog settings, GTID, server id, privileges and keys,
// each a CheckResult with what was observed and the fix. The connect step shared with the MySQL
// target checks is in db/mysql/preflight_support.h.
#pragma once

#include <memory>
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
