// Guards: the guard rails of a forward stage change (docs/control-api.md, "Guard rails"): one
// stage at a time, a clean verify and a small lag before target_reads, a passed fence before
// target_primary.
#pragma once

#include <string>
#include <vector>

#include "cutover/control.h"

namespace cutover::control {

// What stands in the way of moving `current` forward to `to`, one "<why>; <what to do>" each;
// empty when nothing does.
Result<std::vector<std::string>> ForwardProblems(const Spec& spec, StateStore& state,
                                                 const StageState& current, Stage to);
// OK, or FailedPrecondition listing ForwardProblems and how to force the change.
Status CheckForward(const Spec& spec, StateStore& state, const StageState& current, Stage to);

}  // namespace cutover::control
