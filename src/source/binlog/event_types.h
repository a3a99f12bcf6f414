// Event types: the type codes of MySQL and MariaDB binlog events, and their names for messages.
#pragma once

#include <cstdint>
#include <string_view>

namespace cutover::binlog {

// The type byte of an event's common header. MySQL and MariaDB share codes below 160;
// MariaDB's own events start at 160.
enum class EventType : uint8_t {
  kUnknown = 0,
  kStartV3 = 1,
  kQuery = 2,
  kStop = 3,
  kRotate = 4,
  kIntvar = 5,
  kRand = 13,
  kUserVar = 14,
  kFormatDescription = 15,
  kXid = 16,
  kTableMap = 19,
  kWriteRowsV0 = 20,
  kUpdateRowsV0 = 21,
  kDeleteRowsV0 = 22,
  kWriteRowsV1 = 23,
  kUpdateRowsV1 = 24,
  kDeleteRowsV1 = 25,
  kIncident = 26,
  kHeartbeat = 27,
  kIgnorable = 28,
  kRowsQuery = 29,
  kWriteRowsV2 = 30,
  kUpdateRowsV2 = 31,
  kDeleteRowsV2 = 32,
  kMysqlGtid = 33,
  kAnonymousGtid = 34,
  kPreviousGtids = 35,
  kTransactionContext = 36,
  kViewChange = 37,
  kXaPrepare = 38,
  kPartialUpdateRows = 39,
  kTransactionPayload = 40,
  kHeartbeatV2 = 41,
  kAnnotateRows = 160,
  kBinlogCheckpoint = 161,
  kMariaGtid = 162,
  kGtidList = 163,
  kStartEncryption = 164,
  kQueryCompressed = 165,
  kWriteRowsCompressedV1 = 166,
  kUpdateRowsCompressedV1 = 167,
  kDeleteRowsCompressedV1 = 168,
  kWriteRowsCompressed = 169,
  kUpdateRowsCompressed = 170,
  kDeleteRowsCompressed = 171,
};

// The server's name for an event type ("WRITE_ROWS_EVENT_V1", "GTID_EVENT"); "UNKNOWN_EVENT(n)"
// for codes cutover does not know.
std::string EventTypeName(uint8_t type);

// True for the MariaDB compressed QUERY and ROWS events (cutover does not inflate them).
bool IsCompressedEvent(uint8_t type);

}  // namespace cutover::binlog
