// Unit tests of how the ChangeRouter routes partial row images (PostgreSQL's unchanged TOAST
// values, docs/design.md "Partial row images"): an update's absent values taken from its before
// image; a key change that stays partial kept whole, between two drains of the lanes.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "pipeline/router.h"
#include "sink/common/test_support.h"

namespace cutover::pipeline {
namespace {

class DrainRecorder : public TableChangeHandler {
 public:
  Result<SchemaStepResult> Follow(const TargetTablePlan&, const SchemaStep&, bool) override {
    return SchemaStepResult{};
  }
  Status Hold(const TableId&, const std::string& reason, const Change&) override {
    holds.push_back(reason);
    return Status::Ok();
  }
  Status NotCarried(const TableId&, const std::map<std::string, std::string>&) override {
    return Status::Ok();
  }
  Status Drain() override {
    ++drains;
    return drain;
  }

  int drains = 0;
  Status drain;  // what Drain() returns
  std::vector<std::string> holds;
};

using sink::testing::Documents;

Row Doc(int64_t id, std::optional<int64_t> n, std::optional<std::string> doc) {
  return sink::testing::Document(id, n, std::move(doc));
}

class PartialRouteTest : public ::testing::Test {
 protected:
  PartialRouteTest() {
    TargetTablePlan plan;
    plan.source = TableId{"shop", "docs"};
    plan.target = TableId{"copy", "docs"};
    plan.schema = *schema_;
    plans_ = {plan};
    RouterOptions options;
    options.handler = &handler_;
    options.target_columns[plan.source] = std::set<std::string>{"id", "n", "doc"};
    router_ = std::make_unique<ChangeRouter>(plans_, std::move(options));
  }

  Change Update(Row before, Row after) {
    Change change;
    change.table = schema_->id;
    change.schema = schema_;
    change.op = ChangeOp::kUpdate;
    change.before = std::move(before);
    change.after = std::move(after);
    change.position = Position::Parse(fmt::format("0-1-{}", ++seqno_)).value();
    return change;
  }

  // "update 1->2 n=3 doc=?" per part (doc=? when absent).
  std::vector<std::string> Route(Change change) {
    std::vector<RoutedChange> out;
    Status status = router_->Route(std::move(change), /*hash=*/true, &out);
    EXPECT_TRUE(status.ok()) << status.ToString();
    std::vector<std::string> parts;
    for (const RoutedChange& part : out) {
      const Change& routed = part.change;
      std::string text(ChangeOpName(routed.op));
      if (routed.before) text += fmt::format(" {}", routed.before->values[0].ToDisplay());
      if (routed.before && routed.after) text += "->";
      if (routed.after) {
        const Row& after = *routed.after;
        text += fmt::format("{}{} n={} doc={}", routed.before ? "" : " ",
                            after.values[0].ToDisplay(), after.values[1].ToDisplay(),
                            after.IsPresent(2) ? after.values[2].ToDisplay() : "?");
      }
      parts.push_back(text);
    }
    return parts;
  }

  std::shared_ptr<const TableSchema> schema_ = Documents();
  std::vector<TargetTablePlan> plans_;
  DrainRecorder handler_;
  std::unique_ptr<ChangeRouter> router_;
  int seqno_ = 0;
};

TEST_F(PartialRouteTest, AbsentValuesComeFromAWholeOldRow) {
  // REPLICA IDENTITY FULL: the old row has every value; an unchanged one is the old one.
  EXPECT_EQ(Route(Update(Doc(1, 1, "big"), Doc(1, 2, std::nullopt))),
            std::vector<std::string>{"update 1->1 n=2 doc=big"});
  // ... and then a key change is a delete and an insert like any other.
  EXPECT_EQ(Route(Update(Doc(1, 2, "big"), Doc(2, 3, std::nullopt))),
            (std::vector<std::string>{"delete 1", "insert 2 n=3 doc=big"}));
  EXPECT_EQ(handler_.drains, 0);
}

TEST_F(PartialRouteTest, APartialKeyChangeStaysWholeBetweenTwoDrains) {
  std::vector<RoutedChange> out;
  ASSERT_TRUE(router_
                  ->Route(Update(Doc(1, std::nullopt, std::nullopt), Doc(2, 3, std::nullopt)),
                          /*hash=*/true, &out)
                  .ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].change.op, ChangeOp::kUpdate);
  EXPECT_EQ(handler_.drains, 1);  // every earlier change applied first
  // In the old key's lane, where the old row's earlier changes are.
  std::vector<RoutedChange> old_key;
  ASSERT_TRUE(router_->Route(Update(Doc(1, 1, "x"), Doc(1, 2, "x")), true, &old_key).ok());
  EXPECT_EQ(out[0].hash, old_key[0].hash);
  EXPECT_EQ(handler_.drains, 2);  // the move applied before the next change of the table
  EXPECT_EQ(Route(Update(Doc(1, 2, "x"), Doc(1, 3, "x"))),
            std::vector<std::string>{"update 1->1 n=3 doc=x"});
  EXPECT_EQ(handler_.drains, 2);
}

TEST_F(PartialRouteTest, APartialKeyChangeWithoutADrainHoldsTheTable) {
  handler_.drain = Status::FailedPrecondition("with a change log of 4 partitions ...");
  EXPECT_TRUE(Route(Update(Doc(1, std::nullopt, std::nullopt), Doc(2, 3, std::nullopt))).empty());
  ASSERT_EQ(handler_.holds.size(), 1u);
  EXPECT_NE(handler_.holds[0].find("a primary-key change of shop.docs at gtid:0-1-1 leaves column "
                                   "values unchanged that the change does not carry"),
            std::string::npos)
      << handler_.holds[0];
  EXPECT_NE(handler_.holds[0].find("REPLICA IDENTITY FULL"), std::string::npos);
}

// A router of shop.docs with the row filter `n > 1`, recording holds.
class PartialRouteFilterTest : public ::testing::Test {
 protected:
  PartialRouteFilterTest() {
    TargetTablePlan plan;
    plan.source = TableId{"shop", "docs"};
    plan.target = plan.source;
    plan.schema = *Documents();
    plan.filter = "n > 1";
    RouterOptions options;
    options.handler = &handler_;
    options.target_columns[plan.source] = std::set<std::string>{"id", "n", "doc"};
    router_ =
        std::make_unique<ChangeRouter>(std::vector<TargetTablePlan>{plan}, std::move(options));
  }

  // The number of parts routed.
  size_t Route(ChangeOp op, std::optional<Row> before, std::optional<Row> after) {
    Change change;
    change.table = TableId{"shop", "docs"};
    change.schema = Documents();
    change.op = op;
    change.before = std::move(before);
    change.after = std::move(after);
    change.position = Position::Parse("0-1-7").value();
    std::vector<RoutedChange> out;
    EXPECT_TRUE(router_->Route(change, true, &out).ok());
    return out.size();
  }

  DrainRecorder handler_;
  std::unique_ptr<ChangeRouter> router_;
};

// A row filter cannot judge an image without the columns it reads: the table is held, never
// judged on values that are not there (a delete dropped, a row left behind).
TEST_F(PartialRouteFilterTest, AFilterOverAnAbsentColumnHoldsTheTable) {
  // A partial image whose filter columns are there is judged as usual.
  EXPECT_EQ(Route(ChangeOp::kUpdate, Doc(1, 2, "x"), Doc(1, 3, std::nullopt)), 1u);
  EXPECT_TRUE(handler_.holds.empty());
  // A delete with the key alone: n is not there.
  EXPECT_EQ(Route(ChangeOp::kDelete, Doc(1, std::nullopt, std::nullopt), std::nullopt), 0u);
  ASSERT_EQ(handler_.holds.size(), 1u);
  EXPECT_NE(handler_.holds[0].find("the row filter of shop.docs reads column n, which the old "
                                   "row of the change at gtid:0-1-7 does not carry"),
            std::string::npos)
      << handler_.holds[0];
  EXPECT_NE(handler_.holds[0].find("REPLICA IDENTITY FULL"), std::string::npos);
}

TEST_F(PartialRouteFilterTest, AnUpdateWithoutItsOldRowHoldsAFilteredTable) {
  EXPECT_EQ(Route(ChangeOp::kUpdate, std::nullopt, Doc(1, 3, "x")), 0u);
  ASSERT_EQ(handler_.holds.size(), 1u);
  EXPECT_NE(handler_.holds[0].find("must see the old row of each update"), std::string::npos);
}

// Capture into a partitioned log: kept whole, in the old key's partition.
TEST(PartialRouteCaptureTest, APartialKeyChangeIsLoggedWholeInTheOldKeysPartition) {
  TargetTablePlan plan;
  plan.source = TableId{"shop", "docs"};
  plan.target = plan.source;
  plan.schema = *Documents();
  ChangeRouter router({plan}, nullptr, false);
  Change change;
  change.table = plan.source;
  change.schema = Documents();
  change.op = ChangeOp::kUpdate;
  change.before = Doc(1, std::nullopt, std::nullopt);
  change.after = Doc(2, 3, std::nullopt);
  std::vector<RoutedChange> out;
  ASSERT_TRUE(router.Route(change, true, &out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].change.op, ChangeOp::kUpdate);
  change.before = Doc(1, 2, "x");
  change.after = Doc(1, 3, "x");
  std::vector<RoutedChange> same_key;
  ASSERT_TRUE(router.Route(change, true, &same_key).ok());
  EXPECT_EQ(out[0].hash, same_key[0].hash);
}

}  // namespace
}  // namespace cutover::pipeline
