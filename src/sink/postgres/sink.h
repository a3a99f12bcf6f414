// PostgresSink: the PostgreSQL target of the full load: creates tables with the MySQL-to-
// PostgreSQL type mapping, writes chunks by COPY FROM STDIN streamed from memory, builds
// deferred indexes.
#pragma once

#include <chrono>
#include <memory>

#include "cutover/sink.h"
#include "cutover/spec.h"
#include "cutover/status.h"

namespace cutover::postgres {

// How long a target session that writes rows (a copy chunk's DELETE, COPY and COMMIT; an apply
// lane's batch) waits for the server's reply, or for the socket to take more COPY data, before
// the session is abandoned as lost (Unavailable: the chunk or the batch is tried again on a new
// session, with backoff). This is how a target that stops answering without closing the
// connection (a half-open link: a dead NAT entry or firewall) is noticed; those statements
// are short. Sessions whose statements may legitimately run long have none: index builds after
// the load, table creation, schema changes followed during CDC (TCP keepalives end them when
// the host is gone, docs/postgres-target.md).
inline constexpr std::chrono::seconds kWriteReadTimeout{15};

// Opens the sink for spec.target (kind PostgreSQL); connects once to check the target is
// reachable. Each writer and each index build uses its own session. A source table
// `schema.table` goes to the PostgreSQL schema of the same name (created when missing) in
// spec.target.connection.database.
Result<std::unique_ptr<Sink>> OpenPostgresSink(const Spec& spec);

}  // namespace cutover::postgres
