// Fence internals shared by RunFence (cutover/fence.h) and `cutover finish` (cutover/finish.h):
// the running `cutover run` as its status record (state/run_status.h) shows it, and a fence
// that also returns what finish measures the quiet time with.
#pragma once

#include <cstdint>
#include <memory>

#include "cutover/fence.h"
#include "cutover/spec.h"
#include "cutover/state_store.h"
#include "cutover/status.h"

namespace cutover::pipeline {

// The state store of `spec` for fence and finish: FailedPrecondition (the message says to start
// `cutover run`) when there is none yet.
Result<std::unique_ptr<StateStore>> OpenStateForFence(const Spec& spec);

// FailedPrecondition with a message that says why and what to do, unless a `cutover run` is
// running for `spec` and applying (phase catch_up or cdc). `command` names the caller.
Status CheckRunApplying(const Spec& spec, StateStore& state, std::string_view command);

struct FenceOutcome {
  FenceResult result;
  // When capture last saw a change of a selected table before the marker (Unix ms).
  int64_t last_event_ms = 0;
};

// RunFence on an open state store, after CheckRunApplying.
Result<FenceOutcome> WriteFence(const Spec& spec, StateStore& state, const FenceOptions& options);

}  // namespace cutover::pipeline
