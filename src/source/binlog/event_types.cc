// Event types: names of binlog event type codes.
#include "source/binlog/event_types.h"

#include <string>

namespace cutover::binlog {
namespace {

struct TypeName {
  EventType type;
  std::string_view name;
};

constexpr TypeName kNames[] = {
    {EventType::kUnknown, "UNKNOWN_EVENT"},
    {EventType::kStartV3, "START_EVENT_V3"},
    {EventType::kQuery, "QUERY_EVENT"},
    {EventType::kStop, "STOP_EVENT"},
    {EventType::kRotate, "ROTATE_EVENT"},
    {EventType::kIntvar, "INTVAR_EVENT"},
    {EventType::kRand, "RAND_EVENT"},
    {EventType::kUserVar, "USER_VAR_EVENT"},
    {EventType::kFormatDescription, "FORMAT_DESCRIPTION_EVENT"},
    {EventType::kXid, "XID_EVENT"},
    {EventType::kTableMap, "TABLE_MAP_EVENT"},
    {EventType::kWriteRowsV0, "WRITE_ROWS_EVENT_V0"},
    {EventType::kUpdateRowsV0, "UPDATE_ROWS_EVENT_V0"},
    {EventType::kDeleteRowsV0, "DELETE_ROWS_EVENT_V0"},
    {EventType::kWriteRowsV1, "WRITE_ROWS_EVENT_V1"},
    {EventType::kUpdateRowsV1, "UPDATE_ROWS_EVENT_V1"},
    {EventType::kDeleteRowsV1, "DELETE_ROWS_EVENT_V1"},
    {EventType::kIncident, "INCIDENT_EVENT"},
    {EventType::kHeartbeat, "HEARTBEAT_LOG_EVENT"},
    {EventType::kIgnorable, "IGNORABLE_LOG_EVENT"},
    {EventType::kRowsQuery, "ROWS_QUERY_LOG_EVENT"},
    {EventType::kWriteRowsV2, "WRITE_ROWS_EVENT"},
    {EventType::kUpdateRowsV2, "UPDATE_ROWS_EVENT"},
    {EventType::kDeleteRowsV2, "DELETE_ROWS_EVENT"},
    {EventType::kMysqlGtid, "GTID_LOG_EVENT"},
    {EventType::kAnonymousGtid, "ANONYMOUS_GTID_LOG_EVENT"},
    {EventType::kPreviousGtids, "PREVIOUS_GTIDS_LOG_EVENT"},
    {EventType::kTransactionContext, "TRANSACTION_CONTEXT_EVENT"},
    {EventType::kViewChange, "VIEW_CHANGE_EVENT"},
    {EventType::kXaPrepare, "XA_PREPARE_LOG_EVENT"},
    {EventType::kPartialUpdateRows, "PARTIAL_UPDATE_ROWS_EVENT"},
    {EventType::kTransactionPayload, "TRANSACTION_PAYLOAD_EVENT"},
    {EventType::kHeartbeatV2, "HEARTBEAT_LOG_EVENT_V2"},
    {EventType::kAnnotateRows, "ANNOTATE_ROWS_EVENT"},
    {EventType::kBinlogCheckpoint, "BINLOG_CHECKPOINT_EVENT"},
    {EventType::kMariaGtid, "GTID_EVENT"},
    {EventType::kGtidList, "GTID_LIST_EVENT"},
    {EventType::kStartEncryption, "START_ENCRYPTION_EVENT"},
    {EventType::kQueryCompressed, "QUERY_COMPRESSED_EVENT"},
    {EventType::kWriteRowsCompressedV1, "WRITE_ROWS_COMPRESSED_EVENT_V1"},
    {EventType::kUpdateRowsCompressedV1, "UPDATE_ROWS_COMPRESSED_EVENT_V1"},
    {EventType::kDeleteRowsCompressedV1, "DELETE_ROWS_COMPRESSED_EVENT_V1"},
    {EventType::kWriteRowsCompressed, "WRITE_ROWS_COMPRESSED_EVENT"},
    {EventType::kUpdateRowsCompressed, "UPDATE_ROWS_COMPRESSED_EVENT"},
    {EventType::kDeleteRowsCompressed, "DELETE_ROWS_COMPRESSED_EVENT"},
};

}  // namespace

std::string EventTypeName(uint8_t type) {
  for (const auto& entry : kNames) {
    if (static_cast<uint8_t>(entry.type) == type) return std::string(entry.name);
  }
  return "UNKNOWN_EVENT(" + std::to_string(type) + ")";
}

bool IsCompressedEvent(uint8_t type) {
  return type >= static_cast<uint8_t>(EventType::kQueryCompressed) &&
         type <= static_cast<uint8_t>(EventType::kDeleteRowsCompressed);
}

}  // namespace cutover::binlog
