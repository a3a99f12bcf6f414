// BinlogTransport: replica registration, checksum/heartbeat negotiation, COM_BINLOG_DUMP (and
// MySQL's COM_BINLOG_DUMP_GTID) and
// raw event packets over a libmariadb session.
#include "source/mysql/binlog_transport.h"

#include <algorithm>
#include <array>

#include <fmt/format.h>
#include <mysql.h>
#include <mysqld_error.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/parse_number.h"
#include "source/mysql/snapshot_position.h"

namespace cutover::mysql {
namespace {

// MariaDB's replica capability "understands GTID events" (MARIA_SLAVE_CAPABILITY_GTID): without
// it the source rewrites GTID events into BEGIN queries and positions lose their GTIDs.
constexpr int kMariaCapabilityGtid = 4;
constexpr uint8_t kEofMarker = 0xFE;

void PutU16(std::string* out, uint32_t value) {
  out->push_back(static_cast<char>(value & 0xFF));
  out->push_back(static_cast<char>((value >> 8) & 0xFF));
}

void PutU32(std::string* out, uint32_t value) {
  PutU16(out, value & 0xFFFF);
  PutU16(out, value >> 16);
}

// The name this replica reports in SHOW SLAVE HOSTS: "cutover@<hostname>", at most 255 bytes.
std::string ReportHost() {
  std::array<char, 256> name{};
  std::string host = "cutover";
  if (gethostname(name.data(), name.size() - 1) == 0) host += std::string("@") + name.data();
  return host.substr(0, 255);
}

Status SendCommand(Connection* connection, enum_server_command command, const std::string& body,
                   bool read_reply, std::string_view what) {
  MYSQL* mysql = connection->native_handle();
  if (mysql->methods->db_command(mysql, command, body.data(), body.size(), read_reply ? 0 : 1,
                                 nullptr) == 0) {
    return Status::Ok();
  }
  return MapMysqlError(mysql_errno(mysql), mysql_sqlstate(mysql), mysql_error(mysql),
                       fmt::format("{}: {}", connection->Describe(), what));
}

Result<std::string> SingleValue(Connection* connection, std::string_view sql) {
  CUTOVER_ASSIGN_OR_RETURN(QueryResult result, connection->Query(sql));
  if (result.rows.empty() || result.rows[0].empty() || !result.rows[0][0]) return std::string();
  return *result.rows[0][0];
}

// The command byte of COM_BINLOG_DUMP_GTID (MySQL; libmariadb does not name it).
constexpr uint8_t kComBinlogDumpGtid = 0x1e;
// Its flag "the data carries a GTID set".
constexpr uint16_t kBinlogThroughGtid = 0x04;

void PutU64(std::string* out, uint64_t value) {
  PutU32(out, static_cast<uint32_t>(value));
  PutU32(out, static_cast<uint32_t>(value >> 32));
}

}  // namespace

BinlogTransport::BinlogTransport(std::unique_ptr<Connection> connection, DumpOptions options)
    : connection_(std::move(connection)), options_(options) {}

Result<std::unique_ptr<BinlogTransport>> BinlogTransport::Open(const ConnectionSpec& spec,
                                                               const DumpOptions& options) {
  ConnectOptions connect;
  auto heartbeat_seconds =
      std::chrono::duration_cast<std::chrono::seconds>(options.heartbeat_period).count();
  connect.read_timeout = std::chrono::seconds(std::max<int64_t>(5, 4 * heartbeat_seconds + 1));
  connect.use_database = false;
  CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<Connection> connection, Connection::Open(spec, connect));
  std::unique_ptr<BinlogTransport> transport(new BinlogTransport(std::move(connection), options));
  transport->is_mariadb_ = transport->connection_->ServerFlavor() == "MariaDB";
  transport->socket_ = static_cast<int>(mysql_get_socket(transport->connection_->native_handle()));
  return transport;
}

std::string ComBinlogDumpGtidBody(uint32_t server_id, const GtidSet& executed) {
  std::string body;
  PutU16(&body, kBinlogThroughGtid);
  PutU32(&body, server_id);
  PutU32(&body, 0);  // no file name: the source finds the first transaction not in the set
  PutU64(&body, kBinlogFirstEventOffset);
  std::string data = executed.EncodeForDump();
  PutU32(&body, static_cast<uint32_t>(data.size()));
  body += data;
  return body;
}

Result<Position> BinlogTransport::CurrentPosition() { return ReadBinlogEnd(*connection_); }

Status BinlogTransport::Negotiate() {
  CUTOVER_ASSIGN_OR_RETURN(std::string checksum,
                           SingleValue(connection_.get(), "SELECT @@global.binlog_checksum"));
  checksum_ =
      checksum == "CRC32" ? binlog::ChecksumAlgorithm::kCrc32 : binlog::ChecksumAlgorithm::kOff;
  // Tells the source this replica verifies checksums; without it the source refuses to send
  // events that carry them.
  CUTOVER_RETURN_IF_ERROR(
      connection_->Execute("SET @master_binlog_checksum = @@global.binlog_checksum").status());
  auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(options_.heartbeat_period);
  CUTOVER_RETURN_IF_ERROR(
      connection_->Execute(fmt::format("SET @master_heartbeat_period = {}", nanos.count()))
          .status());
  if (!is_mariadb_) return Status::Ok();
  return connection_
      ->Execute(fmt::format("SET @mariadb_slave_capability = {}", kMariaCapabilityGtid))
      .status();
}

// COM_REGISTER_SLAVE: server_id (4), host (1 + n), user (1 + 0), password (1 + 0), port (2),
// replication rank (4, unused), master id (4, unused). Shows cutover in SHOW SLAVE HOSTS.
Status BinlogTransport::Register() {
  std::string body;
  PutU32(&body, options_.server_id);
  std::string host = ReportHost();
  body.push_back(static_cast<char>(host.size()));
  body += host;
  body.push_back('\0');  // no user name
  body.push_back('\0');  // no password
  PutU16(&body, 0);
  PutU32(&body, 0);
  PutU32(&body, 0);
  return SendCommand(connection_.get(), COM_REGISTER_SLAVE, body, true,
                     fmt::format("registering as replica with server_id {}", options_.server_id));
}

// COM_BINLOG_DUMP: start offset (4), flags (2; 0 = block at the end and wait), server_id (4),
// file name (rest). In GTID mode the source ignores file and offset.
Status BinlogTransport::SendDump(const Position& start) {
  if (!is_mariadb_ && start.has_gtid_set() && !start.gtid_set().empty()) {
    return SendCommand(connection_.get(), static_cast<enum_server_command>(kComBinlogDumpGtid),
                       ComBinlogDumpGtidBody(options_.server_id, start.gtid_set()), false,
                       "asking for the binlog after GTID set " + start_text_);
  }
  const bool gtid_mode = is_mariadb_ && start.has_gtid() && !start.gtid().empty();
  std::string file;
  uint64_t offset = kBinlogFirstEventOffset;
  if (gtid_mode) {
    std::string state = connection_->QuoteString(start.gtid().ToString());
    CUTOVER_RETURN_IF_ERROR(connection_->Execute("SET @slave_connect_state = " + state).status());
    CUTOVER_RETURN_IF_ERROR(connection_->Execute("SET @slave_gtid_strict_mode = 1").status());
    CUTOVER_RETURN_IF_ERROR(connection_->Execute("SET @slave_gtid_ignore_duplicates = 0").status());
  } else if (start.has_file()) {
    file = start.file().file();
    offset = start.file().offset();
  } else {
    return Status::InvalidArgument(
        fmt::format("cannot start the binlog at '{}': {} needs a binlog file:pos or {}",
                    start.Encode(), is_mariadb_ ? "MariaDB" : "MySQL",
                    is_mariadb_ ? "a GTID position" : "a GTID set"));
  }
  if (offset > UINT32_MAX) {
    return Status::InvalidArgument(
        fmt::format("binlog offset {} does not fit COM_BINLOG_DUMP (32 bits)", offset));
  }
  std::string body;
  PutU32(&body, static_cast<uint32_t>(offset));
  PutU16(&body, 0);
  PutU32(&body, options_.server_id);
  body += file;
  return SendCommand(connection_.get(), COM_BINLOG_DUMP, body, false,
                     "asking for the binlog from " + start_text_);
}

Status BinlogTransport::StartDump(const Position& start) {
  start_text_ = start.Encode();
  CUTOVER_RETURN_IF_ERROR(Negotiate());
  CUTOVER_RETURN_IF_ERROR(Register());
  return SendDump(start);
}

Status BinlogTransport::ReadError(std::string_view context) const {
  MYSQL* mysql = connection_->native_handle();
  unsigned code = mysql_errno(mysql);
  if (code == ER_MASTER_FATAL_ERROR_READING_BINLOG) {
    return Status::DataLoss(fmt::format(
        "{}: the source cannot send its binlog from position {}: {} (MySQL error 1236); the "
        "binlog holding it was probably purged (binlog_expire_logs_seconds, PURGE BINARY LOGS): "
        "start from a newer position or copy the tables again",
        Describe(), start_text_, mysql_error(mysql)));
  }
  return MapMysqlError(code, mysql_sqlstate(mysql), mysql_error(mysql),
                       fmt::format("{}: {}", Describe(), context));
}

void BinlogTransport::Interrupt() {
  // shutdown(), unlike close(), keeps the descriptor, so it cannot be reused under the reader.
  if (socket_ >= 0) ::shutdown(socket_, SHUT_RDWR);
}

Result<std::string_view> BinlogTransport::NextEvent() {
  MYSQL* mysql = connection_->native_handle();
  unsigned long length = mysql_net_read_packet(mysql);
  if (length == packet_error) return ReadError("reading the binlog");
  const unsigned char* packet = mysql->net.read_pos;
  if (length < 8 && packet[0] == kEofMarker) {
    return Status::Unavailable(Describe() + ": the source ended the binlog dump");
  }
  if (length < 2 || packet[0] != 0) {
    return Status::DataLoss(
        fmt::format("{}: unexpected replication packet of {} bytes (first byte 0x{:02x})",
                    Describe(), length, length == 0 ? 0 : packet[0]));
  }
  return std::string_view(reinterpret_cast<const char*>(packet) + 1, length - 1);
}

}  // namespace cutover::mysql
