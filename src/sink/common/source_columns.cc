// SourceColumns: refusals for columns added by a source without statements.
#include "sink/common/source_columns.h"

#include <fmt/format.h>

namespace cutover::sink {

std::string SourceColumnWayOut(const TargetTablePlan& plan, const std::string& quoted_target) {
  const std::string source = plan.source.ToString();
  return fmt::format(
      "add it to {} with the source's values yourself, then cutover ddl resume SPEC {}; or "
      "cutover ddl resume SPEC {} --recopy copies the table again",
      quoted_target, source, source);
}

std::string UnknownExistingValues(const TargetTablePlan& plan, const SchemaStep& step,
                                  const std::string& quoted_target) {
  return fmt::format(
      "column {} was added to {}, and the values the rows it was added to hold on the source "
      "are not known ({}): {}",
      step.column.name, plan.source.ToString(), step.statement,
      SourceColumnWayOut(plan, quoted_target));
}

}  // namespace cutover::sink
