// AdaptiveLimiter: additive increase, multiplicative decrease of the concurrency cap.
#include "sink/dynamodb/adaptive_limiter.h"

#include <algorithm>

namespace cutover::dynamodb {

AdaptiveLimiter::AdaptiveLimiter(int max_concurrency)
    : max_(std::max(1, max_concurrency)), limit_(max_) {}

void AdaptiveLimiter::Acquire() {
  std::unique_lock lock(mutex_);
  slot_free_.wait(lock, [&] { return in_flight_ < static_cast<int>(limit_); });
  ++in_flight_;
}

void AdaptiveLimiter::Release(bool throttled) {
  {
    std::lock_guard lock(mutex_);
    --in_flight_;
    if (throttled) {
      limit_ = std::max(1.0, limit_ / 2);
    } else {
      limit_ = std::min(max_, limit_ + 1.0 / limit_);  // +1 per `limit_` clean responses
    }
  }
  slot_free_.notify_all();
}

int AdaptiveLimiter::limit() const {
  std::lock_guard lock(mutex_);
  return static_cast<int>(limit_);
}

}  // namespace cutover::dynamodb
