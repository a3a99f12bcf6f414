// LiveRun: the run status record read by verify.
#include "verify/live.h"

#include <thread>

#include <fmt/format.h>

#include "pipeline/clock.h"
#include "state/run_status.h"

namespace cutover::verify {

Result<std::optional<int64_t>> AppliedThrough(StateStore& state) {
  CUTOVER_ASSIGN_OR_RETURN(std::optional<state::RunStatus> status,
                           state::ReadFreshRunStatus(state, pipeline::NowMs()));
  if (!status) return std::optional<int64_t>();
  return std::optional<int64_t>(status->applied_through_ms);
}

Status WaitApplied(StateStore& state, int64_t time_ms, std::chrono::seconds timeout,
                   const std::atomic<bool>* stop, std::string_view what) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int64_t agreeing_record = 0;  // updated_at_ms of a status record that agreed
  while (std::chrono::steady_clock::now() < deadline) {
    CUTOVER_ASSIGN_OR_RETURN(std::optional<state::RunStatus> status,
                             state::ReadFreshRunStatus(state, pipeline::NowMs()));
    if (status && status->applied_through_ms >= time_ms) {
      int64_t updated = status->updated_at_ms;
      if (agreeing_record != 0 && updated != agreeing_record) return Status::Ok();
      agreeing_record = updated;
    } else {
      agreeing_record = 0;
    }
    if (stop != nullptr && stop->load())
      return Status::Cancelled("stopped while waiting for apply");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return Status::DeadlineExceeded(
      fmt::format("{} were not applied within {} s (see `cutover status`)", what, timeout.count()));
}

}  // namespace cutover::verify
