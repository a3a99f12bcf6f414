// Schema: the state store's tables (docs/state.md) and the migrations that create them.
#include "state/schema.h"

#include <fmt/format.h>

#include "cutover/version.h"

#include "state/time_text.h"

namespace cutover::state {
namespace {

// Version 1: every table of the first release.
constexpr std::string_view kInitialSchema = R"sql(
CREATE TABLE identity (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  migration TEXT NOT NULL,
  source_kind TEXT NOT NULL,
  source_host TEXT NOT NULL,
  source_port INTEGER NOT NULL,
  target_kind TEXT NOT NULL,
  recorded_at TEXT NOT NULL
);
CREATE TABLE phase (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  phase TEXT NOT NULL
    CHECK (phase IN ('new', 'preflight', 'copy', 'catch_up', 'cdc', 'finished')),
  updated_at TEXT NOT NULL
);
INSERT INTO phase (id, phase, updated_at)
  VALUES (1, 'new', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
CREATE TABLE phase_history (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL,
  from_phase TEXT NOT NULL,
  to_phase TEXT NOT NULL
);
CREATE TABLE positions (
  name TEXT PRIMARY KEY,
  position TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE tables (
  name TEXT PRIMARY KEY,
  state TEXT NOT NULL
    CHECK (state IN ('pending', 'copying', 'copied', 'indexes_building', 'done')),
  rows_total_estimate INTEGER NOT NULL DEFAULT 0,
  rows_copied INTEGER NOT NULL DEFAULT 0,
  bytes INTEGER NOT NULL DEFAULT 0,
  started_at TEXT,
  finished_at TEXT
);
CREATE TABLE chunks (
  table_name TEXT NOT NULL REFERENCES tables (name) ON DELETE CASCADE,
  chunk_id INTEGER NOT NULL,
  lower_key BLOB NOT NULL,
  upper_key BLOB NOT NULL,
  rows INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  done_at TEXT NOT NULL,
  PRIMARY KEY (table_name, chunk_id)
) WITHOUT ROWID;
CREATE TABLE offsets (
  name TEXT PRIMARY KEY,
  value INTEGER NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
)sql";

constexpr std::string_view kCreateVersionTable = R"sql(
CREATE TABLE IF NOT EXISTS schema_version (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  cutover_version TEXT NOT NULL,
  applied_at TEXT NOT NULL
))sql";

// The cutover version that applied `version`, for messages; "unknown" when not recorded.
std::string WriterOf(SqliteDb& db, int version) {
  auto stmt = db.Prepare("SELECT cutover_version FROM schema_version WHERE version = ?1");
  if (!stmt.ok()) return "unknown";
  stmt->BindInt(1, version);
  Result<bool> row = stmt->Step();
  return row.ok() && *row ? stmt->Text(0) : "unknown";
}

Status NewerStore(SqliteDb& db, int version, int known, const std::string& path) {
  std::string writer = WriterOf(db, version);
  return Status::FailedPrecondition(fmt::format(
      "state store {} has schema version {} (written by cutover {}), but this cutover ({}) "
      "knows schema versions up to {}: use cutover {} or later with this state_dir",
      path, version, writer, kVersion, known, writer));
}

Status ApplyMigration(SqliteDb& db, const Migration& migration) {
  CUTOVER_RETURN_IF_ERROR(db.Exec(migration.sql));
  CUTOVER_ASSIGN_OR_RETURN(auto stmt, db.Prepare("INSERT INTO schema_version (version, name, "
                                                 "cutover_version, applied_at) "
                                                 "VALUES (?1, ?2, ?3, ?4)"));
  stmt.BindInt(1, migration.version)
      .BindText(2, migration.name)
      .BindText(3, kVersion)
      .BindText(4, NowText());
  return stmt.Run();
}

// The body of MigrateSchema, inside its transaction.
Status MigrateInTransaction(SqliteDb& db, const std::vector<Migration>& migrations,
                            const std::string& path) {
  CUTOVER_RETURN_IF_ERROR(db.Exec(kCreateVersionTable));
  CUTOVER_ASSIGN_OR_RETURN(int version, ReadSchemaVersion(db));
  int known = migrations.empty() ? 0 : migrations.back().version;
  if (version > known) return NewerStore(db, version, known, path);
  for (const Migration& migration : migrations) {
    if (migration.version <= version) continue;
    Status status = ApplyMigration(db, migration);
    if (!status.ok()) {
      return status.WithContext(fmt::format("apply schema migration {} ({}) to {}",
                                            migration.version, migration.name, path));
    }
  }
  return Status::Ok();
}

}  // namespace

const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> kMigrations = {
      {1, "initial", std::string(kInitialSchema)},
  };
  return kMigrations;
}

Result<int> ReadSchemaVersion(SqliteDb& db) {
  CUTOVER_ASSIGN_OR_RETURN(auto exists, db.Prepare("SELECT count(*) FROM sqlite_master WHERE "
                                                   "type = 'table' AND name = 'schema_version'"));
  CUTOVER_ASSIGN_OR_RETURN(bool row, exists.Step());
  if (!row || exists.Int(0) == 0) return 0;
  CUTOVER_ASSIGN_OR_RETURN(auto stmt, db.Prepare("SELECT coalesce(max(version), 0) "
                                                 "FROM schema_version"));
  CUTOVER_ASSIGN_OR_RETURN(row, stmt.Step());
  return row ? static_cast<int>(stmt.Int(0)) : 0;
}

Status MigrateSchema(SqliteDb& db, const std::vector<Migration>& migrations) {
  std::string path = db.path().string();
  CUTOVER_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
  Status status = MigrateInTransaction(db, migrations, path);
  if (status.ok()) status = db.Exec("COMMIT");
  // A failed COMMIT or migration leaves the transaction open: undo it, so nothing changed.
  if (!status.ok() && !db.InAutocommit()) db.Exec("ROLLBACK").IgnoreError();
  return status;
}

Status CheckSchemaCurrent(SqliteDb& db, const std::vector<Migration>& migrations) {
  std::string path = db.path().string();
  CUTOVER_ASSIGN_OR_RETURN(int version, ReadSchemaVersion(db));
  int known = migrations.empty() ? 0 : migrations.back().version;
  if (version > known) return NewerStore(db, version, known, path);
  if (version < known) {
    return Status::FailedPrecondition(fmt::format(
        "state store {} has schema version {}, older than this cutover's {}: run `cutover run` "
        "(which upgrades it) before reading it read-only",
        path, version, known));
  }
  return Status::Ok();
}

}  // namespace cutover::state
