// Seeded fault scenarios (scenario.h): a fixed set of seeds for CI, the half-open source link
// during CDC on MariaDB and PostgreSQL, the half-open target link of each pair (PostgreSQL's in
// the copy too), and any seed from the environment (bench/chaos.sh):
//   CUTOVER_FAULT_SEED=N [CUTOVER_FAULT_RESTARTS=1] fault_scenario_test --gtest_filter='*BySeed*'
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "scenario.h"

namespace cutover::fault {
namespace {

ScenarioOptions Fixed(Pair pair, uint64_t seed) {
  ScenarioOptions options;
  options.seed = seed;
  options.pair_from_seed = false;
  options.pair = pair;
  return options;
}

// A forced fault of `kind` on `link` during CDC, `at_ms` after it began.
Fault InCdc(const std::string& kind, const std::string& link, int64_t at_ms,
            int64_t duration_ms = 0) {
  Fault fault;
  fault.phase = "cdc";
  fault.at_ms = at_ms;
  fault.kind = kind;
  fault.link = link;
  fault.duration_ms = duration_ms;
  return fault;
}

Fault HalfOpenSource(int64_t at_ms) { return InCdc("half_open", "source", at_ms); }

TEST(FaultScenario, MariaDbToMariaDb) { RunScenario(Fixed(Pair::kMariaDbToMariaDb, 101)); }

TEST(FaultScenario, MariaDbToDynamoDb) { RunScenario(Fixed(Pair::kMariaDbToDynamoDb, 202)); }

TEST(FaultScenario, PostgresToPostgres) { RunScenario(Fixed(Pair::kPostgresToPostgres, 303)); }

// Every connection to the source stops answering and is never closed (a peer gone without a
// FIN or RST): the binlog connection's read timeout must end it, and the run read on through a
// new connection.
TEST(FaultScenario, HalfOpenMariaDbSourceDuringCdc) {
  ScenarioOptions options = Fixed(Pair::kMariaDbToMariaDb, 404);
  options.forced.push_back(HalfOpenSource(500));
  RunScenario(options);
}

// The same on PostgreSQL: the replication connection's silence must end it.
TEST(FaultScenario, HalfOpenPostgresSourceDuringCdc) {
  ScenarioOptions options = Fixed(Pair::kPostgresToPostgres, 505);
  options.forced.push_back(HalfOpenSource(500));
  RunScenario(options);
}

// The target stops answering without closing any connection (half-open), only that fault, none
// drawn: the sessions writing to it must give up by their own timeouts (15 s: a statement's
// reply, COPY data the socket does not take, an HTTP request that moves no byte) and the run go
// on through new connections, ending equal without exiting. The expected text is the timeout's,
// so the fault met a connection in use.
ScenarioOptions HalfOpenTarget(Pair pair, uint64_t seed, const std::string& phase, int64_t at_ms,
                               const std::string& timeout_text) {
  ScenarioOptions options = Fixed(pair, seed);
  options.draw = false;
  Fault fault = InCdc("half_open", "target", at_ms);
  fault.phase = phase;
  options.forced.push_back(fault);
  options.expect_in_run_output = timeout_text;
  return options;
}

constexpr char kPostgresLost[] = "within 15000 ms; the connection is taken as lost";

TEST(FaultScenario, HalfOpenPostgresTargetDuringCdc) {
  RunScenario(HalfOpenTarget(Pair::kPostgresToPostgres, 808, "cdc", 500, kPostgresLost));
}

// During the copy: a chunk's COPY (or its DELETE, or its COMMIT) on a session gone half-open.
TEST(FaultScenario, HalfOpenPostgresTargetDuringCopy) {
  RunScenario(HalfOpenTarget(Pair::kPostgresToPostgres, 909, "copy", 1500, kPostgresLost));
}

// libmariadb's read timeout of the apply lane's session.
TEST(FaultScenario, HalfOpenMariaDbTargetDuringCdc) {
  RunScenario(HalfOpenTarget(Pair::kMariaDbToMariaDb, 1001, "cdc", 500, "Lost connection"));
}

// curl's low-speed limit: no byte for 15 s.
TEST(FaultScenario, HalfOpenDynamoDbTargetOfMariaDbDuringCdc) {
  RunScenario(HalfOpenTarget(Pair::kMariaDbToDynamoDb, 1102, "cdc", 500, "Timeout was reached"));
}

// Server restarts: run alone (RUN_SERIAL), as fault_restart_test.
TEST(FaultRestart, SourceAndTargetRestarted) {
  ScenarioOptions options = Fixed(Pair::kMariaDbToMariaDb, 606);
  options.restarts = true;
  options.forced = {InCdc("restart", "source", 1000, 2000), InCdc("restart", "target", 6000, 2000)};
  RunScenario(options);
}

TEST(FaultRestart, PostgresSourceRestarted) {
  ScenarioOptions options = Fixed(Pair::kPostgresToPostgres, 707);
  options.restarts = true;
  options.forced = {InCdc("restart", "source", 1500, 2000)};
  RunScenario(options);
}

// The scenario of CUTOVER_FAULT_SEED (skipped without it): its pair and schedule drawn from the
// seed; CUTOVER_FAULT_RESTARTS=1 lets the schedule restart servers.
TEST(FaultChaos, BySeed) {
  const char* seed = std::getenv("CUTOVER_FAULT_SEED");
  if (seed == nullptr) GTEST_SKIP() << "CUTOVER_FAULT_SEED is not set";
  ScenarioOptions options;
  options.seed = std::strtoull(seed, nullptr, 10);
  const char* restarts = std::getenv("CUTOVER_FAULT_RESTARTS");
  options.restarts = restarts != nullptr && std::string(restarts) == "1";
  RunScenario(options);
}

}  // namespace
}  // namespace cutover::fault
