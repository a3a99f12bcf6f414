// Tests for the per-table counts of applied changes.
#include "pipeline/applied_counts.h"

#include <vector>

#include <gtest/gtest.h>

namespace cutover::pipeline {
namespace {

LoggedChange Logged(std::string table, ChangeOp op) {
  LoggedChange logged;
  logged.change.table = {"shop", std::move(table)};
  logged.change.op = op;
  return logged;
}

TEST(AppliedCountsTest, CountsRowChangesPerTableAndKind) {
  AppliedCounts counts;
  std::vector<LoggedChange> batch = {
      Logged("orders", ChangeOp::kInsert), Logged("orders", ChangeOp::kInsert),
      Logged("items", ChangeOp::kUpdate),  Logged("orders", ChangeOp::kDelete),
      Logged("items", ChangeOp::kSchema),  Logged("items", ChangeOp::kTruncate)};
  counts.Note(batch);
  counts.Note(std::span<const LoggedChange>(batch).first(1));
  std::map<std::string, state::TableApplied> want = {{"shop.items", {0, 1, 0}},
                                                     {"shop.orders", {3, 0, 1}}};
  EXPECT_EQ(counts.Snapshot(), want);
}

}  // namespace
}  // namespace cutover::pipeline
