// ThrottleStats: the one instance of the process.
#include "core/throttle_stats.h"

namespace cutover {

ThrottleStats& ProcessThrottleStats() {
  static ThrottleStats stats;
  return stats;
}

}  // namespace cutover
