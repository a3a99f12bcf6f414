// OpenApplier: picks the target's ChangeApplier by spec.target.kind.
#include <fmt/format.h>

#include "cutover/apply.h"

#include "sink/dynamodb/applier.h"
#include "sink/mysql/applier.h"

namespace cutover {

Result<std::unique_ptr<ChangeApplier>> OpenApplier(const Spec& spec,
                                                   const std::vector<TargetTablePlan>& plans,
                                                   int lane, int lanes) {
  switch (spec.target.kind) {
    case TargetKind::kMariaDB:
    case TargetKind::kMySQL: return mysql::OpenMysqlApplier(spec, plans, lane, lanes);
    case TargetKind::kDynamoDB: return dynamodb::OpenDynamoDbApplier(spec, plans, lane, lanes);
    default:
      return Status::Unimplemented(fmt::format("applying changes to a {} target is not built yet",
                                               TargetKindName(spec.target.kind)));
  }
}

}  // namespace cutover
