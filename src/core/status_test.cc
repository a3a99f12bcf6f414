// Tests of Status and Result: codes, retry guidance, context and the propagation macros.
#include <gtest/gtest.h>

#include "cutover/status.h"

namespace cutover {
namespace {

TEST(StatusTest, OkHasNoMessageAndRetryNone) {
  Status ok;
  EXPECT_TRUE(ok.ok());
  EXPECT_EQ(ok.ToString(), "OK");
  EXPECT_EQ(ok.retry(), Retry::kNone);
  EXPECT_EQ(Status(StatusCode::kOk, "ignored").message(), "");
}

TEST(StatusTest, CodesCarryRetryGuidance) {
  EXPECT_EQ(Status::Unavailable("x").retry(), Retry::kRetryCall);
  EXPECT_EQ(Status::ResourceExhausted("x").retry(), Retry::kRetryCall);
  EXPECT_EQ(Status::DeadlineExceeded("x").retry(), Retry::kRetryCall);
  EXPECT_EQ(Status::Aborted("x").retry(), Retry::kRedoUnit);
  EXPECT_EQ(Status::FailedPrecondition("x").retry(), Retry::kNeedsPerson);
  EXPECT_EQ(Status::InvalidArgument("x").retry(), Retry::kNeedsPerson);
  EXPECT_EQ(Status::DataLoss("x").retry(), Retry::kNeedsPerson);
  EXPECT_TRUE(Status::Unavailable("x").IsRetryable());
  EXPECT_FALSE(Status::Aborted("x").IsRetryable());
}

TEST(StatusTest, CopiesAndContext) {
  Status s = Status::NotFound("table shop.x");
  Status copy = s;
  EXPECT_EQ(copy, s);
  EXPECT_EQ(s.WithContext("copy").ToString(), "NotFound: copy: table shop.x");
  EXPECT_EQ(Status().WithContext("copy"), Status());
}

Result<int> Half(int v) {
  if (v % 2 != 0) return Status::InvalidArgument("odd: " + std::to_string(v));
  return v / 2;
}

Result<int> Quarter(int v) {
  CUTOVER_ASSIGN_OR_RETURN(int half, Half(v));
  CUTOVER_ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

Status CheckEven(int v) {
  CUTOVER_RETURN_IF_ERROR(Half(v).status());
  return Status::Ok();
}

TEST(ResultTest, PropagatesValuesAndErrors) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_EQ(Quarter(6).status().ToString(), "InvalidArgument: odd: 3");
  EXPECT_TRUE(CheckEven(4).ok());
  EXPECT_FALSE(CheckEven(5).ok());
  EXPECT_EQ(Half(3).value_or(-1), -1);
  Result<int> from_ok_status = Status::Ok();
  EXPECT_EQ(from_ok_status.status().code(), StatusCode::kInternal);
}

TEST(ResultDeathTest, ValueOfFailedResultAborts) {
  EXPECT_DEATH({ (void)Half(3).value(); }, "odd: 3");
}

}  // namespace
}  // namespace cutover
