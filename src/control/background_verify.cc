// BackgroundVerify: one verify at a time on a thread of its own.
#include "control/background_verify.h"

#include "pipeline/clock.h"

namespace cutover::control {

Status BackgroundVerify::Start(int64_t now_ms) {
  if (!run_) {
    return Status::Unimplemented(
        "this process cannot run a verify; run `cutover verify SPEC` from a shell");
  }
  std::lock_guard lock(mutex_);
  if (running_) {
    return Status::AlreadyExists(
        "a verify started here is still running; wait for it (GET /v1/verify shows when it ends)");
  }
  if (thread_.joinable()) thread_.join();  // the last one has ended
  running_ = true;
  started_at_ms_ = now_ms;
  finished_at_ms_ = 0;
  error_.clear();
  thread_ = std::thread([this] { Finish(run_(&stop_)); });
  return Status::Ok();
}

void BackgroundVerify::Finish(const Status& status) {
  std::lock_guard lock(mutex_);
  running_ = false;
  finished_at_ms_ = pipeline::NowMs();
  error_ = status.ok() ? std::string() : status.ToString();
}

nlohmann::json BackgroundVerify::State() const {
  std::lock_guard lock(mutex_);
  return {{"running", running_},
          {"started_at_ms", started_at_ms_},
          {"finished_at_ms", finished_at_ms_},
          {"error", error_.empty() ? nlohmann::json() : nlohmann::json(error_)}};
}

void BackgroundVerify::Stop() {
  stop_ = true;
  std::thread thread;
  {
    std::lock_guard lock(mutex_);
    thread = std::move(thread_);
  }
  if (thread.joinable()) thread.join();
}

}  // namespace cutover::control
