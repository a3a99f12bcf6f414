// OpenSource: picks the source's implementation by spec.source.kind, and refuses a kind whose
// reading is not built yet before anything is opened.
#include <fmt/format.h>

#include "cutover/source.h"

#include "source/mysql/mariadb_source.h"

namespace cutover {

Result<std::unique_ptr<Source>> OpenSource(const Spec& spec) {
  switch (spec.source.kind) {
    case SourceKind::kMariaDB:
    case SourceKind::kMySQL: return mysql::OpenMariaDbSource(spec);
    case SourceKind::kPostgres:
      // Refused here, not by a connection attempt: a MySQL client would wait for a greeting a
      // PostgreSQL server never sends and fail only at its read timeout (MySQL error 2013).
      return Status::Unimplemented(
          "PostgreSQL sources are not supported by this command yet: copy, run, apply, replay, "
          "verify, tail, fence and finish read MariaDB and MySQL sources only so far. Only "
          "`cutover check` works with a PostgreSQL source today: run it to get the source ready "
          "(wal_level, replication slots and role, replica identity, publication, keys) until "
          "the full load and the change stream read PostgreSQL, or migrate from a MariaDB or "
          "MySQL source");
  }
  return Status::Unimplemented(
      fmt::format("reading a {} source is not built yet", SourceKindName(spec.source.kind)));
}

}  // namespace cutover
