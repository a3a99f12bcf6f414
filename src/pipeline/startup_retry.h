// StartupRetry: a run that finds the source or the target unreachable (Unavailable) before the
// copy's chunks begin is started again with backoff, for a bounded time, with a log line per
// attempt; any other error, or one after startup, ends it at once (docs/run.md, "Startup").
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "cutover/status.h"

namespace cutover::pipeline {

struct StartupRetryPolicy {
  // The most the waits between attempts add up to; 0: never try again (the first error ends
  // the run, as before there was a retry).
  std::chrono::milliseconds budget{60000};
  // The first wait; each next one doubles, up to max_wait (and never past the budget).
  std::chrono::milliseconds first_wait{1000};
  std::chrono::milliseconds max_wait{8000};
};

// What one attempt ended with, and whether it got past startup (its error is then final).
struct StartupAttempt {
  Status status;
  bool past_startup = false;
};

// The wait between attempts: false when a stop request ended it early (the run then returns OK,
// as a stopped run does). The seam for tests.
using StartupSleep = std::function<bool(std::chrono::milliseconds wait)>;

// Calls `attempt` until it returns OK, an error that is not Unavailable, an error after startup,
// or until the waits would exceed policy.budget (that last error, its message saying how long
// it was tried). Before each wait, logs (spdlog warning) "<what>: <the error>; trying again in
// N s (attempt K; ...)".
Status RetryStartup(const StartupRetryPolicy& policy, std::string_view what,
                    const std::function<StartupAttempt()>& attempt, const StartupSleep& sleep);

// The text RetryStartup logs before a wait (for tests and docs).
std::string StartupRetryLine(std::string_view what, const Status& error,
                             std::chrono::milliseconds wait, int attempt,
                             std::chrono::milliseconds left);

}  // namespace cutover::pipeline
