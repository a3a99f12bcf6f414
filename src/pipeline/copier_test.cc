// Tests for the copier over a fake Source: the source's tables and P0 are what it uses, P0 is
// taken once and read back by every rerun, and a source error stops the copy before anything is
// recorded (a target nothing listens for: these tests end before any row is read). Then a copy
// into an in-memory target, stopped after its first chunk and resumed: a table whose changes
// can lack values is read again from its first row in the resumed run's view of the source.
#include "pipeline/copier.h"

#include <map>
#include <mutex>

#include <gtest/gtest.h>

#include "pipeline/state_options.h"
#include "state/test_support.h"

namespace cutover::pipeline {
namespace {

// Rows with one integer key, read as a keyset-paginated ChunkReader reads them; every read's
// lower bound is recorded.
struct FakeTable {
  std::mutex mutex;
  std::map<int64_t, Row> rows;
  std::vector<std::optional<int64_t>> read_lowers;
  int lose_view_at_read = 0;  // > 0: that read (1-based) finds the copy's view gone
};

class FakeChunkReader : public ChunkReader {
 public:
  explicit FakeChunkReader(FakeTable* table) : table_(table) {}
  Result<ChunkRows> ReadChunk(const TableSchema&, const ChunkSelect& select) override {
    std::lock_guard lock(table_->mutex);
    std::optional<int64_t> lower;
    if (select.lower) lower = select.lower->values[0].as_int();
    table_->read_lowers.push_back(lower);
    if (static_cast<int>(table_->read_lowers.size()) == table_->lose_view_at_read) {
      return Status::Aborted("the copy's snapshot is gone");
    }
    ChunkRows out;
    for (auto it = lower ? table_->rows.upper_bound(*lower) : table_->rows.begin();
         it != table_->rows.end() && static_cast<int64_t>(out.rows.size()) < select.limit; ++it) {
      if (select.upper && it->first > select.upper->values[0].as_int()) break;
      out.rows.push_back(it->second);
    }
    return out;
  }

 private:
  FakeTable* table_;
};

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
    if (data == nullptr) return Status::Unimplemented("the fake source reads no chunks");
    return std::unique_ptr<ChunkReader>(std::make_unique<FakeChunkReader>(data));
  }
  Result<std::unique_ptr<ChangeStream>> OpenChangeStream(ChangeStreamOptions) override {
    return Status::Unimplemented("the fake source has no change stream");
  }
  Result<std::optional<Position>> BeginResumedCopy() override {
    ++resumed_copies;
    return view;
  }
  void EndCopyReads() override { ++ended_reads; }

  std::vector<SourceTable> tables;
  Result<Position> start = Status::Internal("no start position set");
  int starts_taken = 0;
  FakeTable* data = nullptr;
  int resumed_copies = 0;
  int ended_reads = 0;
  std::optional<Position> view;  // what BeginResumedCopy returns
};

// An in-memory target: WriteChunk makes the rows in its bounds exactly the chunk's; `stop` is
// set after `stop_after` chunks.
struct TargetRows {
  std::mutex mutex;
  std::map<int64_t, Row> rows;
  int chunks_written = 0;
  int stop_after = 0;
  std::atomic<bool>* stop = nullptr;
  bool can_empty = true;
  int emptied = 0;
  std::vector<Index> deferred;  // the indexes each table's plan builds after its rows
  int index_failures = 0;       // BuildIndex calls still to fail as an unreachable target
  int indexes_built = 0;
};

class FakeWriter : public TableWriter {
 public:
  explicit FakeWriter(TargetRows* target) : target_(target) {}
  Status WriteChunk(const ChunkBounds& bounds, std::span<const Row> rows) override {
    std::lock_guard lock(target_->mutex);
    std::map<int64_t, Row>& held = target_->rows;
    auto first = bounds.lower ? held.upper_bound(bounds.lower->values[0].as_int()) : held.begin();
    auto last = bounds.upper ? held.upper_bound(bounds.upper->values[0].as_int()) : held.end();
    held.erase(first, last);
    for (const Row& row : rows) held[row.values[0].as_int()] = row;
    if (++target_->chunks_written == target_->stop_after) target_->stop->store(true);
    return Status::Ok();
  }

 private:
  TargetRows* target_;
};

class FakeSink : public Sink {
 public:
  explicit FakeSink(TargetRows* target) : target_(target) {}
  Result<TargetTablePlan> PrepareTable(const TableSchema& source, const TableRule& rule,
                                       bool) override {
    TargetTablePlan plan;
    plan.source = plan.target = source.id;
    plan.schema = source;
    plan.rule = &rule;
    plan.deferred = target_->deferred;
    return plan;
  }
  Result<std::unique_ptr<TableWriter>> OpenWriter(const TargetTablePlan&) override {
    return std::unique_ptr<TableWriter>(std::make_unique<FakeWriter>(target_));
  }
  Status BuildIndex(const TargetTablePlan&, const Index&) override {
    std::lock_guard lock(target_->mutex);
    if (target_->index_failures > 0) {
      --target_->index_failures;
      return Status::Unavailable("cannot connect to the target: connection refused");
    }
    ++target_->indexes_built;
    return Status::Ok();
  }
  Result<uint64_t> CountRows(const TableId&, bool) override { return target_->rows.size(); }
  Status EmptyTable(const TargetTablePlan&) override {
    if (!target_->can_empty) return Status::Unimplemented("the fake target cannot be emptied");
    std::lock_guard lock(target_->mutex);
    target_->rows.clear();
    ++target_->emptied;
    return Status::Ok();
  }

 private:
  TargetRows* target_;
};

class FakeTarget : public Target {
 public:
  explicit FakeTarget(TargetRows* target) : target_(target) {}
  Result<std::vector<TargetTablePlan>> Plans(
      const std::vector<SourceTable>& tables) const override {
    std::vector<TargetTablePlan> plans;
    for (const SourceTable& table : tables) {
      TargetTablePlan& plan = plans.emplace_back();
      plan.source = plan.target = table.schema.id;
    }
    return plans;
  }
  Result<std::unique_ptr<Sink>> OpenSink() const override {
    return std::unique_ptr<Sink>(std::make_unique<FakeSink>(target_));
  }
  Result<std::unique_ptr<Appliers>> OpenAppliers(const std::vector<TargetTablePlan>&,
                                                 StateStore*) const override {
    return Status::Unimplemented("not in these tests");
  }

 private:
  TargetRows* target_;
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
  std::optional<std::string> CopiedAsOf() {
    auto state = StateStore::Open(spec_.state_dir, StateOptionsFor(spec_)).value();
    return state->GetMeta(CopiedAsOfMetaKey(TableId{"shop", "orders"})).value();
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

// A copy into the in-memory target, stopped after its first chunk of 100 rows (of 300), then run
// again after the source changed: the rows the target ends with, and where the resumed run read.
class ResumedCopyTest : public CopierTest {
 protected:
  void SetUp() override {
    CopierTest::SetUp();
    spec_.parallelism.copy_workers = 1;
    spec_.parallelism.chunk_rows = 100;
    for (int64_t id = 1; id <= 300; ++id) data_.rows[id] = RowOf(id, "first");
    source_.data = &data_;
    options_.target = &target_;
    options_.stop = &stop_;
    written_.stop = &stop_;
    written_.stop_after = 1;
  }

  static Row RowOf(int64_t id, const std::string& text) {
    Row row;
    row.values = {Value::Int(id), Value::Str(text)};
    return row;
  }

  // The first run: stopped after its first chunk; then the source changes a row of that chunk
  // and moves a row from the unread part into it.
  void FirstRunStoppedAfterOneChunk() {
    Result<CopyReport> first = RunCopy(spec_, options_);
    ASSERT_EQ(first.status().code(), StatusCode::kCancelled) << first.status().ToString();
    ASSERT_EQ(written_.rows.size(), 100u);
    data_.rows[5] = RowOf(5, "changed");
    data_.rows.erase(250);
    data_.rows[50] = RowOf(50, "moved from 250");
    data_.read_lowers.clear();
    stop_ = false;
    written_.stop_after = 0;
  }

  FakeTable data_;
  TargetRows written_;
  FakeTarget target_{&written_};
  std::atomic<bool> stop_{false};
};

TEST_F(ResumedCopyTest, ATableWhoseChangesCanLackValuesIsReadAgainWholeInTheNewView) {
  TableSchema orders = source_.tables[0].schema;
  orders.columns.push_back(Column{"body", {}, true});
  source_.tables[0] = SourceTable{orders, orders, &spec_.tables[0], 300, false};
  ASSERT_NO_FATAL_FAILURE(FirstRunStoppedAfterOneChunk());
  source_.view = Position::Decode("lsn:0/5000").value();

  Result<CopyReport> second = RunCopy(spec_, options_);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(source_.resumed_copies, 1);
  EXPECT_EQ(source_.ended_reads, 2);
  ASSERT_FALSE(data_.read_lowers.empty());
  EXPECT_EQ(data_.read_lowers[0], std::nullopt);  // from the first row again
  // The target is the source as the resumed run read it, the moved row included.
  EXPECT_EQ(written_.rows.size(), data_.rows.size());
  EXPECT_EQ(written_.rows.at(5).values[1].ToText(), "changed");
  EXPECT_EQ(written_.rows.at(50).values[1].ToText(), "moved from 250");
  ASSERT_EQ(second->tables.size(), 1u);
  EXPECT_EQ(second->tables[0].rows, 299);
  // What the first run wrote went first, and apply skips the table's changes before the view
  // (they are in what was read).
  EXPECT_EQ(written_.emptied, 1);
  EXPECT_EQ(CopiedAsOf(), std::optional<std::string>("lsn:0/5000"));
}

// A target that cannot be emptied (a Kafka topic): read again whole all the same, and every
// change since P0 is applied again over it (nothing recorded to skip).
TEST_F(ResumedCopyTest, ATableReadAgainWholeIntoATargetThatCannotBeEmptiedIsReplayedFromP0) {
  TableSchema orders = source_.tables[0].schema;
  source_.tables[0] = SourceTable{orders, orders, &spec_.tables[0], 300, false};
  ASSERT_NO_FATAL_FAILURE(FirstRunStoppedAfterOneChunk());
  source_.view = Position::Decode("lsn:0/5000").value();
  written_.can_empty = false;

  Result<CopyReport> second = RunCopy(spec_, options_);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  ASSERT_FALSE(data_.read_lowers.empty());
  EXPECT_EQ(data_.read_lowers[0], std::nullopt);
  EXPECT_EQ(written_.rows.at(50).values[1].ToText(), "moved from 250");
  EXPECT_EQ(CopiedAsOf(), std::nullopt);
}

TEST_F(ResumedCopyTest, ATableOfWholeRowChangesGoesOnFromItsFirstUnfinishedChunk) {
  ASSERT_NO_FATAL_FAILURE(FirstRunStoppedAfterOneChunk());
  source_.view = Position::Decode("lsn:0/5000").value();

  Result<CopyReport> second = RunCopy(spec_, options_);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(source_.resumed_copies, 1);
  ASSERT_FALSE(data_.read_lowers.empty());
  EXPECT_EQ(data_.read_lowers[0], std::optional<int64_t>(100));
  // The first chunk is as the first run read it: CDC from P0 makes it right.
  EXPECT_EQ(written_.rows.at(5).values[1].ToText(), "first");
  EXPECT_FALSE(written_.rows.contains(250));
  // Its first chunk needs every change since P0: nothing skipped.
  EXPECT_EQ(CopiedAsOf(), std::nullopt);
}

// The view lost in the middle of a copy (a PostgreSQL source restarting): the copy resumes by
// itself in a new view, reading the half-copied table again from its first row.
TEST_F(ResumedCopyTest, AViewLostMidCopyIsResumedInANewViewByItself) {
  TableSchema orders = source_.tables[0].schema;
  source_.tables[0] = SourceTable{orders, orders, &spec_.tables[0], 300, false};
  source_.view = Position::Decode("lsn:0/5000").value();
  written_.stop_after = 0;
  data_.lose_view_at_read = 3;  // after the first chunk's write (the reader reads one ahead)
  Result<CopyReport> report = RunCopy(spec_, options_);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(source_.resumed_copies, 1);
  ASSERT_GE(data_.read_lowers.size(), 4u);
  EXPECT_EQ(data_.read_lowers[3], std::nullopt);  // the resumed copy's first read
  EXPECT_EQ(written_.rows.size(), 300u);
  EXPECT_EQ(CopiedAsOf(), std::optional<std::string>("lsn:0/5000"));
}

// The target refusing connections for a moment while an index is built (found by the fault
// harness, docs/reliability.md): the build is tried again and the copy ends well.
TEST_F(ResumedCopyTest, AnIndexBuildThatCannotReachTheTargetIsTriedAgain) {
  written_.stop_after = 0;
  written_.deferred = {Index{"by_text", {"text"}, false, false, ""}};
  written_.index_failures = 2;
  Result<CopyReport> report = RunCopy(spec_, options_);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(written_.index_failures, 0);
  EXPECT_EQ(written_.indexes_built, 1);
  EXPECT_EQ(written_.rows.size(), 300u);
}

TEST_F(ResumedCopyTest, AFinishedCopyRunAgainOpensNoNewView) {
  written_.stop_after = 0;
  Result<CopyReport> first = RunCopy(spec_, options_);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  Result<CopyReport> second = RunCopy(spec_, options_);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_TRUE(second->resumed);
  EXPECT_EQ(source_.resumed_copies, 0);
  EXPECT_EQ(written_.rows.size(), 300u);
}

}  // namespace
}  // namespace cutover::pipeline
