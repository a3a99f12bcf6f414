// Tests for the status history: the ring's bound, its record in the store written with the
// status record, a restarted run continuing it, and named errors for malformed text.
#include "state/status_history.h"

#include <gtest/gtest.h>

#include "state/test_support.h"

namespace cutover::state {
namespace {

RunStatus StatusAt(int64_t at_ms, double lag) {
  RunStatus status;
  status.phase = "copy";
  status.updated_at_ms = at_ms;
  status.lag_seconds = lag;
  status.lag_records = static_cast<uint64_t>(lag * 10);
  status.applied_changes_total = static_cast<uint64_t>(at_ms / 10);
  return status;
}

TEST(StatusHistoryTest, KeepsTheLastSamplesOnly) {
  StatusHistory history(/*capacity=*/3);
  for (int64_t at = 1; at <= 5; ++at) history.Add({at, 0.5, 1, 2, 3});
  ASSERT_EQ(history.samples().size(), 3u);
  EXPECT_EQ(history.samples().front().at_ms, 3);
  EXPECT_EQ(history.samples().back().at_ms, 5);
}

TEST(StatusHistoryTest, RecordsWithTheStatusAndARestartContinues) {
  TempDir tmp;
  auto state = StateStore::Open(tmp.state_dir()).value();
  EXPECT_EQ(ReadStatusHistory(*state).value()["samples"], nlohmann::json::array());
  StatusHistory first(/*capacity=*/4);
  ASSERT_TRUE(first.Record(*state, StatusAt(1000, 1.5), 100).ok());
  ASSERT_TRUE(first.Record(*state, StatusAt(2000, 2.5), 250).ok());
  EXPECT_EQ(ReadRunStatus(*state).value()->updated_at_ms, 2000);
  nlohmann::json stored = ReadStatusHistory(*state).value();
  EXPECT_EQ(stored, nlohmann::json::parse(R"({
      "fields": ["at_ms", "lag_seconds", "lag_records", "applied_changes_total", "rows_copied"],
      "samples": [[1000, 1.5, 15, 100, 100], [2000, 2.5, 25, 200, 250]]})"));
  // The next run adds to the stored samples, still within the bound.
  StatusHistory second(/*capacity=*/3);
  second.Load(*state);
  ASSERT_TRUE(second.Record(*state, StatusAt(3000, 0.5), 300).ok());
  ASSERT_TRUE(second.Record(*state, StatusAt(4000, 0.25), 300).ok());
  stored = ReadStatusHistory(*state).value();
  ASSERT_EQ(stored["samples"].size(), 3u);
  EXPECT_EQ(stored["samples"][0][0], 2000);
  EXPECT_EQ(stored["samples"][2][0], 4000);
}

TEST(StatusHistoryTest, MalformedRecordsAreNamedAndARunStartsAgain) {
  TempDir tmp;
  auto state = StateStore::Open(tmp.state_dir()).value();
  ASSERT_TRUE(state->SetMeta(kStatusHistoryKey, R"({"samples": [[1, 2, 3, 4, "x"]]})").ok());
  EXPECT_EQ(ReadStatusHistory(*state).status().message(),
            "state meta \"run.status_history\": samples[0]: expected [at_ms, lag_seconds, "
            "lag_records, applied_changes_total, rows_copied]");
  StatusHistory history;
  history.Load(*state);
  EXPECT_TRUE(history.samples().empty());
  ASSERT_TRUE(history.Record(*state, StatusAt(1000, 1), 0).ok());
  EXPECT_EQ(ReadStatusHistory(*state).value()["samples"].size(), 1u);
}

}  // namespace
}  // namespace cutover::state
