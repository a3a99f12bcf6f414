// Tests for the stop request: finish's request and the run's answer round-trip, an old request
// without the newer fields reads, malformed text is a named error.
#include "state/stop_request.h"

#include <gtest/gtest.h>

#include "state/test_support.h"

namespace cutover::state {
namespace {

TEST(StopRequestTest, RequestAndAnswerRoundTripThroughTheStore) {
  TempDir tmp;
  auto state = StateStore::Open(tmp.state_dir()).value();
  EXPECT_EQ(ReadStopRequest(*state).value(), std::nullopt);
  StopRequest request{1700000000000, "cutover finish", "3f2a9c0d", std::nullopt};
  ASSERT_TRUE(WriteStopRequest(*state, request).ok());
  EXPECT_EQ(nlohmann::json::parse(state->GetMeta(kStopRequestKey).value().value()),
            nlohmann::json::parse(
                R"({"requested_at_ms":1700000000000,"by":"cutover finish","fence":"3f2a9c0d"})"));
  StopRequest read = ReadStopRequest(*state).value().value();
  EXPECT_EQ(read.requested_at_ms, request.requested_at_ms);
  EXPECT_EQ(read.by, "cutover finish");
  EXPECT_EQ(read.fence, "3f2a9c0d");
  EXPECT_EQ(read.stopped_at_ms, std::nullopt);

  read.stopped_at_ms = 1700000001000;  // the run's answer
  ASSERT_TRUE(WriteStopRequest(*state, read).ok());
  EXPECT_EQ(ReadStopRequest(*state).value()->stopped_at_ms, 1700000001000);
  ASSERT_TRUE(DeleteStopRequest(*state).ok());
  EXPECT_EQ(ReadStopRequest(*state).value(), std::nullopt);
}

TEST(StopRequestTest, MissingFieldsKeepTheirDefaults) {
  // docs/run.md's first form: {"requested_at_ms", "by"}; an answer to an unreadable request.
  StopRequest old = StopRequest::FromJson(R"({"requested_at_ms":5,"by":"x","extra":1})").value();
  EXPECT_EQ(old.requested_at_ms, 5);
  EXPECT_EQ(old.fence, "");
  EXPECT_EQ(old.stopped_at_ms, std::nullopt);
  EXPECT_EQ(StopRequest::FromJson(R"({"stopped_at_ms":9})").value().stopped_at_ms, 9);
  EXPECT_FALSE(StopRequest{}.ToJson().contains("fence"));
  EXPECT_FALSE(StopRequest{}.ToJson().contains("stopped_at_ms"));
}

TEST(StopRequestTest, MalformedTextIsDataLossNamingTheRecordAndField) {
  EXPECT_EQ(StopRequest::FromJson(R"({"stopped_at_ms":"soon"})").status(),
            Status::DataLoss(R"(state meta "run.stop_request": stopped_at_ms: expected an )"
                             R"(integer, found "soon")"));
  EXPECT_EQ(StopRequest::FromJson(R"({"by":7})").status(),
            Status::DataLoss(R"(state meta "run.stop_request": by: expected a string, found 7)"));
  EXPECT_EQ(StopRequest::FromJson("\"stop\"").status(),
            Status::DataLoss(R"(state meta "run.stop_request" is not a JSON object: "stop")"));
}

}  // namespace
}  // namespace cutover::state
