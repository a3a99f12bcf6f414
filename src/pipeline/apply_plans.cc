// ApplyPlans: selected source tables -> TargetTablePlans, named the way each sink names them.
#include "pipeline/apply_plans.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "cutover/mapping.h"

#include "sink/mysql/postgres_columns.h"
#include "sink/mysql/sink.h"

namespace cutover::pipeline {

Result<std::vector<TargetTablePlan>> ApplyPlans(const Spec& spec,
                                                const std::vector<SourceTable>& tables,
                                                const Mapping* mapping) {
  if (spec.target.kind == TargetKind::kDynamoDB && mapping == nullptr) {
    return Status::InvalidArgument(spec.file.string() +
                                   ": mapping: a DynamoDB target needs a mapping file");
  }
  std::vector<TargetTablePlan> plans;
  plans.reserve(tables.size());
  for (const SourceTable& table : tables) {
    TargetTablePlan plan;
    plan.source = table.schema.id;
    plan.schema = table.narrowed;
    plan.filter = table.rule->filter;
    plan.rule = table.rule;
    // The target table as each sink's PrepareTable names it.
    switch (spec.target.kind) {
      case TargetKind::kDynamoDB: {
        CUTOVER_RETURN_IF_ERROR(mapping->Check(plan.schema));
        CUTOVER_ASSIGN_OR_RETURN(std::string target, mapping->TargetOf(plan.source));
        plan.target = TableId{"", target};
        break;
      }
      case TargetKind::kPostgres:
      case TargetKind::kKafka:  // the topic is named after it (docs/kafka.md)
        plan.target = TableId{plan.source.schema,
                              table.rule->rename.empty() ? plan.source.name : table.rule->rename};
        break;
      default:
        CUTOVER_RETURN_IF_ERROR(mysql::CheckPostgresColumns(plan.schema));
        plan.target = mysql::TargetTableId(spec, table.schema.id, *table.rule);
    }
    plans.push_back(std::move(plan));
  }
  return plans;
}

}  // namespace cutover::pipeline
