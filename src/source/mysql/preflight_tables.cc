// Preflight for a MariaDB/MySQL source: replication privileges (from SHOW GRANTS), the selected
// tables, SELECT on each of them and a primary key (or unique NOT NULL index) on each.
#include "source/mysql/preflight_tables.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "filter/filter.h"
#include "source/mysql/preflight.h"
#include "source/mysql/snapshot_schema.h"

namespace cutover::mysql {
namespace {

constexpr size_t kMaxListed = 50;  // tables named in one observed line before "and N more"

std::string ListNames(const std::vector<std::string>& names) {
  if (names.size() <= kMaxListed) return fmt::format("{}", fmt::join(names, ", "));
  std::vector<std::string> head(names.begin(), names.begin() + kMaxListed);
  return fmt::format("{} and {} more", fmt::join(head, ", "), names.size() - kMaxListed);
}

CheckResult CheckReplicationPrivileges(Connection& connection, const std::string& account) {
  const char* id = "source.replication_privileges";
  const char* title = "replication privileges";
  auto grants = connection.Query("SHOW GRANTS FOR CURRENT_USER()");
  if (!grants.ok()) {
    return CheckResult::Fail(
        id, title, fmt::format("cannot read the account's grants: {}", grants.status().message()),
        "let the account run SHOW GRANTS FOR CURRENT_USER()");
  }
  std::vector<std::string> lines;
  for (const SqlRow& row : grants->rows) lines.push_back(row[0].value_or(""));
  GlobalGrants global = ParseGlobalGrants(lines);
  std::vector<std::string> missing = MissingReplicationPrivileges(global);
  if (missing.empty()) {
    return CheckResult::Pass(id, title,
                             global.all ? fmt::format("{} has ALL PRIVILEGES ON *.*", account)
                                        : fmt::format("{} has REPLICATION SLAVE and REPLICATION "
                                                      "CLIENT ON *.*",
                                                      account));
  }
  return CheckResult::Fail(
      id, title, fmt::format("{} lacks {} ON *.*", account, fmt::join(missing, " and ")),
      fmt::format("GRANT {} ON *.* TO {};", fmt::join(missing, ", "), account));
}

CheckResult CheckTablesSelected(Connection& connection, const std::vector<SourceTable>& tables) {
  const char* id = "source.tables";
  const char* title = "tables selected";
  if (!tables.empty()) {
    std::vector<std::string> names;
    for (const SourceTable& table : tables) names.push_back(table.Name());
    return CheckResult::Pass(id, title,
                             fmt::format("{} table{}: {}", names.size(),
                                         names.size() == 1 ? "" : "s", ListNames(names)));
  }
  std::vector<std::string> schemas;
  auto listed = connection.Query(
      "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME NOT IN ('mysql', "
      "'information_schema', 'performance_schema', 'sys') ORDER BY SCHEMA_NAME");
  if (listed.ok()) {
    for (const SqlRow& row : listed->rows) schemas.push_back(row[0].value_or(""));
  }
  return CheckResult::Fail(
      id, title, "no table on the source matches the spec's tables[].match globs",
      fmt::format("fix the globs under tables: in the spec; they match \"schema.table\" (schemas "
                  "this user can see: {})",
                  schemas.empty() ? std::string("none") : ListNames(schemas)));
}

CheckResult CheckSelectPrivilege(Connection& connection, const std::vector<SourceTable>& tables,
                                 const std::string& account) {
  const char* id = "source.select_privilege";
  const char* title = "SELECT on selected tables";
  std::vector<std::string> denied;
  std::set<std::string> schemas;
  std::string first_error;
  for (const SourceTable& table : tables) {
    auto selected = connection.Query(
        fmt::format("SELECT 1 FROM {} LIMIT 0", QuoteQualified(table.schema, table.table)));
    if (selected.ok()) continue;
    denied.push_back(table.Name());
    schemas.insert(table.schema);
    if (first_error.empty()) first_error = std::string(selected.status().message());
  }
  if (denied.empty()) {
    return CheckResult::Pass(id, title,
                             fmt::format("SELECT works on all {} selected tables", tables.size()));
  }
  std::vector<std::string> grants;
  for (const std::string& schema : schemas) {
    grants.push_back(fmt::format("GRANT SELECT ON {}.* TO {};", QuoteIdentifier(schema), account));
  }
  return CheckResult::Fail(id, title,
                           fmt::format("cannot SELECT from {}: {}", ListNames(denied), first_error),
                           fmt::format("{}", fmt::join(grants, "\n")));
}

// The copy's start watermark (and the fence's and a repair's tables) are written to the schema
// of the first selected table: CREATE, INSERT and DELETE there (docs/copy.md).
CheckResult CheckWatermarkPrivileges(Connection& connection, const std::vector<SourceTable>& tables,
                                     const std::string& account) {
  const char* id = "source.watermark_privileges";
  const char* title = "cutover's tables writable";
  const std::string& schema = tables.front().schema;
  std::string grantee = connection.QuoteString(account);
  auto privileges = connection.Query(fmt::format(
      "SELECT PRIVILEGE_TYPE FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = {0} UNION "
      "SELECT PRIVILEGE_TYPE FROM information_schema.SCHEMA_PRIVILEGES WHERE GRANTEE = {0} AND "
      "{1} LIKE TABLE_SCHEMA",
      grantee, connection.QuoteString(schema)));
  bool mariadb = connection.ServerFlavor() == "MariaDB";
  std::string fallback =
      mariadb ? "; the copy then takes its start position from a consistent snapshot, and "
                "`cutover fence` and `verify --repair` cannot run"
              : "; the copy cannot take a safe start position without it";
  if (!privileges.ok()) {
    return CheckResult::Warn(
        id, title,
        fmt::format("cannot read the account's privileges: {}", privileges.status().message()),
        "let the account read information_schema.USER_PRIVILEGES and SCHEMA_PRIVILEGES");
  }
  std::set<std::string> names;
  for (const SqlRow& row : privileges->rows) names.insert(row[0].value_or(""));
  std::vector<std::string> missing = MissingWatermarkPrivileges(names);
  if (missing.empty()) {
    return CheckResult::Pass(id, title,
                             fmt::format("{} may create {}.{} and write to it", account,
                                         QuoteIdentifier(schema), kWatermarkTable));
  }
  std::string observed = fmt::format("{} lacks {} on {}{}", account, fmt::join(missing, ", "),
                                     QuoteIdentifier(schema), fallback);
  std::string fix = fmt::format("GRANT CREATE, INSERT, DELETE ON {}.* TO {};",
                                QuoteIdentifier(schema), account);
  if (mariadb) return CheckResult::Warn(id, title, observed, fix);
  return CheckResult::Fail(id, title, observed, fix);
}

// The unique index columns of every table in the selected tables' schemas, by "schema.table".
Result<std::map<std::string, std::vector<UniqueIndexColumn>>> ReadUniqueIndexes(
    Connection& connection, const std::vector<SourceTable>& tables) {
  std::set<std::string> schemas;
  for (const SourceTable& table : tables) schemas.insert(connection.QuoteString(table.schema));
  CUTOVER_ASSIGN_OR_RETURN(
      QueryResult result,
      connection.Query(fmt::format(
          "SELECT s.TABLE_SCHEMA, s.TABLE_NAME, s.INDEX_NAME, s.COLUMN_NAME, c.IS_NULLABLE "
          "FROM information_schema.STATISTICS s LEFT JOIN information_schema.COLUMNS c "
          "ON c.TABLE_SCHEMA = s.TABLE_SCHEMA AND c.TABLE_NAME = s.TABLE_NAME "
          "AND c.COLUMN_NAME = s.COLUMN_NAME "
          "WHERE s.NON_UNIQUE = 0 AND s.TABLE_SCHEMA IN ({}) "
          "ORDER BY s.TABLE_SCHEMA, s.TABLE_NAME, s.INDEX_NAME, s.SEQ_IN_INDEX",
          fmt::join(schemas, ", "))));
  std::map<std::string, std::vector<UniqueIndexColumn>> indexes;
  for (const SqlRow& row : result.rows) {
    std::string name = row[0].value_or("") + "." + row[1].value_or("");
    indexes[name].push_back(UniqueIndexColumn{row[2].value_or(""), row[3].value_or(""),
                                              row[4].value_or("YES") != "NO"});
  }
  return indexes;
}

std::string QuotedColumns(const std::vector<std::string>& columns) {
  std::vector<std::string> quoted;
  for (const std::string& column : columns) quoted.push_back(QuoteIdentifier(column));
  return fmt::format("{}", fmt::join(quoted, ", "));
}

CheckResult CheckPrimaryKeys(Connection& connection, const std::vector<SourceTable>& tables) {
  const char* id = "source.primary_keys";
  const char* title = "every table has a key";
  auto indexes = ReadUniqueIndexes(connection, tables);
  if (!indexes.ok()) {
    return CheckResult::Fail(id, title,
                             fmt::format("cannot read indexes: {}", indexes.status().message()),
                             "let the user read information_schema.STATISTICS");
  }
  std::vector<std::string> missing, unique_used, fixes;
  for (const SourceTable& table : tables) {
    TableKey key = ChooseTableKey((*indexes)[table.Name()]);
    if (key.kind == TableKey::Kind::kNone) {
      missing.push_back(
          fmt::format("{} has no primary key or unique NOT NULL index", table.Name()));
      fixes.push_back(fmt::format(
          "ALTER TABLE {} ADD PRIMARY KEY (<columns that identify a row>); or exclude it in the "
          "spec (tables[].exclude: \"{}\")",
          QuoteQualified(table.schema, table.table), table.Name()));
    } else if (key.kind == TableKey::Kind::kUniqueNotNull) {
      unique_used.push_back(fmt::format(
          "{} has no primary key; unique index {} ({}) on NOT NULL columns will be used",
          table.Name(), QuoteIdentifier(key.index), QuotedColumns(key.columns)));
    }
  }
  std::vector<std::string> observed = missing;
  observed.insert(observed.end(), unique_used.begin(), unique_used.end());
  if (!missing.empty()) {
    return CheckResult::Fail(id, title, fmt::format("{}", fmt::join(observed, "; ")),
                             fmt::format("{}", fmt::join(fixes, "\n")));
  }
  if (!unique_used.empty()) {
    return CheckResult::Warn(id, title, fmt::format("{}", fmt::join(observed, "; ")),
                             "add a primary key to make the row identity explicit");
  }
  return CheckResult::Pass(id, title,
                           fmt::format("all {} selected tables have a primary key", tables.size()));
}

}  // namespace

std::vector<std::string> MissingReplicationPrivileges(const GlobalGrants& grants) {
  std::vector<std::string> missing;
  if (!grants.Has("REPLICATION SLAVE") && !grants.Has("REPLICATION REPLICA")) {
    missing.emplace_back("REPLICATION SLAVE");
  }
  if (!grants.Has("REPLICATION CLIENT") && !grants.Has("BINLOG MONITOR")) {
    missing.emplace_back("REPLICATION CLIENT");
  }
  return missing;
}

TableKey ChooseTableKey(const std::vector<UniqueIndexColumn>& columns) {
  std::map<std::string, std::vector<const UniqueIndexColumn*>> by_index;
  std::vector<std::string> order;  // indexes in first-seen order
  for (const UniqueIndexColumn& column : columns) {
    if (!by_index.contains(column.index)) order.push_back(column.index);
    by_index[column.index].push_back(&column);
  }
  auto make_key = [&](TableKey::Kind kind, const std::string& index) {
    TableKey key{kind, index, {}};
    for (const UniqueIndexColumn* column : by_index[index]) key.columns.push_back(column->column);
    return key;
  };
  if (by_index.contains("PRIMARY")) return make_key(TableKey::Kind::kPrimary, "PRIMARY");
  for (const std::string& index : order) {
    const auto& parts = by_index[index];
    bool usable = std::all_of(parts.begin(), parts.end(), [](const UniqueIndexColumn* column) {
      return !column->column.empty() && !column->nullable;
    });
    if (usable) return make_key(TableKey::Kind::kUniqueNotNull, index);
  }
  return {};
}

Result<std::vector<SourceTable>> ListSelectedTables(Connection& connection, const Spec& spec) {
  CUTOVER_ASSIGN_OR_RETURN(
      QueryResult result,
      connection.Query("SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES "
                       "WHERE TABLE_TYPE = 'BASE TABLE' AND TABLE_SCHEMA NOT IN ('mysql', "
                       "'information_schema', 'performance_schema', 'sys') "
                       "ORDER BY TABLE_SCHEMA, TABLE_NAME"));
  std::vector<SourceTable> tables;
  for (const SqlRow& row : result.rows) {
    SourceTable table{row[0].value_or(""), row[1].value_or("")};
    if (SelectTable(spec, table.schema, table.table) != nullptr) tables.push_back(table);
  }
  return tables;
}

// Every row filter is one cutover evaluates exactly on its table's columns (the copy and CDC
// apply the same condition; docs/spec.md, "Row filters").
CheckResult CheckFilters(Connection& connection, const Spec& spec,
                         const std::vector<SourceTable>& tables) {
  const char* id = "source.filters";
  const char* title = "row filters evaluable";
  int filtered = 0;
  std::vector<std::string> problems;
  for (const SourceTable& table : tables) {
    const TableRule* rule = SelectTable(spec, table.schema, table.table);
    if (rule == nullptr || rule->filter.empty()) continue;
    ++filtered;
    Result<TableSchema> schema = LoadTableSchema(connection, TableId{table.schema, table.table});
    Status status = schema.status();
    if (status.ok()) {
      Result<filter::Filter> parsed = filter::Filter::Parse(rule->filter);
      status = parsed.ok() ? parsed->Check(*schema) : parsed.status();
    }
    if (!status.ok()) problems.push_back(fmt::format("{}: {}", table.Name(), status.message()));
  }
  if (filtered == 0) return CheckResult::Pass(id, title, "no selected table is filtered");
  if (problems.empty()) {
    return CheckResult::Pass(
        id, title, fmt::format("the filters of {} table{} are evaluable exactly", filtered,
                               filtered == 1 ? "" : "s"));
  }
  return CheckResult::Fail(id, title, fmt::format("{}", fmt::join(problems, "; ")),
                           "rewrite the filter in the language of docs/spec.md (\"Row filters\"), "
                           "or remove it");
}

void CheckPrivilegesAndTables(Connection& connection, const Spec& spec,
                              std::vector<CheckResult>* results) {
  std::string account = connection.CurrentAccount();
  results->push_back(CheckReplicationPrivileges(connection, account));
  auto tables = ListSelectedTables(connection, spec);
  if (!tables.ok()) {
    results->push_back(
        CheckResult::Fail("source.tables", "tables selected",
                          fmt::format("cannot list tables: {}", tables.status().message()),
                          "let the user read information_schema.TABLES"));
  } else {
    results->push_back(CheckTablesSelected(connection, *tables));
  }
  if (!tables.ok() || tables->empty()) {
    SkipRemaining(SourceCheckDefinitions(), "not checked: no table is selected (source.tables)",
                  results);
    return;
  }
  results->push_back(CheckSelectPrivilege(connection, *tables, account));
  results->push_back(CheckWatermarkPrivileges(connection, *tables, account));
  results->push_back(CheckPrimaryKeys(connection, *tables));
  results->push_back(CheckFilters(connection, spec, *tables));
}

}  // namespace cutover::mysql
