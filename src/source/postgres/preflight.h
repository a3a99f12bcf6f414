// Preflight for a PostgreSQL source: logical decoding settings, replication capacity and role,
// replica identity of the selected tables and the publication, each a CheckResult with the fix.
// The connect step shared with the PostgreSQL target checks is in db/postgres/preflight_support.h.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cutover/preflight.h"
#include "cutover/spec.h"

#include "db/postgres/connection.h"
#include "db/postgres/preflight_support.h"

namespace cutover::postgres {

// Runs every source check for spec.source (kind PostgreSQL), in the order of
// SourceCheckDefinitions(). Never fails: problems are check results.
std::vector<CheckResult> CheckSource(const Spec& spec);

// The source checks, in report order.
const std::vector<CheckDefinition>& SourceCheckDefinitions();

// --- Pure logic, exposed for unit tests ---

// What a table's replica identity means for replicating its updates and deletes.
struct ReplicaIdentityVerdict {
  CheckOutcome outcome = CheckOutcome::kPass;
  std::string observed;  // empty when the table is fine
  std::string fix;
};
// `identity` is pg_class.relreplident: 'd' default (the primary key), 'i' an index, 'f' full,
// 'n' nothing. `table` is "schema.table", `quoted` the same quoted for SQL. `filtered`: its rule
// has a row filter, which needs whole old rows (FULL).
ReplicaIdentityVerdict JudgeReplicaIdentity(const std::string& table, const std::string& quoted,
                                            char identity, bool has_primary_key,
                                            bool filtered = false);

// What max_slot_wal_keep_size (in MB, -1 for no limit) means for the migration's slot: no limit
// is a WARN (a stopped or slow migration keeps WAL until the source's disk fills), a limit a PASS
// that says what happens past it (the slot is invalidated; the migration copies again).
CheckResult JudgeSlotWalKeep(int64_t megabytes);

}  // namespace cutover::postgres
