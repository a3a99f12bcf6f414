// Connection: one client session to a PostgreSQL server over libpq, with TLS, timeouts and
// errors mapped to Status by SQLSTATE. Every PostgreSQL-speaking part of cutover talks to the
// server through this class; no libpq type leaks out of it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cutover/spec.h"
#include "cutover/status.h"

struct pg_conn;  // libpq's PGconn

namespace cutover::postgres {

// One result row: a value per column in PostgreSQL's text format; nullopt is SQL NULL.
using SqlRow = std::vector<std::optional<std::string>>;
// Statement parameters ($1, $2, ...) in text format; nullopt is SQL NULL.
using Params = std::vector<std::optional<std::string>>;

// One result cell seen in place: a view into the result's memory, valid only during the visit
// (QueryEach); nullopt is SQL NULL.
using CellView = std::optional<std::string_view>;

struct QueryResult {
  std::vector<std::string> columns;  // column names, in select order
  std::vector<SqlRow> rows;
};

struct ConnectOptions {
  // Connect to this database instead of the spec's (e.g. "postgres" to look around when the
  // spec's database does not exist). Empty: the spec's.
  std::string database_override;
  // Open a logical replication connection (replication=database).
  bool replication = false;
  // How long Query, QueryEach, Execute and CopyIn wait for the server's reply, and CopyIn (or a
  // long statement) for the socket to take more data: 0 (the default) as long as it takes, as
  // libpq does. Past it the statement is abandoned with Unavailable ("no reply ... within",
  // "the server took no data within") and the session with it: every later statement fails at
  // once, the caller opens a new one. This is how a server that vanished without closing the
  // connection (half-open: no FIN, no RST, as behind a dead NAT or firewall) is noticed; TCP
  // keepalives do not help while a middlebox still answers for it.
  std::chrono::milliseconds read_timeout{0};
};

// Maps a SQLSTATE to a Status with retry guidance, by class:
//   08 connection, 57P01-57P03 shutdown/starting  -> Unavailable
//   28 invalid authorization, 42501 privilege, 55 object state -> FailedPrecondition
//   40 transaction rollback (deadlock, serialization)          -> Aborted
//   53 insufficient resources                                  -> ResourceExhausted
//   57014 statement timeout / cancel                           -> DeadlineExceeded
//   3D000 unknown database, 42P01 unknown table, 42704         -> NotFound
//   23 integrity -> AlreadyExists; 22, 42 -> InvalidArgument; empty (lost connection)
//   -> Unavailable; else Internal.
// The message is "<context>: <server message> (SQLSTATE <state>)".
Status MapPostgresError(std::string_view sqlstate, std::string_view message,
                        std::string_view context);

// libpq reports no SQLSTATE for a failed connection attempt; this classifies its message:
// authentication or a missing role -> FailedPrecondition, a missing database -> NotFound, too
// many clients -> ResourceExhausted, anything else (refused, timeout, unknown host) ->
// Unavailable.
Status MapConnectFailure(std::string_view message, std::string_view context);

// `name` as a PostgreSQL identifier: in double quotes, with double quotes inside doubled.
std::string QuoteIdentifier(std::string_view name);
// `text` as a string literal: quotes doubled (standard_conforming_strings, on since 9.1).
std::string QuoteLiteral(std::string_view text);
// "schema"."table"
std::string QuoteQualified(std::string_view schema, std::string_view table);
// `value` as one conninfo value: single-quoted, with backslashes and quotes escaped.
std::string ConnInfoValue(std::string_view value);

// The libpq conninfo string for `spec`: host, port, dbname, user, password, sslmode (from the
// TLS mode), sslrootcert, sslcert, sslkey, connect_timeout, application_name=cutover, and TCP
// keepalives (30 s idle, 10 s apart, 3 unanswered end the connection) with tcp_user_timeout
// 60 s, so a session to a host that vanished ends within about a minute. It holds the
// password: never log or print it.
std::string BuildConnInfo(const ConnectionSpec& spec, const ConnectOptions& options = {});

class Connection {
 public:
  // Connects to `spec`; failures as MapConnectFailure, naming user, host, port and database,
  // and for a password only where it came from.
  static Result<std::unique_ptr<Connection>> Open(const ConnectionSpec& spec,
                                                  const ConnectOptions& options = {});

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // Runs one statement that returns rows (text format) and reads them all into memory.
  Result<QueryResult> Query(std::string_view sql, const Params& params = {});
  // Runs one statement that returns rows (text format) and hands each row to `visit` in result
  // order, its cells seen in place in libpq's result (no copy of any value); the first error
  // `visit` returns stops the visit and is returned. Returns the number of rows visited.
  using RowVisitor = std::function<Status(std::span<const CellView> cells)>;
  Result<size_t> QueryEach(std::string_view sql, const Params& params, const RowVisitor& visit);
  // Runs a statement; returns the number of affected rows (0 for utility statements). Without
  // parameters `sql` may hold several statements separated by semicolons.
  Result<uint64_t> Execute(std::string_view sql, const Params& params = {});

  // Produces the next piece of a COPY stream into *piece (replacing it); an empty piece ends
  // the stream. A failure aborts the COPY and is returned as is.
  using PieceSource = std::function<Status(std::string* piece)>;
  // Runs `COPY ... FROM STDIN` with the data taken piece by piece from `next`, so no whole
  // file is ever built. Returns the number of rows copied. With a read timeout, a server that
  // takes no data or sends no reply for that long abandons the session (Unavailable).
  Result<uint64_t> CopyIn(std::string_view copy_sql, const PieceSource& next);

  // A replication connection's START_REPLICATION (COPY BOTH): starts the stream; then
  // ReadCopyData gives the server's messages and WriteCopyData sends the client's.
  Status StartCopyBoth(std::string_view statement);
  // The next message of the stream, waiting up to `timeout` (nullopt when none came); an error
  // when the stream ended or the connection failed.
  Result<std::optional<std::string>> ReadCopyData(std::chrono::milliseconds timeout);
  Status WriteCopyData(std::string_view bytes);

  // Changes ConnectOptions::read_timeout for the statements from now on (0: wait as long as it
  // takes, e.g. for an index build that may run for hours).
  void SetReadTimeout(std::chrono::milliseconds timeout);

  // True when the session is open, not abandoned, outside any transaction and has nothing
  // unread from the server (a session idle between statements is sent nothing, so anything
  // there, such as the message of a server that ended the session, means it is not fit for
  // reuse). Never waits.
  bool IdleAndOpen() const;

  // The process id of the server's backend (or walsender) serving this session.
  int BackendPid() const;
  // The server version as a number, e.g. 150004 for 15.4.
  int ServerVersionNumber() const;
  // True when the session is encrypted with TLS.
  bool UsesTls() const;
  // "user@host:port/database", for messages.
  const std::string& Describe() const { return description_; }

 private:
  Connection(pg_conn* handle, std::string description);
  Status SendCopyData(const PieceSource& next);
  Status PutWithin(const std::function<int()>& put);
  Status FlushWithin();
  Result<uint64_t> FinishCopy();

  pg_conn* handle_;  // owned; closed by the destructor
  std::string description_;
  std::chrono::milliseconds read_timeout_{0};  // ConnectOptions::read_timeout
  bool abandoned_ = false;  // a statement's reply did not come within read_timeout_
};

}  // namespace cutover::postgres
