// Connection: a libmariadb session with TLS, timeouts, utf8mb4, UTC and Status errors.
#include "db/mysql/connection.h"

#include <algorithm>
#include <cstring>
#include <mutex>

#include <errmsg.h>
#include <fmt/format.h>
#include <mysql.h>
#include <mysqld_error.h>

namespace cutover::mysql {
namespace {

// libmariadb's global initialisation is not thread-safe; do it once before any mysql_init.
void InitLibraryOnce() {
  static std::once_flag once;
  std::call_once(once, [] { mysql_library_init(0, nullptr, nullptr); });
}

bool IsOneOf(unsigned code, std::initializer_list<unsigned> codes) {
  for (unsigned candidate : codes) {
    if (candidate == code) return true;
  }
  return false;
}

StatusCode CodeForError(unsigned code, std::string_view sqlstate) {
  // CR_SSL_CONNECTION_ERROR on a connection that is up is its TLS layer reading the connection's
  // end ("TLS/SSL error: unexpected eof while reading"): lost as CR_SERVER_LOST is in plain text.
  // (A failed handshake at connect is told apart by ConnectError: a certificate a person must fix
  // is FailedPrecondition there.)
  if (IsOneOf(code, {CR_CONNECTION_ERROR, CR_CONN_HOST_ERROR, CR_UNKNOWN_HOST, CR_SERVER_GONE_ERROR,
                     CR_SERVER_LOST, CR_SERVER_LOST_EXTENDED, ER_SERVER_SHUTDOWN,
                     ER_CONNECTION_KILLED, CR_SSL_CONNECTION_ERROR})) {
    return StatusCode::kUnavailable;
  }
  if (code == ER_CON_COUNT_ERROR) return StatusCode::kResourceExhausted;
  if (IsOneOf(code, {ER_ACCESS_DENIED_ERROR, ER_HOST_NOT_PRIVILEGED, ER_DBACCESS_DENIED_ERROR,
                     ER_TABLEACCESS_DENIED_ERROR, ER_COLUMNACCESS_DENIED_ERROR,
                     ER_SPECIFIC_ACCESS_DENIED_ERROR, ER_PROCACCESS_DENIED_ERROR})) {
    return StatusCode::kFailedPrecondition;
  }
  if (code == ER_LOCK_DEADLOCK || code == ER_LOCK_WAIT_TIMEOUT) return StatusCode::kAborted;
  if (code == ER_BAD_DB_ERROR || code == ER_NO_SUCH_TABLE) return StatusCode::kNotFound;
  std::string_view sql_class = sqlstate.substr(0, 2);
  if (sql_class == "08") return StatusCode::kUnavailable;
  if (sql_class == "40") return StatusCode::kAborted;
  if (sql_class == "23") return StatusCode::kAlreadyExists;
  if (sql_class == "22" || sql_class == "42") return StatusCode::kInvalidArgument;
  return StatusCode::kInternal;
}

std::string DescribeSpec(const ConnectionSpec& spec) {
  return fmt::format("{}@{}:{}", spec.user, spec.host, spec.port == 0 ? 3306 : spec.port);
}

Status SetOption(MYSQL* handle, mysql_option option, const void* value, std::string_view name) {
  if (mysql_options(handle, option, value) == 0) return Status::Ok();
  return Status::Internal(fmt::format("libmariadb rejected option {}", name));
}

Status SetTimeouts(MYSQL* handle, const ConnectionSpec& spec, const ConnectOptions& options) {
  unsigned connect = static_cast<unsigned>(spec.connect_timeout.count());
  unsigned read = static_cast<unsigned>(options.read_timeout.count());
  unsigned write = static_cast<unsigned>(options.write_timeout.count());
  CUTOVER_RETURN_IF_ERROR(
      SetOption(handle, MYSQL_OPT_CONNECT_TIMEOUT, &connect, "connect timeout"));
  CUTOVER_RETURN_IF_ERROR(SetOption(handle, MYSQL_OPT_READ_TIMEOUT, &read, "read timeout"));
  return SetOption(handle, MYSQL_OPT_WRITE_TIMEOUT, &write, "write timeout");
}

// disable: no TLS. prefer: TLS when the server offers it. require: TLS, certificate unchecked.
// verify_ca: TLS with the certificate chain checked against ca_file. verify_full: also the host
// name. libmariadb 3.3 falls back to plain text for prefer and require alike when the server
// has no TLS, so Open() checks the cipher afterwards for require and stricter and refuses the
// session; verify_ca and verify_full fail before the login. Caveat of that library: after such
// a fallback it still counts the session as secure, so caching_sha2_password's full
// authentication (MySQL 8 with TLS switched off) would send the password unencrypted;
// mysql_native_password and ed25519 are challenge-response and never send it.
Status SetTls(MYSQL* handle, const TlsSpec& tls) {
  using Mode = TlsSpec::Mode;
  my_bool use_tls = tls.mode == Mode::kDisable ? 0 : 1;
  CUTOVER_RETURN_IF_ERROR(SetOption(handle, MYSQL_OPT_SSL_ENFORCE, &use_tls, "TLS"));
  if (tls.mode == Mode::kDisable) return Status::Ok();
  bool verify = tls.mode == Mode::kVerifyCa || tls.mode == Mode::kVerifyFull;
  if (verify && tls.ca_file.empty()) {
    return Status::InvalidArgument(
        fmt::format("{0}.mode {1} needs {0}.ca_file, the CA bundle that signed the server "
                    "certificate",
                    tls.field, TlsModeName(tls.mode)));
  }
  if (verify) {
    CUTOVER_RETURN_IF_ERROR(
        SetOption(handle, MYSQL_OPT_SSL_CA, tls.ca_file.c_str(), "tls.ca_file"));
  }
  if (!tls.cert_file.empty()) {
    CUTOVER_RETURN_IF_ERROR(
        SetOption(handle, MYSQL_OPT_SSL_CERT, tls.cert_file.c_str(), "tls.cert_file"));
  }
  if (!tls.key_file.empty()) {
    CUTOVER_RETURN_IF_ERROR(
        SetOption(handle, MYSQL_OPT_SSL_KEY, tls.key_file.c_str(), "tls.key_file"));
  }
  my_bool verify_host = tls.mode == Mode::kVerifyFull ? 1 : 0;
  return SetOption(handle, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &verify_host, "TLS host check");
}

Status Configure(MYSQL* handle, const ConnectionSpec& spec, const ConnectOptions& options) {
  CUTOVER_RETURN_IF_ERROR(SetTimeouts(handle, spec, options));
  CUTOVER_RETURN_IF_ERROR(SetTls(handle, spec.tls));
  CUTOVER_RETURN_IF_ERROR(SetOption(handle, MYSQL_SET_CHARSET_NAME, "utf8mb4", "charset"));
  CUTOVER_RETURN_IF_ERROR(
      SetOption(handle, MYSQL_INIT_COMMAND, "SET time_zone = '+00:00'", "init command"));
  unsigned local_infile = options.local_infile ? 1 : 0;
  return SetOption(handle, MYSQL_OPT_LOCAL_INFILE, &local_infile, "local infile");
}

// A failed TLS handshake (error 2026) as the spec field, the cause and the fix. libmariadb 3.3
// words a chain that does not lead to ca_file as OpenSSL does ("self-signed certificate in
// certificate chain", "unable to get local issuer certificate") and a certificate that does not
// name the host as "Validation of SSL server certificate failed".
Status TlsError(MYSQL* handle, const ConnectionSpec& spec) {
  std::string_view message = mysql_error(handle);
  auto says = [&](std::string_view part) { return message.find(part) != std::string_view::npos; };
  TlsFailure failure = TlsFailure::kOther;
  if (says("Validation of SSL server certificate failed")) {
    failure = TlsFailure::kHostMismatch;
  } else if (says("certificate chain") || says("issuer certificate") ||
             says("self-signed certificate") || says("self signed certificate") ||
             says("certificate verify failed")) {
    failure = TlsFailure::kUntrusted;
  }
  std::string detail = fmt::format("{} (MySQL error {})", message, mysql_errno(handle));
  // A certificate a person must change never passes on a retry; another failure may.
  return Status(
      failure == TlsFailure::kOther ? StatusCode::kUnavailable : StatusCode::kFailedPrecondition,
      fmt::format("cannot connect to {}:{} as user '{}': {}", spec.host,
                  spec.port == 0 ? 3306 : spec.port, spec.user,
                  TlsFailureText(spec.tls, spec.host, failure, detail)));
}

// The connect failure, with what a person needs to fix it when it is about the login.
Status ConnectError(MYSQL* handle, const ConnectionSpec& spec) {
  unsigned code = mysql_errno(handle);
  if (code == CR_SSL_CONNECTION_ERROR) return TlsError(handle, spec);
  std::string context = fmt::format("cannot connect to {}:{} as user '{}'", spec.host,
                                    spec.port == 0 ? 3306 : spec.port, spec.user);
  Status status = MapMysqlError(code, mysql_sqlstate(handle), mysql_error(handle), context);
  if (code != ER_ACCESS_DENIED_ERROR) return status;
  std::string hint = spec.password.empty()
                         ? "no password was configured (password_env or password_file)"
                         : fmt::format("from {}", spec.password.origin);
  return Status(status.code(),
                fmt::format("{}; check the user name, the password ({}) and the hosts the account "
                            "may connect from",
                            status.message(), hint));
}

}  // namespace

Status MapMysqlError(unsigned error_code, std::string_view sqlstate, std::string_view message,
                     std::string_view context) {
  std::string text = context.empty()
                         ? fmt::format("{} (MySQL error {})", message, error_code)
                         : fmt::format("{}: {} (MySQL error {})", context, message, error_code);
  return Status(CodeForError(error_code, sqlstate), text);
}

std::string QuoteIdentifier(std::string_view name) {
  std::string out = "`";
  for (char c : name) {
    if (c == '`') out += '`';
    out += c;
  }
  out += '`';
  return out;
}

std::string QuoteQualified(std::string_view schema, std::string_view table) {
  return QuoteIdentifier(schema) + "." + QuoteIdentifier(table);
}

Result<std::unique_ptr<Connection>> Connection::Open(const ConnectionSpec& spec,
                                                     const ConnectOptions& options) {
  InitLibraryOnce();
  MYSQL* handle = mysql_init(nullptr);
  if (handle == nullptr) return Status::ResourceExhausted("libmariadb: out of memory");
  std::unique_ptr<Connection> connection(new Connection(handle, DescribeSpec(spec)));
  Status configured = Configure(handle, spec, options);
  if (!configured.ok()) return configured;
  const char* database =
      options.use_database && !spec.database.empty() ? spec.database.c_str() : nullptr;
  const char* password = spec.password.empty() ? nullptr : spec.password.value.c_str();
  if (mysql_real_connect(handle, spec.host.c_str(), spec.user.c_str(), password, database,
                         static_cast<unsigned>(spec.port == 0 ? 3306 : spec.port), nullptr,
                         0) == nullptr) {
    return ConnectError(handle, spec);
  }
  bool needs_tls =
      spec.tls.mode != TlsSpec::Mode::kDisable && spec.tls.mode != TlsSpec::Mode::kPrefer;
  if (needs_tls && connection->TlsCipher().empty()) {
    return Status::FailedPrecondition(
        fmt::format("{0}: {1}.mode is {2} but the server does not offer TLS; configure ssl_cert "
                    "and ssl_key on the server or lower {1}.mode",
                    connection->Describe(), spec.tls.field, TlsModeName(spec.tls.mode)));
  }
  return connection;
}

Connection::Connection(st_mysql* handle, std::string description)
    : handle_(handle), description_(std::move(description)) {}

Connection::~Connection() { mysql_close(handle_); }

Status Connection::LastError(std::string_view context) const {
  return MapMysqlError(mysql_errno(handle_), mysql_sqlstate(handle_), mysql_error(handle_),
                       context);
}

Result<QueryResult> Connection::Query(std::string_view sql) {
  if (mysql_real_query(handle_, sql.data(), sql.size()) != 0) return LastError(description_);
  MYSQL_RES* result = mysql_store_result(handle_);
  QueryResult out;
  if (result == nullptr) {
    if (mysql_field_count(handle_) != 0) return LastError(description_);
    return out;
  }
  unsigned field_count = mysql_num_fields(result);
  MYSQL_FIELD* fields = mysql_fetch_fields(result);
  for (unsigned field_idx = 0; field_idx < field_count; ++field_idx) {
    out.columns.emplace_back(fields[field_idx].name);
  }
  while (MYSQL_ROW row = mysql_fetch_row(result)) {
    unsigned long* lengths = mysql_fetch_lengths(result);
    SqlRow values;
    values.reserve(field_count);
    for (unsigned field_idx = 0; field_idx < field_count; ++field_idx) {
      if (row[field_idx] == nullptr) {
        values.emplace_back(std::nullopt);
      } else {
        values.emplace_back(std::string(row[field_idx], lengths[field_idx]));
      }
    }
    out.rows.push_back(std::move(values));
  }
  mysql_free_result(result);
  return out;
}

Status Connection::QueryEach(std::string_view sql, const std::function<Status(RowView)>& on_row) {
  if (mysql_real_query(handle_, sql.data(), sql.size()) != 0) return LastError(description_);
  MYSQL_RES* result = mysql_use_result(handle_);
  if (result == nullptr) {
    if (mysql_field_count(handle_) != 0) return LastError(description_);
    return Status::Ok();
  }
  unsigned field_count = mysql_num_fields(result);
  std::vector<std::optional<std::string_view>> cells(field_count);
  Status status;
  while (MYSQL_ROW row = mysql_fetch_row(result)) {
    if (!status.ok()) continue;  // drain: the connection stays usable
    unsigned long* lengths = mysql_fetch_lengths(result);
    for (unsigned field_idx = 0; field_idx < field_count; ++field_idx) {
      if (row[field_idx] == nullptr) {
        cells[field_idx].reset();
      } else {
        cells[field_idx].emplace(row[field_idx], lengths[field_idx]);
      }
    }
    status = on_row(RowView(cells));
  }
  // mysql_fetch_row() returns NULL at the end and on a read error; only the error sets errno.
  Status fetch_status = mysql_errno(handle_) != 0 ? LastError(description_) : Status::Ok();
  mysql_free_result(result);
  if (!fetch_status.ok()) return fetch_status;
  return status;
}

Result<uint64_t> Connection::Execute(std::string_view sql) {
  if (mysql_real_query(handle_, sql.data(), sql.size()) != 0) return LastError(description_);
  // A statement that unexpectedly returns rows: drain them so the session stays usable.
  if (MYSQL_RES* result = mysql_store_result(handle_)) {
    mysql_free_result(result);
    return uint64_t{0};
  }
  if (mysql_field_count(handle_) != 0) return LastError(description_);
  return static_cast<uint64_t>(mysql_affected_rows(handle_));
}

namespace {

// What the local-infile callbacks of one LoadDataLocal call share: the producer, the piece
// being sent and the first failure.
struct LocalInfileState {
  const Connection::PieceSource* next = nullptr;
  std::string piece;
  size_t sent = 0;  // bytes of `piece` already handed to libmariadb
  Status status;
};

int LocalInfileInit(void** ptr, const char* /*filename*/, void* userdata) {
  *ptr = userdata;
  return 0;
}

int LocalInfileRead(void* ptr, char* buffer, unsigned int length) {
  auto* state = static_cast<LocalInfileState*>(ptr);
  while (state->sent == state->piece.size()) {
    state->status = (*state->next)(&state->piece);
    state->sent = 0;
    if (!state->status.ok()) return -1;
    if (state->piece.empty()) return 0;
  }
  size_t count = std::min<size_t>(length, state->piece.size() - state->sent);
  std::memcpy(buffer, state->piece.data() + state->sent, count);
  state->sent += count;
  return static_cast<int>(count);
}

void LocalInfileEnd(void* /*ptr*/) {}

int LocalInfileError(void* ptr, char* message, unsigned int length) {
  auto* state = static_cast<LocalInfileState*>(ptr);
  std::string text = state->status.ToString();
  if (length > 0) {
    size_t count = std::min<size_t>(length - 1, text.size());
    std::memcpy(message, text.data(), count);
    message[count] = '\0';
  }
  return CR_UNKNOWN_ERROR;
}

}  // namespace

Result<uint64_t> Connection::LoadDataLocal(std::string_view sql, const PieceSource& next) {
  LocalInfileState state;
  state.next = &next;
  mysql_set_local_infile_handler(handle_, LocalInfileInit, LocalInfileRead, LocalInfileEnd,
                                 LocalInfileError, &state);
  Result<uint64_t> affected = Execute(sql);
  mysql_set_local_infile_default(handle_);
  if (!state.status.ok()) return state.status;
  return affected;
}

std::string Connection::QuoteString(std::string_view value) {
  std::string escaped(value.size() * 2 + 1, '\0');
  unsigned long length = mysql_real_escape_string(handle_, escaped.data(), value.data(),
                                                  static_cast<unsigned long>(value.size()));
  escaped.resize(length);
  return "'" + escaped + "'";
}

std::string Connection::CurrentAccount() {
  auto result = Query("SELECT CURRENT_USER()");
  if (!result.ok() || result->rows.empty() || !result->rows[0][0]) return "<user>@<host>";
  const std::string& account = *result->rows[0][0];
  size_t at = account.rfind('@');
  if (at == std::string::npos) return QuoteString(account);
  return QuoteString(account.substr(0, at)) + "@" + QuoteString(account.substr(at + 1));
}

bool Connection::SupportsBulk() const {
  unsigned long capabilities = 0;  // NOLINT(runtime/int): libmariadb's type
  if (mariadb_get_infov(handle_, MARIADB_CONNECTION_EXTENDED_SERVER_CAPABILITIES, &capabilities) !=
      0) {
    return false;
  }
  return (capabilities & (MARIADB_CLIENT_STMT_BULK_OPERATIONS >> 32)) != 0;
}

unsigned Connection::WarningCount() const { return mysql_warning_count(handle_); }

Result<std::unique_ptr<BulkStatement>> Connection::PrepareBulk(std::string_view sql) {
  if (!SupportsBulk()) {
    return Status::FailedPrecondition(description_ + " does not support bulk execution");
  }
  MYSQL_STMT* stmt = mysql_stmt_init(handle_);
  if (stmt == nullptr) return Status::ResourceExhausted(description_ + ": out of memory");
  std::unique_ptr<BulkStatement> statement(new BulkStatement(this, stmt));
  if (mysql_stmt_prepare(stmt, sql.data(), sql.size()) != 0) {
    return statement->Error("preparing a bulk statement");
  }
  return statement;
}

BulkStatement::~BulkStatement() { mysql_stmt_close(stmt_); }

Status BulkStatement::Error(std::string_view context) const {
  return MapMysqlError(mysql_stmt_errno(stmt_), mysql_stmt_sqlstate(stmt_), mysql_stmt_error(stmt_),
                       fmt::format("{}: {}", connection_->Describe(), context));
}

Result<uint64_t> BulkStatement::Execute(std::span<const BulkColumn> columns, size_t rows) {
  if (rows == 0) return uint64_t{0};
  if (columns.size() != mysql_stmt_param_count(stmt_)) {
    return Status::Internal(fmt::format("bulk statement has {} parameters, {} columns given",
                                        mysql_stmt_param_count(stmt_), columns.size()));
  }
  std::vector<MYSQL_BIND> binds(columns.size());
  pointers_.resize(columns.size());
  lengths_.resize(columns.size());
  for (size_t col = 0; col < columns.size(); ++col) {
    const BulkColumn& column = columns[col];
    MYSQL_BIND& bind = binds[col];
    std::memset(&bind, 0, sizeof bind);
    if (column.is_null.size() != rows)
      return Status::Internal("bulk column without a NULL mark per row");
    // STMT_INDICATOR_NULL is 1 and STMT_INDICATOR_NONE 0: the marks are the indicator array.
    bind.u.indicator = const_cast<char*>(column.is_null.data());
    if (column.kind != BulkColumn::Kind::kBytes) {
      if (column.integers.size() != rows)
        return Status::Internal("bulk column without a value per row");
      bind.buffer_type = MYSQL_TYPE_LONGLONG;
      bind.is_unsigned = column.kind == BulkColumn::Kind::kUnsigned;
      bind.buffer = const_cast<int64_t*>(column.integers.data());
      continue;
    }
    if (column.ends.size() != rows) return Status::Internal("bulk column without a value per row");
    // BLOB-typed parameters are binary strings: the server does not convert them from the
    // connection's character set.
    bind.buffer_type = MYSQL_TYPE_BLOB;
    std::vector<char*>& pointers = pointers_[col];
    std::vector<unsigned long>& lengths = lengths_[col];  // NOLINT(runtime/int)
    pointers.resize(rows);
    lengths.resize(rows);
    size_t start = 0;
    for (size_t row = 0; row < rows; ++row) {
      pointers[row] = const_cast<char*>(column.bytes.data()) + start;
      lengths[row] = column.ends[row] - start;
      start = column.ends[row];
    }
    bind.buffer = pointers.data();
    bind.length = lengths.data();
  }
  auto array_size = static_cast<unsigned int>(rows);
  if (mysql_stmt_attr_set(stmt_, STMT_ATTR_ARRAY_SIZE, &array_size) != 0 ||
      mysql_stmt_bind_param(stmt_, binds.data()) != 0) {
    return Error("binding a bulk statement");
  }
  if (mysql_stmt_execute(stmt_) != 0) return Error("bulk execution");
  return static_cast<uint64_t>(mysql_stmt_affected_rows(stmt_));
}

std::string Connection::ServerFlavor() const {
  std::string version = ServerVersion();
  return version.find("MariaDB") != std::string::npos ? "MariaDB" : "MySQL";
}

std::string Connection::ServerVersion() const {
  const char* version = mysql_get_server_info(handle_);
  return version == nullptr ? std::string() : std::string(version);
}

std::string Connection::TlsCipher() const {
  const char* cipher = mysql_get_ssl_cipher(handle_);
  return cipher == nullptr ? std::string() : std::string(cipher);
}

}  // namespace cutover::mysql
