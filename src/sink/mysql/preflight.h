// Preflight for a MariaDB/MySQL target: reachable, credentials, the target database, writable
// (a scratch table is created, written, read back and dropped) and LOAD DATA LOCAL INFILE.
#pragma once

#include <string>
#include <vector>

#include "cutover/preflight.h"
#include "cutover/spec.h"

namespace cutover::mysql {

// Runs every target check for spec.target (kind MariaDB or MySQL), in the order of
// TargetCheckDefinitions(). Never fails: problems are check results. Leaves nothing behind:
// the scratch table `_cutover_check_<random>` and its data file are removed.
std::vector<CheckResult> CheckTarget(const Spec& spec);

// The target checks, in report order.
const std::vector<CheckDefinition>& TargetCheckDefinitions();

// A random scratch table name, `_cutover_check_` and 8 hex digits.
std::string ScratchTableName();

}  // namespace cutover::mysql
