// Tests for per-table progress and done-chunk records.
#include <gtest/gtest.h>

#include "cutover/state_store.h"

#include "state/test_support.h"

namespace cutover {
namespace {

using state::TempDir;

class TableProgressTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = StateStore::Open(tmp_.state_dir());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }
  TableProgress Table(std::string_view name) {
    std::optional<TableProgress> table = store_->GetTable(name).value();
    EXPECT_TRUE(table.has_value()) << name;
    return table.value_or(TableProgress());
  }

  TempDir tmp_;
  std::unique_ptr<StateStore> store_;
};

TEST_F(TableProgressTest, AddTableRegistersPendingAndUpdatesTheEstimate) {
  ASSERT_TRUE(store_->AddTable("shop.orders", 1000).ok());
  TableProgress orders = Table("shop.orders");
  EXPECT_EQ(orders.state, TableState::kPending);
  EXPECT_EQ(orders.rows_total_estimate, 1000);
  EXPECT_EQ(orders.rows_copied, 0);
  EXPECT_EQ(orders.started_at, std::nullopt);
  ASSERT_TRUE(store_->SetTableState("shop.orders", TableState::kCopying).ok());
  ASSERT_TRUE(store_->RecordChunk("shop.orders", 1, "a", "b", 10, 100).ok());
  ASSERT_TRUE(store_->AddTable("shop.orders", 1200).ok());  // a fresh estimate keeps progress
  orders = Table("shop.orders");
  EXPECT_EQ(orders.rows_total_estimate, 1200);
  EXPECT_EQ(orders.rows_copied, 10);
  EXPECT_EQ(orders.state, TableState::kCopying);
  EXPECT_EQ(store_->GetTable("shop.missing").value(), std::nullopt);
}

TEST_F(TableProgressTest, StatesSetStartAndFinishTimes) {
  ASSERT_TRUE(store_->AddTable("t", 5).ok());
  auto before = StateClock::now() - std::chrono::milliseconds(1);
  ASSERT_TRUE(store_->SetTableState("t", TableState::kCopying).ok());
  std::optional<StateClock::time_point> started = Table("t").started_at;
  ASSERT_TRUE(started.has_value());
  EXPECT_GE(*started, before);
  ASSERT_TRUE(store_->SetTableState("t", TableState::kCopied).ok());
  ASSERT_TRUE(store_->SetTableState("t", TableState::kCopying).ok());  // keeps the first start
  EXPECT_EQ(Table("t").started_at, started);
  EXPECT_EQ(Table("t").finished_at, std::nullopt);
  ASSERT_TRUE(store_->SetTableState("t", TableState::kIndexesBuilding).ok());
  ASSERT_TRUE(store_->SetTableState("t", TableState::kDone).ok());
  TableProgress done = Table("t");
  EXPECT_EQ(done.state, TableState::kDone);
  ASSERT_TRUE(done.finished_at.has_value());
  EXPECT_GE(*done.finished_at, *started);
  EXPECT_LE(*done.finished_at, StateClock::now() + std::chrono::milliseconds(1));
}

TEST_F(TableProgressTest, UnregisteredTableIsNotFound) {
  Status status = store_->SetTableState("nope", TableState::kCopying);
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  EXPECT_EQ(status.message(),
            "table \"nope\" is not registered in the state store (AddTable first)");
  status = store_->RecordChunk("nope", 1, "", "", 1);
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->ResetTable("nope").code(), StatusCode::kNotFound);
  EXPECT_TRUE(store_->ListChunks("nope").value().empty());
}

TEST_F(TableProgressTest, ChunksAreListedInOrderWithTheirOpaqueKeys) {
  ASSERT_TRUE(store_->AddTable("t", 0).ok());
  std::string binary_key("\x00\x01\xff\x00", 4);
  ASSERT_TRUE(store_->RecordChunk("t", 2, binary_key, "z", 7, 70).ok());
  ASSERT_TRUE(store_->RecordChunk("t", 1, "", binary_key, 5, 50).ok());
  std::vector<ChunkRecord> chunks = store_->ListChunks("t").value();
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_EQ(chunks[0].chunk_id, 1);
  EXPECT_EQ(chunks[0].lower_key, "");
  EXPECT_EQ(chunks[0].upper_key, binary_key);
  EXPECT_EQ(chunks[1].chunk_id, 2);
  EXPECT_EQ(chunks[1].lower_key, binary_key);
  EXPECT_EQ(chunks[1].rows, 7);
  EXPECT_EQ(chunks[1].bytes, 70);
  EXPECT_GT(chunks[1].done_at, StateClock::now() - std::chrono::minutes(1));
  TableProgress t = Table("t");
  EXPECT_EQ(t.rows_copied, 12);
  EXPECT_EQ(t.bytes, 120);
}

TEST_F(TableProgressTest, RecordingAChunkAgainReplacesItWithoutDoubleCounting) {
  ASSERT_TRUE(store_->AddTable("t", 0).ok());
  ASSERT_TRUE(store_->RecordChunk("t", 1, "a", "m", 10, 100).ok());
  ASSERT_TRUE(store_->RecordChunk("t", 2, "m", "z", 20, 200).ok());
  ASSERT_TRUE(store_->RecordChunk("t", 1, "a", "m", 12, 90).ok());
  EXPECT_EQ(Table("t").rows_copied, 32);
  EXPECT_EQ(Table("t").bytes, 290);
  EXPECT_EQ(store_->ListChunks("t").value().size(), 2u);
}

TEST_F(TableProgressTest, ChunksOfTablesAreSeparate) {
  ASSERT_TRUE(store_->AddTable("a", 0).ok());
  ASSERT_TRUE(store_->AddTable("b", 0).ok());
  ASSERT_TRUE(store_->RecordChunk("a", 1, "", "", 3).ok());
  ASSERT_TRUE(store_->RecordChunk("b", 1, "", "", 4).ok());
  EXPECT_EQ(store_->ListChunks("a").value().at(0).rows, 3);
  EXPECT_EQ(store_->ListChunks("b").value().at(0).rows, 4);
  std::vector<TableProgress> tables = store_->ListTables().value();
  ASSERT_EQ(tables.size(), 2u);
  EXPECT_EQ(tables[0].name, "a");
  EXPECT_EQ(tables[1].rows_copied, 4);
}

TEST_F(TableProgressTest, NegativeCountsAreRejected) {
  ASSERT_TRUE(store_->AddTable("t", 0).ok());
  Status status = store_->RecordChunk("t", 9, "", "", -1);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "chunk 9 of table \"t\": rows (-1) and bytes (0) must not be negative");
  EXPECT_TRUE(store_->ListChunks("t").value().empty());
}

TEST_F(TableProgressTest, ResetTableForgetsChunksAndCounts) {
  ASSERT_TRUE(store_->AddTable("t", 100).ok());
  ASSERT_TRUE(store_->SetTableState("t", TableState::kDone).ok());
  ASSERT_TRUE(store_->RecordChunk("t", 1, "", "", 3, 30).ok());
  ASSERT_TRUE(store_->ResetTable("t").ok());
  TableProgress t = Table("t");
  EXPECT_EQ(t.state, TableState::kPending);
  EXPECT_EQ(t.rows_copied, 0);
  EXPECT_EQ(t.bytes, 0);
  EXPECT_EQ(t.rows_total_estimate, 100);
  EXPECT_EQ(t.finished_at, std::nullopt);
  EXPECT_TRUE(store_->ListChunks("t").value().empty());
}

TEST_F(TableProgressTest, ChunkAndOffsetInOneTransactionRollBackTogether) {
  ASSERT_TRUE(store_->AddTable("t", 0).ok());
  {
    auto txn = store_->Begin();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE(store_->RecordChunk("t", 1, "", "", 3).ok());
    ASSERT_TRUE(store_->SetOffset("copy", 1).ok());
  }
  EXPECT_TRUE(store_->ListChunks("t").value().empty());
  EXPECT_EQ(Table("t").rows_copied, 0);
  EXPECT_EQ(store_->GetOffset("copy").value(), std::nullopt);
}

TEST(TableStateTest, NamesRoundTrip) {
  for (TableState state : {TableState::kPending, TableState::kCopying, TableState::kCopied,
                           TableState::kIndexesBuilding, TableState::kDone}) {
    EXPECT_EQ(ParseTableState(TableStateName(state)).value(), state);
  }
  EXPECT_EQ(TableStateName(TableState::kIndexesBuilding), "indexes_building");
  EXPECT_EQ(ParseTableState("finished").status().message(),
            "unknown table state \"finished\" (expected pending, copying, copied, "
            "indexes_building or done)");
}

}  // namespace
}  // namespace cutover
