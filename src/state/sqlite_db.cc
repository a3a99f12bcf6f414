// SqliteDb: a thin RAII wrapper over the SQLite C API (see sqlite_db.h).
#include "state/sqlite_db.h"

#include <utility>

#include <fmt/format.h>

#include "core/disk_full.h"

namespace cutover::state {

Status SqliteStatus(int rc, std::string_view message) {
  switch (rc) {
    case SQLITE_IOERR_DATA:
    case SQLITE_IOERR_CORRUPTFS:
    case SQLITE_IOERR_SHORT_READ: return Status::DataLoss(message);
    default: break;
  }
  switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE: return Status::Ok();
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_FULL:
    case SQLITE_IOERR: return Status::Unavailable(message);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return Status::DataLoss(message);
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_READONLY:
    case SQLITE_AUTH: return Status::FailedPrecondition(message);
    case SQLITE_INTERRUPT: return Status::Cancelled(message);
    case SQLITE_NOMEM: return Status::ResourceExhausted(message);
    case SQLITE_SCHEMA: return Status::Aborted(message);
    default: return Status::Internal(message);
  }
}

// ---- Statement ----

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)), bind_error_(other.bind_error_) {}

Statement::~Statement() { sqlite3_finalize(stmt_); }

void Statement::NoteBind(int rc) {
  if (bind_error_ == SQLITE_OK) bind_error_ = rc;
}

Statement& Statement::BindText(int index, std::string_view text) {
  NoteBind(
      sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
  return *this;
}

Statement& Statement::BindBlob(int index, std::string_view bytes) {
  // A zero-length blob, not NULL, for empty input (sqlite3 treats a null pointer as NULL).
  NoteBind(sqlite3_bind_blob64(stmt_, index, bytes.empty() ? "" : bytes.data(), bytes.size(),
                               SQLITE_TRANSIENT));
  return *this;
}

Statement& Statement::BindInt(int index, int64_t value) {
  NoteBind(sqlite3_bind_int64(stmt_, index, value));
  return *this;
}

Statement& Statement::BindNull(int index) {
  NoteBind(sqlite3_bind_null(stmt_, index));
  return *this;
}

Result<bool> Statement::Step() {
  if (bind_error_ != SQLITE_OK) return db_->Error(bind_error_);
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_->Error(rc);
}

Status Statement::Run() {
  while (true) {
    CUTOVER_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return Status::Ok();
  }
}

bool Statement::IsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

int64_t Statement::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string Statement::Text(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  int size = sqlite3_column_bytes(stmt_, column);
  return text ? std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(size))
              : std::string();
}

std::string Statement::Blob(int column) const {
  const void* bytes = sqlite3_column_blob(stmt_, column);
  int size = sqlite3_column_bytes(stmt_, column);
  return bytes ? std::string(static_cast<const char*>(bytes), static_cast<size_t>(size))
               : std::string();
}

// ---- SqliteDb ----

Result<std::unique_ptr<SqliteDb>> SqliteDb::Open(const std::filesystem::path& path, bool read_only,
                                                 std::chrono::milliseconds busy_timeout) {
  int flags = SQLITE_OPEN_NOMUTEX |
              (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  sqlite3* handle = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &handle, flags, nullptr);
  // sqlite3_open_v2 returns a handle even on failure; the wrapper owns and closes it.
  std::unique_ptr<SqliteDb> db(new SqliteDb(handle, path));
  if (handle == nullptr) return Status::ResourceExhausted("out of memory opening " + path.string());
  if (rc != SQLITE_OK) return db->Error(rc);
  sqlite3_extended_result_codes(handle, 1);
  sqlite3_busy_timeout(handle, static_cast<int>(busy_timeout.count()));
  return db;
}

SqliteDb::~SqliteDb() { sqlite3_close_v2(db_); }

Status SqliteDb::Exec(std::string_view sql) {
  std::string text(sql);
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr);
  return rc == SQLITE_OK ? Status::Ok() : Error(rc);
}

Result<Statement> SqliteDb::Prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) return Error(rc);
  return Statement(this, stmt);
}

int64_t SqliteDb::Changes() const { return sqlite3_changes64(db_); }

bool SqliteDb::InAutocommit() const { return sqlite3_get_autocommit(db_) != 0; }

Status SqliteDb::Error(int rc) const {
  // The connection's message describes the last failure; a bind error has none of its own.
  bool same = (sqlite3_extended_errcode(db_) & 0xff) == (rc & 0xff);
  std::string_view detail = same ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  if ((rc & 0xff) == SQLITE_FULL) {
    return SqliteStatus(rc, fmt::format("state store {}: {}; {}", path_.string(), detail,
                                        DiskFullFix(path_.parent_path())));
  }
  return SqliteStatus(rc, fmt::format("state store {}: {}", path_.string(), detail));
}

}  // namespace cutover::state
