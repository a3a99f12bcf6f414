// A fault scenario: `cutover run` under a sysbench write load (capped with --rate), its source
// and target connections through FaultProxy links, a fault schedule drawn from a seed; at the
// end the load stops, the run catches up, `cutover verify` reports 0 differences and every table
// is compared row by row. The same seed gives the same schedule (kinds, links, times,
// parameters) and the same pair of servers.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace cutover::fault {

enum class Pair { kMariaDbToMariaDb, kMariaDbToDynamoDb, kPostgresToPostgres };

// "mariadb-mariadb", "mariadb-dynamodb", "postgres-postgres".
const char* PairName(Pair pair);

// One fault of a schedule. `phase` "copy": `at_ms` after the run started; "cdc": after the run
// reported CDC. `kind`: drop, stall, slow, reset, refuse, half_open (drawn in CDC only; a test
// may force it in the copy) or restart (the server stopped for `duration_ms`, then started;
// only with restarts allowed).
struct Fault {
  std::string phase;
  int64_t at_ms = 0;
  std::string kind;
  std::string link;  // "source" or "target"
  int64_t duration_ms = 0;
  int64_t bytes_per_second = 0;  // slow
  int64_t latency_ms = 0;        // slow
  std::string Describe() const;  // "kind link parameters"
};

struct ScenarioOptions {
  uint64_t seed = 1;
  // Drawn from the seed when unset.
  bool pair_from_seed = true;
  Pair pair = Pair::kMariaDbToMariaDb;
  bool restarts = false;  // the schedule may restart servers (the test must run alone)
  // Faults added to the drawn ones (a test that must cover one kind).
  std::vector<Fault> forced;
  // False: only the forced faults, none drawn (a short test of one fault).
  bool draw = true;
  // Text `cutover run`'s output must hold at the end (e.g. the message of the timeout a forced
  // fault must trip, so the test shows the fault met a connection in use); empty: none.
  std::string expect_in_run_output;
  int rows_per_table = 2000;
  int rate = 40;  // sysbench transactions per second
};

// The schedule a seed gives (what RunScenario injects).
std::vector<Fault> DrawSchedule(uint64_t seed, bool restarts);
Pair DrawPair(uint64_t seed);

struct ScenarioResult {
  std::string scenario;
  uint64_t seed = 0;
  std::map<std::string, int> faults;  // injected, by kind
  int64_t rows_compared = 0;
  int64_t rows_lost = 0;       // source rows the target does not have
  int64_t rows_different = 0;  // rows both have with different values, or only the target has
  int run_exits = 0;           // times `cutover run` ended by itself and was started again
  int cdc_run_exits = 0;       // of those, a run that had reached CDC (a failure: it must ride
                               // out every fault there, reconnecting)
  int verify_exit = -1;
  std::string SummaryLine() const;  // one line, "FAULT-SUMMARY ..."
};

// Runs one scenario with gtest assertions (rows equal, verify exit 0) and prints each fault as it
// is injected and the summary line at the end. Needs the test servers and CUTOVER_BIN.
ScenarioResult RunScenario(const ScenarioOptions& options);

}  // namespace cutover::fault
