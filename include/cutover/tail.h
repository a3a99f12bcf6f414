// Tail: the engine behind `cutover tail`: streams a source's committed row changes
// and writes one JSON line per row change. The line format and the value rendering contract are
// in docs/tail.md.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

#include "cutover/change.h"
#include "cutover/position.h"
#include "cutover/spec.h"
#include "cutover/status.h"

namespace cutover {

struct TailOptions {
  // Print the transactions after this position; nullopt: from the source's current end.
  std::optional<Position> from;
  // Glob on "db.table", intersected with the spec's `tables:` selection; empty: all selected.
  std::string tables;
  // Stop after this many row changes; 0: run until `stop` is set.
  uint64_t limit = 0;
  // Set (e.g. from a SIGINT handler) to stop within about a second. Not owned; may be null.
  const std::atomic<bool>* stop = nullptr;
};

// Streams `spec`'s source into `out` until stopped or `limit` is reached (both OK). Errors:
// InvalidArgument when the position cannot be tailed (an LSN on MariaDB, any --from on PostgreSQL);
// otherwise the change stream's (DataLoss for a purged binlog, FailedPrecondition for missing
// replication privileges, Unavailable when the source stays unreachable).
Status Tail(const Spec& spec, const TailOptions& options, std::FILE* out);

// A row change as one JSON object without a newline:
// {"table":"db.t","op":"update","before":{...},"after":{...},"pos":"<Position::Encode()>"}
// Column values follow DisplayValue(); NULL is null; columns absent from an image are omitted.
std::string ChangeToJsonLine(const Change& change);

}  // namespace cutover
