// Tests for the applier's sample of touched keys: nothing is noted until a continuous verify
// asks, the share noted follows the requested rate, deletes and key-moving updates note the
// old key, and a verify whose heartbeat stopped gets nothing.
#include "pipeline/touched_keys.h"

#include <gtest/gtest.h>

#include "core/coding.h"
#include "pipeline/clock.h"
#include "state/test_support.h"

namespace cutover::pipeline {
namespace {

std::shared_ptr<const TableSchema> Accounts() {
  auto schema = std::make_shared<TableSchema>();
  schema->id = TableId{"shop", "accounts"};
  schema->columns = {{"id", ColumnType{}, false}, {"owner", ColumnType{}, true}};
  schema->key = {0};
  return schema;
}

LoggedChange Insert(int64_t id) {
  LoggedChange logged;
  logged.change.table = TableId{"shop", "accounts"};
  logged.change.schema = Accounts();
  logged.change.op = ChangeOp::kInsert;
  logged.change.after = Row{{Value::Int(id), Value::Str("x")}, {}};
  return logged;
}

std::string HexKey(int64_t id) { return coding::HexEncode(Key{{Value::Int(id)}}.Encode()); }

// Every touched-keys entry in the store, merged.
state::TouchedBatch Stored(StateStore& state) {
  state::TouchedBatch all;
  std::vector<std::pair<std::string, std::string>> entries =
      state.ListMeta(state::kTouchedPrefix).value();
  for (const auto& entry : entries) {
    state::TouchedBatch batch = state::TouchedBatch::FromJson(entry.second).value();
    for (auto& [table, keys] : batch.keys) {
      for (std::string& key : keys) all.keys[table].push_back(std::move(key));
    }
    all.dropped += batch.dropped;
  }
  return all;
}

class TouchedKeysTest : public ::testing::Test {
 protected:
  void SetUp() override { state_ = StateStore::Open(tmp_.state_dir()).value(); }
  void Ask(double sample, int64_t heartbeat_ms = NowMs()) {
    ASSERT_TRUE(
        state::WriteContinuousRequest(*state_, state::ContinuousRequest{sample, heartbeat_ms})
            .ok());
  }
  state::TempDir tmp_;
  std::unique_ptr<StateStore> state_;
};

TEST_F(TouchedKeysTest, NothingIsNotedUntilAVerifyAsks) {
  TouchedKeys touched;
  std::vector<LoggedChange> batch = {Insert(1), Insert(2)};
  touched.Note(batch);
  ASSERT_TRUE(touched.Flush(*state_).ok());
  EXPECT_TRUE(state_->ListMeta(state::kTouchedPrefix).value().empty());

  Ask(1.0);
  ASSERT_TRUE(touched.Flush(*state_).ok());  // picks the request up
  touched.Note(batch);
  ASSERT_TRUE(touched.Flush(*state_).ok());
  EXPECT_EQ(Stored(*state_).keys["shop.accounts"],
            (std::vector<std::string>{HexKey(1), HexKey(2)}));
}

TEST_F(TouchedKeysTest, TheShareNotedFollowsTheRate) {
  TouchedKeys touched;
  Ask(0.1);
  ASSERT_TRUE(touched.Flush(*state_).ok());
  std::vector<LoggedChange> batch;
  for (int64_t id = 0; id < 10000; ++id) batch.push_back(Insert(id));
  touched.Note(batch);
  ASSERT_TRUE(touched.Flush(*state_).ok());
  size_t noted = Stored(*state_).keys["shop.accounts"].size();
  EXPECT_GT(noted, 850u);  // 1,000 expected; the sample is random
  EXPECT_LT(noted, 1150u);
}

TEST_F(TouchedKeysTest, DeletesAndKeyChangesNoteTheOldKey) {
  TouchedKeys touched;
  Ask(1.0);
  ASSERT_TRUE(touched.Flush(*state_).ok());
  LoggedChange moved = Insert(8);
  moved.change.op = ChangeOp::kUpdate;
  moved.change.before = Row{{Value::Int(7), Value::Str("x")}, {}};
  LoggedChange same = Insert(9);
  same.change.op = ChangeOp::kUpdate;
  same.change.before = Row{{Value::Int(9), Value::Str("old")}, {}};
  LoggedChange deleted;
  deleted.change = Insert(3).change;
  deleted.change.op = ChangeOp::kDelete;
  deleted.change.before = deleted.change.after;
  deleted.change.after.reset();
  std::vector<LoggedChange> batch = {moved, same, deleted};
  touched.Note(batch);
  ASSERT_TRUE(touched.Flush(*state_).ok());
  EXPECT_EQ(Stored(*state_).keys["shop.accounts"],
            (std::vector<std::string>{HexKey(8), HexKey(7), HexKey(9), HexKey(3)}));
}

TEST_F(TouchedKeysTest, AVerifyWhoseHeartbeatStoppedGetsNothing) {
  TouchedKeys touched;
  Ask(1.0, NowMs() - state::kHeartbeatTimeoutMs - 1000);
  ASSERT_TRUE(touched.Flush(*state_).ok());
  std::vector<LoggedChange> batch = {Insert(1)};
  touched.Note(batch);
  ASSERT_TRUE(touched.Flush(*state_).ok());
  EXPECT_TRUE(state_->ListMeta(state::kTouchedPrefix).value().empty());
}

TEST_F(TouchedKeysTest, APerFlushLimitCountsWhatItLeavesOut) {
  TouchedKeys touched;
  Ask(1.0);
  ASSERT_TRUE(touched.Flush(*state_).ok());
  std::vector<LoggedChange> batch;
  for (int64_t id = 0; id < static_cast<int64_t>(kMaxTouchedPerFlush) + 5; ++id) {
    batch.push_back(Insert(id));
  }
  touched.Note(batch);
  ASSERT_TRUE(touched.Flush(*state_).ok());
  state::TouchedBatch stored = Stored(*state_);
  EXPECT_EQ(stored.keys["shop.accounts"].size(), kMaxTouchedPerFlush);
  EXPECT_EQ(stored.dropped, 5);
}

}  // namespace
}  // namespace cutover::pipeline
