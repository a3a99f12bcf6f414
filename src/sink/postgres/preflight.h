// Preflight for a PostgreSQL target: reachable, credentials, database (exists or can be
// created), a schema to write into, and writable (a scratch table is created, written, read
// back and dropped).
#pragma once

#include <vector>

#include "cutover/preflight.h"
#include "cutover/spec.h"

namespace cutover::postgres {

// Runs every target check for spec.target (kind PostgreSQL), in the order of
// TargetCheckDefinitions(). Never fails: problems are check results. Leaves nothing behind.
std::vector<CheckResult> CheckTarget(const Spec& spec);

// The target checks, in report order.
const std::vector<CheckDefinition>& TargetCheckDefinitions();

}  // namespace cutover::postgres
