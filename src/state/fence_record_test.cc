// Tests for the fence records: a fence's record as each process completes it, the last fence,
// the documented format, defaults for missing fields and named errors.
#include "state/fence_record.h"

#include <gtest/gtest.h>

#include "state/test_support.h"

namespace cutover::state {
namespace {

class FenceRecordTest : public ::testing::Test {
 protected:
  void SetUp() override { state_ = StateStore::Open(tmp_.state_dir()).value(); }
  nlohmann::json Stored(const std::string& key) {
    return nlohmann::json::parse(state_->GetMeta(key).value().value());
  }

  TempDir tmp_;
  std::unique_ptr<StateStore> state_;
};

TEST_F(FenceRecordTest, EachStepAddsItsFields) {
  EXPECT_EQ(ReadFenceRecord(*state_, "f1").value(), std::nullopt);
  FenceRecord record;
  record.id = "f1";
  record.requested_at_ms = 100;
  ASSERT_TRUE(WriteFenceRecord(*state_, record).ok());
  EXPECT_EQ(Stored("fence/f1"), nlohmann::json::parse(R"({"id":"f1","requested_at_ms":100})"));
  FenceRecord read = ReadFenceRecord(*state_, "f1").value().value();
  EXPECT_FALSE(read.seen);
  EXPECT_FALSE(read.passed);

  // Capture saw the marker (local log).
  read.seen = true;
  read.seen_ms = 110;
  read.log_offset = 42;
  read.last_event_ms = 90;
  ASSERT_TRUE(WriteFenceRecord(*state_, read).ok());
  EXPECT_EQ(Stored("fence/f1"),
            nlohmann::json::parse(R"({"id":"f1","requested_at_ms":100,"seen_ms":110,)"
                                  R"("log_offset":42,"last_event_ms":90})"));
  read = ReadFenceRecord(*state_, "f1").value().value();
  EXPECT_TRUE(read.seen);
  EXPECT_EQ(read.log_offset, 42u);

  // Apply passed it.
  read.passed = true;
  read.applied_at_ms = 130;
  ASSERT_TRUE(WriteFenceRecord(*state_, read).ok());
  EXPECT_EQ(Stored("fence/f1"),
            nlohmann::json::parse(R"({"id":"f1","requested_at_ms":100,"seen_ms":110,)"
                                  R"("log_offset":42,"last_event_ms":90,"applied_at_ms":130,)"
                                  R"("passed":true})"));
  read = ReadFenceRecord(*state_, "f1").value().value();
  EXPECT_TRUE(read.passed);
  EXPECT_EQ(read.applied_at_ms, 130);

  ASSERT_TRUE(DeleteFenceRecord(*state_, "f1").ok());
  EXPECT_EQ(ReadFenceRecord(*state_, "f1").value(), std::nullopt);
}

TEST_F(FenceRecordTest, KafkaEndOffsetsRoundTrip) {
  FenceRecord record;
  record.id = "k";
  record.seen = true;
  record.end_offsets = {0, 17, 5};
  FenceRecord read = FenceRecord::FromJson(record.ToJson().dump()).value();
  EXPECT_EQ(read.end_offsets, (std::vector<int64_t>{0, 17, 5}));
  EXPECT_EQ(record.ToJson()["end_offsets"], nlohmann::json::parse("[0,17,5]"));
}

TEST_F(FenceRecordTest, MalformedRecordsAreDataLossNamingTheFenceAndField) {
  ASSERT_TRUE(state_->SetMeta("fence/f2", R"({"id":"f2","end_offsets":[1,"x"]})").ok());
  EXPECT_EQ(ReadFenceRecord(*state_, "f2").status(),
            Status::DataLoss(R"(state meta "fence/f2": end_offsets: expected a list of )"
                             R"(integers, found [1,"x"])"));
  EXPECT_EQ(
      FenceRecord::FromJson(R"({"passed":"yes"})").status(),
      Status::DataLoss(R"(state meta "fence/<id>": passed: expected true or false, found "yes")"));
  EXPECT_EQ(FenceRecord::FromJson("{").status().code(), StatusCode::kDataLoss);
}

TEST_F(FenceRecordTest, TheLastFenceRoundTripsInTheDocumentedFormat) {
  EXPECT_EQ(ReadLastFence(*state_).value(), std::nullopt);
  LastFence last{"f1", 1000, 1412, 0.412, true};
  ASSERT_TRUE(WriteLastFence(*state_, last).ok());
  // docs/cutover.md: {"id", "written_at_ms", "applied_at_ms", "lag_seconds", "passed": true}
  EXPECT_EQ(Stored(kLastFenceKey),
            nlohmann::json::parse(R"({"id":"f1","written_at_ms":1000,"applied_at_ms":1412,)"
                                  R"("lag_seconds":0.412,"passed":true})"));
  LastFence read = ReadLastFence(*state_).value().value();
  EXPECT_EQ(read.id, "f1");
  EXPECT_EQ(read.written_at_ms, 1000);
  EXPECT_EQ(read.applied_at_ms, 1412);
  EXPECT_EQ(read.lag_seconds, 0.412);
  EXPECT_TRUE(read.passed);
}

TEST_F(FenceRecordTest, TheLastFenceReadsWithFieldsMissing) {
  LastFence partial = LastFence::FromJson(R"({"passed":true,"written_at_ms":7})").value();
  EXPECT_EQ(partial.id, "");
  EXPECT_EQ(partial.written_at_ms, 7);
  EXPECT_EQ(partial.lag_seconds, 0.0);
  EXPECT_FALSE(LastFence::FromJson("{}").value().passed);
  EXPECT_EQ(LastFence::FromJson(R"({"lag_seconds":null,"written_at_ms":true})").status(),
            Status::DataLoss(
                R"(state meta "fence.last": written_at_ms: expected an integer, found true)"));
}

TEST_F(FenceRecordTest, TheLastFencesAreKeptInTheHistory) {
  EXPECT_TRUE(ReadFenceHistory(*state_).value().empty());
  for (int number = 1; number <= static_cast<int>(kFenceHistoryLength) + 2; ++number) {
    LastFence fence{"f" + std::to_string(number), number * 1000, number * 1000 + 10, 0.01, true};
    ASSERT_TRUE(WriteLastFence(*state_, fence).ok());
  }
  std::vector<LastFence> history = ReadFenceHistory(*state_).value();
  ASSERT_EQ(history.size(), kFenceHistoryLength);
  EXPECT_EQ(history.front().id, "f3");
  EXPECT_EQ(history.back().id, "f22");
  EXPECT_EQ(ReadLastFence(*state_).value()->id, "f22");
  ASSERT_TRUE(state_->SetMeta(kFenceHistoryKey, "{}").ok());
  EXPECT_EQ(ReadFenceHistory(*state_).status().message(),
            R"(state meta "fence.history": expected an array of fences)");
  // A history that cannot be read starts again rather than failing the fence.
  ASSERT_TRUE(WriteLastFence(*state_, {"f23", 1, 2, 0.001, true}).ok());
  EXPECT_EQ(ReadFenceHistory(*state_).value().size(), 1u);
}

}  // namespace
}  // namespace cutover::state
