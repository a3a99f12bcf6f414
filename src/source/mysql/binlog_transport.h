// BinlogTransport: one replication session with a MariaDB/MySQL source: registers as a replica
// (COM_REGISTER_SLAVE), negotiates checksums and heartbeats, asks for the binlog from a GTID or
// file:pos position (COM_BINLOG_DUMP) and hands out the raw bytes of each event. It decodes
// nothing; binlog::BinlogDecoder does. Why not mariadb_rpl: see docs/binlog.md ("Transport").
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "cutover/position.h"
#include "cutover/spec.h"
#include "cutover/status.h"

#include "db/mysql/connection.h"
#include "source/binlog/framing.h"

namespace cutover::mysql {

struct DumpOptions {
  // The server_id this replica registers with; must be unique among the source's replicas
  // (a second session with the same id makes the source end the first one's dump).
  uint32_t server_id = 0;
  // The source sends a HEARTBEAT event after this long without events; a read that sees nothing
  // for max(5 s, 4 x this) fails with Unavailable (the connection is presumed dead).
  std::chrono::milliseconds heartbeat_period{1000};
};

// COM_BINLOG_DUMP_GTID's body (MySQL): flags (2; BINLOG_THROUGH_GTID), server_id (4), the
// binlog file name's length (4) and name (empty: the source finds the file), the position (8; 4),
// the GTID set's size (4) and the set (GtidSet::EncodeForDump): the source sends every
// transaction not in `executed`.
std::string ComBinlogDumpGtidBody(uint32_t server_id, const GtidSet& executed);

class BinlogTransport {
 public:
  // Connects to the source. Errors as Connection::Open.
  static Result<std::unique_ptr<BinlogTransport>> Open(const ConnectionSpec& spec,
                                                       const DumpOptions& options);

  // The source's current end of the binlog (ReadBinlogEnd, source/mysql/snapshot_position.h).
  Result<Position> CurrentPosition();

  // Starts the dump so that the first transaction sent is the one after `start`. MariaDB with a
  // GTID part: GTID mode (@slave_connect_state, strict); MySQL with a GTID set:
  // COM_BINLOG_DUMP_GTID (every transaction not in the set, wherever the binlog holds it: a
  // replica promoted after a failover too); otherwise file:pos, which `start` must have.
  // InvalidArgument when `start` has neither usable part.
  Status StartDump(const Position& start);

  // The next event (common header to checksum); valid until the next call. Unavailable when the
  // connection is lost, times out or the source ends the dump; DataLoss when the source cannot
  // send from the requested position (MySQL error 1236: purged binlog, unknown GTID).
  Result<std::string_view> NextEvent();

  // Makes a NextEvent() in progress on another thread, and every later one, fail soon (shuts the
  // socket down for reading and writing; the connection is unusable afterwards). The only call
  // that is safe while another thread is inside NextEvent(); BinlogReaderThread uses it to stop.
  void Interrupt();

  // The checksum the events before the first FORMAT_DESCRIPTION carry (negotiated).
  binlog::ChecksumAlgorithm checksum() const { return checksum_; }
  bool is_mariadb() const { return is_mariadb_; }
  const std::string& Describe() const { return connection_->Describe(); }

 private:
  BinlogTransport(std::unique_ptr<Connection> connection, DumpOptions options);
  Status Negotiate();
  Status Register();
  Status SendDump(const Position& start);
  Status ReadError(std::string_view context) const;

  std::unique_ptr<Connection> connection_;
  DumpOptions options_;
  int socket_ = -1;  // the session's socket, constant after Open(); for Interrupt()
  bool is_mariadb_ = true;
  binlog::ChecksumAlgorithm checksum_ = binlog::ChecksumAlgorithm::kOff;
  std::string start_text_;  // the dump's start position, for messages
};

}  // namespace cutover::mysql
