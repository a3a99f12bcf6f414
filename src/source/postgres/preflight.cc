// Preflight for a PostgreSQL source: connect, wal_level, slot and sender capacity, the
// REPLICATION attribute, the selected tables' privileges and replica identity, the publication.
#include "source/postgres/preflight.h"

#include <charconv>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "source/postgres/binary_values.h"
#include "source/postgres/slot.h"
#include "source/postgres/source_schema.h"

namespace cutover::postgres {
namespace {

constexpr size_t kMaxListed = 50;  // tables named in one observed line before "and N more"

// One selected table with what the checks need to know about it.
struct SourceTable {
  std::string schema;
  std::string table;
  char replica_identity = 'd';
  bool has_primary_key = false;
  bool can_select = false;
  bool owned = false;  // the session's role owns it (directly or by membership)
  bool filtered = false;  // its rule has a row filter
  std::string Name() const { return schema + "." + table; }
  std::string Quoted() const { return QuoteQualified(schema, table); }
};

int64_t ToInt(const std::optional<std::string>& text) {
  int64_t value = 0;
  if (text) std::from_chars(text->data(), text->data() + text->size(), value);
  return value;
}

bool ToBool(const std::optional<std::string>& text) { return text && *text == "t"; }

std::string ListNames(const std::vector<std::string>& names) {
  if (names.size() <= kMaxListed) return fmt::format("{}", fmt::join(names, ", "));
  std::vector<std::string> head(names.begin(), names.begin() + kMaxListed);
  return fmt::format("{} and {} more", fmt::join(head, ", "), names.size() - kMaxListed);
}

std::string SlotName(const Spec& spec) {
  return spec.source.slot.empty() ? "cutover_" + spec.name : spec.source.slot;
}

std::string PublicationName(const Spec& spec) {
  return spec.source.publication.empty() ? "cutover_" + spec.name : spec.source.publication;
}

// One row of a query that returns exactly one row, or the error.
Result<SqlRow> QueryRow(Connection& connection, std::string_view sql, const Params& params = {}) {
  CUTOVER_ASSIGN_OR_RETURN(QueryResult result, connection.Query(sql, params));
  if (result.rows.size() != 1) return Status::Internal(fmt::format("expected one row: {}", sql));
  return result.rows[0];
}

CheckResult CouldNotCheck(std::string_view id, std::string_view title, const Status& status) {
  return CheckResult::Fail(std::string(id), std::string(title),
                           fmt::format("could not check: {}", status.message()),
                           "let the user read the server settings and catalogs it needs "
                           "(see docs/check.md)");
}

CheckResult CheckVersion(Connection& connection) {
  auto row = QueryRow(connection, "SELECT current_setting('server_version')");
  std::string observed = "PostgreSQL " + (row.ok() ? (*row)[0].value_or("") : "(unknown)");
  if (connection.ServerVersionNumber() >= 100000) {
    return CheckResult::Pass("source.version", "server version", observed);
  }
  return CheckResult::Fail("source.version", "server version", observed,
                           "upgrade to PostgreSQL 10 or later (logical replication with pgoutput)");
}

CheckResult CheckWalLevel(Connection& connection) {
  const char* title = "wal_level is logical";
  auto row = QueryRow(connection, "SELECT current_setting('wal_level')");
  if (!row.ok()) return CouldNotCheck("source.wal_level", title, row.status());
  std::string level = (*row)[0].value_or("");
  std::string observed = fmt::format("wal_level is {}", level);
  if (level == "logical") return CheckResult::Pass("source.wal_level", title, observed);
  return CheckResult::Fail("source.wal_level", title, observed,
                           "ALTER SYSTEM SET wal_level = logical; then restart PostgreSQL "
                           "(wal_level changes only at server start)");
}

CheckResult CheckSlotWalKeep(Connection& connection) {
  auto row =
      QueryRow(connection, "SELECT setting FROM pg_settings WHERE name = 'max_slot_wal_keep_size'");
  if (!row.ok()) {
    return CouldNotCheck("source.slot_wal_keep", "slot WAL retention is bounded", row.status());
  }
  return JudgeSlotWalKeep(ToInt((*row)[0]));
}

CheckResult CheckReplicationSlots(Connection& connection, const std::string& slot) {
  const char* id = "source.replication_slots";
  const char* title = "a replication slot is free";
  auto row = QueryRow(connection,
                      "SELECT current_setting('max_replication_slots')::int, "
                      "(SELECT count(*) FROM pg_replication_slots), "
                      "EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = $1)",
                      {slot});
  if (!row.ok()) return CouldNotCheck(id, title, row.status());
  int64_t max = ToInt((*row)[0]);
  int64_t used = ToInt((*row)[1]);
  if (ToBool((*row)[2])) {
    return CheckResult::Pass(
        id, title, fmt::format("slot {} exists already; cutover continues from it", slot));
  }
  std::string observed = fmt::format("{} of max_replication_slots = {} in use", used, max);
  if (used < max) return CheckResult::Pass(id, title, observed);
  return CheckResult::Fail(
      id, title, observed + ", none free for slot " + slot,
      fmt::format("ALTER SYSTEM SET max_replication_slots = {}; then restart PostgreSQL; or drop "
                  "slots nobody uses: SELECT pg_drop_replication_slot('<name>');",
                  used + 4));
}

CheckResult CheckWalSenders(Connection& connection) {
  const char* id = "source.wal_senders";
  const char* title = "a WAL sender is free";
  auto row = QueryRow(connection,
                      "SELECT current_setting('max_wal_senders')::int, "
                      "(SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'walsender')");
  if (!row.ok()) return CouldNotCheck(id, title, row.status());
  int64_t max = ToInt((*row)[0]);
  int64_t used = ToInt((*row)[1]);
  std::string observed = fmt::format("{} of max_wal_senders = {} in use", used, max);
  if (used < max) return CheckResult::Pass(id, title, observed);
  return CheckResult::Fail(id, title, observed,
                           fmt::format("ALTER SYSTEM SET max_wal_senders = {}; then restart "
                                       "PostgreSQL",
                                       used + 4));
}

CheckResult CheckReplicationRole(Connection& connection, bool* superuser) {
  const char* id = "source.replication_role";
  const char* title = "role may replicate";
  auto row = QueryRow(connection,
                      "SELECT current_user, rolreplication, rolsuper FROM pg_roles "
                      "WHERE rolname = current_user");
  if (!row.ok()) return CouldNotCheck(id, title, row.status());
  std::string role = (*row)[0].value_or("");
  *superuser = ToBool((*row)[2]);
  if (*superuser) return CheckResult::Pass(id, title, fmt::format("{} is a superuser", role));
  if (ToBool((*row)[1])) {
    return CheckResult::Pass(id, title, fmt::format("{} has REPLICATION", role));
  }
  return CheckResult::Fail(id, title, fmt::format("{} has neither REPLICATION nor SUPERUSER", role),
                           fmt::format("ALTER ROLE {} WITH REPLICATION;", QuoteIdentifier(role)));
}

Result<std::vector<SourceTable>> ListSelectedTables(Connection& connection, const Spec& spec) {
  CUTOVER_ASSIGN_OR_RETURN(
      QueryResult result,
      connection.Query(
          "SELECT n.nspname, c.relname, c.relreplident, "
          "EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary), "
          "has_table_privilege(c.oid, 'SELECT'), pg_has_role(c.relowner, 'USAGE') "
          "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
          "WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition "
          "AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
          "AND n.nspname NOT LIKE 'pg\\_%' ORDER BY 1, 2"));
  std::vector<SourceTable> tables;
  for (const SqlRow& row : result.rows) {
    SourceTable table{row[0].value_or(""), row[1].value_or(""), row[2].value_or("d")[0],
                      ToBool(row[3]),      ToBool(row[4]),      ToBool(row[5])};
    const TableRule* rule = SelectTable(spec, table.schema, table.table);
    if (rule == nullptr) continue;
    table.filtered = !rule->filter.empty();
    tables.push_back(table);
  }
  return tables;
}

CheckResult CheckTablesSelected(const std::vector<SourceTable>& tables) {
  if (tables.empty()) {
    return CheckResult::Fail(
        "source.tables", "tables selected",
        "no table on the source matches the spec's tables[].match globs",
        "fix the globs under tables: in the spec; they match \"schema.table\", e.g. "
        "\"public.*\"");
  }
  std::vector<std::string> names;
  for (const SourceTable& table : tables) names.push_back(table.Name());
  return CheckResult::Pass(
      "source.tables", "tables selected",
      fmt::format("{} table{}: {}", names.size(), names.size() == 1 ? "" : "s", ListNames(names)));
}

CheckResult CheckSelectPrivilege(const std::vector<SourceTable>& tables, const std::string& role) {
  std::vector<std::string> denied, fixes;
  for (const SourceTable& table : tables) {
    if (table.can_select) continue;
    denied.push_back(table.Name());
    fixes.push_back(
        fmt::format("GRANT SELECT ON {} TO {};", table.Quoted(), QuoteIdentifier(role)));
  }
  const char* title = "SELECT on selected tables";
  if (denied.empty()) {
    return CheckResult::Pass("source.select_privilege", title,
                             fmt::format("SELECT works on all {} selected tables", tables.size()));
  }
  return CheckResult::Fail("source.select_privilege", title,
                           fmt::format("{} may not SELECT from {}", role, ListNames(denied)),
                           fmt::format("{}", fmt::join(fixes, "\n")));
}

CheckResult CheckReplicaIdentity(const std::vector<SourceTable>& tables) {
  std::vector<std::string> fails, warns, fixes;
  for (const SourceTable& table : tables) {
    ReplicaIdentityVerdict verdict =
        JudgeReplicaIdentity(table.Name(), table.Quoted(), table.replica_identity,
                             table.has_primary_key, table.filtered);
    if (verdict.outcome == CheckOutcome::kFail) fails.push_back(verdict.observed);
    if (verdict.outcome == CheckOutcome::kWarn) warns.push_back(verdict.observed);
    if (verdict.outcome != CheckOutcome::kPass) fixes.push_back(verdict.fix);
  }
  const char* id = "source.replica_identity";
  const char* title = "updates and deletes identifiable";
  std::vector<std::string> observed = fails;
  observed.insert(observed.end(), warns.begin(), warns.end());
  std::string observed_text = fmt::format("{}", fmt::join(observed, "; "));
  std::string fix_text = fmt::format("{}", fmt::join(fixes, "\n"));
  if (!fails.empty()) return CheckResult::Fail(id, title, observed_text, fix_text);
  if (!warns.empty()) return CheckResult::Warn(id, title, observed_text, fix_text);
  return CheckResult::Pass(
      id, title,
      fmt::format("all {} selected tables have a primary key or replica identity index",
                  tables.size()));
}

CheckResult CheckPublication(Connection& connection, const std::string& publication,
                             const std::string& migration, const std::vector<SourceTable>& tables,
                             bool superuser) {
  const char* id = "source.publication";
  const char* title = "publication exists or can be created";
  auto row = QueryRow(connection,
                      "SELECT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = $1), "
                      "has_database_privilege(current_database(), 'CREATE'), current_user, "
                      "(SELECT obj_description(oid, 'pg_publication') FROM pg_publication WHERE "
                      "pubname = $1)",
                      {publication});
  if (!row.ok()) return CouldNotCheck(id, title, row.status());
  std::vector<std::string> not_owned, quoted;
  for (const SourceTable& table : tables) {
    quoted.push_back(table.Quoted());
    if (!table.owned) not_owned.push_back(table.Name());
  }
  const std::string comment = PublicationComment(migration);
  const std::string create = fmt::format(
      "CREATE PUBLICATION {0} FOR TABLE {1} WITH (publish_via_partition_root = true); COMMENT ON "
      "PUBLICATION {0} IS {2};",
      QuoteIdentifier(publication), fmt::join(quoted, ", "), QuoteLiteral(comment));
  if (ToBool((*row)[0])) {
    if ((*row)[3] != comment) {
      return CheckResult::Fail(
          id, title,
          fmt::format("publication {} exists and was not created by cutover for migration {} "
                      "(its comment is not '{}'): cutover would change its tables and finish "
                      "would drop it",
                      publication, migration, comment),
          "set source.publication to a name of its own, or drop that publication if it is unused");
    }
    return CheckResult::Pass(
        id, title, fmt::format("publication {} exists, made for this migration", publication));
  }
  bool can_create = ToBool((*row)[1]) && (superuser || not_owned.empty());
  if (can_create) {
    return CheckResult::Pass(id, title,
                             fmt::format("publication {} does not exist yet; {} may create it",
                                         publication, (*row)[2].value_or("")));
  }
  std::string why = !ToBool((*row)[1]) ? "the role lacks CREATE on the database"
                                       : "the role does not own " + ListNames(not_owned);
  return CheckResult::Fail(id, title,
                           fmt::format("publication {} does not exist and {}", publication, why),
                           "as a superuser or the tables' owner: " + create);
}

// Which form pgoutput will send values in (source.value_format): binary needs a binary reader
// for every column of every selected table (pgoutput sends them all so).
CheckResult CheckValueFormat(Connection& connection, const Spec& spec,
                             const std::vector<SourceTable>& tables) {
  const char* id = "source.value_format";
  const char* title = "change values readable in the chosen form";
  using Format = SourceSpec::ValueFormat;
  if (spec.source.value_format == Format::kText) {
    return CheckResult::Pass(id, title, "text (source.value_format: text)");
  }
  std::vector<std::string> unreadable;
  for (const SourceTable& table : tables) {
    Result<TableSchema> schema = LoadTableSchema(connection, TableId{table.schema, table.table});
    if (!schema.ok()) return CouldNotCheck(id, title, schema.status());
    for (const Column& column : schema->columns) {
      if (HasBinaryReader(column.type)) continue;
      unreadable.push_back(
          fmt::format("{}.{} ({})", table.Name(), column.name, column.type.source_name));
    }
  }
  if (unreadable.empty()) {
    return CheckResult::Pass(id, title, "binary: every selected column has a binary reader");
  }
  const std::string which = fmt::format("{} {} no binary reader", ListNames(unreadable),
                                        unreadable.size() == 1 ? "has" : "have");
  if (spec.source.value_format == Format::kAuto) {
    return CheckResult::Pass(id, title, fmt::format("text: {}", which));
  }
  return CheckResult::Fail(id, title, fmt::format("source.value_format is binary, but {}", which),
                           "set source.value_format to auto (binary where it can be, text "
                           "otherwise) or text");
}

void CheckTables(Connection& connection, const Spec& spec, bool superuser,
                 std::vector<CheckResult>* results) {
  auto tables = ListSelectedTables(connection, spec);
  if (!tables.ok()) {
    results->push_back(CouldNotCheck("source.tables", "tables selected", tables.status()));
  } else {
    results->push_back(CheckTablesSelected(*tables));
  }
  if (!tables.ok() || tables->empty()) {
    SkipRemaining(SourceCheckDefinitions(), "not checked: no table is selected (source.tables)",
                  results);
    return;
  }
  results->push_back(CheckSelectPrivilege(*tables, spec.source.connection.user));
  results->push_back(CheckReplicaIdentity(*tables));
  results->push_back(
      CheckPublication(connection, PublicationName(spec), spec.name, *tables, superuser));
  results->push_back(CheckValueFormat(connection, spec, *tables));
}

}  // namespace

CheckResult JudgeSlotWalKeep(int64_t megabytes) {
  const char* id = "source.slot_wal_keep";
  const char* title = "slot WAL retention is bounded";
  if (megabytes < 0) {
    return CheckResult::Warn(
        id, title,
        "max_slot_wal_keep_size = -1: no limit; while the migration is stopped or behind, its "
        "slot keeps every WAL segment until the source's disk fills",
        "ALTER SYSTEM SET max_slot_wal_keep_size = '100GB'; SELECT pg_reload_conf(); (size it "
        "for the longest pause you accept: a slot further behind is invalidated and the "
        "migration must copy again)");
  }
  return CheckResult::Pass(
      id, title,
      fmt::format("max_slot_wal_keep_size = {} MB: a slot further behind is invalidated (cutover "
                  "then stops and the migration must copy again)",
                  megabytes));
}

const std::vector<CheckDefinition>& SourceCheckDefinitions() {
  static const std::vector<CheckDefinition> kDefinitions = {
      {"source.reachable", "server is reachable"},
      {"source.credentials", "user can log in"},
      {"source.database", "database exists"},
      {"source.version", "server version"},
      {"source.wal_level", "wal_level is logical"},
      {"source.replication_slots", "a replication slot is free"},
      {"source.wal_senders", "a WAL sender is free"},
      {"source.slot_wal_keep", "slot WAL retention is bounded"},
      {"source.replication_role", "role may replicate"},
      {"source.tables", "tables selected"},
      {"source.select_privilege", "SELECT on selected tables"},
      {"source.replica_identity", "updates and deletes identifiable"},
      {"source.publication", "publication exists or can be created"},
      {"source.value_format", "change values readable in the chosen form"},
  };
  return kDefinitions;
}

std::vector<CheckResult> CheckSource(const Spec& spec) {
  std::vector<CheckResult> results;
  std::unique_ptr<Connection> connection =
      ConnectForCheck("source", spec.source.connection, &results);
  if (connection == nullptr) {
    SkipRemaining(SourceCheckDefinitions(), SkipReason(results), &results);
    return results;
  }
  bool superuser = false;
  results.push_back(CheckVersion(*connection));
  results.push_back(CheckWalLevel(*connection));
  results.push_back(CheckReplicationSlots(*connection, SlotName(spec)));
  results.push_back(CheckWalSenders(*connection));
  results.push_back(CheckSlotWalKeep(*connection));
  results.push_back(CheckReplicationRole(*connection, &superuser));
  CheckTables(*connection, spec, superuser, &results);
  return results;
}

ReplicaIdentityVerdict JudgeReplicaIdentity(const std::string& table, const std::string& quoted,
                                            char identity, bool has_primary_key, bool filtered) {
  if (filtered && identity != 'f' && identity != 'n') {
    // The filter judges each update's old and new row and each delete's old row; without FULL,
    // PostgreSQL sends the key alone (and leaves unchanged TOAST values out of the new row).
    return {CheckOutcome::kFail,
            fmt::format("{} has a row filter (tables[].filter), which needs the whole old row of "
                        "its updates and deletes; PostgreSQL sends only the key of them",
                        table),
            fmt::format("ALTER TABLE {} REPLICA IDENTITY FULL; or drop the filter", quoted)};
  }
  std::string add_key = fmt::format(
      "ALTER TABLE {} ADD PRIMARY KEY (<columns that identify a row>); or exclude it in the spec "
      "(tables[].exclude: \"{}\")",
      quoted, table);
  switch (identity) {
    case 'd':
      if (has_primary_key) return {};
      return {CheckOutcome::kFail,
              fmt::format("{} has no primary key, so its updates and deletes cannot be "
                          "replicated",
                          table),
              add_key};
    case 'i': return {};
    case 'f':
      if (has_primary_key) return {};
      return {CheckOutcome::kWarn,
              fmt::format("{} has no primary key; REPLICA IDENTITY FULL logs whole old rows and "
                          "cutover must match rows on every column",
                          table),
              add_key};
    default:
      return {CheckOutcome::kFail,
              fmt::format("{} has REPLICA IDENTITY NOTHING, so its updates and deletes cannot be "
                          "replicated",
                          table),
              fmt::format("ALTER TABLE {} REPLICA IDENTITY DEFAULT; (with a primary key) or "
                          "REPLICA IDENTITY FULL",
                          quoted)};
  }
}

}  // namespace cutover::postgres
