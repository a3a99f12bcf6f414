// LoadProbes: measures how loaded the source, its named replicas and an SQL target are, and
// turns each measure over its live limit into the sentence that holds the copy or the apply
// (docs/operations.md, "Load-aware throttling"). Each probe has its own session, opened when
// its limit is first set and reopened after a failure; a failed probe holds nothing and is
// reported instead. Not thread-safe: one thread (`cutover run`'s probe thread) calls Round.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "cutover/spec.h"
#include "cutover/status.h"

#include "pipeline/throttler.h"

namespace cutover::pipeline {

// The limits in force (the spec's, or a live `cutover ctl set`); 0: that check is off.
struct LoadLimits {
  int64_t source_threads_running = 0;  // throttle.max_load.threads_running
  int64_t max_replica_lag_ms = 0;      // throttle.max_replica_lag (replicas from the spec)
  int64_t target_threads_running = 0;  // throttle.target_max_load
  int64_t target_commit_latency_ms = 0;  // throttle.target_max_commit_latency
};

// The target_load sentence when the target's COMMITs (`commits` of them, taking `commit_us`
// together, over `seconds`) took longer than `limit_ms` on average; empty when they did not,
// when there were none, or when the limit is 0.
std::string CommitLatencyVerdict(int64_t commit_us, int64_t commits, double seconds,
                                 int64_t limit_ms);

class LoadProbes {
 public:
  explicit LoadProbes(const Spec& spec);
  ~LoadProbes();
  LoadProbes(const LoadProbes&) = delete;
  LoadProbes& operator=(const LoadProbes&) = delete;

  // One round of every check whose limit is set.
  LoadVerdicts Round(const LoadLimits& limits);

 private:
  class Session;  // a MariaDB/MySQL or PostgreSQL session of one probe
  Session& SessionFor(const std::string& name, bool postgres, const ConnectionSpec& connection);
  // Running statements other than the probe's own: MariaDB/MySQL Threads_running - 1,
  // PostgreSQL active client backends.
  Result<int64_t> RunningThreads(Session& session);
  // Seconds_Behind_Master of a MariaDB/MySQL replica; FailedPrecondition when it is NULL.
  Result<int64_t> ReplicaLagSeconds(Session& session);
  void ProbeSource(const LoadLimits& limits, LoadVerdicts& out);
  void ProbeReplicas(const LoadLimits& limits, LoadVerdicts& out);
  void ProbeTarget(const LoadLimits& limits, LoadVerdicts& out);

  const Spec& spec_;
  std::map<std::string, std::unique_ptr<Session>> sessions_;  // "source", "target", host:port
};

}  // namespace cutover::pipeline
