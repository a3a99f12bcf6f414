// Unit tests of schema following in the ChangeRouter (docs/ddl.md), with a recording handler:
// which statements and shapes become target steps, which hold the table (and that its later
// changes are dropped), what `ignore` and the rule's columns report, how images of old and new
// shapes are narrowed; and the widening rules.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "pipeline/router.h"
#include "pipeline/schema_compare.h"

namespace cutover::pipeline {
namespace {

ColumnType Int(SqlType type = SqlType::kInt, bool is_unsigned = false) {
  ColumnType column;
  column.type = type;
  column.is_unsigned = is_unsigned;
  return column;
}

ColumnType VarChar(uint32_t length) {
  ColumnType column;
  column.type = SqlType::kVarChar;
  column.length = length;
  column.collation = "utf8mb4_general_ci";
  return column;
}

// shop.items with the given columns (name, type); key: the first.
std::shared_ptr<const TableSchema> Shape(const std::vector<std::pair<std::string, ColumnType>>& columns,
                                         std::vector<size_t> key = {0}) {
  auto schema = std::make_shared<TableSchema>();
  schema->id = TableId{"shop", "items"};
  for (const auto& [name, type] : columns) schema->columns.push_back({name, type, true});
  schema->key = std::move(key);
  return schema;
}

Position At(int seqno) { return Position::Parse(fmt::format("0-1-{}", seqno)).value(); }

Change Insert(std::shared_ptr<const TableSchema> shape, std::vector<Value> values, int seqno) {
  Change change;
  change.table = shape->id;
  change.schema = std::move(shape);
  change.op = ChangeOp::kInsert;
  change.after = Row{std::move(values), {}};
  change.position = At(seqno);
  return change;
}

Change Statement(const std::string& sql, std::shared_ptr<const TableSchema> shape, int seqno,
                 ChangeOp op = ChangeOp::kDdl) {
  Change change;
  change.table = shape->id;
  change.schema = std::move(shape);
  change.op = op;
  change.statement = sql;
  change.position = At(seqno);
  return change;
}

struct Recorded {
  std::vector<std::pair<SchemaStep, bool>> steps;  // with `barrier`
  std::vector<std::string> holds;
  std::map<std::string, std::string> not_carried;
  std::string refusal;  // given to every step
  int drains = 0;       // Drain() calls
  Status drain;         // what Drain() returns
};

class RecordingHandler : public TableChangeHandler {
 public:
  explicit RecordingHandler(Recorded* recorded) : recorded_(recorded) {}
  Result<SchemaStepResult> Follow(const TargetTablePlan&, const SchemaStep& step,
                                  bool barrier) override {
    recorded_->steps.emplace_back(step, barrier);
    return SchemaStepResult{recorded_->refusal};
  }
  Status Hold(const TableId&, const std::string& reason, const Change&) override {
    recorded_->holds.push_back(reason);
    return Status::Ok();
  }
  Status NotCarried(const TableId&, const std::map<std::string, std::string>& columns) override {
    recorded_->not_carried = columns;
    return Status::Ok();
  }
  Status Drain() override {
    ++recorded_->drains;
    return recorded_->drain;
  }

 private:
  Recorded* recorded_;
};

class SchemaFollowTest : public ::testing::Test {
 protected:
  void Open(DdlPolicy policy, std::vector<std::string> rule_columns = {},
            std::optional<std::set<std::string>> target = std::set<std::string>{"id", "name"},
            std::optional<Position> resumed = std::nullopt) {
    rule_.match = "shop.items";
    rule_.ddl = policy;
    rule_.columns = std::move(rule_columns);
    TargetTablePlan plan;
    plan.source = TableId{"shop", "items"};
    plan.target = TableId{"copy", "items"};
    plan.schema = *v1_;
    plan.rule = &rule_;
    plans_ = {plan};
    RouterOptions options;
    options.handler = &handler_;
    options.target_columns[plan.source] = target;
    if (resumed) options.resumed[plan.source] = *resumed;
    router_ = std::make_unique<ChangeRouter>(plans_, std::move(options));
  }

  // The routed parts' applied columns and values ("id=1 name=a").
  std::vector<std::string> Route(const Change& change) {
    std::vector<RoutedChange> out;
    Status status = router_->Route(change, /*hash=*/true, &out);
    EXPECT_TRUE(status.ok()) << status.ToString();
    std::vector<std::string> parts;
    for (const RoutedChange& part : out) {
      std::string text;
      const Row& row = part.change.after ? *part.change.after : *part.change.before;
      for (size_t index = 0; index < part.change.schema->columns.size(); ++index) {
        text += fmt::format("{}{}={}", text.empty() ? "" : " ",
                            part.change.schema->columns[index].name,
                            row.values[index].ToDisplay());
      }
      parts.push_back(text);
    }
    return parts;
  }

  std::shared_ptr<const TableSchema> v1_ = Shape({{"id", Int()}, {"name", VarChar(10)}});
  TableRule rule_;
  std::vector<TargetTablePlan> plans_;
  Recorded recorded_;
  RecordingHandler handler_{&recorded_};
  std::unique_ptr<ChangeRouter> router_;
};

TEST_F(SchemaFollowTest, AddColumnIsAStepBeforeTheRowsThatHaveIt) {
  Open(DdlPolicy::kFollow);
  auto v2 = Shape({{"id", Int()}, {"name", VarChar(10)}, {"tier", Int()}});
  EXPECT_EQ(Route(Insert(v1_, {Value::Int(1), Value::Str("a")}, 1)),
            std::vector<std::string>{"id=1 name=a"});
  EXPECT_TRUE(Route(Statement("ALTER TABLE items ADD COLUMN tier INT NOT NULL DEFAULT 7", v1_,
                              2)).empty());
  ASSERT_EQ(recorded_.steps.size(), 1u);
  const auto& [step, barrier] = recorded_.steps[0];
  EXPECT_EQ(step.kind, SchemaStep::Kind::kAddColumn);
  EXPECT_EQ(step.column.name, "tier");
  EXPECT_EQ(step.definition, "INT NOT NULL DEFAULT 7");
  EXPECT_EQ(step.default_sql, "7");
  EXPECT_TRUE(step.default_is_constant);
  EXPECT_TRUE(barrier);
  EXPECT_EQ(Route(Insert(v2, {Value::Int(2), Value::Str("b"), Value::Int(3)}, 3)),
            std::vector<std::string>{"id=2 name=b tier=3"});
  // A change of the old shape logged before (another partition of the log behind this one)
  // carries what it has; it does not look like a dropped column.
  EXPECT_EQ(Route(Insert(v1_, {Value::Int(3), Value::Str("c")}, 2)),
            std::vector<std::string>{"id=3 name=c"});
  EXPECT_TRUE(recorded_.holds.empty());
  EXPECT_EQ(recorded_.steps.size(), 1u);  // the shape needs no second step
}

TEST_F(SchemaFollowTest, DroppedOrRenamedColumnsAndKeyChangesHoldTheTable) {
  struct Case {
    std::string statement;
    std::string reason;
  };
  for (const Case& c : std::vector<Case>{
           {"ALTER TABLE items DROP COLUMN name",
            "column name of shop.items was dropped on the source"},
           {"ALTER TABLE items RENAME COLUMN name TO title",
            "column name of shop.items was renamed on the source"},
           {"ALTER TABLE items CHANGE name title VARCHAR(10)",
            "column name of shop.items was renamed to title on the source"},
           {"ALTER TABLE items DROP PRIMARY KEY, ADD PRIMARY KEY (id, name)",
            "the primary key of shop.items changed on the source"},
           {"ALTER TABLE items RENAME TO goods", "shop.items was renamed on the source"},
           {"DROP TABLE items", "shop.items was dropped on the source"},
       }) {
    recorded_ = Recorded{};
    Open(DdlPolicy::kFollow);
    Route(Insert(v1_, {Value::Int(1), Value::Str("a")}, 1));
    EXPECT_TRUE(Route(Statement(c.statement, v1_, 2)).empty());
    ASSERT_EQ(recorded_.holds.size(), 1u) << c.statement;
    EXPECT_NE(recorded_.holds[0].find(c.reason), std::string::npos) << recorded_.holds[0];
    EXPECT_NE(recorded_.holds[0].find(c.statement), std::string::npos) << recorded_.holds[0];
    // Held: later changes are dropped.
    EXPECT_TRUE(router_->held(TableId{"shop", "items"}));
    EXPECT_TRUE(Route(Insert(v1_, {Value::Int(2), Value::Str("b")}, 3)).empty());
  }
}

TEST_F(SchemaFollowTest, ShapesShowDropsAndTypeChangesWithoutAStatement) {
  Open(DdlPolicy::kFollow);
  Route(Insert(v1_, {Value::Int(1), Value::Str("a")}, 1));
  auto dropped = Shape({{"id", Int()}});
  EXPECT_TRUE(Route(Insert(dropped, {Value::Int(2)}, 2)).empty());
  ASSERT_EQ(recorded_.holds.size(), 1u);
  EXPECT_NE(recorded_.holds[0].find("column(s) name of shop.items are gone from the source's "
                                    "rows"),
            std::string::npos)
      << recorded_.holds[0];

  recorded_ = Recorded{};
  Open(DdlPolicy::kFollow);
  Route(Insert(v1_, {Value::Int(1), Value::Str("a")}, 1));
  // Widened with its statement: a step with the statement's definition.
  Route(Statement("ALTER TABLE items MODIFY name VARCHAR(40) NOT NULL DEFAULT ''", v1_, 2));
  auto wider = Shape({{"id", Int()}, {"name", VarChar(40)}});
  EXPECT_EQ(Route(Insert(wider, {Value::Int(2), Value::Str("bb")}, 3)),
            std::vector<std::string>{"id=2 name=bb"});
  ASSERT_EQ(recorded_.steps.size(), 1u);
  EXPECT_EQ(recorded_.steps[0].first.kind, SchemaStep::Kind::kWidenColumn);
  EXPECT_EQ(recorded_.steps[0].first.definition, "VARCHAR(40) NOT NULL DEFAULT ''");
  // Narrowed: held, naming both types.
  auto narrower = Shape({{"id", Int()}, {"name", VarChar(5)}});
  EXPECT_TRUE(Route(Insert(narrower, {Value::Int(3), Value::Str("c")}, 4)).empty());
  ASSERT_EQ(recorded_.holds.size(), 1u);
  EXPECT_NE(recorded_.holds[0].find("narrows or converts its values"), std::string::npos)
      << recorded_.holds[0];
}

TEST_F(SchemaFollowTest, TruncateIsAStepAfterEveryEarlierChange) {
  Open(DdlPolicy::kFollow);
  Route(Insert(v1_, {Value::Int(1), Value::Str("a")}, 1));
  EXPECT_TRUE(Route(Statement("TRUNCATE TABLE items", v1_, 2, ChangeOp::kTruncate)).empty());
  ASSERT_EQ(recorded_.steps.size(), 1u);
  EXPECT_EQ(recorded_.steps[0].first.kind, SchemaStep::Kind::kTruncate);
  EXPECT_TRUE(recorded_.steps[0].second);
  // A target that cannot follow: the refusal holds the table, with the target's words.
  recorded_ = Recorded{};
  recorded_.refusal = "the target cannot";
  Open(DdlPolicy::kFollow);
  Route(Statement("TRUNCATE TABLE items", v1_, 2, ChangeOp::kTruncate));
  EXPECT_EQ(recorded_.holds, std::vector<std::string>{"the target cannot"});
}

TEST_F(SchemaFollowTest, StopHoldsAtAnyChangeAndIgnoreReports) {
  Open(DdlPolicy::kStop);
  Route(Insert(v1_, {Value::Int(1), Value::Str("a")}, 1));
  Route(Statement("ALTER TABLE items ADD INDEX by_name (name)", v1_, 2));
  ASSERT_EQ(recorded_.holds.size(), 1u);
  EXPECT_NE(recorded_.holds[0].find("its rule says ddl: stop"), std::string::npos);
  EXPECT_TRUE(recorded_.steps.empty());

  recorded_ = Recorded{};
  Open(DdlPolicy::kIgnore);
  auto v2 = Shape({{"id", Int()}, {"name", VarChar(10)}, {"tier", Int()}});
  Route(Insert(v1_, {Value::Int(1), Value::Str("a")}, 1));
  Route(Statement("ALTER TABLE items ADD COLUMN tier INT", v1_, 2));
  EXPECT_EQ(Route(Insert(v2, {Value::Int(2), Value::Str("b"), Value::Int(3)}, 3)),
            std::vector<std::string>{"id=2 name=b"});
  EXPECT_TRUE(recorded_.steps.empty());
  EXPECT_TRUE(recorded_.holds.empty());
  EXPECT_EQ(recorded_.not_carried,
            (std::map<std::string, std::string>{{"tier", "added on the source; ddl: ignore"}}));
}

TEST_F(SchemaFollowTest, RuleColumnsLeaveNewColumnsOutAndSaySo) {
  Open(DdlPolicy::kFollow, {"name"});
  auto v2 = Shape({{"id", Int()}, {"name", VarChar(10)}, {"secret", Int()}});
  Route(Insert(v1_, {Value::Int(1), Value::Str("a")}, 1));
  Route(Statement("ALTER TABLE items ADD COLUMN secret INT", v1_, 2));
  EXPECT_EQ(Route(Insert(v2, {Value::Int(2), Value::Str("b"), Value::Int(3)}, 3)),
            std::vector<std::string>{"id=2 name=b"});
  EXPECT_TRUE(recorded_.steps.empty());
  EXPECT_EQ(recorded_.not_carried,
            (std::map<std::string, std::string>{{"secret", "not in the table rule's columns"}}));
}

TEST_F(SchemaFollowTest, AResumedTableSkipsTheChangesThatHeldIt) {
  // The person dropped name on the target too; the table was held at position 2.
  Open(DdlPolicy::kFollow, {}, std::set<std::string>{"id"}, At(2));
  EXPECT_TRUE(Route(Statement("ALTER TABLE items DROP COLUMN name", v1_, 2)).empty());
  auto v2 = Shape({{"id", Int()}});
  EXPECT_EQ(Route(Insert(v2, {Value::Int(5)}, 3)), std::vector<std::string>{"id=5"});
  EXPECT_TRUE(recorded_.holds.empty());
  // A later statement is followed again.
  Route(Statement("ALTER TABLE items DROP COLUMN id2", v2, 4));
  EXPECT_TRUE(recorded_.holds.empty());  // not a carried column: nothing to lose
}

// A table a resumed copy read whole as of position 3 (docs/copy.md, "A resumed copy"): its row
// changes and truncates before 3 are in the copy and dropped; the rest is routed.
TEST_F(SchemaFollowTest, ATableCopiedAsOfAPositionDropsItsEarlierChanges) {
  Open(DdlPolicy::kFollow);
  RouterOptions options;
  options.handler = &handler_;
  options.target_columns[plans_[0].source] = std::set<std::string>{"id", "name"};
  options.copied_as_of[plans_[0].source] = At(3);
  router_ = std::make_unique<ChangeRouter>(plans_, std::move(options));
  EXPECT_TRUE(Route(Insert(v1_, {Value::Int(1), Value::Str("a")}, 1)).empty());
  EXPECT_TRUE(Route(Statement("TRUNCATE TABLE items", v1_, 2, ChangeOp::kTruncate)).empty());
  EXPECT_TRUE(recorded_.steps.empty());
  EXPECT_EQ(Route(Insert(v1_, {Value::Int(2), Value::Str("b")}, 4)),
            std::vector<std::string>{"id=2 name=b"});
  Route(Statement("TRUNCATE TABLE items", v1_, 5, ChangeOp::kTruncate));
  ASSERT_EQ(recorded_.steps.size(), 1u);
  EXPECT_EQ(recorded_.steps[0].first.kind, SchemaStep::Kind::kTruncate);
}

TEST(SchemaCompare, WideningKeepsEveryValue) {
  auto column = [](ColumnType type) { return Column{"c", std::move(type), true}; };
  ColumnType decimal_10_2;
  decimal_10_2.type = SqlType::kDecimal;
  decimal_10_2.precision = 10;
  decimal_10_2.scale = 2;
  ColumnType decimal_12_2 = decimal_10_2;
  decimal_12_2.precision = 12;
  ColumnType decimal_12_4 = decimal_10_2;
  decimal_12_4.precision = 12;
  decimal_12_4.scale = 4;  // 8 integer digits, as 10,2 has, and more fraction digits
  ColumnType decimal_10_4 = decimal_10_2;
  decimal_10_4.scale = 4;  // 6 integer digits: narrower
  struct Case {
    ColumnType from;
    ColumnType to;
    bool widens;
  };
  for (const Case& c : std::vector<Case>{
           {Int(), Int(SqlType::kBigInt), true},
           {Int(SqlType::kBigInt), Int(), false},
           {Int(SqlType::kInt, true), Int(SqlType::kBigInt), true},
           {Int(SqlType::kInt, true), Int(SqlType::kInt), false},
           {Int(), Int(SqlType::kBigInt, true), false},
           {VarChar(10), VarChar(20), true},
           {VarChar(20), VarChar(10), false},
           {decimal_10_2, decimal_12_2, true},
           {decimal_10_2, decimal_12_4, true},
           {decimal_10_2, decimal_10_4, false},
           {Int(SqlType::kFloat), Int(SqlType::kDouble), true},
           {Int(SqlType::kDouble), Int(SqlType::kFloat), false},
           {Int(), VarChar(20), false},
       }) {
    EXPECT_EQ(Widens(column(c.from), column(c.to)), c.widens)
        << SqlTypeName(c.from.type) << " -> " << SqlTypeName(c.to.type);
  }
  // The same type spelled differently (a TABLE_MAP's "int", information_schema's "int(11)")
  // is the same type.
  ColumnType spelled = Int();
  spelled.source_name = "int(11)";
  spelled.length = 11;
  EXPECT_TRUE(SameColumnType(column(Int()), column(spelled)));
}

// A PostgreSQL source (types with ColumnType::postgres): no statements, a changed Relation is a
// kSchema change whose `after` holds the value the rows that existed got in each added column.
class PostgresSchemaFollowTest : public SchemaFollowTest {
 protected:
  static ColumnType Pg(SqlType type, const std::string& name, uint32_t length = 0) {
    ColumnType column;
    column.type = type;
    column.length = length;
    column.source_name = name;
    column.postgres = true;
    return column;
  }
  void SetUp() override {
    v1_ = Shape({{"id", Pg(SqlType::kInt, "integer")},
                 {"name", Pg(SqlType::kVarChar, "character varying(10)", 10)}});
  }
  static Change SchemaChange(std::shared_ptr<const TableSchema> shape, Row values, int seqno) {
    Change change =
        Statement("shop.items now has columns (...)", std::move(shape), seqno, ChangeOp::kSchema);
    change.after = std::move(values);
    return change;
  }
};

TEST_F(PostgresSchemaFollowTest, AnAddedColumnIsAddedWithTheValueItsExistingRowsGot) {
  Open(DdlPolicy::kFollow);
  auto v2 = Shape({{"id", Pg(SqlType::kInt, "integer")},
                   {"name", Pg(SqlType::kVarChar, "character varying(10)", 10)},
                   {"tier", Pg(SqlType::kInt, "integer")},
                   {"mark", Pg(SqlType::kDouble, "double precision")}});
  EXPECT_TRUE(
      Route(
          SchemaChange(
              v2, Row{{Value(), Value(), Value::Int(9), Value()}, {false, false, true, false}}, 2))
          .empty());
  EXPECT_TRUE(recorded_.steps.empty());  // followed when a row of the shape comes
  recorded_.refusal = "";
  EXPECT_EQ(Route(Insert(v2, {Value::Int(2), Value::Str("b"), Value::Int(3), Value::Int(1)}, 3)),
            std::vector<std::string>{"id=2 name=b tier=3 mark=1"});
  ASSERT_EQ(recorded_.steps.size(), 2u);
  const SchemaStep& tier = recorded_.steps[0].first;
  EXPECT_EQ(tier.kind, SchemaStep::Kind::kAddColumn);
  EXPECT_EQ(tier.column.name, "tier");
  EXPECT_TRUE(tier.column.type.postgres);
  EXPECT_EQ(tier.existing_value, Value::Int(9));
  EXPECT_TRUE(recorded_.steps[0].second);  // once the earlier changes are applied
  const SchemaStep& mark = recorded_.steps[1].first;
  EXPECT_EQ(mark.column.name, "mark");
  EXPECT_FALSE(mark.existing_value.has_value());  // not known: the target refuses
  EXPECT_EQ(mark.statement, "shop.items now has columns (...)");
}

// The plan's shape is the baseline: a column dropped, or widened, before the table's first
// change in this run is seen in its first row.
TEST_F(PostgresSchemaFollowTest, TheFirstRowIsComparedWithThePlansShape) {
  Open(DdlPolicy::kFollow);
  auto widened = Shape({{"id", Pg(SqlType::kBigInt, "bigint")},
                        {"name", Pg(SqlType::kVarChar, "character varying(10)", 10)}});
  EXPECT_EQ(Route(Insert(widened, {Value::Int(5000000000), Value::Str("a")}, 1)),
            std::vector<std::string>{"id=5000000000 name=a"});
  ASSERT_EQ(recorded_.steps.size(), 1u);
  const SchemaStep& step = recorded_.steps[0].first;
  EXPECT_EQ(step.kind, SchemaStep::Kind::kWidenColumn);
  EXPECT_EQ(step.column.type.source_name, "bigint");
  ASSERT_TRUE(step.previous.has_value());
  EXPECT_EQ(step.previous->type.source_name, "integer");

  Open(DdlPolicy::kFollow);
  auto dropped = Shape({{"id", Pg(SqlType::kInt, "integer")}});
  EXPECT_TRUE(Route(Insert(dropped, {Value::Int(1)}, 1)).empty());
  ASSERT_EQ(recorded_.holds.size(), 1u);
  EXPECT_EQ(recorded_.holds[0],
            "column(s) name of shop.items are gone from the source's rows; following would "
            "lose their values on the target");
}

// The shape recorded as last followed (an earlier run's) is the baseline, not the plan's (the
// source's now): a column dropped while cutover was not running stops the table.
TEST_F(PostgresSchemaFollowTest, TheRecordedShapeIsTheBaselineAcrossRuns) {
  auto recorded = Shape({{"id", Pg(SqlType::kInt, "integer")},
                         {"name", Pg(SqlType::kVarChar, "character varying(10)", 10)},
                         {"tier", Pg(SqlType::kInt, "integer")}});
  rule_.match = "shop.items";
  TargetTablePlan plan;
  plan.source = TableId{"shop", "items"};
  plan.target = TableId{"copy", "items"};
  plan.schema = *v1_;  // the source now: tier is gone
  plan.rule = &rule_;
  plans_ = {plan};
  RouterOptions options;
  options.handler = &handler_;
  options.target_columns[plan.source] = std::set<std::string>{"id", "name", "tier"};
  options.followed[plan.source] = {recorded, At(5)};
  router_ = std::make_unique<ChangeRouter>(plans_, std::move(options));
  // A change logged before (in the recorded shape) is carried whole.
  EXPECT_EQ(Route(Insert(recorded, {Value::Int(1), Value::Str("a"), Value::Int(2)}, 6)),
            std::vector<std::string>{"id=1 name=a tier=2"});
  EXPECT_TRUE(Route(Insert(v1_, {Value::Int(2), Value::Str("b")}, 7)).empty());
  ASSERT_EQ(recorded_.holds.size(), 1u);
  EXPECT_EQ(recorded_.holds[0],
            "column(s) tier of shop.items are gone from the source's rows; following would "
            "lose their values on the target");
}

}  // namespace
}  // namespace cutover::pipeline
