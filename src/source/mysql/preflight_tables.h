// Preflight for a MariaDB/MySQL source, the account and table part: replication privileges,
// table selection, SELECT privilege and a usable key on every selected table.
#pragma once

#include <string>
#include <vector>

#include "cutover/preflight.h"
#include "cutover/spec.h"

#include "db/mysql/connection.h"

namespace cutover::mysql {

// A selected source table.
struct SourceTable {
  std::string schema;
  std::string table;
  std::string Name() const { return schema + "." + table; }
};

// The base tables the spec selects (SelectTable over information_schema.TABLES, system schemas
// skipped), ordered by schema and name.
Result<std::vector<SourceTable>> ListSelectedTables(Connection& connection, const Spec& spec);

// Appends source.replication_privileges, source.tables, source.select_privilege,
// source.watermark_privileges, source.primary_keys and source.filters, in that order.
void CheckPrivilegesAndTables(Connection& connection, const Spec& spec,
                              std::vector<CheckResult>* results);

}  // namespace cutover::mysql
