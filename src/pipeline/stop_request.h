// The stop request: how another process (`cutover finish`, docs/cutover.md) asks the running
// `cutover run` to stop once everything is applied. It writes state meta "run.stop_request" =
// {"requested_at_ms", "by"}; the run (checking every second while it applies) stops capture,
// applies everything logged, adds "stopped_at_ms" to the request and exits 0. A run that starts
// drops a request left from before, so it never stops on an old one.
#pragma once

namespace cutover::pipeline {

inline constexpr char kStopRequestKey[] = "run.stop_request";
// `cutover run`'s status record (run.cc StatusJson; docs/run.md).
inline constexpr char kRunStatusKey[] = "run.status";

}  // namespace cutover::pipeline
