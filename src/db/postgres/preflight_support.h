// Preflight pieces the PostgreSQL source checks and target checks share: the connect step
// (`<side>.reachable`, `<side>.credentials`, `<side>.database`).
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "cutover/preflight.h"
#include "cutover/spec.h"

#include "db/postgres/connection.h"

namespace cutover::postgres {

// Connects for a preflight and appends `<side>.reachable`, `<side>.credentials` and
// `<side>.database` results (side is "source" or "target"). Returns null when the connection
// failed; the caller then skips its remaining checks with SkipReason(results).
std::unique_ptr<Connection> ConnectForCheck(std::string_view side, const ConnectionSpec& spec,
                                            std::vector<CheckResult>* results);

}  // namespace cutover::postgres
