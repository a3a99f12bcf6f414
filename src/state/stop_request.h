// StopRequest: how another process (`cutover finish`, docs/cutover.md) asks the running
// `cutover run` to stop once everything is applied (meta "run.stop_request", docs/run.md).
// Finish writes the request; the run (checking every second while it applies) stops capture,
// applies everything logged, answers by adding stopped_at_ms and exits 0. A run that starts
// deletes a request left from before, so it never stops on an old one.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "cutover/state_store.h"
#include "cutover/status.h"

namespace cutover::state {

inline constexpr char kStopRequestKey[] = "run.stop_request";
// What `cutover finish` records before it asks the run to stop (the fence that proved the
// stream drained): a finish run again after an interruption completes from it. A run that
// starts deletes it with the stop request: the stream it drained goes on.
inline constexpr char kFinishDrainedKey[] = "finish.drained";
// What that finish removed from the source so far (a JSON array of names).
inline constexpr char kFinishRemovedKey[] = "finish.removed";

struct StopRequest {
  int64_t requested_at_ms = 0;
  std::string by;     // who asked: "cutover finish"
  std::string fence;  // the fence that proved the stream drained; empty (not stored): none
  std::optional<int64_t> stopped_at_ms;  // the run's answer: everything captured is applied

  nlohmann::json ToJson() const;
  // Absent fields keep their defaults; DataLoss naming the field when one has another type.
  static Result<StopRequest> FromJson(std::string_view text);
};

// The request, nullopt when none is pending.
Result<std::optional<StopRequest>> ReadStopRequest(StateStore& state);
Status WriteStopRequest(StateStore& state, const StopRequest& request);
Status DeleteStopRequest(StateStore& state);

}  // namespace cutover::state
