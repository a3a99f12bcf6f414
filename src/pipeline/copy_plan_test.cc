// Tests for range planning, chunk ids, resume points, chunk sizing and the stored plan.
#include "pipeline/copy_plan.h"

#include <gtest/gtest.h>

namespace cutover::pipeline {
namespace {

Key IntKey(int64_t value) { return Key{{Value::Int(value)}}; }

ChunkRecord Chunk(int range, int64_t sequence, const std::optional<Key>& lower,
                  const std::optional<Key>& upper, int64_t rows) {
  ChunkRecord record;
  record.chunk_id = ChunkId(range, sequence);
  record.lower_key = EncodeBound(lower);
  record.upper_key = EncodeBound(upper);
  record.rows = rows;
  return record;
}

TEST(RangeCountTest, SmallTablesAreOneRangeLargeOnesUpToTwoPerWorker) {
  EXPECT_EQ(RangeCount(0, 10000, 4), 1);
  EXPECT_EQ(RangeCount(39999, 10000, 4), 1);
  EXPECT_EQ(RangeCount(40000, 10000, 4), 2);
  EXPECT_EQ(RangeCount(1000000, 10000, 4), 8);
  EXPECT_EQ(RangeCount(1000000, 10000, 1), 1);
}

TEST(RangesTest, BoundariesMakeContiguousRanges) {
  std::vector<KeyRange> ranges = RangesFromBoundaries({IntKey(10), IntKey(20)});
  ASSERT_EQ(ranges.size(), 3u);
  EXPECT_FALSE(ranges[0].lower);
  EXPECT_EQ(ranges[0].upper, IntKey(10));
  EXPECT_EQ(ranges[1].lower, IntKey(10));
  EXPECT_EQ(ranges[1].upper, IntKey(20));
  EXPECT_EQ(ranges[2].lower, IntKey(20));
  EXPECT_FALSE(ranges[2].upper);
  EXPECT_EQ(ranges[2].index, 2);
  EXPECT_EQ(RangesFromBoundaries({}).size(), 1u);
}

TEST(ChunkIdTest, StableAndSeparatedPerRange) {
  EXPECT_EQ(ChunkId(0, 0), 0);
  EXPECT_EQ(ChunkId(0, 5), 5);
  EXPECT_EQ(ChunkId(3, 2), 3 * kChunksPerRange + 2);
}

TEST(ResumeRangeTest, NothingRecordedStartsAtTheRangeStart) {
  KeyRange range{1, IntKey(10), IntKey(20)};
  RangeResume resume = ResumeRange(range, {}).value();
  EXPECT_FALSE(resume.done);
  EXPECT_EQ(resume.lower, IntKey(10));
  EXPECT_EQ(resume.next_sequence, 0);
}

TEST(ResumeRangeTest, ContinuesAfterTheLastRecordedChunkOfItsOwnRange) {
  KeyRange range{1, IntKey(10), IntKey(20)};
  std::vector<ChunkRecord> chunks = {
      Chunk(0, 0, std::nullopt, IntKey(5), 5), Chunk(1, 0, IntKey(10), IntKey(12), 2),
      Chunk(1, 1, IntKey(12), IntKey(15), 3), Chunk(2, 0, IntKey(20), IntKey(30), 10)};
  RangeResume resume = ResumeRange(range, chunks).value();
  EXPECT_FALSE(resume.done);
  EXPECT_EQ(resume.lower, IntKey(15));
  EXPECT_EQ(resume.next_sequence, 2);
  EXPECT_EQ(resume.rows_done, 5);
}

TEST(ResumeRangeTest, DoneWhenTheLastChunkReachesTheRangeEnd) {
  KeyRange bounded{0, std::nullopt, IntKey(10)};
  EXPECT_TRUE(ResumeRange(bounded, {Chunk(0, 0, std::nullopt, IntKey(10), 4)}).value().done);
  KeyRange open{1, IntKey(10), std::nullopt};
  EXPECT_FALSE(ResumeRange(open, {Chunk(1, 0, IntKey(10), IntKey(99), 4)}).value().done);
  EXPECT_TRUE(ResumeRange(open, {Chunk(1, 0, IntKey(10), IntKey(99), 4),
                                 Chunk(1, 1, IntKey(99), std::nullopt, 1)})
                  .value()
                  .done);
}

TEST(NextChunkRowsTest, AdaptsToTargetTimeWithinLimits) {
  using std::chrono::milliseconds;
  EXPECT_EQ(NextChunkRows(10000, milliseconds(250), milliseconds(500), 0, 1 << 30), 20000);
  EXPECT_EQ(NextChunkRows(10000, milliseconds(10), milliseconds(500), 0, 1 << 30), 20000);
  EXPECT_EQ(NextChunkRows(10000, milliseconds(2000), milliseconds(500), 0, 1 << 30), 5000);
  EXPECT_EQ(NextChunkRows(150, milliseconds(5000), milliseconds(500), 0, 1 << 30), 100);
  // 10,000 rows of 10 KB each: capped to 64 MiB per chunk.
  EXPECT_EQ(NextChunkRows(10000, milliseconds(100), milliseconds(500), 100'000'000, 64 << 20),
            6710);
}

TEST(StoredTablePlanTest, RoundTripsThroughJson) {
  StoredTablePlan plan;
  plan.boundaries = {Key{{Value::Str("a'\""), Value::Int(-1)}},
                     Key{{Value::Bytes("\x01"), Value::UInt(7)}}};
  plan.deferred = {Index{"t_pkey", {"id"}, true, true, ""},
                   Index{"k_name", {"name", "id"}, true, false, "UNIQUE KEY `k_name` (`name`)"}};
  plan.created = true;
  StoredTablePlan back = StoredTablePlan::FromJson(plan.ToJson()).value();
  EXPECT_EQ(back.boundaries, plan.boundaries);
  EXPECT_EQ(back.deferred, plan.deferred);
  EXPECT_TRUE(back.created);
  EXPECT_EQ(StoredTablePlan::FromJson("[1]").status().code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace cutover::pipeline
