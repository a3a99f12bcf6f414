// ApplyPlans: which target table each selected source table goes to and with which columns, as
// the target's sink names it: the plans the appliers, capture's router and verify share.
#pragma once

#include <vector>

#include "cutover/mapping.h"
#include "cutover/sink.h"
#include "cutover/source.h"
#include "cutover/spec.h"
#include "cutover/status.h"

namespace cutover::pipeline {

// The tables the applier writes (Target::Plans): one plan per table of `tables`
// (Source::LoadSelectedTables, in its order), with the table's narrowed schema and its target
// table as the target's sink names it. A DynamoDB target names them by `mapping` (required:
// InvalidArgument without), checked against the narrowed schema. A MariaDB/MySQL target refuses
// a PostgreSQL source column it has no type for (InvalidArgument naming table and column,
// mysql::CheckPostgresColumns). Reads nothing.
Result<std::vector<TargetTablePlan>> ApplyPlans(const Spec& spec,
                                                const std::vector<SourceTable>& tables,
                                                const Mapping* mapping = nullptr);

}  // namespace cutover::pipeline
