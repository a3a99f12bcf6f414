// OpenSource: picks the source's implementation by spec.source.kind.
#include <fmt/format.h>

#include "cutover/source.h"

#include "source/mysql/mariadb_source.h"
#include "source/postgres/postgres_source.h"

namespace cutover {

Result<std::unique_ptr<Source>> OpenSource(const Spec& spec) {
  switch (spec.source.kind) {
    case SourceKind::kMariaDB:
    case SourceKind::kMySQL: return mysql::OpenMariaDbSource(spec);
    case SourceKind::kPostgres: return postgres::OpenPostgresSource(spec);
  }
  return Status::Unimplemented(
      fmt::format("reading a {} source is not built yet", SourceKindName(spec.source.kind)));
}

}  // namespace cutover
