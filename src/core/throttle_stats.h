// ThrottleStats: what throttling cost this process, for `cutover run`'s status record and the
// control API's /metrics: time the rate limits (throttle.copy_rows_per_second,
// throttle.apply_rows_per_second) held the copy and the apply back, and the throttling answers
// the target gave (DynamoDB ProvisionedThroughputExceeded and its kin, each retried with backoff).
// Process-wide because every copy worker, apply lane and DynamoDB client adds to the same totals;
// they start at 0 with the process, as Prometheus counters may.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace cutover {

struct ThrottleStats {
  std::atomic<int64_t> copy_wait_us{0};       // copy workers waiting for the copy rate limit
  std::atomic<int64_t> apply_wait_us{0};      // apply lanes waiting for the apply rate limit
  std::atomic<uint64_t> target_throttled{0};  // throttling answers from the target
  // SQL targets: the COMMITs of copy chunks and apply batches, and the time they took
  // (throttle.target_max_commit_latency compares their average over each second).
  std::atomic<int64_t> target_commit_us{0};
  std::atomic<int64_t> target_commits{0};
};

ThrottleStats& ProcessThrottleStats();

// Runs `connection.Execute("COMMIT")` (a MariaDB/MySQL or PostgreSQL connection of a sink) and
// adds its time to the process's commit statistics.
template <typename Connection>
auto TimedCommit(Connection& connection) {
  const auto began = std::chrono::steady_clock::now();
  auto result = connection.Execute("COMMIT");
  ThrottleStats& stats = ProcessThrottleStats();
  stats.target_commit_us.fetch_add(std::chrono::duration_cast<std::chrono::microseconds>(
                                       std::chrono::steady_clock::now() - began)
                                       .count(),
                                   std::memory_order_relaxed);
  stats.target_commits.fetch_add(1, std::memory_order_relaxed);
  return result;
}

}  // namespace cutover
