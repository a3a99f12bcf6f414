// Tests for the continuous verify's records: the request and its heartbeat, the applier's
// entries of touched keys taken in order, and named errors for malformed ones.
#include "state/touched_keys.h"

#include <gtest/gtest.h>

#include "state/test_support.h"

namespace cutover::state {
namespace {

class TouchedKeysRecordTest : public ::testing::Test {
 protected:
  void SetUp() override { state_ = StateStore::Open(tmp_.state_dir()).value(); }

  TempDir tmp_;
  std::unique_ptr<StateStore> state_;
};

TEST_F(TouchedKeysRecordTest, TheRequestRoundTripsAndAsksWhileItsHeartbeatIsRecent) {
  EXPECT_EQ(ReadContinuousRequest(*state_).value(), std::nullopt);
  ASSERT_TRUE(WriteContinuousRequest(*state_, ContinuousRequest{0.1, 5000}).ok());
  EXPECT_EQ(nlohmann::json::parse(state_->GetMeta(kContinuousVerifyKey).value().value()),
            nlohmann::json::parse(R"({"sample":0.1,"heartbeat_ms":5000})"));
  ContinuousRequest read = ReadContinuousRequest(*state_).value().value();
  EXPECT_EQ(read.sample, 0.1);
  EXPECT_EQ(read.heartbeat_ms, 5000);
  EXPECT_TRUE(read.AskingAt(5000 + kHeartbeatTimeoutMs - 1));
  EXPECT_FALSE(read.AskingAt(5000 + kHeartbeatTimeoutMs));
  EXPECT_FALSE((ContinuousRequest{0, 5000}.AskingAt(5000)));
  ASSERT_TRUE(DeleteContinuousRequest(*state_).ok());
  EXPECT_EQ(ReadContinuousRequest(*state_).value(), std::nullopt);

  EXPECT_EQ(ContinuousRequest::FromJson("{}").value().sample, 0.0);
  EXPECT_EQ(ContinuousRequest::FromJson(R"({"sample":"all"})").status(),
            Status::DataLoss(
                R"(state meta "verify.continuous": sample: expected a number, found "all")"));
}

TEST_F(TouchedKeysRecordTest, EntriesAreTakenOldestFirstAndDeleted) {
  TouchedBatch first;
  first.keys["shop.accounts"] = {"0a", "0b"};
  first.applied_ms = 1000;
  TouchedBatch second;
  second.keys["shop.orders"] = {"0c"};
  second.dropped = 3;
  second.applied_ms = 2000;
  ASSERT_TRUE(WriteTouchedBatch(*state_, second).ok());
  ASSERT_TRUE(WriteTouchedBatch(*state_, first).ok());
  std::vector<TouchedBatch> taken = TakeTouchedBatches(*state_).value();
  ASSERT_EQ(taken.size(), 2u);
  EXPECT_EQ(taken[0].ToJson(), first.ToJson());
  EXPECT_EQ(taken[1].ToJson(), second.ToJson());
  EXPECT_EQ(taken[1].dropped, 3);
  EXPECT_TRUE(state_->ListMeta(kTouchedPrefix).value().empty());
  EXPECT_TRUE(TakeTouchedBatches(*state_).value().empty());

  ASSERT_TRUE(WriteTouchedBatch(*state_, first).ok());
  ASSERT_TRUE(DeleteTouchedBatches(*state_).ok());
  EXPECT_TRUE(state_->ListMeta(kTouchedPrefix).value().empty());
}

TEST_F(TouchedKeysRecordTest, TheStoredFormatAndItsDefaults) {
  TouchedBatch batch;
  batch.keys["shop.accounts"] = {"0a"};
  batch.applied_ms = 7;
  EXPECT_EQ(batch.ToJson(), nlohmann::json::parse(
                                R"({"keys":{"shop.accounts":["0a"]},"dropped":0,"applied_ms":7})"));
  TouchedBatch old = TouchedBatch::FromJson(R"({"keys":{}})").value();
  EXPECT_TRUE(old.keys.empty());
  EXPECT_EQ(old.dropped, 0);
}

TEST_F(TouchedKeysRecordTest, AMalformedEntryIsDataLossNamingItsKeyAndIsDeleted) {
  ASSERT_TRUE(
      state_->SetMeta("verify.touched/0000000000001000-7", R"({"keys":{"shop.a":[1]}})").ok());
  EXPECT_EQ(TakeTouchedBatches(*state_).status(),
            Status::DataLoss(R"(state meta "verify.touched/0000000000001000-7": keys.shop.a: )"
                             R"(expected a list of strings, found [1])"));
  EXPECT_TRUE(state_->ListMeta(kTouchedPrefix).value().empty());
  EXPECT_EQ(TouchedBatch::FromJson(R"({"dropped":1})").status(),
            Status::DataLoss(R"(state meta "verify.touched/<ms>-<pid>": keys: missing)"));
  EXPECT_EQ(TouchedBatch::FromJson(R"({"keys":[]})").status(),
            Status::DataLoss(R"(state meta "verify.touched/<ms>-<pid>": keys: expected an )"
                             R"(object, found [])"));
}

}  // namespace
}  // namespace cutover::state
