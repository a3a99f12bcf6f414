// AdaptiveLimiter: caps the requests in flight to one DynamoDB endpoint and adapts the cap
// (AIMD): halve it on throttling, grow it by one per window of clean responses.
#pragma once

#include <condition_variable>
#include <mutex>

namespace cutover::dynamodb {

class AdaptiveLimiter {
 public:
  explicit AdaptiveLimiter(int max_concurrency);

  // Blocks until a request may start; pair each call with Release().
  void Acquire();
  // Ends a request; `throttled` says whether the server throttled it.
  void Release(bool throttled);
  int limit() const;

 private:
  // Constant after construction
  const double max_;
  // State below is protected by mutex_
  mutable std::mutex mutex_;
  std::condition_variable slot_free_;
  double limit_;  // current cap, 1..max_
  int in_flight_ = 0;
};

}  // namespace cutover::dynamodb
