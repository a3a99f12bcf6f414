// Metrics: the migration's state as Prometheus text exposition (format 0.0.4), read from the
// state store: copy progress, capture and apply counters, lag, throttle limits, the last verify,
// the flag stages, the last fence and what applications reported (docs/control-api.md).
#pragma once

#include <string>

#include "cutover/control.h"

namespace cutover::control {

// The text GET /metrics answers. `now_ms` ages the run's status record.
Result<std::string> RenderMetrics(const Spec& spec, StateStore& state, int64_t now_ms);

}  // namespace cutover::control
