// The migration's publication and slot on a PostgreSQL source (slot.h).
#include "source/postgres/slot.h"

#include <set>
#include <thread>

#include <fmt/format.h>

#include "source/postgres/pg_changes.h"

namespace cutover::postgres {

std::string PublicationComment(const std::string& migration) {
  return "made by cutover for migration " + migration;
}

namespace {

// Whether the publication `name` exists, and its comment.
struct FoundPublication {
  bool exists = false;
  std::optional<std::string> comment;
};
Result<FoundPublication> FindPublication(Connection& connection, const std::string& name) {
  CUTOVER_ASSIGN_OR_RETURN(
      QueryResult found,
      connection.Query(
          "SELECT obj_description(oid, 'pg_publication') FROM pg_publication WHERE pubname = $1",
          {name}));
  FoundPublication publication;
  publication.exists = !found.rows.empty();
  if (publication.exists) publication.comment = found.rows[0][0];
  return publication;
}

}  // namespace

Status EnsurePublication(Connection& connection, const std::string& name,
                         const std::vector<TableId>& tables, const std::string& migration) {
  if (tables.empty()) return Status::InvalidArgument("a publication of no tables");
  std::vector<std::string> quoted;
  quoted.reserve(tables.size());
  for (const TableId& table : tables) quoted.push_back(QuoteQualified(table.schema, table.name));
  CUTOVER_ASSIGN_OR_RETURN(FoundPublication found, FindPublication(connection, name));
  const std::string comment = PublicationComment(migration);
  if (found.exists && found.comment != comment) {
    return Status::FailedPrecondition(fmt::format(
        "the source has a publication {} that cutover did not create for migration {} (its "
        "comment is not '{}'): cutover would change its tables and finish would drop it; set "
        "source.publication to a name of its own, or drop that publication if it is unused",
        name, migration, comment));
  }
  const std::string quoted_name = QuoteIdentifier(name);
  const std::string statement =
      found.exists
          ? fmt::format(
                "ALTER PUBLICATION {0} SET TABLE {1}; ALTER PUBLICATION {0} SET "
                "(publish_via_partition_root = true)",
                quoted_name, fmt::join(quoted, ", "))
          : fmt::format(
                "CREATE PUBLICATION {0} FOR TABLE {1} WITH (publish_via_partition_root = true); "
                "COMMENT ON PUBLICATION {0} IS {2}",
                quoted_name, fmt::join(quoted, ", "), QuoteLiteral(comment));
  Status status = connection.Execute(statement).status();
  if (!status.ok()) {
    return status.WithContext(fmt::format(
        "creating the publication {} of the selected tables (`cutover check` says what it needs)",
        name));
  }
  return Status::Ok();
}

Result<std::vector<TableId>> PublishNewTables(Connection& connection, const std::string& name,
                                              const std::vector<TableId>& selected,
                                              const std::string& migration) {
  CUTOVER_ASSIGN_OR_RETURN(
      QueryResult published,
      connection.Query("SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = $1",
                       {name}));
  std::set<TableId> have;
  for (const SqlRow& row : published.rows) have.insert(TableId{*row[0], *row[1]});
  std::vector<TableId> missing;
  for (const TableId& table : selected) {
    if (!have.contains(table)) missing.push_back(table);
  }
  if (missing.empty()) return missing;
  CUTOVER_ASSIGN_OR_RETURN(FoundPublication found, FindPublication(connection, name));
  if (!found.exists || found.comment != PublicationComment(migration)) {
    return Status::FailedPrecondition(fmt::format(
        "the publication {} is not the one cutover made for migration {}: new tables are not "
        "added to it",
        name, migration));
  }
  std::string statement = "BEGIN; ";
  for (const TableId& table : missing) {
    statement += fmt::format("ALTER PUBLICATION {} ADD TABLE {}; ", QuoteIdentifier(name),
                             QuoteQualified(table.schema, table.name));
    statement += fmt::format("SELECT pg_logical_emit_message(true, {}, {}); ",
                             QuoteLiteral(kNewTablePrefix), QuoteLiteral(NewTableMessage(table)));
  }
  statement += "COMMIT";
  Status status = connection.Execute(statement).status();
  if (!status.ok()) {
    (void)connection.Execute("ROLLBACK");
    return status.WithContext(fmt::format("adding new tables to the publication {}", name));
  }
  return missing;
}

Result<bool> DropPublication(Connection& connection, const std::string& name,
                             const std::string& migration) {
  CUTOVER_ASSIGN_OR_RETURN(FoundPublication found, FindPublication(connection, name));
  if (!found.exists || found.comment != PublicationComment(migration)) return false;
  CUTOVER_RETURN_IF_ERROR(
      connection.Execute(fmt::format("DROP PUBLICATION IF EXISTS {}", QuoteIdentifier(name)))
          .status());
  return true;
}

Result<std::optional<SlotState>> ReadSlot(Connection& connection, const std::string& slot) {
  CUTOVER_ASSIGN_OR_RETURN(
      QueryResult result,
      connection.Query("SELECT active, restart_lsn, confirmed_flush_lsn, wal_status, "
                       "COALESCE(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn), 0)::bigint, "
                       "safe_wal_size FROM pg_replication_slots WHERE slot_name = $1",
                       {slot}));
  if (result.rows.empty()) return std::optional<SlotState>();
  const SqlRow& row = result.rows[0];
  SlotState state;
  state.active = row[0] && *row[0] == "t";
  if (row[1]) {
    CUTOVER_ASSIGN_OR_RETURN(state.restart_lsn, Lsn::Parse(*row[1]));
  }
  if (row[2]) {
    CUTOVER_ASSIGN_OR_RETURN(state.confirmed_flush, Lsn::Parse(*row[2]));
  }
  state.wal_status = row[3].value_or("");
  state.retained_bytes = row[4] ? std::stoll(*row[4]) : 0;
  if (row[5]) state.safe_wal_size = std::stoll(*row[5]);
  return std::optional<SlotState>(std::move(state));
}

Status DropSlot(Connection& connection, const std::string& slot, std::chrono::milliseconds wait) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (true) {
    CUTOVER_ASSIGN_OR_RETURN(std::optional<SlotState> state, ReadSlot(connection, slot));
    if (!state) return Status::Ok();
    if (!state->active) {
      return connection
          .Execute(
              "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE "
              "slot_name = $1",
              {slot})
          .status();
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return Status::FailedPrecondition(fmt::format(
          "the replication slot {} is still being read (pg_replication_slots.active): stop the "
          "`cutover run` or `capture` reading it, then run this again",
          slot));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

Status LostSlotError(const std::string& slot, bool exists) {
  return Status::DataLoss(fmt::format(
      "the source's replication slot {} {}: the changes made since the copy are no longer on the "
      "source, so this migration cannot go on without losing rows. Start it again: remove the "
      "state_dir and run `cutover run` again, which copies afresh and creates a new slot "
      "(docs/postgres-source.md, \"A lost slot\")",
      slot,
      exists ? "was invalidated (wal_status lost: it kept more WAL than max_slot_wal_keep_size "
               "allows)"
             : "does not exist (it was dropped)"));
}

}  // namespace cutover::postgres
