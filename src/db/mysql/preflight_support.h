// Preflight pieces the MariaDB/MySQL source checks and target checks share: the connect step
// (`<side>.reachable`, `<side>.credentials`) and the parsing of SHOW GRANTS.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "cutover/preflight.h"
#include "cutover/spec.h"

#include "db/mysql/connection.h"

namespace cutover::mysql {

// Connects for a preflight and appends `<side>.reachable` and `<side>.credentials` results
// (side is "source" or "target"). Returns null when the connection failed; the caller then
// skips its remaining checks with SkipReason(results) (cutover/preflight.h).
std::unique_ptr<Connection> ConnectForCheck(std::string_view side, const ConnectionSpec& spec,
                                            const ConnectOptions& options,
                                            std::vector<CheckResult>* results);

// The privileges granted globally (ON *.*) by SHOW GRANTS lines, upper-case
// ("REPLICATION SLAVE"); `all` when ALL [PRIVILEGES] ON *.* was granted.
struct GlobalGrants {
  bool all = false;
  std::set<std::string> privileges;
  bool Has(std::string_view privilege) const;
};
GlobalGrants ParseGlobalGrants(const std::vector<std::string>& grant_lines);

}  // namespace cutover::mysql
