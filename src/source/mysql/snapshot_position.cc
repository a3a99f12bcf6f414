// SnapshotPosition: P0 by a start watermark (MariaDB and MySQL), or from a consistent-snapshot
// transaction (MariaDB binlog_snapshot_*) where the watermark cannot be written.
#include "source/mysql/snapshot_position.h"

#include <cctype>
#include <map>
#include <random>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/parse_number.h"

namespace cutover::mysql {
namespace {

bool IsMariaDb(Connection& connection) { return connection.ServerFlavor() == "MariaDB"; }

// MariaDB's GTID position at binlog file:offset, with the file position.
Result<Position> MariaDbPositionAt(Connection& connection, std::string file, uint64_t offset) {
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
  if (gtid_position.empty()) return Position::FromFile(std::move(file_position));
  return Position::FromGtidAndFile(std::move(gtid_position), std::move(file_position));
}

// MySQL makes commits visible in binlog order only with binlog_order_commits=ON (the default).
Status CheckCommitOrder(Connection& connection) {
  if (IsMariaDb(connection)) return Status::Ok();  // commit_ordered: always binlog order
  CUTOVER_ASSIGN_OR_RETURN(QueryResult order, connection.Query("SELECT @@binlog_order_commits"));
  if (!order.rows.empty() && order.rows[0][0] && *order.rows[0][0] == "0") {
    return Status::FailedPrecondition(
        "binlog_order_commits is OFF on the source: transactions may become visible out of "
        "binlog order, so no start position is safe; SET GLOBAL binlog_order_commits = ON (RDS "
        "and Aurora: in the DB parameter group)");
  }
  return Status::Ok();
}

// Inserts, commits and deletes a start watermark: a transaction after every one before it.
Status WriteStartWatermark(Connection& connection, const std::string& schema) {
  static thread_local std::mt19937_64 random(std::random_device{}());
  std::string table = QuoteQualified(schema, kWatermarkTable);
  std::string id = connection.QuoteString(fmt::format("start-{:016x}", random()));
  CUTOVER_RETURN_IF_ERROR(connection.Execute(WatermarkTableDdl(schema)).status());
  CUTOVER_RETURN_IF_ERROR(
      connection.Execute(fmt::format("INSERT INTO {} (id, phase) VALUES ({}, 'start')", table, id))
          .status());
  return connection.Execute(fmt::format("DELETE FROM {} WHERE id = {}", table, id)).status();
}

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
  return MariaDbPositionAt(connection, file, offset);
}

}  // namespace

std::string WatermarkTableDdl(const std::string& schema) {
  return fmt::format(
      "CREATE TABLE IF NOT EXISTS {} (id VARCHAR(40) NOT NULL, phase VARCHAR(8) NOT NULL, at "
      "TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), PRIMARY KEY (id, phase))",
      QuoteQualified(schema, kWatermarkTable));
}

Result<Position> ReadBinlogEnd(Connection& connection) {
  Result<QueryResult> status = connection.Query("SHOW MASTER STATUS");
  if (!status.ok() && !IsMariaDb(connection)) {
    // MySQL 8.4 removed SHOW MASTER STATUS.
    status = connection.Query("SHOW BINARY LOG STATUS");
  }
  if (!status.ok()) return status.status().WithContext("reading the binlog position");
  if (status->rows.empty() || status->rows[0].size() < 2 || !status->rows[0][0] ||
      !status->rows[0][1]) {
    return Status::FailedPrecondition(fmt::format(
        "{}: binary logging is off (SHOW MASTER STATUS is empty): enable log_bin (and "
        "binlog_format=ROW) and restart the server",
        connection.Describe()));
  }
  const SqlRow& row = status->rows[0];
  std::string file = *row[0];
  CUTOVER_ASSIGN_OR_RETURN(uint64_t offset,
                           ParseInteger<uint64_t>(*row[1], "SHOW MASTER STATUS Position"));
  if (IsMariaDb(connection)) return MariaDbPositionAt(connection, std::move(file), offset);
  return MySqlBinlogEnd(row);
}

Result<Position> MySqlBinlogEnd(const SqlRow& row) {
  if (row.size() < 2 || !row[0] || !row[1]) {
    return Status::FailedPrecondition("SHOW MASTER STATUS has no File and Position");
  }
  CUTOVER_ASSIGN_OR_RETURN(uint64_t offset,
                           ParseInteger<uint64_t>(*row[1], "SHOW MASTER STATUS Position"));
  CUTOVER_ASSIGN_OR_RETURN(BinlogFilePosition file_position,
                           BinlogFilePosition::Make(*row[0], offset));
  // File, Position, Binlog_Do_DB, Binlog_Ignore_DB, Executed_Gtid_Set.
  if (row.size() >= 5 && row[4] && !row[4]->empty()) {
    CUTOVER_ASSIGN_OR_RETURN(GtidSet executed, GtidSet::Parse(*row[4]));
    return Position::FromGtidSetAndFile(std::move(executed), std::move(file_position));
  }
  return Position::FromFile(std::move(file_position));
}

Result<Position> TakeStartPosition(Connection& connection, const std::string& watermark_schema) {
  CUTOVER_RETURN_IF_ERROR(CheckCommitOrder(connection));
  Result<Position> start = ReadBinlogEnd(connection);
  Status status = start.status();
  if (start.ok()) status = WriteStartWatermark(connection, watermark_schema);
  if (status.ok()) return start;
  if (IsMariaDb(connection) && status.code() == StatusCode::kFailedPrecondition) {
    // Not allowed to read the binlog position or to write the watermark (a read-only replica,
    // an account without BINLOG MONITOR or INSERT): MariaDB has its own safe position.
    spdlog::info("taking the start position from a consistent snapshot: {}", status.ToString());
    return TakeSnapshotStart(connection);
  }
  if (!start.ok()) return status.WithContext("taking the copy start position");
  return status.WithContext(fmt::format(
      "writing the start watermark to {}.{} (cutover needs CREATE, INSERT and DELETE on "
      "`{}`.* on the source, e.g. GRANT CREATE, INSERT, DELETE ON `{}`.* TO <user>)",
      watermark_schema, kWatermarkTable, watermark_schema, watermark_schema));
}

Result<Position> TakeSnapshotStart(Connection& connection) {
  if (connection.ServerFlavor() != "MariaDB") {
    return Status::Unimplemented(
        "a consistent-snapshot start position needs MariaDB's binlog_snapshot_file/position; "
        "on MySQL the start position is taken by a watermark (TakeStartPosition)");
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
