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

// The publication `name` publishes exactly `tables`, a partitioned table's changes under its own
// name (publish_via_partition_root): created when missing, and marked as `migration`'s (its
// comment, PublicationComment); its table list set again when it is that migration's (a rerun
// after the spec's tables changed). FailedPrecondition, with the way out, for a publication of
// that name that cutover did not create for this migration: it is left as it is.
Status EnsurePublication(Connection& connection, const std::string& name,
                         const std::vector<TableId>& tables, const std::string& migration);

// Adds to the publication `name` (made by cutover for `migration`) those of `selected` it does
// not publish yet (tables created on the source since, that the spec's patterns select), and in
// the same transaction announces each with a transactional logical message (kNewTablePrefix,
// NewTableMessage): the stream turns it into the table's kDdl "CREATE TABLE" change, and every
// change of the table committed after it is in the stream. Returns the tables added (none when
// nothing is missing). FailedPrecondition for a publication cutover did not make.
Result<std::vector<TableId>> PublishNewTables(Connection& connection, const std::string& name,
                                              const std::vector<TableId>& selected,
                                              const std::string& migration);

// The comment that marks a publication as made by cutover for `migration`.
std::string PublicationComment(const std::string& migration);

// Drops the publication if it exists and is `migration`'s (PublicationComment); returns whether
// it did. Another's publication of that name is left (and said by the caller).
Result<bool> DropPublication(Connection& connection, const std::string& name,
                             const std::string& migration);

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
