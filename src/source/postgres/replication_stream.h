// ReplicationStream: a logical replication slot's pgoutput messages over a replication connection
// (START_REPLICATION ... LOGICAL, the streaming replication protocol's CopyBoth messages), and
// the feedback that lets the slot advance.
//
// The slot's confirmed flush LSN is what PostgreSQL keeps WAL for and where a restart resumes.
// This class only ever reports as flushed what Confirm() was given: the caller confirms a
// transaction's end LSN once the change log holds that transaction durably, never ahead. Until
// then the keepalives it answers repeat the last confirmed LSN, so a crash resumes with nothing
// lost (the server sends again every transaction that ends after it).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cutover/position.h"
#include "cutover/status.h"

#include "db/postgres/connection.h"

namespace cutover::postgres {

struct ReplicationOptions {
  std::string slot;         // an existing pgoutput slot
  std::string publication;  // the publication it reads
  Lsn start;                // 0/0: from the slot's confirmed flush LSN
  int proto_version = 2;    // 2: large in-progress transactions are streamed
  bool streaming = true;    // protocol 2 only
  bool messages = true;     // pg_logical_emit_message (the fence's markers, heartbeats)
  bool binary = false;      // values in their types' binary send form (where a type has one)
  // Nothing at all from the server for this long (no data, no keepalive, though the stream asks
  // for one after a fifth of it): Next() fails with Unavailable, the connection taken as lost.
  // A server that vanished without closing the connection (half-open) is noticed so.
  std::chrono::milliseconds lost_after{15000};
};

// The START_REPLICATION statement for `options` (identifiers and values quoted).
std::string StartReplicationStatement(const ReplicationOptions& options);

// One XLogData message's payload: a pgoutput message and the WAL position it ends at.
struct WalMessage {
  Lsn start;  // the WAL position of the message's data
  std::string data;
};

class ReplicationStream {
 public:
  // Starts streaming on `connection`, a replication connection (ConnectOptions::replication),
  // which the stream uses until it is destroyed.
  static Result<std::unique_ptr<ReplicationStream>> Start(Connection& connection,
                                                          const ReplicationOptions& options);

  // The next pgoutput message, waiting up to `timeout` (nullopt when none came). Answers the
  // server's keepalives that ask for a reply, and sends a status update at least every 10 s;
  // after a fifth of lost_after without a message, one that asks the server for a keepalive.
  // Unavailable when the server sent nothing for lost_after.
  Result<std::optional<WalMessage>> Next(std::chrono::milliseconds timeout);

  // Reports every transaction ending at or before `flushed` as durable: the slot may advance
  // to it (never backwards). Sent at once.
  Status Confirm(Lsn flushed);
  Lsn confirmed() const { return confirmed_; }
  // The server's WAL end as of its last message (for lag).
  Lsn server_end() const { return server_end_; }

 private:
  ReplicationStream(Connection& connection, std::chrono::milliseconds lost_after)
      : connection_(connection), lost_after_(lost_after) {}
  Status SendStatus(bool reply_requested = false);

  Connection& connection_;
  Lsn confirmed_;
  Lsn server_end_;
  const std::chrono::milliseconds lost_after_;
  std::chrono::steady_clock::time_point last_status_;
  // Time spent waiting in Next() since the server's last message.
  std::chrono::steady_clock::duration silent_{};
};

// A logical slot made for a consistent start: created over the replication connection with
// EXPORT_SNAPSHOT, so a copy that reads in `snapshot` (SET TRANSACTION SNAPSHOT, in a
// REPEATABLE READ transaction on another connection) sees exactly the transactions committed
// before `consistent_point`, and the slot streams exactly those committed after it. The snapshot
// stays usable only while `connection` runs no other command (and is open).
struct CreatedSlot {
  std::string name;
  Lsn consistent_point;
  std::string snapshot;
};
// A TEMPORARY slot is dropped by the server when `connection` closes (a resumed copy's view:
// PostgresSource::BeginResumedCopy).
Result<CreatedSlot> CreateSlotWithSnapshot(Connection& connection, const std::string& slot,
                                           bool temporary = false);

// The streaming replication protocol's messages, exposed for tests: a Standby Status Update
// ('r': written, flushed and applied LSN, the client's clock in us since 2000-01-01, whether a
// reply is asked), and the parsing of what the server sends ('w' XLogData, 'k' keepalive).
std::string StandbyStatusUpdate(Lsn flushed, int64_t now_us, bool reply_requested = false);
struct ServerMessage {
  char type = 0;  // 'w' or 'k'
  Lsn start;      // 'w'
  Lsn end;        // 'w': the server's WAL end; 'k': the same
  bool reply_requested = false;  // 'k'
  std::string data;              // 'w': the pgoutput message
};
Result<ServerMessage> ParseServerMessage(std::string_view bytes);

}  // namespace cutover::postgres
