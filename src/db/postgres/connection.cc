// Connection: a libpq session with TLS, timeouts and SQLSTATE-mapped Status errors.
#include "db/postgres/connection.h"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <optional>

#include <fmt/format.h>
#include <libpq-fe.h>
#include <poll.h>

namespace cutover::postgres {
namespace {

// TCP keepalives on every session (BuildConnInfo): an idle or long-running session to a host
// that is gone (power loss, a dropped route: no FIN, no RST) is closed by the kernel after
// about idle + interval * count = 60 s; a server that is up answers the probes, however long
// its statement runs. tcp_user_timeout: data the peer has not acknowledged (or a window it
// kept shut) for 60 s closes the connection too, so a write to a dead peer cannot block for
// the kernel's default of about 15 minutes.
constexpr std::chrono::seconds kKeepaliveIdle{30};
constexpr std::chrono::seconds kKeepaliveInterval{10};
constexpr int kKeepaliveCount = 3;
constexpr std::chrono::milliseconds kTcpUserTimeout{60000};

struct ResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

// The error a statement's result holds (`result` null: the connection's), mapped by SQLSTATE.
Status ResultError(PGconn* handle, const PGresult* result, std::string_view description) {
  const char* sqlstate = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const char* message = result ? PQresultErrorMessage(result) : PQerrorMessage(handle);
  return MapPostgresError(sqlstate == nullptr ? "" : sqlstate, message, description);
}

bool Contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

StatusCode CodeForSqlState(std::string_view state) {
  if (state.empty()) return StatusCode::kUnavailable;  // no answer: the connection is gone
  std::string_view sql_class = state.substr(0, 2);
  if (state == "57P01" || state == "57P02" || state == "57P03") return StatusCode::kUnavailable;
  if (state == "57014") return StatusCode::kDeadlineExceeded;
  if (state == "3D000" || state == "42P01" || state == "42704") return StatusCode::kNotFound;
  if (state == "42501") return StatusCode::kFailedPrecondition;
  if (sql_class == "08") return StatusCode::kUnavailable;
  if (sql_class == "28" || sql_class == "55") return StatusCode::kFailedPrecondition;
  if (sql_class == "40") return StatusCode::kAborted;
  if (sql_class == "53") return StatusCode::kResourceExhausted;
  if (sql_class == "23") return StatusCode::kAlreadyExists;
  if (sql_class == "22" || sql_class == "42") return StatusCode::kInvalidArgument;
  return StatusCode::kInternal;
}

std::string_view SslMode(TlsSpec::Mode mode) {
  switch (mode) {
    case TlsSpec::Mode::kDisable: return "disable";
    case TlsSpec::Mode::kPrefer: return "prefer";
    case TlsSpec::Mode::kRequire: return "require";
    case TlsSpec::Mode::kVerifyCa: return "verify-ca";
    case TlsSpec::Mode::kVerifyFull: return "verify-full";
  }
  return "prefer";
}

// libpq's messages end with a newline and may span lines (with tabs); one line reads better
// in reports: runs of white space become one space.
std::string OneLine(std::string_view message) {
  std::string out;
  for (char c : message) {
    bool space = c == '\n' || c == '\t' || c == ' ';
    if (!space) {
      out += c;
    } else if (!out.empty() && out.back() != ' ') {
      out += ' ';
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// Server notices (e.g. "table does not exist, skipping") are not errors; drop them rather than
// letting libpq print them on stderr.
void IgnoreNotice(void* /*arg*/, const char* /*message*/) {}

int Port(const ConnectionSpec& spec) { return spec.port == 0 ? 5432 : spec.port; }

// A failed TLS handshake in libpq's words: "SSL error: certificate verify failed" for a chain
// that does not lead to sslrootcert, "server certificate for "x" does not match host name "y""
// for a certificate that does not name the host, other "SSL error: ..." for the rest. Not one
// when TLS was never tried ("server does not support SSL, but SSL was required").
std::optional<TlsFailure> TlsFailureOf(std::string_view message) {
  if (Contains(message, "does not match host name")) return TlsFailure::kHostMismatch;
  if (Contains(message, "certificate verify failed")) return TlsFailure::kUntrusted;
  if (Contains(message, "SSL error")) return TlsFailure::kOther;
  return std::nullopt;
}

// Waits (at most `timeout`) until the reply of the statement sent on `handle` is whole; false
// when it did not come in time. Unavailable when the connection failed meanwhile. A session
// with a read timeout is in nonblocking mode, so what is still unsent (a long statement) goes
// out here too, as the socket takes it.
Result<bool> AwaitReply(PGconn* handle, const std::string& description,
                        std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const int unsent = PQflush(handle);
    if (unsent < 0) return MapPostgresError("", PQerrorMessage(handle), description);
    if (unsent == 0 && !PQisBusy(handle)) return true;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd wait{PQsocket(handle), static_cast<short>(POLLIN | (unsent == 1 ? POLLOUT : 0)), 0};
    if (::poll(&wait, 1, static_cast<int>(left.count())) < 0 && errno != EINTR) {
      return Status::Unavailable(
          fmt::format("{}: waiting for the server: {}", description, std::strerror(errno)));
    }
    if (PQconsumeInput(handle) != 1)
      return MapPostgresError("", PQerrorMessage(handle), description);
  }
}

Status NoReply(const std::string& description, std::chrono::milliseconds timeout) {
  return Status::Unavailable(
      fmt::format("{}: no reply from the server within {} ms; the connection is taken as lost",
                  description, timeout.count()));
}

// Runs `sql`: with the simple query protocol (the only one a replication connection accepts;
// several statements may be sent at once, the last one's rows are returned) when there are no
// parameters, else with parameters in text format. With a `timeout`, the reply is awaited at
// most that long (*abandoned set when it did not come); without one, as long as it takes.
// `also_ok`: a result state accepted besides rows and command completion (PGRES_COPY_IN for a
// COPY ... FROM STDIN).
Result<ResultPtr> Exec(PGconn* handle, const std::string& description, std::string_view sql,
                       const Params& params, std::chrono::milliseconds timeout, bool* abandoned,
                       ExecStatusType also_ok = PGRES_COMMAND_OK) {
  if (*abandoned) {
    return Status::Unavailable(
        fmt::format("{}: the session was abandoned after a statement got no reply; open a new one",
                    description));
  }
  std::string statement(sql);
  std::vector<const char*> values;
  for (const auto& param : params) values.push_back(param ? param->c_str() : nullptr);
  ResultPtr result;
  if (timeout.count() == 0) {
    result.reset(params.empty()
                     ? PQexec(handle, statement.c_str())
                     : PQexecParams(handle, statement.c_str(), static_cast<int>(values.size()),
                                    nullptr, values.data(), nullptr, nullptr, 0));
  } else {
    const int sent = params.empty() ? PQsendQuery(handle, statement.c_str())
                                    : PQsendQueryParams(handle, statement.c_str(),
                                                        static_cast<int>(values.size()), nullptr,
                                                        values.data(), nullptr, nullptr, 0);
    if (sent != 1) return ResultError(handle, nullptr, description);
    // As PQexec: the last result, or the first error.
    while (true) {
      CUTOVER_ASSIGN_OR_RETURN(bool whole, AwaitReply(handle, description, timeout));
      if (!whole) {
        *abandoned = true;
        return NoReply(description, timeout);
      }
      PGresult* next = PQgetResult(handle);
      if (next == nullptr) break;
      const ExecStatusType next_state = PQresultStatus(next);
      const bool failed = result && PQresultStatus(result.get()) == PGRES_FATAL_ERROR;
      if (failed) {
        PQclear(next);
      } else {
        result.reset(next);
      }
      if (next_state == PGRES_COPY_IN || next_state == PGRES_COPY_OUT ||
          next_state == PGRES_COPY_BOTH) {
        break;
      }
    }
  }
  ExecStatusType state = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (state == PGRES_TUPLES_OK || state == PGRES_COMMAND_OK || state == also_ok) return result;
  return ResultError(handle, result.get(), description);
}

QueryResult ReadRows(const PGresult* result) {
  QueryResult out;
  int column_count = PQnfields(result);
  for (int column_idx = 0; column_idx < column_count; ++column_idx) {
    out.columns.emplace_back(PQfname(result, column_idx));
  }
  int row_count = PQntuples(result);
  for (int row_idx = 0; row_idx < row_count; ++row_idx) {
    SqlRow row;
    for (int column_idx = 0; column_idx < column_count; ++column_idx) {
      if (PQgetisnull(result, row_idx, column_idx)) {
        row.emplace_back(std::nullopt);
      } else {
        row.emplace_back(std::string(PQgetvalue(result, row_idx, column_idx),
                                     PQgetlength(result, row_idx, column_idx)));
      }
    }
    out.rows.push_back(std::move(row));
  }
  return out;
}

}  // namespace

Status MapPostgresError(std::string_view sqlstate, std::string_view message,
                        std::string_view context) {
  std::string state = sqlstate.empty() ? std::string("none") : std::string(sqlstate);
  std::string text = context.empty()
                         ? fmt::format("{} (SQLSTATE {})", OneLine(message), state)
                         : fmt::format("{}: {} (SQLSTATE {})", context, OneLine(message), state);
  return Status(CodeForSqlState(sqlstate), text);
}

Status MapConnectFailure(std::string_view message, std::string_view context) {
  std::string text = fmt::format("{}: {}", context, OneLine(message));
  if (Contains(message, "authentication failed") || Contains(message, "pg_hba.conf") ||
      Contains(message, "no password supplied") || Contains(message, "password is required") ||
      (Contains(message, "role \"") && Contains(message, "does not exist"))) {
    return Status::FailedPrecondition(text);
  }
  if (Contains(message, "database \"") && Contains(message, "does not exist")) {
    return Status::NotFound(text);
  }
  if (Contains(message, "too many clients") || Contains(message, "connection slots are reserved")) {
    return Status::ResourceExhausted(text);
  }
  return Status::Unavailable(text);
}

std::string QuoteIdentifier(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string QuoteLiteral(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  out += '\'';
  return out;
}

std::string QuoteQualified(std::string_view schema, std::string_view table) {
  return QuoteIdentifier(schema) + "." + QuoteIdentifier(table);
}

std::string ConnInfoValue(std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  out += '\'';
  return out;
}

std::string BuildConnInfo(const ConnectionSpec& spec, const ConnectOptions& options) {
  std::string database =
      options.database_override.empty() ? spec.database : options.database_override;
  std::string info = fmt::format(
      "host={} port={} dbname={} user={} sslmode={} connect_timeout={} application_name=cutover "
      "keepalives=1 keepalives_idle={} keepalives_interval={} keepalives_count={} "
      "tcp_user_timeout={}",
      ConnInfoValue(spec.host), Port(spec), ConnInfoValue(database), ConnInfoValue(spec.user),
      SslMode(spec.tls.mode), spec.connect_timeout.count(), kKeepaliveIdle.count(),
      kKeepaliveInterval.count(), kKeepaliveCount, kTcpUserTimeout.count());
  if (!spec.password.empty()) info += " password=" + ConnInfoValue(spec.password.value);
  if (!spec.tls.ca_file.empty()) info += " sslrootcert=" + ConnInfoValue(spec.tls.ca_file);
  if (!spec.tls.cert_file.empty()) info += " sslcert=" + ConnInfoValue(spec.tls.cert_file);
  if (!spec.tls.key_file.empty()) info += " sslkey=" + ConnInfoValue(spec.tls.key_file);
  if (options.replication) info += " replication=database";
  return info;
}

Result<std::unique_ptr<Connection>> Connection::Open(const ConnectionSpec& spec,
                                                     const ConnectOptions& options) {
  std::string database =
      options.database_override.empty() ? spec.database : options.database_override;
  std::string description = fmt::format("{}@{}:{}/{}", spec.user, spec.host, Port(spec), database);
  PGconn* handle = PQconnectdb(BuildConnInfo(spec, options).c_str());
  if (handle == nullptr) return Status::ResourceExhausted("libpq: out of memory");
  std::unique_ptr<Connection> connection(new Connection(handle, description));
  if (PQstatus(handle) == CONNECTION_OK) {
    PQsetNoticeProcessor(handle, IgnoreNotice, nullptr);
    connection->SetReadTimeout(options.read_timeout);
    return connection;
  }
  std::string context = fmt::format("cannot connect to {}:{} database '{}' as user '{}'", spec.host,
                                    Port(spec), database, spec.user);
  if (std::optional<TlsFailure> failure = TlsFailureOf(PQerrorMessage(handle))) {
    // A certificate a person must change never passes on a retry; another failure (a server
    // gone mid-handshake) may.
    return Status(
        *failure == TlsFailure::kOther ? StatusCode::kUnavailable : StatusCode::kFailedPrecondition,
        fmt::format(
            "{}: {}", context,
            TlsFailureText(spec.tls, spec.host, *failure, OneLine(PQerrorMessage(handle)))));
  }
  Status status = MapConnectFailure(PQerrorMessage(handle), context);
  if (status.code() != StatusCode::kFailedPrecondition) return status;
  std::string hint = spec.password.empty()
                         ? "no password was configured (password_env or password_file)"
                         : fmt::format("from {}", spec.password.origin);
  return Status(status.code(), fmt::format("{}; check the user name, the password ({}) and "
                                           "pg_hba.conf on the server",
                                           status.message(), hint));
}

Connection::Connection(pg_conn* handle, std::string description)
    : handle_(handle), description_(std::move(description)) {}

Connection::~Connection() { PQfinish(handle_); }

Result<QueryResult> Connection::Query(std::string_view sql, const Params& params) {
  CUTOVER_ASSIGN_OR_RETURN(ResultPtr result,
                           Exec(handle_, description_, sql, params, read_timeout_, &abandoned_));
  return ReadRows(result.get());
}

Result<size_t> Connection::QueryEach(std::string_view sql, const Params& params,
                                     const RowVisitor& visit) {
  CUTOVER_ASSIGN_OR_RETURN(ResultPtr result,
                           Exec(handle_, description_, sql, params, read_timeout_, &abandoned_));
  const PGresult* rows = result.get();
  const int column_count = PQnfields(rows);
  const int row_count = PQntuples(rows);
  std::vector<CellView> cells(static_cast<size_t>(column_count));
  for (int row_idx = 0; row_idx < row_count; ++row_idx) {
    for (int column_idx = 0; column_idx < column_count; ++column_idx) {
      CellView& cell = cells[static_cast<size_t>(column_idx)];
      if (PQgetisnull(rows, row_idx, column_idx)) {
        cell.reset();
      } else {
        cell.emplace(PQgetvalue(rows, row_idx, column_idx),
                     static_cast<size_t>(PQgetlength(rows, row_idx, column_idx)));
      }
    }
    CUTOVER_RETURN_IF_ERROR(visit(cells));
  }
  return static_cast<size_t>(row_count);
}

Result<uint64_t> Connection::Execute(std::string_view sql, const Params& params) {
  CUTOVER_ASSIGN_OR_RETURN(ResultPtr result,
                           Exec(handle_, description_, sql, params, read_timeout_, &abandoned_));
  std::string_view text = PQcmdTuples(result.get());
  uint64_t affected = 0;
  std::from_chars(text.data(), text.data() + text.size(), affected);
  return affected;
}

void Connection::SetReadTimeout(std::chrono::milliseconds timeout) {
  read_timeout_ = timeout;
  // With a timeout nothing may block in libpq: a statement or COPY data larger than the socket
  // buffers would wait in send() forever for a server that stopped reading.
  PQsetnonblocking(handle_, timeout.count() > 0 ? 1 : 0);
}

Result<uint64_t> Connection::CopyIn(std::string_view copy_sql, const PieceSource& next) {
  CUTOVER_ASSIGN_OR_RETURN(ResultPtr start, Exec(handle_, description_, copy_sql, {}, read_timeout_,
                                                 &abandoned_, PGRES_COPY_IN));
  if (PQresultStatus(start.get()) != PGRES_COPY_IN) {
    return Status::InvalidArgument("CopyIn needs a COPY ... FROM STDIN statement");
  }
  Status produced = SendCopyData(next);
  if (abandoned_) return produced;
  const char* abort_reason = produced.ok() ? nullptr : "cutover: the row source failed";
  Status ended = PutWithin([&] { return PQputCopyEnd(handle_, abort_reason); });
  if (abandoned_) return ended;
  if (!ended.ok() && produced.ok()) produced = ended;
  Result<uint64_t> finished = FinishCopy();
  if (!produced.ok()) return produced;
  return finished;
}

Status Connection::SendCopyData(const PieceSource& next) {
  std::string piece;
  while (true) {
    CUTOVER_RETURN_IF_ERROR(next(&piece));
    if (piece.empty()) return Status::Ok();
    CUTOVER_RETURN_IF_ERROR(PutWithin(
        [&] { return PQputCopyData(handle_, piece.data(), static_cast<int>(piece.size())); }));
  }
}

// Without a read timeout `put` blocks until libpq took the data, as libpq does. With one (the
// session is nonblocking) `put` queues the data and the queue is sent while the socket takes
// it: a socket that takes nothing for read_timeout_ (a server that stopped reading, or a link
// gone half-open) abandons the session.
Status Connection::PutWithin(const std::function<int()>& put) {
  while (true) {
    const int queued = put();
    if (queued < 0) return MapPostgresError("", PQerrorMessage(handle_), description_);
    CUTOVER_RETURN_IF_ERROR(FlushWithin());
    if (queued == 1) return Status::Ok();
  }
}

Status Connection::FlushWithin() {
  if (read_timeout_.count() == 0) return Status::Ok();  // blocking: libpq sent it already
  while (true) {
    const int unsent = PQflush(handle_);
    if (unsent < 0) return MapPostgresError("", PQerrorMessage(handle_), description_);
    if (unsent == 0) return Status::Ok();
    pollfd wait{PQsocket(handle_), POLLIN | POLLOUT, 0};
    const int ready = ::poll(&wait, 1, static_cast<int>(read_timeout_.count()));
    if (ready < 0 && errno != EINTR) {
      return Status::Unavailable(
          fmt::format("{}: sending to the server: {}", description_, std::strerror(errno)));
    }
    if (ready == 0) {
      abandoned_ = true;
      return Status::Unavailable(
          fmt::format("{}: the server took no data within {} ms; the connection is taken as lost",
                      description_, read_timeout_.count()));
    }
    // The server may have answered meanwhile (an error ends a COPY early): read it so that
    // libpq sees it.
    if ((wait.revents & POLLIN) != 0 && PQconsumeInput(handle_) != 1) {
      return MapPostgresError("", PQerrorMessage(handle_), description_);
    }
  }
}

// Reads the results that end a COPY: the command status, then nothing.
Result<uint64_t> Connection::FinishCopy() {
  Status status;
  uint64_t copied = 0;
  while (true) {
    if (read_timeout_.count() > 0) {
      CUTOVER_ASSIGN_OR_RETURN(bool whole, AwaitReply(handle_, description_, read_timeout_));
      if (!whole) {
        abandoned_ = true;
        return NoReply(description_, read_timeout_);
      }
    }
    PGresult* raw = PQgetResult(handle_);
    if (raw == nullptr) break;
    ResultPtr result(raw);
    if (PQresultStatus(raw) == PGRES_COMMAND_OK) {
      std::string_view text = PQcmdTuples(raw);
      std::from_chars(text.data(), text.data() + text.size(), copied);
    } else if (status.ok()) {
      status = ResultError(handle_, raw, description_);
    }
  }
  if (!status.ok()) return status;
  return copied;
}

Status Connection::StartCopyBoth(std::string_view statement) {
  ResultPtr start(PQexec(handle_, std::string(statement).c_str()));
  if (start && PQresultStatus(start.get()) == PGRES_COPY_BOTH) return Status::Ok();
  return ResultError(handle_, start.get(), description_);
}

Result<std::optional<std::string>> Connection::ReadCopyData(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    char* buffer = nullptr;
    const int size = PQgetCopyData(handle_, &buffer, /*async=*/1);
    if (size > 0) {
      std::string message(buffer, static_cast<size_t>(size));
      PQfreemem(buffer);
      return std::optional<std::string>(std::move(message));
    }
    if (size == -2) return MapPostgresError("", PQerrorMessage(handle_), description_);
    if (size == -1) {  // the stream ended: the server's reason is in the result that follows
      Status status =
          Status::Unavailable(fmt::format("{}: the replication stream ended", description_));
      while (PGresult* raw = PQgetResult(handle_)) {
        ResultPtr result(raw);
        if (PQresultStatus(raw) == PGRES_FATAL_ERROR) {
          status = ResultError(handle_, raw, description_);
        }
      }
      return status;
    }
    // Nothing whole yet: wait for the socket until the deadline.
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::optional<std::string>();
    pollfd wait{PQsocket(handle_), POLLIN, 0};
    if (::poll(&wait, 1, static_cast<int>(left.count())) < 0 && errno != EINTR) {
      return Status::Unavailable(fmt::format("{}: waiting for the replication stream: {}",
                                             description_, std::strerror(errno)));
    }
    if (PQconsumeInput(handle_) != 1) {
      return MapPostgresError("", PQerrorMessage(handle_), description_);
    }
  }
}

bool Connection::IdleAndOpen() const {
  if (abandoned_ || PQstatus(handle_) != CONNECTION_OK ||
      PQtransactionStatus(handle_) != PQTRANS_IDLE) {
    return false;
  }
  pollfd unread{PQsocket(handle_), POLLIN, 0};
  return ::poll(&unread, 1, 0) == 0;
}

Status Connection::WriteCopyData(std::string_view bytes) {
  if (PQputCopyData(handle_, bytes.data(), static_cast<int>(bytes.size())) != 1 ||
      PQflush(handle_) != 0) {
    return MapPostgresError("", PQerrorMessage(handle_), description_);
  }
  return Status::Ok();
}

int Connection::BackendPid() const { return PQbackendPID(handle_); }

int Connection::ServerVersionNumber() const { return PQserverVersion(handle_); }

bool Connection::UsesTls() const { return PQsslInUse(handle_) == 1; }

}  // namespace cutover::postgres
