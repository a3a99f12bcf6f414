// SnapshotPosition: the full load's start position P0 on a MariaDB or MySQL source, without
// locks and without MariaDB's snapshot variables (docs/copy.md, "The start position"): every
// transaction before P0 in the binlog is visible to every read made after this returns, and the
// change stream from P0 delivers every transaction after it.
#pragma once

#include <string>

#include "cutover/position.h"
#include "cutover/status.h"

#include "db/mysql/connection.h"

namespace cutover::mysql {

// The binlog's end now, where the next transaction will be written: SHOW MASTER STATUS (MySQL
// 8.4: SHOW BINARY LOG STATUS) gives the file and offset; on MariaDB BINLOG_GTID_POS gives the
// GTID position at that point, on MySQL the row's Executed_Gtid_Set the GTID set (when GTIDs are
// on). FailedPrecondition when binary logging is off.
Result<Position> ReadBinlogEnd(Connection& connection);

// MySQL's SHOW MASTER STATUS / SHOW BINARY LOG STATUS row (File, Position, Binlog_Do_DB,
// Binlog_Ignore_DB, Executed_Gtid_Set) as a position: the GTID set with the file part when GTIDs
// are on, the file part alone otherwise (ReadBinlogEnd's MySQL branch).
Result<Position> MySqlBinlogEnd(const SqlRow& row);

// The DDL of the source table cutover writes its watermarks to (the start watermark, and the
// low/high watermarks of a repair): `schema`.`cutover_watermarks`.
std::string WatermarkTableDdl(const std::string& schema);

// P0, the same way on MariaDB and MySQL:
//   1. S = the binlog's end now (SHOW MASTER STATUS; MySQL 8.4: SHOW BINARY LOG STATUS), with
//      MariaDB's GTID position there (BINLOG_GTID_POS);
//   2. a watermark row is inserted into `watermark_schema`.`cutover_watermarks` and committed
//      (then deleted again), so a transaction follows S in the binlog;
//   3. P0 = S.
// Commits become visible in binlog order (MariaDB always; MySQL with binlog_order_commits=ON,
// checked here), so once the watermark's commit returned every transaction before it in the
// binlog, and so every one before S, is visible to any read that starts later; every
// transaction after S is in the change stream from S. Changes between S and the reads are
// applied again by CDC, which is harmless for full row images in log order.
// A MariaDB source where the watermark cannot be written (read_only, a replica, no INSERT
// privilege) falls back to the consistent-snapshot position (TakeSnapshotStart). Errors:
// FailedPrecondition with the fix (log_bin off, binlog_order_commits OFF, the privileges a MySQL
// source needs for the watermark).
Result<Position> TakeStartPosition(Connection& connection, const std::string& watermark_schema);

// MariaDB only: opens a consistent-snapshot transaction, reads binlog_snapshot_file/position
// (the binlog position exactly at the snapshot, without any lock), derives the GTID position
// there with BINLOG_GTID_POS, and commits at once (no transaction is held afterwards). Returns
// both parts: "gtid:0-1-42;file:mysql-bin.000003:1234".
Result<Position> TakeSnapshotStart(Connection& connection);

}  // namespace cutover::mysql
