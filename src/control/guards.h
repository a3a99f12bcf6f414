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
// One guard rail of the next stage, as the web page's checklist shows it (docs/web.md).
struct GuardCheck {
  std::string name;   // "verify", "lag", "fence"
  std::string needs;  // what the next stage needs, in words
  bool met = false;
  std::vector<std::string> problems;  // as ForwardProblems words them; empty when met
};
// The guard rails of moving `current` one stage forward, each met or not; empty at the last
// stage and where the next stage has none.
Result<std::vector<GuardCheck>> NextStageChecks(const Spec& spec, StateStore& state,
                                                const StageState& current);
// OK, or FailedPrecondition listing ForwardProblems and how to force the change.
Status CheckForward(const Spec& spec, StateStore& state, const StageState& current, Stage to);

}  // namespace cutover::control
