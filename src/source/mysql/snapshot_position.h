// SnapshotPosition: takes the full load's start position P0 on a MariaDB source: every
// transaction committed before P0 is visible to every read made after this call returns.
#pragma once

#include "cutover/position.h"
#include "cutover/status.h"

#include "db/mysql/connection.h"

namespace cutover::mysql {

// Opens a consistent-snapshot transaction, reads binlog_snapshot_file/position (the binlog
// position exactly at the snapshot, without any lock), derives the GTID position there with
// BINLOG_GTID_POS, and commits at once (no transaction is held afterwards). Returns both parts:
// "gtid:0-1-42;file:mysql-bin.000003:1234". Unimplemented on MySQL (no binlog_snapshot_*);
// FailedPrecondition when the binary log is off.
Result<Position> TakeSnapshotStart(Connection& connection);

}  // namespace cutover::mysql
