// Lane checkpoints of the targets without transactions: saved per lane under the migration's
// name, resumed by ResumeOffset's rule, and never mixed with another migration's.
#include "state/lane_checkpoint.h"

#include <gtest/gtest.h>

#include "state/test_support.h"

namespace cutover::state {
namespace {

TEST(LaneCheckpointTest, EachLaneResumesFromItsOwnCheckpoint) {
  TempDir tmp;
  auto store = StateStore::Open(tmp.state_dir()).value();
  EXPECT_EQ(LaneCheckpoint(*store, "shop", 0, 2).Load().value(), std::nullopt);
  ASSERT_TRUE(LaneCheckpoint(*store, "shop", 0, 2).Save(40).ok());
  ASSERT_TRUE(LaneCheckpoint(*store, "shop", 1, 2).Save(25).ok());
  ASSERT_TRUE(LaneCheckpoint(*store, "shop-eu", 1, 2).Save(7).ok());  // another migration
  EXPECT_EQ(LaneCheckpoint(*store, "shop", 0, 2).Load().value(), std::optional<uint64_t>(40));
  EXPECT_EQ(LaneCheckpoint(*store, "shop", 1, 2).Load().value(), std::optional<uint64_t>(25));
  // Routed with another lane count: every lane starts from the oldest checkpoint.
  EXPECT_EQ(LaneCheckpoint(*store, "shop", 0, 3).Load().value(), std::optional<uint64_t>(25));
  EXPECT_EQ(LaneCheckpoint(*store, "shop-eu", 0, 2).Load().value(), std::optional<uint64_t>(0));
}

}  // namespace
}  // namespace cutover::state
