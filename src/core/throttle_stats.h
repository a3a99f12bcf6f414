// ThrottleStats: what throttling cost this process, for `cutover run`'s status record and the
// control API's /metrics: time the rate limits (throttle.copy_rows_per_second,
// throttle.apply_rows_per_second) held the copy and the apply back, and the throttling answers
// the target gave (DynamoDB ProvisionedThroughputExceeded and its kin, each retried with backoff).
// Process-wide because every copy worker, apply lane and DynamoDB client adds to the same totals;
// they start at 0 with the process, as Prometheus counters may.
#pragma once

#include <atomic>
#include <cstdint>

namespace cutover {

struct ThrottleStats {
  std::atomic<int64_t> copy_wait_us{0};       // copy workers waiting for the copy rate limit
  std::atomic<int64_t> apply_wait_us{0};      // apply lanes waiting for the apply rate limit
  std::atomic<uint64_t> target_throttled{0};  // throttling answers from the target
};

ThrottleStats& ProcessThrottleStats();

}  // namespace cutover
