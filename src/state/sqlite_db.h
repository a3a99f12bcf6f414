// SqliteDb: one SQLite connection and its prepared statements, with SQLite's result codes
// mapped to cutover's Status codes. Not thread-safe: StateStore serialises all use.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include <sqlite3.h>

#include "cutover/status.h"

namespace cutover::state {

// The Status for SQLite result code `rc` (primary or extended) with `message`:
//   BUSY, LOCKED, FULL, IOERR (most)            -> Unavailable (retry the call)
//   CORRUPT, NOTADB, IOERR_{DATA,CORRUPTFS,SHORT_READ} -> DataLoss
//   CANTOPEN, PERM, READONLY, AUTH              -> FailedPrecondition
//   INTERRUPT -> Cancelled, NOMEM -> ResourceExhausted, SCHEMA -> Aborted, others -> Internal.
Status SqliteStatus(int rc, std::string_view message);

class SqliteDb;

// A prepared statement. Bind errors are kept and reported by the next Step().
class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Parameters are 1-based, as in SQL's ?1, ?2 ...
  Statement& BindText(int index, std::string_view text);
  Statement& BindBlob(int index, std::string_view bytes);
  Statement& BindInt(int index, int64_t value);
  Statement& BindNull(int index);

  // True when a row is available, false when the statement is done.
  Result<bool> Step();
  // Steps to the end, ignoring any rows (for writes and pragmas).
  Status Run();

  // Columns of the current row, 0-based.
  bool IsNull(int column) const;
  int64_t Int(int column) const;
  std::string Text(int column) const;
  std::string Blob(int column) const;

 private:
  friend class SqliteDb;
  Statement(SqliteDb* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  void NoteBind(int rc);

  SqliteDb* db_;
  sqlite3_stmt* stmt_;
  int bind_error_ = SQLITE_OK;
};

class SqliteDb {
 public:
  // Opens the database file at `path` (read_only: must exist; else created when missing) with
  // extended result codes and the busy timeout set.
  static Result<std::unique_ptr<SqliteDb>> Open(const std::filesystem::path& path, bool read_only,
                                                std::chrono::milliseconds busy_timeout);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // Runs one or more statements that return no rows of interest.
  Status Exec(std::string_view sql);
  Result<Statement> Prepare(std::string_view sql);
  // Rows changed by the last INSERT, UPDATE or DELETE.
  int64_t Changes() const;
  // True outside an explicit transaction.
  bool InAutocommit() const;
  const std::filesystem::path& path() const { return path_; }

  // The Status for `rc`, with this connection's last error message and the file's path.
  Status Error(int rc) const;

 private:
  SqliteDb(sqlite3* db, std::filesystem::path path) : db_(db), path_(std::move(path)) {}

  sqlite3* db_;
  const std::filesystem::path path_;
};

}  // namespace cutover::state
