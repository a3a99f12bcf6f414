// Tests for the flag stages: the audit of every change, going back at once, and each guard rail
// of a forward change (skipped stages, verify, lag, fence) with its exact refusal, and forcing.
#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "cutover/control.h"

#include "control/guards.h"
#include "pipeline/clock.h"
#include "state/test_support.h"

namespace cutover {
namespace {

using pipeline::NowMs;

constexpr char kSpec[] =
    "name: shop\n"
    "source: {kind: mariadb, user: cutover}\n"
    "target: {kind: mariadb, port: 3307, user: cutover}\n"
    "tables: [{match: shop.*}]\n"
    "control:\n"
    "  token_env: CUTOVER_CONTROL_TOKEN\n"
    "  groups: {orders: [\"shop.orders\", \"shop.order_items\"]}\n"
    "  guards: {max_lag: 5s}\n";

std::optional<std::string> TestEnv(const std::string& name) {
  if (name == "CUTOVER_CONTROL_TOKEN") return "secret-token";
  return std::nullopt;
}

class StagesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LoadOptions options;
    options.getenv = TestEnv;
    Result<Spec> spec = ParseSpec(kSpec, tmp_.path() / "shop.yaml", options);
    ASSERT_TRUE(spec.ok()) << spec.status().ToString();
    spec_ = *std::move(spec);
    spec_.state_dir = tmp_.state_dir();
    state_ = OpenControlState(spec_).value();
  }

  Result<StageChange> Set(const std::string& group, Stage to, bool force = false,
                          const std::string& reason = "") {
    StageRequest request;
    request.group = group;
    request.to = to;
    request.force = force;
    request.reason = reason;
    request.by = "test";
    return SetStage(spec_, *state_, request);
  }
  void Meta(const char* key, const nlohmann::json& value) {
    ASSERT_TRUE(state_->SetMeta(key, value.dump()).ok());
  }
  // A verify report as `cutover verify` stores it, started now unless told otherwise.
  void VerifyReport(bool complete, int64_t differences, int64_t started_at_ms = NowMs(),
                    const std::string& tables_glob = "") {
    Meta("verify.report", {{"complete", complete},
                           {"differences", differences},
                           {"started_at_ms", started_at_ms},
                           {"tables_glob", tables_glob}});
  }
  void CleanVerify() { VerifyReport(true, 0); }
  void RunLag(double seconds, int64_t updated_at_ms = NowMs()) {
    Meta("run.status", {{"lag_seconds", seconds}, {"updated_at_ms", updated_at_ms}});
  }
  // Moves `group` to `to` one stage at a time with every guard satisfied.
  void Walk(const std::string& group, Stage to) {
    CleanVerify();
    RunLag(0.5);
    StageState current = GetStage(spec_, *state_, group).value();
    for (int index = static_cast<int>(current.stage) + 1; index <= static_cast<int>(to); ++index) {
      if (static_cast<Stage>(index) == Stage::kTargetReads) CleanVerify();
      if (static_cast<Stage>(index) == Stage::kTargetPrimary) {
        Meta("fence.last", {{"passed", true}, {"written_at_ms", NowMs() + 1}});
      }
      ASSERT_TRUE(Set(group, static_cast<Stage>(index)).ok());
    }
  }
  std::string Refusal(const std::string& from, const std::string& to, const std::string& why) {
    std::string file = (tmp_.path() / "shop.yaml").string();
    return "refused to move group 'default' from " + from + " to " + to + ": " + why +
           ". To do it anyway, force it with a reason: cutover flags set " + file + " default " +
           to + " --force --reason \"...\" (API: PUT /v1/flags/default with " + "{\"stage\": \"" +
           to + "\", \"force\": true, \"reason\": \"...\"})";
  }
  std::string file() const { return (tmp_.path() / "shop.yaml").string(); }

  state::TempDir tmp_;
  Spec spec_;
  std::unique_ptr<StateStore> state_;
};

TEST_F(StagesTest, NamesRoundTripAndUnknownNamesListTheStages) {
  for (int index = 0; index < kStageCount; ++index) {
    Stage stage = static_cast<Stage>(index);
    EXPECT_EQ(ParseFlagStage(StageName(stage)).value(), stage);
  }
  EXPECT_EQ(ParseFlagStage("target").status().message(),
            "unknown stage 'target'; the stages are, in order: source_only, dual_write, shadow, "
            "target_reads, target_primary, target_only");
}

TEST_F(StagesTest, GroupsStartAtSourceOnlyAndUnknownGroupsAreNamed) {
  EXPECT_EQ(StageGroups(spec_), (std::vector<std::string>{"default", "orders"}));
  std::vector<StageState> stages = ListStages(spec_, *state_).value();
  ASSERT_EQ(stages.size(), 2u);
  EXPECT_EQ(stages[1].group, "orders");
  EXPECT_EQ(stages[1].stage, Stage::kSourceOnly);
  EXPECT_EQ(stages[1].since_ms, 0);
  Result<StageState> unknown = GetStage(spec_, *state_, "users");
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(unknown.status().message(),
            "no flag group 'users'; the spec defines default, orders (control.groups adds "
            "groups)");
}

TEST_F(StagesTest, EveryChangeIsAuditedWithTheContractsKeys) {
  int64_t before = NowMs();
  StageChange change = Set("orders", Stage::kDualWrite, false, "start dual writes").value();
  EXPECT_EQ(change.sequence, 1);
  EXPECT_GE(change.at_ms, before);
  nlohmann::json current = nlohmann::json::parse(state_->GetMeta("flags/orders").value().value());
  EXPECT_EQ(current["stage"], "dual_write");
  EXPECT_EQ(current["since_ms"], change.at_ms);
  nlohmann::json audited =
      nlohmann::json::parse(state_->GetMeta("flags.history/orders/000000000001").value().value());
  EXPECT_EQ(audited, (nlohmann::json{{"group", "orders"},
                                     {"from", "source_only"},
                                     {"to", "dual_write"},
                                     {"reason", "start dual writes"},
                                     {"forced", false},
                                     {"at_ms", change.at_ms},
                                     {"by", "test"}}));
  // The other group did not move.
  EXPECT_EQ(GetStage(spec_, *state_, "default").value().stage, Stage::kSourceOnly);
  // Setting the same stage again records nothing.
  EXPECT_EQ(Set("orders", Stage::kDualWrite).value().sequence, 1);
  EXPECT_EQ(StageHistory(spec_, *state_, "orders").value().size(), 1u);
}

TEST_F(StagesTest, AnAuditKeyWhoseSequenceIsNoNumberIsDataLossNamingIt) {
  Meta("flags.history/orders/0000000000x1", {{"group", "orders"},
                                             {"from", "source_only"},
                                             {"to", "dual_write"},
                                             {"at_ms", 1},
                                             {"by", "test"}});
  Result<std::vector<StageChange>> history = StageHistory(spec_, *state_, "orders");
  ASSERT_FALSE(history.ok());
  EXPECT_EQ(history.status().ToString(),
            "DataLoss: state meta flags.history/orders/0000000000x1: stage change sequence "
            "'0000000000x1' is not a whole number");
  EXPECT_EQ(Set("orders", Stage::kDualWrite).status().code(), StatusCode::kDataLoss);
}

TEST_F(StagesTest, SkippingAStageIsRefused) {
  Result<StageChange> skip = Set("default", Stage::kShadow);
  EXPECT_EQ(skip.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(skip.status().message(),
            Refusal("source_only", "shadow", "it skips dual_write; move one stage at a time"));
  EXPECT_TRUE(StageHistory(spec_, *state_, "default").value().empty());
}

TEST_F(StagesTest, TargetReadsNeedsACompleteCleanVerify) {
  Walk("default", Stage::kShadow);
  ASSERT_TRUE(state_->DeleteMeta("verify.report").ok());
  EXPECT_EQ(Set("default", Stage::kTargetReads).status().message(),
            Refusal("shadow", "target_reads",
                    "no verify has run yet; run `cutover verify " + file() +
                        "` until it reports 0 differences"));
  VerifyReport(false, 0);
  EXPECT_EQ(Set("default", Stage::kTargetReads).status().message(),
            Refusal("shadow", "target_reads",
                    "the last verify did not finish; run `cutover verify " + file() +
                        "` again to complete it"));
  VerifyReport(true, 3);
  EXPECT_EQ(Set("default", Stage::kTargetReads).status().message(),
            Refusal("shadow", "target_reads",
                    "the last verify found 3 differences; repair them (`cutover verify " + file() +
                        " --repair`) until a verify reports 0"));
  // Clean, but from before the group entered shadow, or over some tables only.
  int64_t since = GetStage(spec_, *state_, "default").value().since_ms;
  VerifyReport(true, 0, since - 1);
  EXPECT_EQ(Set("default", Stage::kTargetReads).status().message(),
            Refusal("shadow", "target_reads",
                    "the last verify started before group 'default' moved to shadow; run "
                    "`cutover verify " +
                        file() + "` again"));
  VerifyReport(true, 0, NowMs(), "shop.orders");
  EXPECT_EQ(Set("default", Stage::kTargetReads).status().message(),
            Refusal("shadow", "target_reads",
                    "the last verify checked only the tables matching --tables 'shop.orders'; "
                    "run `cutover verify " +
                        file() + "` over every table"));
  CleanVerify();
  EXPECT_TRUE(Set("default", Stage::kTargetReads).ok());
}

TEST_F(StagesTest, TargetReadsNeedsAFreshLagUnderTheThreshold) {
  Walk("default", Stage::kShadow);
  CleanVerify();  // in shadow
  RunLag(7.31);
  EXPECT_EQ(Set("default", Stage::kTargetReads).status().message(),
            Refusal("shadow", "target_reads",
                    "the CDC lag is 7.3 s, above control.guards.max_lag (5 s); wait until apply "
                    "catches up"));
  RunLag(0.1, NowMs() - 60000);  // `cutover run` stopped a minute ago
  EXPECT_EQ(Set("default", Stage::kTargetReads).status().message(),
            Refusal("shadow", "target_reads",
                    "the CDC lag is unknown: no `cutover run` has recorded its status in the last "
                    "5 s; start `cutover run " +
                        file() + "` and let it catch up"));
  RunLag(4.9);
  EXPECT_TRUE(Set("default", Stage::kTargetReads).ok());
}

TEST_F(StagesTest, TargetPrimaryNeedsAFencePassedAfterTheLastChange) {
  Walk("default", Stage::kTargetReads);
  int64_t since = GetStage(spec_, *state_, "default").value().since_ms;
  std::string why =
      "no fence has passed since group 'default' moved to target_reads; run "
      "`cutover fence " +
      file() +
      "` (or POST /v1/fence) so that every source "
      "write made before now is on the target";
  EXPECT_EQ(Set("default", Stage::kTargetPrimary).status().message(),
            Refusal("target_reads", "target_primary", why));
  Meta("fence.last", {{"passed", true}, {"written_at_ms", since - 1}});  // before the change
  EXPECT_EQ(Set("default", Stage::kTargetPrimary).status().message(),
            Refusal("target_reads", "target_primary", why));
  Meta("fence.last", {{"passed", true}, {"written_at_ms", since + 1}});
  EXPECT_TRUE(Set("default", Stage::kTargetPrimary).ok());
}

TEST_F(StagesTest, ASkipListsTheGuardsOfEveryStageOnTheWay) {
  Meta("verify.report", {{"complete", true}, {"differences", 1}});
  RunLag(0.5);
  EXPECT_EQ(Set("default", Stage::kTargetOnly).status().message(),
            Refusal("source_only", "target_only",
                    "it skips dual_write, shadow, target_reads, target_primary; move one stage "
                    "at a time; the last verify found 1 difference; repair them (`cutover "
                    "verify " +
                        file() +
                        " --repair`) until a verify reports 0; no fence has "
                        "passed since group 'default' moved to source_only; run `cutover fence " +
                        file() +
                        "` (or POST /v1/fence) so that every source write made before "
                        "now is on the target"));
}

TEST_F(StagesTest, AForcedChangeNeedsAReasonAndIsAuditedAsForced) {
  Result<StageChange> no_reason = Set("default", Stage::kTargetReads, /*force=*/true);
  EXPECT_EQ(no_reason.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(no_reason.status().message(),
            "a forced stage change needs a reason: add --reason \"why\" (API: \"reason\"); it "
            "is kept in the audit history");
  StageChange forced =
      Set("default", Stage::kTargetReads, true, "reads only, verified by hand").value();
  EXPECT_TRUE(forced.forced);
  std::vector<StageChange> history = StageHistory(spec_, *state_, "default").value();
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(history[0].from, Stage::kSourceOnly);
  EXPECT_EQ(history[0].to, Stage::kTargetReads);
  EXPECT_TRUE(history[0].forced);
  EXPECT_EQ(history[0].reason, "reads only, verified by hand");
}

TEST_F(StagesTest, GoingBackIsAlwaysAllowedAtOnce) {
  Walk("default", Stage::kTargetOnly);
  // Every guard now fails: the verify found differences, run stopped, no new fence.
  Meta("verify.report", {{"complete", true}, {"differences", 9}});
  ASSERT_TRUE(state_->DeleteMeta("run.status").ok());
  ASSERT_TRUE(state_->DeleteMeta("fence.last").ok());
  StageChange back = Set("default", Stage::kSourceOnly, false, "rollback").value();
  EXPECT_EQ(back.from, Stage::kTargetOnly);
  EXPECT_FALSE(back.forced);
  EXPECT_EQ(GetStage(spec_, *state_, "default").value().stage, Stage::kSourceOnly);
  std::vector<StageChange> history = StageHistory(spec_, *state_, "default").value();
  ASSERT_EQ(history.size(), 6u);
  for (size_t index = 0; index < history.size(); ++index) {
    EXPECT_EQ(history[index].sequence, static_cast<int64_t>(index + 1));
  }
}

}  // namespace
}  // namespace cutover
