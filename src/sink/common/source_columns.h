// SourceColumns: what the SQL appliers say when a source without statements (PostgreSQL: a
// changed Relation, docs/ddl.md "PostgreSQL sources") adds a column they cannot follow.
#pragma once

#include <string>

#include "cutover/apply.h"
#include "cutover/sink.h"

namespace cutover::sink {

// The ways on for a column of `plan`'s source table the target table `quoted_target` did not
// get: add it by hand then `ddl resume`, or `--recopy`.
std::string SourceColumnWayOut(const TargetTablePlan& plan, const std::string& quoted_target);

// The refusal of a kAddColumn whose existing rows' value the source could not tell
// (SchemaStep::existing_value unset; its `statement` says why), with the ways on.
std::string UnknownExistingValues(const TargetTablePlan& plan, const SchemaStep& step,
                                  const std::string& quoted_target);

}  // namespace cutover::sink
