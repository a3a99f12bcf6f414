// Schema: the state store's versioned schema, as an ordered list of migrations applied at open.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cutover/status.h"

#include "state/sqlite_db.h"

namespace cutover::state {

// One step of the schema. Versions start at 1 and increase by 1; a released migration is never
// edited, only followed by a new one.
struct Migration {
  int version;
  std::string name;
  std::string sql;  // one or more statements
};

// This cutover's migrations, in order. The last version is the schema version it writes.
const std::vector<Migration>& Migrations();

// The store's schema version: the highest applied migration, 0 for a database without one.
Result<int> ReadSchemaVersion(SqliteDb& db);

// Applies, in one transaction, every migration of `migrations` above the store's version and
// records each in schema_version. FailedPrecondition, changing nothing, when the store's
// version is above the last of `migrations` (written by a newer cutover).
Status MigrateSchema(SqliteDb& db, const std::vector<Migration>& migrations);

// For read-only opens: OK only when the store is at exactly the last version of `migrations`.
Status CheckSchemaCurrent(SqliteDb& db, const std::vector<Migration>& migrations);

}  // namespace cutover::state
