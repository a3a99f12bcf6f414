// ApplyPlans: which target table each selected source table goes to and with which columns, as
// the target's sink names it: the plans the appliers, Kafka capture's router and verify share.
#pragma once

#include <vector>

#include "cutover/sink.h"
#include "cutover/source.h"
#include "cutover/spec.h"
#include "cutover/status.h"

namespace cutover::pipeline {

// The tables the applier writes: one plan per table of `tables` (Source::LoadSelectedTables, in
// its order), with the table's narrowed schema and its target table as the target's sink names
// it (DynamoDB: the mapping's table, the mapping checked against the narrowed schema). Reads no
// source; a DynamoDB target reads the spec's mapping file (its errors as LoadMapping's).
Result<std::vector<TargetTablePlan>> ApplyPlans(const Spec& spec,
                                                const std::vector<SourceTable>& tables);

// The same for the tables the spec selects now, read through a source opened for this call
// (OpenSource: Unimplemented for a PostgreSQL source, before anything is opened). For callers
// that have no Source of their own yet; a caller that has one passes its tables instead.
Result<std::vector<TargetTablePlan>> ApplyPlans(const Spec& spec);

}  // namespace cutover::pipeline
