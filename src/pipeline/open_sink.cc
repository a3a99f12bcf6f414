// OpenSink: picks the target's Sink implementation by spec.target.kind.
#include <fmt/format.h>

#include "cutover/sink.h"

#include "sink/dynamodb/sink.h"
#include "sink/mysql/sink.h"
#include "sink/postgres/sink.h"

namespace cutover {

Result<std::unique_ptr<Sink>> OpenSink(const Spec& spec) {
  switch (spec.target.kind) {
    case TargetKind::kMariaDB:
    case TargetKind::kMySQL: return mysql::OpenMysqlSink(spec);
    case TargetKind::kPostgres: return postgres::OpenPostgresSink(spec);
    case TargetKind::kDynamoDB: return dynamodb::OpenDynamoDbSink(spec);
    default:
      return Status::Unimplemented(fmt::format("the full load into a {} target is not built yet",
                                               TargetKindName(spec.target.kind)));
  }
}

}  // namespace cutover
