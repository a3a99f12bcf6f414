// The startup retry policy, with an injected opener that fails as told and a sleep that records
// the waits instead of sleeping.
#include "pipeline/startup_retry.h"

#include <vector>

#include <gtest/gtest.h>

namespace cutover::pipeline {
namespace {

using std::chrono::milliseconds;

const Status kRefused = Status::Unavailable(
    "cannot connect to 127.0.0.1:3307 as user 'cutover': Can't connect to server on "
    "'127.0.0.1' (115) (MySQL error 2002)");

// An opener that fails with `failures` in order, then succeeds; counts its calls.
struct FailingOpener {
  std::vector<StartupAttempt> failures;
  int calls = 0;
  StartupAttempt operator()() {
    return calls < static_cast<int>(failures.size()) ? failures[calls++]
                                                     : (++calls, StartupAttempt{});
  }
};

struct RecordedSleep {
  std::vector<int64_t> waits_ms;
  int stop_at = -1;  // the wait (0-based) during which a stop request comes
  bool operator()(milliseconds wait) {
    waits_ms.push_back(wait.count());
    return static_cast<int>(waits_ms.size()) - 1 != stop_at;
  }
};

StartupRetryPolicy Policy(int64_t budget_ms) {
  StartupRetryPolicy policy;
  policy.budget = milliseconds(budget_ms);
  policy.first_wait = milliseconds(1000);
  policy.max_wait = milliseconds(4000);
  return policy;
}

Status Retry(const StartupRetryPolicy& policy, FailingOpener& opener, RecordedSleep& sleep) {
  return RetryStartup(
      policy, "run", [&opener] { return opener(); },
      [&sleep](milliseconds wait) { return sleep(wait); });
}

// An opener failing once with `failure`: that error comes back as it is, with no wait.
void ExpectEndedAtOnce(const StartupRetryPolicy& policy, const StartupAttempt& failure) {
  FailingOpener opener{{failure}};
  RecordedSleep sleep;
  EXPECT_EQ(Retry(policy, opener, sleep), failure.status);
  EXPECT_EQ(opener.calls, 1);
  EXPECT_TRUE(sleep.waits_ms.empty());
}

TEST(StartupRetryTest, AnUnreachableServerIsTriedAgainWithGrowingWaitsUntilItAnswers) {
  FailingOpener opener{{{kRefused}, {kRefused}, {kRefused}}};
  RecordedSleep sleep;
  EXPECT_TRUE(Retry(Policy(60000), opener, sleep).ok());
  EXPECT_EQ(opener.calls, 4);
  EXPECT_EQ(sleep.waits_ms, (std::vector<int64_t>{1000, 2000, 4000}));
}

TEST(StartupRetryTest, APermanentErrorEndsAtOnceWithItsText) {
  const Status denied = Status::FailedPrecondition(
      "cannot connect to 127.0.0.1:3307 as user 'cutover': Access denied for user "
      "'cutover'@'localhost' (using password: YES) (MySQL error 1045)");
  for (const Status& error :
       {denied, Status::NotFound("no source table matches"), Status::InvalidArgument("bad")}) {
    SCOPED_TRACE(error.ToString());
    ExpectEndedAtOnce(Policy(60000), {error});
  }
}

TEST(StartupRetryTest, AnUnreachableServerAfterStartupIsNotRetriedHere) {
  ExpectEndedAtOnce(Policy(60000), {kRefused, /*past_startup=*/true});
}

TEST(StartupRetryTest, TheWaitsStopAtTheBudgetAndTheErrorSaysHowLongItWasTried) {
  FailingOpener opener{std::vector<StartupAttempt>(100, StartupAttempt{kRefused})};
  RecordedSleep sleep;
  Status status = Retry(Policy(10000), opener, sleep);
  // 1 + 2 + 4 + 3 (the rest of the budget) = 10 s of waits.
  EXPECT_EQ(sleep.waits_ms, (std::vector<int64_t>{1000, 2000, 4000, 3000}));
  EXPECT_EQ(opener.calls, 5);
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_EQ(status.message(), std::string(kRefused.message()) +
                                  "; still unreachable after 10 s of retries at startup");
}

TEST(StartupRetryTest, ABudgetOfZeroFailsAtOnceWithTheErrorUnchanged) {
  ExpectEndedAtOnce(Policy(0), {kRefused});
}

TEST(StartupRetryTest, AStopDuringAWaitEndsTheRunWithoutError) {
  FailingOpener opener{std::vector<StartupAttempt>(100, StartupAttempt{kRefused})};
  RecordedSleep sleep;
  sleep.stop_at = 1;
  EXPECT_TRUE(Retry(Policy(60000), opener, sleep).ok());
  EXPECT_EQ(opener.calls, 2);
}

TEST(StartupRetryTest, TheLogLineSaysWhatFailedAndWhenItIsTriedAgain) {
  EXPECT_EQ(StartupRetryLine("cutover run", kRefused, milliseconds(2000), 2, milliseconds(57000)),
            "cutover run: Unavailable: cannot connect to 127.0.0.1:3307 as user 'cutover': Can't "
            "connect to server on '127.0.0.1' (115) (MySQL error 2002); startup waits out "
            "Unavailable errors: trying again in 2 s (attempt 2 failed; 57 s of retries left)");
}

}  // namespace
}  // namespace cutover::pipeline
