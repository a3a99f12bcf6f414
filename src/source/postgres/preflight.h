// Preflight for a PostgreSQL source: logical decoding settings, replication capacity and role,
// replica identity of the selected tables and the publication, each a CheckResult with the fix.
// Also the connect step shared with the PostgreSQL target checks.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cutover/preflight.h"
#include "cutover/spec.h"

#include "source/postgres/connection.h"

namespace cutover::postgres {

// Runs every source check for spec.source (kind PostgreSQL), in the order of
// SourceCheckDefinitions(). Never fails: problems are check results.
std::vector<CheckResult> CheckSource(const Spec& spec);

// The source checks, in report order.
const std::vector<CheckDefinition>& SourceCheckDefinitions();

// Connects for a preflight and appends `<side>.reachable`, `<side>.credentials` and
// `<side>.database` results (side is "source" or "target"). Returns null when the connection
// failed; the caller then skips its remaining checks with SkipReason(results).
std::unique_ptr<Connection> ConnectForCheck(std::string_view side, const ConnectionSpec& spec,
                                            std::vector<CheckResult>* results);

// --- Pure logic, exposed for unit tests ---

// What a table's replica identity means for replicating its updates and deletes.
struct ReplicaIdentityVerdict {
  CheckOutcome outcome = CheckOutcome::kPass;
  std::string observed;  // empty when the table is fine
  std::string fix;
};
// `identity` is pg_class.relreplident: 'd' default (the primary key), 'i' an index, 'f' full,
// 'n' nothing. `table` is "schema.table", `quoted` the same quoted for SQL.
ReplicaIdentityVerdict JudgeReplicaIdentity(const std::string& table, const std::string& quoted,
                                            char identity, bool has_primary_key);

}  // namespace cutover::postgres
