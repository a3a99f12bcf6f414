// StateStore: per-table copy progress and the done-chunks a resumed copy skips.
#include <array>

#include <fmt/format.h>

#include "cutover/state_store.h"

#include "state/sqlite_db.h"
#include "state/time_text.h"

namespace cutover {
namespace {

constexpr std::array<std::string_view, 5> kTableStateNames = {"pending", "copying", "copied",
                                                              "indexes_building", "done"};

constexpr std::string_view kSelectTable =
    "SELECT name, state, rows_total_estimate, rows_copied, bytes, started_at, finished_at "
    "FROM tables";

Status Unregistered(std::string_view table) {
  return Status::NotFound(
      fmt::format("table \"{}\" is not registered in the state store (AddTable first)", table));
}

std::optional<StateClock::time_point> OptionalTime(const state::Statement& stmt, int column) {
  if (stmt.IsNull(column)) return std::nullopt;
  return state::ParseTime(stmt.Text(column));
}

// The TableProgress in the current row of a kSelectTable statement.
Result<TableProgress> ReadTable(const state::Statement& stmt) {
  TableProgress table;
  table.name = stmt.Text(0);
  Result<TableState> table_state = ParseTableState(stmt.Text(1));
  if (!table_state.ok()) {
    return Status::DataLoss(
        fmt::format("table \"{}\" has an unknown state \"{}\"", table.name, stmt.Text(1)));
  }
  table.state = *table_state;
  table.rows_total_estimate = stmt.Int(2);
  table.rows_copied = stmt.Int(3);
  table.bytes = stmt.Int(4);
  table.started_at = OptionalTime(stmt, 5);
  table.finished_at = OptionalTime(stmt, 6);
  return table;
}

}  // namespace

std::string_view TableStateName(TableState state) {
  return kTableStateNames.at(static_cast<size_t>(state));
}

Result<TableState> ParseTableState(std::string_view name) {
  for (size_t idx = 0; idx < kTableStateNames.size(); ++idx) {
    if (kTableStateNames[idx] == name) return static_cast<TableState>(idx);
  }
  return Status::InvalidArgument(fmt::format(
      "unknown table state \"{}\" (expected pending, copying, copied, indexes_building or done)",
      name));
}

// ---- tables ----

Status StateStore::AddTable(std::string_view table, int64_t rows_total_estimate) {
  CUTOVER_RETURN_IF_ERROR(CheckWritable());
  std::lock_guard lock(mutex_);
  CUTOVER_ASSIGN_OR_RETURN(auto stmt, db_->Prepare("INSERT INTO tables (name, state, "
                                                   "rows_total_estimate) VALUES (?1, 'pending', "
                                                   "?2) ON CONFLICT (name) DO UPDATE SET "
                                                   "rows_total_estimate = "
                                                   "excluded.rows_total_estimate"));
  stmt.BindText(1, table).BindInt(2, rows_total_estimate);
  return stmt.Run().WithContext(fmt::format("add table \"{}\"", table));
}

Status StateStore::SetTableState(std::string_view table, TableState table_state) {
  CUTOVER_RETURN_IF_ERROR(CheckWritable());
  std::lock_guard lock(mutex_);
  CUTOVER_ASSIGN_OR_RETURN(
      auto stmt,
      db_->Prepare("UPDATE tables SET state = ?1, "
                   "started_at = CASE WHEN ?1 = 'copying' AND started_at IS NULL THEN ?2 "
                   "ELSE started_at END, "
                   "finished_at = CASE WHEN ?1 = 'done' THEN ?2 ELSE finished_at END "
                   "WHERE name = ?3"));
  stmt.BindText(1, TableStateName(table_state)).BindText(2, state::NowText()).BindText(3, table);
  CUTOVER_RETURN_IF_ERROR(stmt.Run().WithContext(fmt::format("set state of table \"{}\"", table)));
  return db_->Changes() == 0 ? Unregistered(table) : Status::Ok();
}

Result<std::optional<TableProgress>> StateStore::GetTable(std::string_view table) {
  std::lock_guard lock(mutex_);
  CUTOVER_ASSIGN_OR_RETURN(auto stmt, db_->Prepare(std::string(kSelectTable) + " WHERE name = ?1"));
  stmt.BindText(1, table);
  CUTOVER_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::optional<TableProgress>();
  CUTOVER_ASSIGN_OR_RETURN(TableProgress progress, ReadTable(stmt));
  return std::optional<TableProgress>(std::move(progress));
}

Result<std::vector<TableProgress>> StateStore::ListTables() {
  std::lock_guard lock(mutex_);
  CUTOVER_ASSIGN_OR_RETURN(auto stmt, db_->Prepare(std::string(kSelectTable) + " ORDER BY name"));
  std::vector<TableProgress> tables;
  while (true) {
    CUTOVER_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return tables;
    CUTOVER_ASSIGN_OR_RETURN(TableProgress progress, ReadTable(stmt));
    tables.push_back(std::move(progress));
  }
}

Status StateStore::ResetTable(std::string_view table) {
  CUTOVER_RETURN_IF_ERROR(CheckWritable());
  CUTOVER_ASSIGN_OR_RETURN(Transaction txn, Begin());
  CUTOVER_ASSIGN_OR_RETURN(auto reset, db_->Prepare("UPDATE tables SET state = 'pending', "
                                                    "rows_copied = 0, bytes = 0, "
                                                    "started_at = NULL, finished_at = NULL "
                                                    "WHERE name = ?1"));
  reset.BindText(1, table);
  CUTOVER_RETURN_IF_ERROR(reset.Run());
  if (db_->Changes() == 0) return Unregistered(table);
  CUTOVER_ASSIGN_OR_RETURN(auto chunks, db_->Prepare("DELETE FROM chunks WHERE table_name = ?1"));
  chunks.BindText(1, table);
  CUTOVER_RETURN_IF_ERROR(chunks.Run());
  return txn.Commit().WithContext(fmt::format("reset table \"{}\"", table));
}

// ---- chunks ----

Status StateStore::RecordChunk(std::string_view table, int64_t chunk_id, std::string_view lower_key,
                               std::string_view upper_key, int64_t rows, int64_t bytes) {
  CUTOVER_RETURN_IF_ERROR(CheckWritable());
  if (rows < 0 || bytes < 0) {
    return Status::InvalidArgument(
        fmt::format("chunk {} of table \"{}\": rows ({}) and bytes ({}) must not be negative",
                    chunk_id, table, rows, bytes));
  }
  auto context = [&] { return fmt::format("record chunk {} of table \"{}\"", chunk_id, table); };
  CUTOVER_ASSIGN_OR_RETURN(Transaction txn, Begin());
  // A chunk recorded again (a redone chunk) replaces the old record: count only the difference.
  CUTOVER_ASSIGN_OR_RETURN(auto old, db_->Prepare("SELECT rows, bytes FROM chunks "
                                                  "WHERE table_name = ?1 AND chunk_id = ?2"));
  old.BindText(1, table).BindInt(2, chunk_id);
  CUTOVER_ASSIGN_OR_RETURN(bool had_chunk, old.Step());
  int64_t old_rows = had_chunk ? old.Int(0) : 0;
  int64_t old_bytes = had_chunk ? old.Int(1) : 0;
  CUTOVER_ASSIGN_OR_RETURN(auto bump, db_->Prepare("UPDATE tables SET rows_copied = rows_copied "
                                                   "+ ?1, bytes = bytes + ?2 WHERE name = ?3"));
  bump.BindInt(1, rows - old_rows).BindInt(2, bytes - old_bytes).BindText(3, table);
  CUTOVER_RETURN_IF_ERROR(bump.Run().WithContext(context()));
  if (db_->Changes() == 0) return Unregistered(table);
  CUTOVER_ASSIGN_OR_RETURN(auto insert, db_->Prepare("INSERT OR REPLACE INTO chunks (table_name, "
                                                     "chunk_id, lower_key, upper_key, rows, "
                                                     "bytes, done_at) "
                                                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
  insert.BindText(1, table)
      .BindInt(2, chunk_id)
      .BindBlob(3, lower_key)
      .BindBlob(4, upper_key)
      .BindInt(5, rows)
      .BindInt(6, bytes)
      .BindText(7, state::NowText());
  CUTOVER_RETURN_IF_ERROR(insert.Run().WithContext(context()));
  return txn.Commit().WithContext(context());
}

Result<std::vector<ChunkRecord>> StateStore::ListChunks(std::string_view table) {
  std::lock_guard lock(mutex_);
  CUTOVER_ASSIGN_OR_RETURN(auto stmt, db_->Prepare("SELECT chunk_id, lower_key, upper_key, rows, "
                                                   "bytes, done_at FROM chunks "
                                                   "WHERE table_name = ?1 ORDER BY chunk_id"));
  stmt.BindText(1, table);
  std::vector<ChunkRecord> chunks;
  while (true) {
    CUTOVER_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return chunks;
    chunks.push_back({stmt.Int(0), stmt.Blob(1), stmt.Blob(2), stmt.Int(3), stmt.Int(4),
                      state::ParseTime(stmt.Text(5)).value_or(StateClock::time_point())});
  }
}

}  // namespace cutover
