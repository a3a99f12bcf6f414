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

// The settings of those sessions: UTC; and for the server's side of a session this process
// abandoned, or lost with its host: an abandoned transaction (between statements, holding the
// row locks of what it wrote) is ended by the server after 30 s idle instead of blocking the
// retried batch for ever, and the server's TCP keepalives (as libpq's, BuildConnInfo) end a
// backend whose client host is gone within about a minute instead of the kernel's two hours.
inline constexpr char kWriteSessionSettings[] =
    "SET TIME ZONE 'UTC'; SET idle_in_transaction_session_timeout = 30000; "
    "SET tcp_keepalives_idle = 30; SET tcp_keepalives_interval = 10; "
    "SET tcp_keepalives_count = 3";

// Opens the sink for spec.target (kind PostgreSQL); connects once to check the target is
// reachable. Each writer and each index build uses its own session. A source table
// `schema.table` goes to the PostgreSQL schema of the same name (created when missing) in
// spec.target.connection.database.
Result<std::unique_ptr<Sink>> OpenPostgresSink(const Spec& spec);

}  // namespace cutover::postgres
