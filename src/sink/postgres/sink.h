// PostgresSink: the PostgreSQL target of the full load: creates tables with the MySQL-to-
// PostgreSQL type mapping, writes chunks by COPY FROM STDIN streamed from memory, builds
// deferred indexes.
#pragma once

#include <memory>

#include "cutover/sink.h"
#include "cutover/spec.h"
#include "cutover/status.h"

namespace cutover::postgres {

// Opens the sink for spec.target (kind PostgreSQL); connects once to check the target is
// reachable. Each writer and each index build uses its own session. A source table
// `schema.table` goes to the PostgreSQL schema of the same name (created when missing) in
// spec.target.connection.database.
Result<std::unique_ptr<Sink>> OpenPostgresSink(const Spec& spec);

}  // namespace cutover::postgres
