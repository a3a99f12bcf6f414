// Events: the control events of a binlog (ROTATE, QUERY, XID, MariaDB GTID and GTID_LIST, MySQL
// GTID, HEARTBEAT, ANNOTATE_ROWS) decoded from their post-header and body bytes.
//
// Each Parse function takes the event's bytes after the common header and without the trailing
// checksum ("payload"), plus the post-header length from the FORMAT_DESCRIPTION_EVENT where the
// format depends on it. Views in the results point into the payload. Errors are DataLoss naming
// the part that was cut short.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cutover/position.h"
#include "cutover/status.h"

namespace cutover::binlog {

struct RotateEvent {
  uint64_t position = 0;  // offset of the first event to read in next_file
  std::string_view next_file;
};
Result<RotateEvent> ParseRotate(std::string_view payload, uint8_t post_header_length);

struct QueryEvent {
  uint32_t thread_id = 0;
  uint32_t exec_time = 0;
  uint16_t error_code = 0;
  std::string_view schema;  // the default database of the statement ("" when none)
  std::string_view query;   // the statement text
};
// Status variables are skipped by their declared length (never interpreted).
Result<QueryEvent> ParseQuery(std::string_view payload, uint8_t post_header_length);

Result<uint64_t> ParseXid(std::string_view payload);

// MariaDB GTID_EVENT flags.
inline constexpr uint8_t kGtidStandalone = 0x01;     // no BEGIN..COMMIT: a single statement
inline constexpr uint8_t kGtidGroupCommitId = 0x02;  // commit_id follows
inline constexpr uint8_t kGtidTransactional = 0x04;
inline constexpr uint8_t kGtidAllowParallel = 0x08;
inline constexpr uint8_t kGtidWaited = 0x10;
inline constexpr uint8_t kGtidDdl = 0x20;
inline constexpr uint8_t kGtidPreparedXa = 0x40;
inline constexpr uint8_t kGtidCompletedXa = 0x80;

struct MariaGtidEvent {
  uint64_t seqno = 0;
  uint32_t domain = 0;
  uint8_t flags = 0;
  uint64_t commit_id = 0;  // set when flags has kGtidGroupCommitId
  bool standalone() const { return (flags & kGtidStandalone) != 0; }
};
Result<MariaGtidEvent> ParseMariaGtid(std::string_view payload);

// MySQL GTID_LOG_EVENT / ANONYMOUS_GTID_LOG_EVENT: source UUID and transaction number.
struct MysqlGtidEvent {
  uint8_t flags = 0;
  std::array<uint8_t, 16> uuid{};
  int64_t gno = 0;
  bool anonymous = false;
  // "3e11fa47-71ca-11e1-9e33-c80aa9429562:23"; "ANONYMOUS" for anonymous transactions.
  std::string ToString() const;
};
Result<MysqlGtidEvent> ParseMysqlGtid(std::string_view payload, bool anonymous);

// MariaDB GTID_LIST_EVENT: the binlog state (last GTID per domain and server) before this file.
Result<std::vector<Gtid>> ParseGtidList(std::string_view payload);

struct HeartbeatEvent {
  std::string_view file;  // the binlog file the sender is at
  uint64_t position = 0;  // the sender's offset in it
};
// HEARTBEAT_LOG_EVENT (MySQL and MariaDB): the body is the file name; the position is the common
// header's log_pos, passed in.
HeartbeatEvent ParseHeartbeat(std::string_view payload, uint32_t log_pos);
// HEARTBEAT_LOG_EVENT_V2 (MySQL 8.0.26+): type-length-value fields with file name and position.
Result<HeartbeatEvent> ParseHeartbeatV2(std::string_view payload);

}  // namespace cutover::binlog
