// Slot and publication lifecycle of a PostgreSQL source: the migration's publication (only the
// selected tables) and its logical replication slot, named from the migration (spec.source.slot
// and .publication), created by the first copy and dropped by `cutover finish`; what the slot
// holds back (retained WAL) for status, metrics and alerts; an invalidated slot as a clear error.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cutover/position.h"
#include "cutover/schema.h"
#include "cutover/status.h"

#include "db/postgres/connection.h"

namespace cutover::postgres {

// The publication `name` publishes exactly `tables`: created when missing, its table list set
// otherwise (a rerun after the spec's tables changed); a partitioned table's changes under its own
// name (publish_via_partition_root).
Status EnsurePublication(Connection& connection, const std::string& name,
                         const std::vector<TableId>& tables);

// Drops the publication if it exists.
Status DropPublication(Connection& connection, const std::string& name);

// What pg_replication_slots says of a slot.
struct SlotState {
  bool active = false;                   // a walsender is reading it now
  Lsn restart_lsn;                       // the oldest WAL it keeps
  Lsn confirmed_flush;                   // where a restart resumes
  std::string wal_status;                // reserved, extended, unreserved, lost
  int64_t retained_bytes = 0;            // pg_current_wal_lsn() - restart_lsn
  std::optional<int64_t> safe_wal_size;  // bytes until it is invalidated (null: no limit)
};
// nullopt when there is no such slot.
Result<std::optional<SlotState>> ReadSlot(Connection& connection, const std::string& slot);

// Drops the slot if it exists, waiting up to `wait` for a walsender still holding it to let go
// (after a reader's connection closes, its walsender may hold the slot a moment longer).
Status DropSlot(Connection& connection, const std::string& slot,
                std::chrono::milliseconds wait = std::chrono::seconds(10));

// The error for a slot the stream cannot read: gone (dropped) or invalidated (wal_status lost:
// it kept more WAL than max_slot_wal_keep_size allows). Both mean the changes since the copy are
// no longer on the source: the migration must start again (docs/postgres-source.md, "A lost
// slot"). Exact text; tests quote it.
Status LostSlotError(const std::string& slot, bool exists);

}  // namespace cutover::postgres
