// BinlogBackoff: the full-jitter exponential backoff between reconnection attempts of the
// binlog stream (delay drawn uniformly from [0, min(cap, initial * 2^attempt)]).
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace cutover::mysql {

struct BackoffOptions {
  std::chrono::milliseconds initial{100};  // the ceiling of the first delay
  std::chrono::milliseconds cap{10000};    // no delay is ever longer
};

// Not thread-safe; one per reconnect loop.
class BinlogBackoff {
 public:
  explicit BinlogBackoff(BackoffOptions options, uint64_t seed = std::random_device{}());

  // The delay before the next attempt; each call doubles the ceiling up to the cap.
  std::chrono::milliseconds Next();
  // Called after a connection that worked: the next delay starts from `initial` again.
  void Reset() { attempt_ = 0; }
  // Attempts since the last Reset(), including the one Next() was last called for.
  int attempt() const { return attempt_; }
  // The ceiling of the delay for the attempt after `attempt` earlier ones.
  std::chrono::milliseconds Ceiling(int attempt) const;

 private:
  BackoffOptions options_;
  std::mt19937_64 random_;
  int attempt_ = 0;
};

}  // namespace cutover::mysql
