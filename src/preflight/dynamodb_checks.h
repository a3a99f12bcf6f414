// Preflight for a DynamoDB target: credentials found, and the endpoint answers a request signed
// with them (ListTables), so that a wrong endpoint, region or key shows before `run`.
#pragma once

#include <vector>

#include "cutover/preflight.h"
#include "cutover/spec.h"

namespace cutover {

// "target.credentials" and "target.reachable" (skipped when no credentials were found). Never
// throws; problems are check results.
std::vector<CheckResult> CheckDynamoDbTarget(const DynamoDbSpec& dynamodb);

}  // namespace cutover
