// Tests for the copier's start over a fake Source: the source's tables and P0 are what it
// uses, P0 is taken once and read back by every rerun, and a source error stops the copy
// before anything is recorded. (The sink is a Kafka target, which the full load refuses:
// these tests end there, before any row is read.)
#include "pipeline/copier.h"

#include <gtest/gtest.h>

#include "pipeline/state_options.h"
#include "state/test_support.h"

namespace cutover::pipeline {
namespace {

class FakeSource : public Source {
 public:
  std::string_view Engine() const override { return "fake"; }
  std::vector<CheckResult> Preflight() override { return {}; }
  Result<std::vector<SourceTable>> LoadSelectedTables() override { return tables; }
  Result<Position> TakeStartPosition() override {
    ++starts_taken;
    return start;
  }
  Result<std::vector<Key>> PlanKeyBoundaries(const TableSchema&, int64_t, int) override {
    return std::vector<Key>{};
  }
  Result<std::unique_ptr<ChunkReader>> OpenChunkReader() override {
    return Status::Unimplemented("the fake source reads no chunks");
  }
  Result<std::unique_ptr<ChangeStream>> OpenChangeStream(ChangeStreamOptions) override {
    return Status::Unimplemented("the fake source has no change stream");
  }

  std::vector<SourceTable> tables;
  Result<Position> start = Status::Internal("no start position set");
  int starts_taken = 0;
};

class CopierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    spec_.name = "copier-test";
    spec_.state_dir = dir_.state_dir();
    // A target nothing listens for: the copy takes P0, then fails to open its sink at once.
    spec_.target.kind = TargetKind::kPostgres;
    spec_.target.connection.host = "127.0.0.1";
    spec_.target.connection.port = 1;
    spec_.target.connection.user = "nobody";
    spec_.target.connection.database = "nowhere";
    spec_.tables = {TableRule{"shop.*", {}, "", {}, ""}};
    TableSchema orders;
    orders.id = TableId{"shop", "orders"};
    orders.columns = {Column{"id", {}, false}};
    orders.key = {0};
    source_.tables.push_back(SourceTable{orders, orders, &spec_.tables[0], 3});
    source_.start = Position::Decode("gtid:0-1-42").value();
    options_.source = &source_;
    options_.on_start_position = [this](const Position& start) {
      announced_.push_back(start);
      return Status::Ok();
    };
  }

  std::optional<Position> StoredStart() {
    auto state = StateStore::Open(spec_.state_dir, StateOptionsFor(spec_)).value();
    return state->GetPosition(kStartPosition).value();
  }

  state::TempDir dir_;
  Spec spec_;
  FakeSource source_;
  CopyOptions options_;
  std::vector<Position> announced_;
};

TEST_F(CopierTest, TakesP0FromTheSourceOnceAndKeepsItForReruns) {
  Result<CopyReport> first = RunCopy(spec_, options_);
  EXPECT_EQ(first.status().code(), StatusCode::kUnavailable) << first.status().ToString();
  source_.start = Position::Decode("gtid:0-1-99").value();  // the source moved on
  Result<CopyReport> second = RunCopy(spec_, options_);
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable) << second.status().ToString();

  EXPECT_EQ(source_.starts_taken, 1);
  ASSERT_EQ(announced_.size(), 2u);
  EXPECT_EQ(announced_[0].Encode(), "gtid:0-1-42");
  EXPECT_EQ(announced_[1].Encode(), "gtid:0-1-42");
  std::optional<Position> stored = StoredStart();
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->Encode(), "gtid:0-1-42");
}

TEST_F(CopierTest, NoSelectedTableIsAnErrorBeforeP0) {
  source_.tables.clear();
  Result<CopyReport> report = RunCopy(spec_, options_);
  EXPECT_EQ(report.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(report.status().message(), "no source table matches the spec's `tables` patterns");
  EXPECT_EQ(source_.starts_taken, 0);
  EXPECT_FALSE(StoredStart().has_value());
}

TEST_F(CopierTest, ASourceWithoutP0StopsTheCopyWithItsError) {
  source_.start = Status::Unimplemented("no P0 on MySQL yet");
  Result<CopyReport> report = RunCopy(spec_, options_);
  EXPECT_EQ(report.status().code(), StatusCode::kUnimplemented);
  EXPECT_EQ(report.status().message(), "no P0 on MySQL yet");
  EXPECT_TRUE(announced_.empty());
  EXPECT_FALSE(StoredStart().has_value());
}

}  // namespace
}  // namespace cutover::pipeline
