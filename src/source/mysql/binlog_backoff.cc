// BinlogBackoff: full-jitter exponential backoff for binlog reconnects.
#include "source/mysql/binlog_backoff.h"

#include <algorithm>

namespace cutover::mysql {

BinlogBackoff::BinlogBackoff(BackoffOptions options, uint64_t seed)
    : options_(options), random_(seed) {}

std::chrono::milliseconds BinlogBackoff::Ceiling(int attempt) const {
  const int64_t cap = std::max<int64_t>(options_.cap.count(), 0);
  int64_t ceiling = std::max<int64_t>(options_.initial.count(), 1);
  for (int step = 0; step < attempt && ceiling < cap; ++step) ceiling *= 2;
  return std::chrono::milliseconds(std::min(ceiling, cap));
}

std::chrono::milliseconds BinlogBackoff::Next() {
  std::chrono::milliseconds ceiling = Ceiling(attempt_);
  ++attempt_;
  std::uniform_int_distribution<int64_t> delay(0, ceiling.count());
  return std::chrono::milliseconds(delay(random_));
}

}  // namespace cutover::mysql
