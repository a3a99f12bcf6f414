// LiveRun: the running `cutover run` as a verify sees it, through the status record it writes
// to the state store every second (state/run_status.h): whether one is running, and when every
// change logged before a given time has been applied. Verify's re-check under live CDC and
// --repair wait on it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "cutover/state_store.h"
#include "cutover/status.h"

namespace cutover::verify {

// "applied_through_ms" of a fresh status record: every change logged before it is applied;
// 0 when the run cannot say at the moment (apply not started, or reading a backlog with
// nothing in flight). nullopt when no `cutover run` is running.
Result<std::optional<int64_t>> AppliedThrough(StateStore& state);

// Waits until two status records in a row say every change logged before `time_ms` is
// applied (one record could be written in the instant a lane's queue is not yet taken).
// DeadlineExceeded after `timeout` ("<what> were not applied within N s"), Cancelled when
// `stop` is set.
Status WaitApplied(StateStore& state, int64_t time_ms, std::chrono::seconds timeout,
                   const std::atomic<bool>* stop, std::string_view what);

}  // namespace cutover::verify
