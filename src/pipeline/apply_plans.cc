// ApplyPlans: the selected source tables, narrowed to their rules' columns, with the target
// table each sink writes.
#include "pipeline/apply_plans.h"

#include <optional>

#include "sink/dynamodb/sink.h"
#include "sink/mysql/sink.h"
#include "db/mysql/connection.h"
#include "source/mysql/snapshot_schema.h"

namespace cutover::pipeline {

Result<std::vector<TargetTablePlan>> ApplyPlans(const Spec& spec) {
  CUTOVER_ASSIGN_OR_RETURN(auto source, mysql::Connection::Open(spec.source.connection));
  CUTOVER_ASSIGN_OR_RETURN(std::vector<mysql::SelectedTable> selected,
                           mysql::LoadSelectedTables(*source, spec));
  std::optional<Mapping> mapping;  // DynamoDB: names each source table's DynamoDB table
  if (spec.target.kind == TargetKind::kDynamoDB) {
    CUTOVER_ASSIGN_OR_RETURN(mapping, dynamodb::LoadMapping(spec));
  }
  std::vector<TargetTablePlan> plans;
  for (const mysql::SelectedTable& table : selected) {
    TargetTablePlan plan;
    plan.source = table.schema.id;
    CUTOVER_ASSIGN_OR_RETURN(plan.schema, mysql::NarrowToColumns(table.schema, *table.rule));
    // The target table as each sink's PrepareTable names it.
    switch (spec.target.kind) {
      case TargetKind::kDynamoDB: {
        CUTOVER_RETURN_IF_ERROR(mapping->Check(plan.schema));
        CUTOVER_ASSIGN_OR_RETURN(std::string target, mapping->TargetOf(plan.source));
        plan.target = TableId{"", target};
        break;
      }
      case TargetKind::kPostgres:
        plan.target = TableId{plan.source.schema,
                              table.rule->rename.empty() ? plan.source.name : table.rule->rename};
        break;
      default: plan.target = mysql::TargetTableId(spec, table.schema.id, *table.rule);
    }
    plans.push_back(std::move(plan));
  }
  return plans;
}

}  // namespace cutover::pipeline
