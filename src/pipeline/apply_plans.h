// ApplyPlans: the tables the applier writes.
#pragma once

#include <vector>

#include "cutover/sink.h"
#include "cutover/spec.h"
#include "cutover/status.h"

namespace cutover::pipeline {

// The tables the applier writes: each selected source table narrowed to its rule's columns,
// with its target table as the target's sink names it (DynamoDB: the mapping's table, the
// mapping checked against the narrowed schema).
Result<std::vector<TargetTablePlan>> ApplyPlans(const Spec& spec);

}  // namespace cutover::pipeline
