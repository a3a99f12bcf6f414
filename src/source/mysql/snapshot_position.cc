// SnapshotPosition: P0 from a consistent-snapshot transaction (MariaDB binlog_snapshot_*).
#include "source/mysql/snapshot_position.h"

#include <cctype>
#include <map>

#include <fmt/format.h>

#include "core/parse_number.h"

namespace cutover::mysql {
namespace {

Result<Position> ReadSnapshotStatus(Connection& connection) {
  CUTOVER_ASSIGN_OR_RETURN(QueryResult status,
                           connection.Query("SHOW STATUS LIKE 'binlog_snapshot_%'"));
  std::map<std::string, std::string> values;
  for (const SqlRow& row : status.rows) {
    if (row.size() != 2 || !row[0] || !row[1]) continue;
    std::string name = *row[0];  // MariaDB spells it Binlog_snapshot_file
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    values[name] = *row[1];
  }
  const std::string& file = values["binlog_snapshot_file"];
  if (file.empty()) {
    return Status::FailedPrecondition(
        "the source has no binary log position (binlog_snapshot_file is empty): enable log_bin");
  }
  CUTOVER_ASSIGN_OR_RETURN(
      uint64_t offset,
      ParseInteger<uint64_t>(values["binlog_snapshot_position"], "binlog_snapshot_position"));
  CUTOVER_ASSIGN_OR_RETURN(BinlogFilePosition file_position,
                           BinlogFilePosition::Make(file, offset));
  CUTOVER_ASSIGN_OR_RETURN(QueryResult gtid,
                           connection.Query(fmt::format("SELECT BINLOG_GTID_POS({}, {})",
                                                        connection.QuoteString(file), offset)));
  if (gtid.rows.empty() || !gtid.rows[0][0]) {
    return Status::FailedPrecondition(fmt::format(
        "BINLOG_GTID_POS('{}', {}) returned NULL: the binlog file is not readable", file, offset));
  }
  CUTOVER_ASSIGN_OR_RETURN(GtidPosition gtid_position, GtidPosition::Parse(*gtid.rows[0][0]));
  return Position::FromGtidAndFile(std::move(gtid_position), std::move(file_position));
}

}  // namespace

Result<Position> TakeSnapshotStart(Connection& connection) {
  if (connection.ServerFlavor() != "MariaDB") {
    return Status::Unimplemented(
        "the full load's start position needs MariaDB's binlog_snapshot_file/position; "
        "MySQL sources are not supported by `cutover copy` yet");
  }
  CUTOVER_RETURN_IF_ERROR(
      connection.Execute("START TRANSACTION WITH CONSISTENT SNAPSHOT").status());
  Result<Position> position = ReadSnapshotStatus(connection);
  Status commit = connection.Execute("COMMIT").status();
  if (!position.ok()) return position.status().WithContext("taking the copy start position");
  CUTOVER_RETURN_IF_ERROR(commit);
  return position;
}

}  // namespace cutover::mysql
