// The streaming replication protocol's CopyBoth messages (PostgreSQL 15 docs, "Streaming
// Replication Protocol"): XLogData 'w', Primary keepalive 'k', Standby status update 'r'.
#include "source/postgres/replication_stream.h"

#include <algorithm>

#include <fmt/format.h>

#include "source/binlog/byte_reader.h"

namespace cutover::postgres {
namespace {

// Microseconds from 1970-01-01 to PostgreSQL's epoch, 2000-01-01.
constexpr int64_t kPostgresEpochUs = 946'684'800'000'000;
constexpr std::chrono::seconds kStatusEvery{10};

int64_t NowPostgresUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
             .count() -
         kPostgresEpochUs;
}

void PutBe(uint64_t value, int size, std::string* out) {
  for (int i = size - 1; i >= 0; --i) out->push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

uint64_t GetBe(std::string_view bytes, size_t at) {
  return binlog::ByteReader::LoadBigEndian(bytes.data() + at, 8);
}

}  // namespace

std::string StartReplicationStatement(const ReplicationOptions& options) {
  std::string statement =
      fmt::format("START_REPLICATION SLOT {} LOGICAL {} (proto_version {}, publication_names {}",
                  QuoteIdentifier(options.slot), options.start.ToString(),
                  QuoteLiteral(std::to_string(options.proto_version)),
                  QuoteLiteral(QuoteIdentifier(options.publication)));
  if (options.messages) statement += ", messages 'true'";
  if (options.streaming && options.proto_version >= 2) statement += ", streaming 'on'";
  if (options.binary) statement += ", binary 'true'";
  return statement + ")";
}

std::string StandbyStatusUpdate(Lsn flushed, int64_t now_us, bool reply_requested) {
  std::string out = "r";
  for (int i = 0; i < 3; ++i) PutBe(flushed.value(), 8, &out);  // written, flushed, applied
  PutBe(static_cast<uint64_t>(now_us), 8, &out);
  out.push_back(reply_requested ? '\1' : '\0');
  return out;
}

Result<ServerMessage> ParseServerMessage(std::string_view bytes) {
  ServerMessage message;
  if (bytes.empty()) return Status::InvalidArgument("replication stream: an empty message");
  message.type = bytes[0];
  if (message.type == 'w') {
    if (bytes.size() < 25) {
      return Status::InvalidArgument(fmt::format(
          "replication stream: an XLogData message of {} bytes (at least 25)", bytes.size()));
    }
    message.start = Lsn(GetBe(bytes, 1));
    message.end = Lsn(GetBe(bytes, 9));
    message.data = std::string(bytes.substr(25));
    return message;
  }
  if (message.type == 'k') {
    if (bytes.size() != 18) {
      return Status::InvalidArgument(fmt::format(
          "replication stream: a keepalive of {} bytes (18 expected)", bytes.size()));
    }
    message.end = Lsn(GetBe(bytes, 1));
    message.reply_requested = bytes[17] != 0;
    return message;
  }
  return Status::InvalidArgument(fmt::format(
      "replication stream: unknown message type '{}' (0x{:02x})", message.type,
      static_cast<uint8_t>(message.type)));
}

Result<CreatedSlot> CreateSlotWithSnapshot(Connection& connection, const std::string& slot,
                                           bool temporary) {
  CUTOVER_ASSIGN_OR_RETURN(
      QueryResult result,
      connection.Query(fmt::format("CREATE_REPLICATION_SLOT {}{} LOGICAL pgoutput EXPORT_SNAPSHOT",
                                   QuoteIdentifier(slot), temporary ? " TEMPORARY" : "")));
  // slot_name, consistent_point, snapshot_name, output_plugin
  if (result.rows.size() != 1 || result.rows[0].size() < 3 || !result.rows[0][1] ||
      !result.rows[0][2]) {
    return Status::Internal(
        fmt::format("CREATE_REPLICATION_SLOT {} answered {} rows, not one with a consistent "
                    "point and a snapshot",
                    slot, result.rows.size()));
  }
  CreatedSlot created;
  created.name = result.rows[0][0].value_or(slot);
  CUTOVER_ASSIGN_OR_RETURN(created.consistent_point, Lsn::Parse(*result.rows[0][1]));
  created.snapshot = *result.rows[0][2];
  return created;
}

Result<std::unique_ptr<ReplicationStream>> ReplicationStream::Start(
    Connection& connection, const ReplicationOptions& options) {
  CUTOVER_RETURN_IF_ERROR(connection.StartCopyBoth(StartReplicationStatement(options)));
  std::unique_ptr<ReplicationStream> stream(new ReplicationStream(connection, options.lost_after));
  stream->confirmed_ = options.start;
  stream->last_status_ = std::chrono::steady_clock::now();
  return stream;
}

Status ReplicationStream::SendStatus(bool reply_requested) {
  last_status_ = std::chrono::steady_clock::now();
  return connection_.WriteCopyData(
      StandbyStatusUpdate(confirmed_, NowPostgresUs(), reply_requested));
}

Status ReplicationStream::Confirm(Lsn flushed) {
  confirmed_ = std::max(confirmed_, flushed);
  return SendStatus();
}

Result<std::optional<WalMessage>> ReplicationStream::Next(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const auto ask_every = lost_after_ / 5;
  while (true) {
    // Silence counts only while waiting here: a caller busy elsewhere leaves messages unread.
    if (silent_ >= lost_after_) {
      return Status::Unavailable(
          fmt::format("{}: nothing from the server for {} s, not even a keepalive asked for; the "
                      "connection is taken as lost",
                      connection_.Describe(),
                      std::chrono::duration_cast<std::chrono::seconds>(silent_).count()));
    }
    const auto now = std::chrono::steady_clock::now();
    if (silent_ >= ask_every && now - last_status_ >= ask_every) {
      CUTOVER_RETURN_IF_ERROR(SendStatus(/*reply_requested=*/true));
    } else if (now - last_status_ >= kStatusEvery) {
      CUTOVER_RETURN_IF_ERROR(SendStatus());
    }
    const auto left = std::max(std::chrono::milliseconds(0),
                               std::chrono::duration_cast<std::chrono::milliseconds>(
                                   deadline - std::chrono::steady_clock::now()));
    const auto wait_start = std::chrono::steady_clock::now();
    CUTOVER_ASSIGN_OR_RETURN(std::optional<std::string> raw, connection_.ReadCopyData(left));
    if (!raw) {
      silent_ += std::chrono::steady_clock::now() - wait_start;
      if (silent_ >= lost_after_) continue;  // reported above
      return std::optional<WalMessage>();
    }
    silent_ = {};
    CUTOVER_ASSIGN_OR_RETURN(ServerMessage message, ParseServerMessage(*raw));
    server_end_ = std::max(server_end_, message.end);
    if (message.type == 'w') {
      return std::optional<WalMessage>(WalMessage{message.start, std::move(message.data)});
    }
    if (message.reply_requested) CUTOVER_RETURN_IF_ERROR(SendStatus());
    if (std::chrono::steady_clock::now() >= deadline) return std::optional<WalMessage>();
  }
}

}  // namespace cutover::postgres
