// StateStore: opening the store, transactions, phase, positions, offsets and metadata (table and
// chunk progress live in table_progress.cc).
#include "cutover/state_store.h"

#include <array>
#include <cstdint>
#include <limits>
#include <system_error>
#include <utility>

#include <fmt/format.h>

#include "state/schema.h"
#include "state/sqlite_db.h"
#include "state/time_text.h"

namespace cutover {
namespace {

constexpr std::array<std::string_view, 6> kPhaseNames = {"new",      "preflight", "copy",
                                                         "catch_up", "cdc",       "finished"};

// Connection settings: WAL (readers never block the writer), synchronous=FULL (a commit is on
// disk when it returns: survives power loss, not only a crash), foreign keys enforced.
Status Configure(state::SqliteDb& db, bool read_only) {
  if (read_only) return db.Exec("PRAGMA query_only = ON; PRAGMA foreign_keys = ON");
  CUTOVER_ASSIGN_OR_RETURN(auto stmt, db.Prepare("PRAGMA journal_mode = WAL"));
  CUTOVER_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row || stmt.Text(0) != "wal") {
    return Status::FailedPrecondition(fmt::format(
        "state store {}: cannot switch to WAL journal mode (the file system may not support "
        "shared memory; use a local disk for state_dir)",
        db.path().string()));
  }
  return db.Exec("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON");
}

std::string Describe(const StoreIdentity& identity) {
  return fmt::format("source {} at {}:{}, target {}", identity.source_kind, identity.source_host,
                     identity.source_port, identity.target_kind);
}

Result<Phase> StoredPhase(const std::string& text) {
  Result<Phase> phase = ParsePhase(text);
  if (!phase.ok()) return Status::DataLoss("state store holds an unknown phase: " + text);
  return phase;
}

}  // namespace

std::string_view PhaseName(Phase phase) { return kPhaseNames.at(static_cast<size_t>(phase)); }

Result<Phase> ParsePhase(std::string_view name) {
  for (size_t idx = 0; idx < kPhaseNames.size(); ++idx) {
    if (kPhaseNames[idx] == name) return static_cast<Phase>(idx);
  }
  return Status::InvalidArgument(fmt::format(
      "unknown phase \"{}\" (expected new, preflight, copy, catch_up, cdc or finished)", name));
}

// ---- opening ----

StateStore::StateStore(std::filesystem::path path, bool read_only,
                       std::unique_ptr<state::SqliteDb> db)
    : path_(std::move(path)), read_only_(read_only), db_(std::move(db)) {}

StateStore::~StateStore() = default;

Result<std::unique_ptr<StateStore>> StateStore::Open(const std::filesystem::path& state_dir,
                                                     const StateStoreOptions& options) {
  return TEST_OpenWithMigrations(state_dir, options, state::Migrations());
}

Result<std::unique_ptr<StateStore>> StateStore::TEST_OpenWithMigrations(
    const std::filesystem::path& state_dir, const StateStoreOptions& options,
    const std::vector<state::Migration>& migrations) {
  std::filesystem::path path = state_dir / "state.db";
  std::error_code error;
  if (options.read_only && !std::filesystem::exists(path, error)) {
    return Status::NotFound(fmt::format(
        "no state store at {} (has `cutover run` started this migration?)", path.string()));
  }
  if (!options.read_only && !std::filesystem::create_directories(state_dir, error) && error) {
    return Status::FailedPrecondition(
        fmt::format("cannot create state dir {}: {}", state_dir.string(), error.message()));
  }
  CUTOVER_ASSIGN_OR_RETURN(auto db,
                           state::SqliteDb::Open(path, options.read_only, options.busy_timeout));
  CUTOVER_RETURN_IF_ERROR(Configure(*db, options.read_only));
  if (options.read_only) {
    CUTOVER_RETURN_IF_ERROR(state::CheckSchemaCurrent(*db, migrations));
  } else {
    CUTOVER_RETURN_IF_ERROR(state::MigrateSchema(*db, migrations));
  }
  std::unique_ptr<StateStore> store(new StateStore(path, options.read_only, std::move(db)));
  if (!options.read_only && options.identity) {
    CUTOVER_RETURN_IF_ERROR(store->CheckOrRecordIdentity(*options.identity));
  }
  return store;
}

Status StateStore::CheckOrRecordIdentity(const StoreIdentity& identity) {
  // One transaction, so two processes opening a new store at once cannot both record.
  CUTOVER_ASSIGN_OR_RETURN(Transaction txn, Begin());
  CUTOVER_ASSIGN_OR_RETURN(std::optional<StoreIdentity> stored, Identity());
  std::string dir = path_.parent_path().string();
  if (stored && stored->migration != identity.migration) {
    return Status::FailedPrecondition(fmt::format(
        "state dir {} belongs to migration \"{}\", not \"{}\": give each migration its own "
        "state_dir",
        dir, stored->migration, identity.migration));
  }
  if (stored && Describe(*stored) != Describe(identity)) {
    return Status::FailedPrecondition(fmt::format(
        "state dir {} of migration \"{}\" was created for {}, but the spec now says {}: its "
        "positions and progress do not apply there; use a new state_dir",
        dir, identity.migration, Describe(*stored), Describe(identity)));
  }
  if (stored) return txn.Commit();
  CUTOVER_ASSIGN_OR_RETURN(auto stmt, db_->Prepare("INSERT INTO identity (id, migration, "
                                                   "source_kind, source_host, source_port, "
                                                   "target_kind, recorded_at) "
                                                   "VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6)"));
  stmt.BindText(1, identity.migration)
      .BindText(2, identity.source_kind)
      .BindText(3, identity.source_host)
      .BindInt(4, identity.source_port)
      .BindText(5, identity.target_kind)
      .BindText(6, state::NowText());
  CUTOVER_RETURN_IF_ERROR(stmt.Run());
  return txn.Commit().WithContext("record the migration's identity");
}

Result<std::optional<StoreIdentity>> StateStore::Identity() {
  std::lock_guard lock(mutex_);
  CUTOVER_ASSIGN_OR_RETURN(auto stmt, db_->Prepare("SELECT migration, source_kind, source_host, "
                                                   "source_port, target_kind FROM identity"));
  CUTOVER_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::optional<StoreIdentity>();
  return std::optional<StoreIdentity>(StoreIdentity{stmt.Text(0), stmt.Text(1), stmt.Text(2),
                                                    static_cast<int>(stmt.Int(3)), stmt.Text(4)});
}

Result<int> StateStore::SchemaVersion() {
  std::lock_guard lock(mutex_);
  return state::ReadSchemaVersion(*db_);
}

Status StateStore::CheckWritable() const {
  if (!read_only_) return Status::Ok();
  return Status::FailedPrecondition(
      fmt::format("state store {} is open read-only", path_.string()));
}

Status StateStore::CheckIntegrity() {
  std::lock_guard lock(mutex_);
  CUTOVER_ASSIGN_OR_RETURN(auto stmt, db_->Prepare("PRAGMA integrity_check"));
  std::string report;
  while (true) {
    CUTOVER_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    if (!report.empty()) report += "; ";
    report += stmt.Text(0);
  }
  if (report == "ok") return Status::Ok();
  return Status::DataLoss(
      fmt::format("state store {} failed its integrity check: {}", path_.string(), report));
}

// ---- transactions ----

Result<StateStore::Transaction> StateStore::Begin() {
  std::unique_lock lock(mutex_);
  CUTOVER_RETURN_IF_ERROR(BeginLocked());
  return Transaction(this, std::move(lock));
}

Status StateStore::BeginLocked() {
  std::string sql = transaction_depth_ > 0 ? fmt::format("SAVEPOINT s{}", transaction_depth_)
                    : read_only_           ? std::string("BEGIN")
                                           : std::string("BEGIN IMMEDIATE");
  CUTOVER_RETURN_IF_ERROR(db_->Exec(sql).WithContext("begin a transaction"));
  ++transaction_depth_;
  return Status::Ok();
}

Status StateStore::CommitLocked() {
  int depth = transaction_depth_ - 1;
  Status status = db_->Exec(depth == 0 ? std::string("COMMIT") : fmt::format("RELEASE s{}", depth));
  if (!status.ok()) {
    RollbackLocked();
    return status.WithContext("commit a transaction");
  }
  transaction_depth_ = depth;
  return status;
}

void StateStore::RollbackLocked() {
  int depth = --transaction_depth_;
  // A rollback that fails has nothing left to undo: SQLite already rolled the transaction back
  // itself (after a full disk or an I/O error), and the enclosing COMMIT will report that.
  if (depth == 0) {
    if (!db_->InAutocommit()) db_->Exec("ROLLBACK").IgnoreError();
  } else {
    db_->Exec(fmt::format("ROLLBACK TO s{0}; RELEASE s{0}", depth)).IgnoreError();
  }
}

StateStore::Transaction::Transaction(StateStore* store, std::unique_lock<std::recursive_mutex> lock)
    : store_(store), lock_(std::move(lock)) {}

StateStore::Transaction::Transaction(Transaction&& other) noexcept
    : store_(std::exchange(other.store_, nullptr)), lock_(std::move(other.lock_)) {}

StateStore::Transaction::~Transaction() {
  if (store_ != nullptr) store_->RollbackLocked();
}

Status StateStore::Transaction::Commit() {
  if (store_ == nullptr) return Status::Internal("Commit() on a finished transaction");
  Status status = std::exchange(store_, nullptr)->CommitLocked();
  lock_.unlock();
  return status;
}

// ---- phase ----

Result<Phase> StateStore::GetPhase() {
  std::lock_guard lock(mutex_);
  CUTOVER_ASSIGN_OR_RETURN(auto stmt, db_->Prepare("SELECT phase FROM phase WHERE id = 1"));
  CUTOVER_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return Status::DataLoss("state store " + path_.string() + " has no phase row");
  return StoredPhase(stmt.Text(0));
}

Status StateStore::SetPhase(Phase phase) {
  CUTOVER_RETURN_IF_ERROR(CheckWritable());
  CUTOVER_ASSIGN_OR_RETURN(Transaction txn, Begin());
  CUTOVER_ASSIGN_OR_RETURN(Phase current, GetPhase());
  if (current == phase) return txn.Commit();
  std::string now = state::NowText();
  CUTOVER_ASSIGN_OR_RETURN(auto update,
                           db_->Prepare("UPDATE phase SET phase = ?1, updated_at = ?2"));
  update.BindText(1, PhaseName(phase)).BindText(2, now);
  CUTOVER_RETURN_IF_ERROR(update.Run());
  CUTOVER_ASSIGN_OR_RETURN(auto history, db_->Prepare("INSERT INTO phase_history (at, from_phase, "
                                                      "to_phase) VALUES (?1, ?2, ?3)"));
  history.BindText(1, now).BindText(2, PhaseName(current)).BindText(3, PhaseName(phase));
  CUTOVER_RETURN_IF_ERROR(history.Run());
  return txn.Commit().WithContext(fmt::format("set phase {}", PhaseName(phase)));
}

Result<std::vector<PhaseTransition>> StateStore::PhaseHistory() {
  std::lock_guard lock(mutex_);
  CUTOVER_ASSIGN_OR_RETURN(auto stmt, db_->Prepare("SELECT at, from_phase, to_phase FROM "
                                                   "phase_history ORDER BY seq"));
  std::vector<PhaseTransition> history;
  while (true) {
    CUTOVER_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return history;
    CUTOVER_ASSIGN_OR_RETURN(Phase from, StoredPhase(stmt.Text(1)));
    CUTOVER_ASSIGN_OR_RETURN(Phase to, StoredPhase(stmt.Text(2)));
    history.push_back(
        {state::ParseTime(stmt.Text(0)).value_or(StateClock::time_point()), from, to});
  }
}

// ---- positions ----

Status StateStore::SetPosition(std::string_view name, const Position& position) {
  CUTOVER_RETURN_IF_ERROR(CheckWritable());
  std::lock_guard lock(mutex_);
  CUTOVER_ASSIGN_OR_RETURN(auto stmt, db_->Prepare("INSERT INTO positions (name, position, "
                                                   "updated_at) VALUES (?1, ?2, ?3) "
                                                   "ON CONFLICT (name) DO UPDATE SET "
                                                   "position = excluded.position, "
                                                   "updated_at = excluded.updated_at"));
  stmt.BindText(1, name).BindText(2, position.Encode()).BindText(3, state::NowText());
  return stmt.Run().WithContext(fmt::format("set position \"{}\"", name));
}

Result<std::optional<Position>> StateStore::GetPosition(std::string_view name) {
  std::lock_guard lock(mutex_);
  CUTOVER_ASSIGN_OR_RETURN(auto stmt,
                           db_->Prepare("SELECT position FROM positions WHERE name = ?1"));
  stmt.BindText(1, name);
  CUTOVER_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::optional<Position>();
  Result<Position> position = Position::Decode(stmt.Text(0));
  if (!position.ok()) {
    return Status::DataLoss(
        fmt::format("stored position \"{}\" is unreadable: {}", name, position.status().message()));
  }
  return std::optional<Position>(std::move(position).value());
}

Result<std::map<std::string, Position>> StateStore::ListPositions() {
  std::lock_guard lock(mutex_);
  CUTOVER_ASSIGN_OR_RETURN(auto stmt, db_->Prepare("SELECT name, position FROM positions"));
  std::map<std::string, Position> positions;
  while (true) {
    CUTOVER_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return positions;
    Result<Position> position = Position::Decode(stmt.Text(1));
    if (!position.ok()) {
      return Status::DataLoss(fmt::format("stored position \"{}\" is unreadable: {}", stmt.Text(0),
                                          position.status().message()));
    }
    positions.emplace(stmt.Text(0), std::move(position).value());
  }
}

// ---- offsets ----

Status StateStore::SetOffset(std::string_view name, uint64_t offset) {
  CUTOVER_RETURN_IF_ERROR(CheckWritable());
  constexpr auto kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (offset > kMax) {
    return Status::InvalidArgument(fmt::format(
        "offset {} for \"{}\" is above the largest storable offset {}", offset, name, kMax));
  }
  std::lock_guard lock(mutex_);
  CUTOVER_ASSIGN_OR_RETURN(auto stmt, db_->Prepare("INSERT INTO offsets (name, value, updated_at) "
                                                   "VALUES (?1, ?2, ?3) ON CONFLICT (name) "
                                                   "DO UPDATE SET value = excluded.value, "
                                                   "updated_at = excluded.updated_at"));
  stmt.BindText(1, name).BindInt(2, static_cast<int64_t>(offset)).BindText(3, state::NowText());
  return stmt.Run().WithContext(fmt::format("set offset \"{}\"", name));
}

Result<std::optional<uint64_t>> StateStore::GetOffset(std::string_view name) {
  std::lock_guard lock(mutex_);
  CUTOVER_ASSIGN_OR_RETURN(auto stmt, db_->Prepare("SELECT value FROM offsets WHERE name = ?1"));
  stmt.BindText(1, name);
  CUTOVER_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::optional<uint64_t>();
  return std::optional<uint64_t>(static_cast<uint64_t>(stmt.Int(0)));
}

Result<std::map<std::string, uint64_t>> StateStore::ListOffsets() {
  std::lock_guard lock(mutex_);
  CUTOVER_ASSIGN_OR_RETURN(auto stmt, db_->Prepare("SELECT name, value FROM offsets"));
  std::map<std::string, uint64_t> offsets;
  while (true) {
    CUTOVER_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return offsets;
    offsets.emplace(stmt.Text(0), static_cast<uint64_t>(stmt.Int(1)));
  }
}

// ---- meta ----

Status StateStore::SetMeta(std::string_view key, std::string_view value) {
  CUTOVER_RETURN_IF_ERROR(CheckWritable());
  std::lock_guard lock(mutex_);
  CUTOVER_ASSIGN_OR_RETURN(auto stmt, db_->Prepare("INSERT INTO meta (key, value) VALUES (?1, ?2) "
                                                   "ON CONFLICT (key) DO UPDATE SET "
                                                   "value = excluded.value"));
  stmt.BindText(1, key).BindText(2, value);
  return stmt.Run().WithContext(fmt::format("set meta \"{}\"", key));
}

Result<std::optional<std::string>> StateStore::GetMeta(std::string_view key) {
  std::lock_guard lock(mutex_);
  CUTOVER_ASSIGN_OR_RETURN(auto stmt, db_->Prepare("SELECT value FROM meta WHERE key = ?1"));
  stmt.BindText(1, key);
  CUTOVER_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(stmt.Text(0));
}

Result<std::vector<std::pair<std::string, std::string>>> StateStore::ListMeta(
    std::string_view prefix) {
  std::lock_guard lock(mutex_);
  CUTOVER_ASSIGN_OR_RETURN(
      auto stmt,
      db_->Prepare(
          "SELECT key, value FROM meta WHERE substr(CAST(key AS BLOB), 1, ?2) = CAST(?1 AS "
          "BLOB) ORDER BY key"));
  stmt.BindText(1, prefix);
  stmt.BindInt(2, static_cast<int64_t>(prefix.size()));
  std::vector<std::pair<std::string, std::string>> out;
  while (true) {
    CUTOVER_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return out;
    out.emplace_back(stmt.Text(0), stmt.Text(1));
  }
}

Status StateStore::DeleteMeta(std::string_view key) {
  CUTOVER_RETURN_IF_ERROR(CheckWritable());
  std::lock_guard lock(mutex_);
  CUTOVER_ASSIGN_OR_RETURN(auto stmt, db_->Prepare("DELETE FROM meta WHERE key = ?1"));
  stmt.BindText(1, key);
  return stmt.Run().WithContext(fmt::format("delete meta \"{}\"", key));
}

}  // namespace cutover
