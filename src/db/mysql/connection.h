// Connection: one client session to a MariaDB/MySQL server over libmariadb, with TLS, timeouts,
// utf8mb4, UTC session time and errors mapped to Status. Every MySQL-speaking part of cutover
// talks to the server through this class; no libmariadb type leaks out of it.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cutover/spec.h"
#include "cutover/status.h"

struct st_mysql;       // libmariadb's MYSQL
struct st_mysql_stmt;  // libmariadb's MYSQL_STMT

namespace cutover::mysql {

// One result row: a value per column, as the server's text; nullopt is SQL NULL.
using SqlRow = std::vector<std::optional<std::string>>;

struct QueryResult {
  std::vector<std::string> columns;  // column names (aliases), in select order
  std::vector<SqlRow> rows;
};

struct ConnectOptions {
  // Timeouts for one network read or write. A read that waits longer fails with Unavailable.
  std::chrono::seconds read_timeout{60};
  std::chrono::seconds write_timeout{60};
  // Allow LOAD DATA LOCAL INFILE from this client (the server must allow it too).
  bool local_infile = false;
  // Connect with the spec's `database` as the default schema. False: no default schema, so a
  // missing database does not fail the connection itself.
  bool use_database = true;
};

// Maps a MariaDB/MySQL error to a Status with retry guidance:
//   2002/2003/2005/2006/2013/2055, 1053 (server gone or unreachable)  -> Unavailable
//   1040 too many connections                                         -> ResourceExhausted
//   1045/1130 access denied                                           -> FailedPrecondition
//   1044/1142/1143/1227/1370 privileges                               -> FailedPrecondition
//   1213 deadlock, 1205 lock wait timeout                             -> Aborted
//   1049 unknown database, 1146 unknown table                         -> NotFound
//   otherwise by SQLSTATE class (08 Unavailable, 40 Aborted, 23 AlreadyExists, 22/42
//   InvalidArgument, else Internal).
// The message is "<context>: <server message> (MySQL error <code>)".
Status MapMysqlError(unsigned error_code, std::string_view sqlstate, std::string_view message,
                     std::string_view context);

// `name` as a MySQL identifier: in backticks, with backticks inside doubled.
std::string QuoteIdentifier(std::string_view name);
// `schema`.`table`
std::string QuoteQualified(std::string_view schema, std::string_view table);

// One column of a bulk execution: a value per row. Integers travel as 64-bit binary values;
// everything else as binary strings (the server converts them as LOAD DATA ... CHARACTER SET
// binary would: bytes stored as they are, numbers and dates parsed from their text).
struct BulkColumn {
  enum class Kind : uint8_t { kSigned, kUnsigned, kBytes };
  Kind kind = Kind::kBytes;
  std::vector<int64_t> integers;  // kSigned/kUnsigned (as the bit pattern): one per row
  std::string bytes;              // kBytes: the rows' values back to back
  std::vector<size_t> ends;       // kBytes: where each row's value ends in `bytes`
  std::vector<char> is_null;      // one per row: 1 for SQL NULL
  void Clear() {
    integers.clear();
    bytes.clear();
    ends.clear();
    is_null.clear();
  }
};

class Connection;

// A statement prepared once and executed for many rows per round trip with MariaDB's bulk
// execution (COM_STMT_BULK_EXECUTE): the server gets the values in binary and parses no row
// text. Belongs to one Connection and must not outlive it.
class BulkStatement {
 public:
  BulkStatement(const BulkStatement&) = delete;
  BulkStatement& operator=(const BulkStatement&) = delete;
  ~BulkStatement();
  // Executes the statement once for each of `rows` rows (columns[i] gives the i-th parameter).
  // Returns the affected rows.
  Result<uint64_t> Execute(std::span<const BulkColumn> columns, size_t rows);

 private:
  friend class Connection;
  BulkStatement(Connection* connection, st_mysql_stmt* stmt)
      : connection_(connection), stmt_(stmt) {}
  Status Error(std::string_view context) const;

  Connection* connection_;
  st_mysql_stmt* stmt_;  // owned
  // Per-execution scratch, kept to reuse its capacity.
  std::vector<std::vector<char*>> pointers_;
  std::vector<std::vector<unsigned long>> lengths_;
};

class Connection {
 public:
  // Connects to `spec`. Failure codes as MapMysqlError; additionally FailedPrecondition when the
  // TLS mode requires TLS and the server does not offer it, and InvalidArgument when verify_ca or
  // verify_full has no tls.ca_file. Messages name the user, host and port and, for a password,
  // only where it came from (`env X`), never its value.
  static Result<std::unique_ptr<Connection>> Open(const ConnectionSpec& spec,
                                                  const ConnectOptions& options = {});

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // Runs one statement that returns rows and reads them all into memory.
  Result<QueryResult> Query(std::string_view sql);
  // A result row seen by QueryEach: a view per column into the client's buffer, valid only
  // during the call; nullopt is SQL NULL.
  using RowView = std::span<const std::optional<std::string_view>>;
  // Runs one statement that returns rows and streams them to `on_row` as they arrive, without
  // copying any value (the full load reads its chunks this way). The first error `on_row`
  // returns stops the statement (the rest of the result is drained) and is returned.
  Status QueryEach(std::string_view sql, const std::function<Status(RowView)>& on_row);
  // Runs one statement; returns the number of affected rows.
  Result<uint64_t> Execute(std::string_view sql);

  // Produces the next piece of a LOAD DATA stream into *piece (replacing it); an empty piece
  // ends the stream. A failure aborts the statement and is returned as is.
  using PieceSource = std::function<Status(std::string* piece)>;
  // Runs one `LOAD DATA LOCAL INFILE` statement whose file content is taken piece by piece
  // from `next` (whatever file name the statement gives), so no file is ever written. Needs
  // ConnectOptions::local_infile. Returns the number of affected rows.
  Result<uint64_t> LoadDataLocal(std::string_view sql, const PieceSource& next);

  // True when the server executes one prepared statement for an array of rows (MariaDB 10.2+;
  // MySQL does not).
  bool SupportsBulk() const;
  // Prepares `sql` (with ? placeholders) for BulkStatement::Execute. Needs SupportsBulk().
  Result<std::unique_ptr<BulkStatement>> PrepareBulk(std::string_view sql);
  // Warnings of the last statement (0 when none): lets a caller skip SHOW WARNINGS.
  unsigned WarningCount() const;
  // `value` as a quoted SQL string literal, escaped for this connection's character set.
  std::string QuoteString(std::string_view value);
  // "'user'@'host'" for the session's account (CURRENT_USER()), as GRANT statements spell it;
  // "<user>@<host>" when the server does not say.
  std::string CurrentAccount();

  // "MariaDB" or "MySQL", from the server's version string.
  std::string ServerFlavor() const;
  // The server's version string, e.g. "10.11.6-MariaDB-0+deb12u1-log".
  std::string ServerVersion() const;
  // The TLS cipher in use, or empty when the session is not encrypted.
  std::string TlsCipher() const;
  // "user@host:port", for messages.
  const std::string& Describe() const { return description_; }
  // The libmariadb session, for the replication protocol of binlog_transport.cc only (it sends
  // COM_REGISTER_SLAVE / COM_BINLOG_DUMP and reads raw packets); nothing else may use it.
  st_mysql* native_handle() { return handle_; }

 private:
  Connection(st_mysql* handle, std::string description);
  Status LastError(std::string_view context) const;

  st_mysql* handle_;  // owned; closed by the destructor
  std::string description_;
};

}  // namespace cutover::mysql
