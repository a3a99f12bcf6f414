// Tests for the PostgreSQL source preflight's pure logic: what a replica identity allows.
#include "source/postgres/preflight.h"

#include <gtest/gtest.h>

namespace cutover::postgres {
namespace {

TEST(JudgeReplicaIdentityTest, PrimaryKeyOrIndexPasses) {
  EXPECT_EQ(JudgeReplicaIdentity("s.t", "\"s\".\"t\"", 'd', true).outcome, CheckOutcome::kPass);
  EXPECT_EQ(JudgeReplicaIdentity("s.t", "\"s\".\"t\"", 'i', false).outcome, CheckOutcome::kPass);
  EXPECT_EQ(JudgeReplicaIdentity("s.t", "\"s\".\"t\"", 'f', true).outcome, CheckOutcome::kPass);
}

TEST(JudgeReplicaIdentityTest, DefaultWithoutPrimaryKeyFailsWithFix) {
  ReplicaIdentityVerdict verdict = JudgeReplicaIdentity("shop.log", "\"shop\".\"log\"", 'd', false);
  EXPECT_EQ(verdict.outcome, CheckOutcome::kFail);
  EXPECT_EQ(verdict.observed,
            "shop.log has no primary key, so its updates and deletes cannot be replicated");
  EXPECT_EQ(verdict.fix,
            "ALTER TABLE \"shop\".\"log\" ADD PRIMARY KEY (<columns that identify a row>); or "
            "exclude it in the spec (tables[].exclude: \"shop.log\")");
}

TEST(JudgeReplicaIdentityTest, ARowFilterNeedsFullOldRows) {
  ReplicaIdentityVerdict filtered =
      JudgeReplicaIdentity("shop.orders", "\"shop\".\"orders\"", 'd', true, /*filtered=*/true);
  EXPECT_EQ(filtered.outcome, CheckOutcome::kFail);
  EXPECT_EQ(filtered.observed,
            "shop.orders has a row filter (tables[].filter), which needs the whole old row of its "
            "updates and deletes; PostgreSQL sends only the key of them");
  EXPECT_EQ(filtered.fix,
            "ALTER TABLE \"shop\".\"orders\" REPLICA IDENTITY FULL; or drop the filter");
  EXPECT_EQ(JudgeReplicaIdentity("s.t", "\"s\".\"t\"", 'f', true, true).outcome,
            CheckOutcome::kPass);
}

TEST(JudgeReplicaIdentityTest, FullWithoutKeyWarnsNothingFails) {
  EXPECT_EQ(JudgeReplicaIdentity("s.t", "\"s\".\"t\"", 'f', false).outcome, CheckOutcome::kWarn);
  ReplicaIdentityVerdict nothing = JudgeReplicaIdentity("s.t", "\"s\".\"t\"", 'n', true);
  EXPECT_EQ(nothing.outcome, CheckOutcome::kFail);
  EXPECT_EQ(nothing.fix,
            "ALTER TABLE \"s\".\"t\" REPLICA IDENTITY DEFAULT; (with a primary key) or REPLICA "
            "IDENTITY FULL");
}

TEST(JudgeSlotWalKeepTest, NoLimitWarnsWithTheSettingALimitPasses) {
  CheckResult unlimited = JudgeSlotWalKeep(-1);
  EXPECT_EQ(unlimited.outcome, CheckOutcome::kWarn);
  EXPECT_EQ(unlimited.id, "source.slot_wal_keep");
  EXPECT_NE(unlimited.fix.find("ALTER SYSTEM SET max_slot_wal_keep_size"), std::string::npos);
  CheckResult bounded = JudgeSlotWalKeep(10240);
  EXPECT_EQ(bounded.outcome, CheckOutcome::kPass);
  EXPECT_EQ(bounded.observed,
            "max_slot_wal_keep_size = 10240 MB: a slot further behind is invalidated (cutover "
            "then stops and the migration must copy again)");
}

}  // namespace
}  // namespace cutover::postgres
