// StartupRetry: an unreachable server at a run's start is waited for, within a budget.
#include "pipeline/startup_retry.h"

#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace cutover::pipeline {
namespace {

std::string Seconds(std::chrono::milliseconds duration) {
  return fmt::format("{:g} s", static_cast<double>(duration.count()) / 1000.0);
}

}  // namespace

std::string StartupRetryLine(std::string_view what, const Status& error,
                             std::chrono::milliseconds wait, int attempt,
                             std::chrono::milliseconds left) {
  return fmt::format(
      "{}: {}; startup waits out Unavailable errors: trying again in {} (attempt {} "
      "failed; {} of retries left)",
      what, error.ToString(), Seconds(wait), attempt, Seconds(left));
}

Status RetryStartup(const StartupRetryPolicy& policy, std::string_view what,
                    const std::function<StartupAttempt()>& attempt, const StartupSleep& sleep) {
  std::chrono::milliseconds waited{0};
  std::chrono::milliseconds next_wait = policy.first_wait;
  for (int number = 1;; ++number) {
    StartupAttempt result = attempt();
    if (result.status.ok() || result.past_startup ||
        result.status.code() != StatusCode::kUnavailable) {
      return result.status;
    }
    const std::chrono::milliseconds left = policy.budget - waited;
    if (left.count() <= 0) {
      if (policy.budget.count() == 0) return result.status;
      return Status(result.status.code(),
                    fmt::format("{}; still unreachable after {} of retries at startup",
                                result.status.message(), Seconds(policy.budget)));
    }
    const std::chrono::milliseconds wait = std::min(next_wait, left);
    spdlog::warn(StartupRetryLine(what, result.status, wait, number, left - wait));
    if (!sleep(wait)) return Status::Ok();
    waited += wait;
    next_wait = std::min(next_wait * 2, policy.max_wait);
  }
}

}  // namespace cutover::pipeline
