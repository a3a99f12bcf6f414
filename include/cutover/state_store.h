// StateStore: a migration's durable local state (phase, positions, per-table and per-chunk copy
// progress, log offsets, metadata) in SQLite at <state_dir>/state.db. See docs/state.md.
//
// Durability: WAL mode with synchronous=FULL, so once a call (or Transaction::Commit) returns OK
// the change survives kill -9 and power loss. Another process may read (`cutover status`, opened
// read-only) while `cutover run` writes; writers in different processes wait for each other up
// to the busy timeout, then get Unavailable.
//
// Threads: one StateStore object may be shared by any number of threads. Every call takes
// mutex_; a Transaction holds it from Begin() until it commits or rolls back, so calls made
// by the owning thread join the transaction while other threads wait for it to end. A
// Transaction must be committed or destroyed on the thread that began it.
//
// Errors: never throws. SQLite failures map to cutover's codes: busy/locked, disk full and I/O
// errors -> Unavailable (retry the call); a corrupt file or one that is not a database ->
// DataLoss; permission problems -> FailedPrecondition.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cutover/position.h"
#include "cutover/status.h"

namespace cutover {

namespace state {
class SqliteDb;    // src/state/sqlite_db.h
struct Migration;  // src/state/schema.h
}  // namespace state

using StateClock = std::chrono::system_clock;

// A migration's phases, in order. Persisted, so `run` resumes where it stopped.
enum class Phase { kNew, kPreflight, kCopy, kCatchUp, kCdc, kFinished };
std::string_view PhaseName(Phase phase);  // "new", "preflight", "copy", "catch_up", ...
Result<Phase> ParsePhase(std::string_view name);

// One phase change, as recorded by SetPhase.
struct PhaseTransition {
  StateClock::time_point at;
  Phase from = Phase::kNew;
  Phase to = Phase::kNew;
};

// The copy state of one table.
enum class TableState { kPending, kCopying, kCopied, kIndexesBuilding, kDone };
std::string_view TableStateName(TableState state);  // "pending", "copying", "copied", ...
Result<TableState> ParseTableState(std::string_view name);

// Copy progress of one table. rows_copied and bytes always equal the sums over its chunks.
struct TableProgress {
  std::string name;
  TableState state = TableState::kPending;
  int64_t rows_total_estimate = 0;  // from the source's statistics; may be off
  int64_t rows_copied = 0;
  int64_t bytes = 0;
  std::optional<StateClock::time_point> started_at;   // first set to kCopying
  std::optional<StateClock::time_point> finished_at;  // set to kDone
};

// One copied chunk: rows with keys in (lower_key, upper_key], as the copier defines them. Keys
// are opaque bytes (the copier's own key encoding); the store never interprets them.
struct ChunkRecord {
  int64_t chunk_id = 0;
  std::string lower_key;
  std::string upper_key;
  int64_t rows = 0;
  int64_t bytes = 0;
  StateClock::time_point done_at;
};

// What a state dir belongs to. Recorded at the first open that passes one; every later open
// that passes one must match it, so one state dir never mixes two migrations.
struct StoreIdentity {
  std::string migration;    // the spec's name
  std::string source_kind;  // "mariadb", "mysql", "postgres"
  std::string source_host;
  int source_port = 0;
  std::string target_kind;  // "mariadb", "postgres", "dynamodb", ...
};

struct StateStoreOptions {
  // Open for reading only (`cutover status`): never creates, migrates or writes; the store
  // must exist and have exactly this cutover's schema version.
  bool read_only = false;
  // How long a call waits for another connection's lock before returning Unavailable.
  std::chrono::milliseconds busy_timeout{10000};
  // When set, recorded at first open and checked at every later open (see StoreIdentity).
  // Ignored when read_only.
  std::optional<StoreIdentity> identity;
};

class StateStore {
 public:
  class Transaction;

  // Opens (creating the directory and database if needed) <state_dir>/state.db and brings its
  // schema up to date. Errors: FailedPrecondition when the store was written by a newer cutover
  // or belongs to another migration; NotFound when read_only and there is no store; DataLoss
  // when the file is not a readable database.
  static Result<std::unique_ptr<StateStore>> Open(const std::filesystem::path& state_dir,
                                                  const StateStoreOptions& options = {});
  // Open() with another list of schema migrations: for tests of schema versioning only.
  static Result<std::unique_ptr<StateStore>> TEST_OpenWithMigrations(
      const std::filesystem::path& state_dir, const StateStoreOptions& options,
      const std::vector<state::Migration>& migrations);
  ~StateStore();
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;

  const std::filesystem::path& path() const { return path_; }  // .../state.db
  bool read_only() const { return read_only_; }
  // The schema version of the open store.
  Result<int> SchemaVersion();
  // The recorded identity, if one was ever recorded.
  Result<std::optional<StoreIdentity>> Identity();

  // Starts a transaction: every call on this store from this thread until Commit() (or the
  // Transaction's destruction, which rolls back) is applied atomically. Transactions nest (the
  // inner ones are savepoints); destroy them in reverse order of creation. On a writable store
  // it takes the database's write lock at once (waits up to busy_timeout, then Unavailable);
  // on a read-only store it gives a consistent snapshot for several reads.
  Result<Transaction> Begin();

  // ---- phase ----
  Result<Phase> GetPhase();  // kNew for a new store
  // Moves to `phase` and records the transition; setting the current phase again is a no-op.
  Status SetPhase(Phase phase);
  Result<std::vector<PhaseTransition>> PhaseHistory();  // oldest first

  // ---- named positions ("snapshot_start", "capture", "applied", ...) ----
  Status SetPosition(std::string_view name, const Position& position);
  Result<std::optional<Position>> GetPosition(std::string_view name);
  Result<std::map<std::string, Position>> ListPositions();

  // ---- per-table progress ----
  // Registers a table as pending, or updates the estimate of a registered one (keeping its
  // state and counts).
  Status AddTable(std::string_view table, int64_t rows_total_estimate);
  // NotFound for an unregistered table. kCopying sets started_at the first time; kDone sets
  // finished_at.
  Status SetTableState(std::string_view table, TableState state);
  Result<std::optional<TableProgress>> GetTable(std::string_view table);
  Result<std::vector<TableProgress>> ListTables();  // by name
  // Forgets a table's chunks, zeroes its counts and sets it pending (a copy from scratch).
  Status ResetTable(std::string_view table);

  // ---- chunk progress ----
  // Records a finished chunk and adds its rows and bytes to the table's counts, in one
  // transaction. Recording the same chunk_id again replaces it (counts adjusted, not doubled).
  // NotFound for an unregistered table.
  Status RecordChunk(std::string_view table, int64_t chunk_id, std::string_view lower_key,
                     std::string_view upper_key, int64_t rows, int64_t bytes = 0);
  Result<std::vector<ChunkRecord>> ListChunks(std::string_view table);  // by chunk_id

  // ---- named log offsets (per apply lane, ...) ----
  // InvalidArgument for values above INT64_MAX (SQLite stores signed 64-bit integers).
  Status SetOffset(std::string_view name, uint64_t offset);
  Result<std::optional<uint64_t>> GetOffset(std::string_view name);
  Result<std::map<std::string, uint64_t>> ListOffsets();

  // ---- key/value metadata ----
  Status SetMeta(std::string_view key, std::string_view value);
  Result<std::optional<std::string>> GetMeta(std::string_view key);
  Status DeleteMeta(std::string_view key);
  // Every entry whose key starts with `prefix`, by key.
  Result<std::vector<std::pair<std::string, std::string>>> ListMeta(std::string_view prefix);

  // Runs PRAGMA integrity_check: OK when the file is intact, else DataLoss with SQLite's report.
  Status CheckIntegrity();

 private:
  StateStore(std::filesystem::path path, bool read_only, std::unique_ptr<state::SqliteDb> db);
  Status CheckOrRecordIdentity(const StoreIdentity& identity);
  Status CheckWritable() const;  // FailedPrecondition on a read-only store
  // Transaction steps; the caller holds mutex_.
  Status BeginLocked();
  Status CommitLocked();
  void RollbackLocked();

  // Constant after construction.
  const std::filesystem::path path_;
  const bool read_only_;

  // Guards everything below and every use of the connection. Recursive so that a Transaction's
  // owning thread can call the store while the Transaction holds it.
  std::recursive_mutex mutex_;
  std::unique_ptr<state::SqliteDb> db_;
  int transaction_depth_ = 0;  // open (nested) transactions
};

// An open transaction on a StateStore; rolls back on destruction unless committed. Move-only.
class StateStore::Transaction {
 public:
  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  // Makes everything since Begin() durable (the outermost) or part of the enclosing
  // transaction (a nested one). After a failed Commit the transaction is rolled back.
  Status Commit();

 private:
  friend class StateStore;
  Transaction(StateStore* store, std::unique_lock<std::recursive_mutex> lock);

  StateStore* store_;  // null once committed, rolled back or moved from
  std::unique_lock<std::recursive_mutex> lock_;
};

}  // namespace cutover
