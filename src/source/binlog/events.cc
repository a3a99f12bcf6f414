// Events: decoding of ROTATE, QUERY, XID, GTID, GTID_LIST and HEARTBEAT events.
#include "source/binlog/events.h"

#include <cstdio>

#include "source/binlog/byte_reader.h"

namespace cutover::binlog {
namespace {

Status Truncated(std::string_view what) {
  return Status::DataLoss(std::string(what) + " truncated");
}

}  // namespace

Result<RotateEvent> ParseRotate(std::string_view payload, uint8_t post_header_length) {
  ByteReader in(payload);
  RotateEvent rotate;
  if (post_header_length >= 8 && !in.Le(&rotate.position)) return Truncated("ROTATE position");
  if (post_header_length > 8 && !in.Skip(post_header_length - 8)) {
    return Truncated("ROTATE post-header");
  }
  rotate.next_file = in.rest();
  if (rotate.next_file.empty()) return Status::DataLoss("ROTATE without a file name");
  return rotate;
}

Result<QueryEvent> ParseQuery(std::string_view payload, uint8_t post_header_length) {
  ByteReader in(payload);
  QueryEvent query;
  uint8_t schema_len = 0;
  uint16_t status_len = 0;
  if (post_header_length < 11 || !in.Le(&query.thread_id) || !in.Le(&query.exec_time) ||
      !in.U8(&schema_len) || !in.Le(&query.error_code)) {
    return Truncated("QUERY post-header");
  }
  if (post_header_length >= 13 && !in.Le(&status_len)) return Truncated("QUERY post-header");
  size_t read = post_header_length >= 13 ? 13 : 11;
  if (!in.Skip(post_header_length - read)) return Truncated("QUERY post-header");
  if (!in.Skip(status_len)) return Truncated("QUERY status variables");
  if (!in.Bytes(schema_len, &query.schema) || !in.Skip(1)) return Truncated("QUERY schema name");
  query.query = in.rest();
  return query;
}

Result<uint64_t> ParseXid(std::string_view payload) {
  ByteReader in(payload);
  uint64_t xid = 0;
  if (!in.Le(&xid)) return Truncated("XID");
  return xid;
}

Result<MariaGtidEvent> ParseMariaGtid(std::string_view payload) {
  ByteReader in(payload);
  MariaGtidEvent gtid;
  if (!in.Le(&gtid.seqno) || !in.Le(&gtid.domain) || !in.U8(&gtid.flags)) {
    return Truncated("GTID_EVENT");
  }
  if ((gtid.flags & kGtidGroupCommitId) != 0 && !in.Le(&gtid.commit_id)) {
    return Truncated("GTID_EVENT commit id");
  }
  return gtid;
}

std::string MysqlGtidEvent::ToString() const {
  if (anonymous) return "ANONYMOUS";
  std::string out;
  char buf[4];
  for (size_t byte_idx = 0; byte_idx < uuid.size(); ++byte_idx) {
    if (byte_idx == 4 || byte_idx == 6 || byte_idx == 8 || byte_idx == 10) out.push_back('-');
    std::snprintf(buf, sizeof buf, "%02x", uuid[byte_idx]);
    out.append(buf, 2);
  }
  return out + ":" + std::to_string(gno);
}

Result<MysqlGtidEvent> ParseMysqlGtid(std::string_view payload, bool anonymous) {
  ByteReader in(payload);
  MysqlGtidEvent gtid;
  gtid.anonymous = anonymous;
  std::string_view uuid;
  if (!in.U8(&gtid.flags) || !in.Bytes(gtid.uuid.size(), &uuid) || !in.Le(&gtid.gno)) {
    return Truncated(anonymous ? "ANONYMOUS_GTID_LOG_EVENT" : "GTID_LOG_EVENT");
  }
  for (size_t byte_idx = 0; byte_idx < uuid.size(); ++byte_idx) {
    gtid.uuid[byte_idx] = static_cast<uint8_t>(uuid[byte_idx]);
  }
  return gtid;
}

Result<std::vector<Gtid>> ParseGtidList(std::string_view payload) {
  ByteReader in(payload);
  uint32_t count_and_flags = 0;
  if (!in.Le(&count_and_flags)) return Truncated("GTID_LIST_EVENT count");
  uint32_t count = count_and_flags & 0x0FFFFFFF;  // the top 4 bits are flags
  if (count > in.remaining() / 16) return Truncated("GTID_LIST_EVENT list");
  std::vector<Gtid> gtids(count);
  for (Gtid& gtid : gtids) {
    if (!in.Le(&gtid.domain) || !in.Le(&gtid.server) || !in.Le(&gtid.seqno)) {
      return Truncated("GTID_LIST_EVENT list");
    }
  }
  return gtids;
}

HeartbeatEvent ParseHeartbeat(std::string_view payload, uint32_t log_pos) {
  return HeartbeatEvent{payload, log_pos};
}

Result<HeartbeatEvent> ParseHeartbeatV2(std::string_view payload) {
  // Fields: packed type, packed length, value; type 0 ends the list.
  constexpr uint64_t kEnd = 0, kFileName = 1, kPosition = 2;
  ByteReader in(payload);
  HeartbeatEvent heartbeat;
  while (!in.empty()) {
    uint64_t type = 0;
    std::string_view value;
    if (!in.Packed(&type)) return Truncated("HEARTBEAT_LOG_EVENT_V2 field");
    if (type == kEnd) break;
    if (!in.PackedString(&value)) return Truncated("HEARTBEAT_LOG_EVENT_V2 field");
    if (type == kFileName) heartbeat.file = value;
    if (type == kPosition) {
      ByteReader position(value);
      if (!position.Packed(&heartbeat.position)) {
        return Truncated("HEARTBEAT_LOG_EVENT_V2 position");
      }
    }
  }
  return heartbeat;
}

}  // namespace cutover::binlog
