// Unit tests of the pipeline written once against the ChangeLog interface, with an in-memory log
// (log/memory_change_log.h), a fake applier and a fake change stream: no server, no disk.
//  - apply: every key's changes arrive in log order whatever the lanes and partitions; lanes
//    resume from their checkpoints; a failed batch is retried; a rebalance hands a partition
//    over with nothing lost; a replay reads exactly from..until; a change is mapped once (on the
//    reader) and its routing keys computed once, only where needed.
//  - capture: each transaction is appended once, whole, with its resume position; capture
//    resumes where the log says; a partitioned log gets each key in one partition, routed with
//    the target's mapper, which capture does not map with.
#include "pipeline/apply.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "log/memory_change_log.h"
#include "pipeline/capture.h"
#include "pipeline/router.h"

namespace cutover::pipeline {
namespace {

using namespace std::chrono_literals;

std::shared_ptr<const TableSchema> Accounts() {
  static auto schema = [] {
    auto made = std::make_shared<TableSchema>();
    made->id = TableId{"shop", "accounts"};
    made->columns = {{"id", ColumnType{}, false}, {"balance", ColumnType{}, true}};
    made->key = {0};
    return made;
  }();
  return schema;
}

std::vector<TargetTablePlan> Plans() {
  TargetTablePlan plan;
  plan.source = Accounts()->id;
  plan.target = TableId{"copy", "accounts"};
  plan.schema = *Accounts();
  return {plan};
}

Position At(int seqno) { return Position::Parse(fmt::format("0-1-{}", seqno)).value(); }

Change Upsert(int64_t id, int64_t balance, int seqno) {
  Change change;
  change.table = Accounts()->id;
  change.schema = Accounts();
  change.op = ChangeOp::kInsert;
  change.after = Row{{Value::Int(id), Value::Int(balance)}, {}};
  change.position = At(seqno);
  return change;
}

Change MoveKey(int64_t from, int64_t to, int64_t balance, int seqno) {
  Change change = Upsert(to, balance, seqno);
  change.op = ChangeOp::kUpdate;
  change.before = Row{{Value::Int(from), Value::Int(balance)}, {}};
  return change;
}

// What the fake target holds: rows by id, every lane's checkpoint, every change applied in
// order, and how many batches to fail first.
struct FakeTarget {
  std::mutex mutex;
  std::map<int64_t, int64_t> rows;
  std::map<int, uint64_t> checkpoints;  // by lane
  std::map<int64_t, std::vector<uint64_t>> offsets_by_key;  // each key's applied offsets
  std::vector<uint64_t> applied_order;  // every applied change's offset, over all lanes
  bool skewed = false;  // lane n takes 2n ms per batch: lanes drift apart
  std::atomic<int> fail_next{0};
  std::atomic<int> failures{0};
  std::atomic<int> routing_calls{0};
  std::atomic<int> map_calls{0};
  int lanes_seen = 0;
  // Schema following: the steps the reader asked for, the target's columns (nullopt: none),
  // and a refusal to give to every step (empty: follow).
  std::vector<SchemaStep> steps;
  std::optional<std::vector<std::string>> columns;
  std::string refusal;
};

// What the fake mapper makes of a change: the key and value it writes ("item#<id>").
struct FakeMapped : MappedChange {
  std::string item;
  std::optional<int64_t> value;  // none: a delete
};

// Routes by "item#<id>" and maps a change into a FakeMapped, counting both.
class FakeMapper : public ChangeMapper {
 public:
  explicit FakeMapper(FakeTarget* target) : target_(target) {}
  Result<std::string> RoutingKey(const TableSchema&, const Row& image) const override {
    target_->routing_calls.fetch_add(1);
    return "item#" + std::to_string(image.values[0].as_int());
  }
  Result<std::shared_ptr<const MappedChange>> Map(const Change& change) const override {
    target_->map_calls.fetch_add(1);
    auto mapped = std::make_shared<FakeMapped>();
    const Row& image = change.after ? *change.after : *change.before;
    mapped->item = "item#" + std::to_string(image.values[0].as_int());
    if (change.op != ChangeOp::kDelete) mapped->value = change.after->values[1].as_int();
    return std::shared_ptr<const MappedChange>(std::move(mapped));
  }

 private:
  FakeTarget* target_;
};

class FakeApplier : public ChangeApplier {
 public:
  FakeApplier(FakeTarget* target, int lane, bool mapped)
      : target_(target), lane_(lane), mapped_(mapped) {}

  Result<std::optional<uint64_t>> LoadCheckpoint() override {
    std::lock_guard lock(target_->mutex);
    auto found = target_->checkpoints.find(lane_);
    if (found == target_->checkpoints.end()) return std::optional<uint64_t>();
    return std::optional<uint64_t>(found->second);
  }

  Status Apply(std::span<const LoggedChange> changes, uint64_t checkpoint) override {
    if (!changes.empty() && target_->fail_next.load() > 0) {
      target_->fail_next.fetch_sub(1);
      target_->failures.fetch_add(1);
      return Status::Unavailable("the fake target is down for this batch");
    }
    if (target_->skewed) std::this_thread::sleep_for(std::chrono::milliseconds(2 * lane_));
    std::lock_guard lock(target_->mutex);
    for (const LoggedChange& logged : changes) {
      const Change& change = logged.change;
      const Row& image = change.op == ChangeOp::kDelete ? *change.before : *change.after;
      int64_t id = image.values[0].as_int();
      if (mapped_) {
        // A mapped target writes what the reader's mapper made of the change, nothing else.
        const auto* form = dynamic_cast<const FakeMapped*>(logged.mapped.get());
        if (form == nullptr) return Status::Internal("a change reached the applier unmapped");
        if (form->item != "item#" + std::to_string(id)) {
          return Status::Internal("the mapped form is another change's");
        }
      } else if (logged.mapped != nullptr) {
        return Status::Internal("a target without a mapper got a mapped change");
      }
      if (change.op == ChangeOp::kDelete) {
        target_->rows.erase(id);
      } else {
        if (change.before) target_->rows.erase(change.before->values[0].as_int());  // a move
        target_->rows[id] = change.after->values[1].as_int();
      }
      target_->offsets_by_key[id].push_back(logged.offset);
      target_->applied_order.push_back(logged.offset);
    }
    target_->checkpoints[lane_] = checkpoint;
    return Status::Ok();
  }

 private:
  FakeTarget* target_;
  const int lane_;
  const bool mapped_;
};

// The fake target's appliers; `mapped`: with the counting mapper.
class FakeAppliers : public Appliers {
 public:
  FakeAppliers(FakeTarget* target, bool mapped)
      : target_(target), mapper_(target), mapped_(mapped) {}
  const ChangeMapper* mapper() const override { return mapped_ ? &mapper_ : nullptr; }
  Result<std::unique_ptr<ChangeApplier>> OpenLane(int lane, int lanes) const override {
    {
      std::lock_guard lock(target_->mutex);
      target_->lanes_seen = lanes;
    }
    return std::unique_ptr<ChangeApplier>(std::make_unique<FakeApplier>(target_, lane, mapped_));
  }
  Result<std::optional<std::vector<std::string>>> TargetColumns(
      const TargetTablePlan&) const override {
    std::lock_guard lock(target_->mutex);
    return target_->columns;
  }
  Result<SchemaStepResult> Follow(const TargetTablePlan&, const SchemaStep& step) const override {
    std::lock_guard lock(target_->mutex);
    target_->steps.push_back(step);
    if (step.kind == SchemaStep::Kind::kTruncate) target_->rows.clear();
    if (step.kind == SchemaStep::Kind::kAddColumn && target_->columns) {
      target_->columns->push_back(step.column.name);
    }
    return SchemaStepResult{target_->refusal};
  }

 private:
  FakeTarget* target_;
  FakeMapper mapper_;
  const bool mapped_;
};

std::unique_ptr<Appliers> Fake(FakeTarget* target, bool mapped = false) {
  return std::make_unique<FakeAppliers>(target, mapped);
}

// Appends transactions straight through a writer (as capture does), one change each.
void Append(log::ChangeLog& log, const std::vector<Change>& changes, ChangeRouter* router,
            int first_seqno) {
  std::unique_ptr<log::LogWriter> writer = log.OpenWriter().value();
  int seqno = first_seqno;
  for (const Change& change : changes) {
    uint64_t hash = 0;
    if (router != nullptr) {
      std::vector<RoutedChange> routed;
      ASSERT_TRUE(router->Route(change, /*hash=*/true, &routed).ok());
      hash = routed.front().hash;
    }
    log::LogChange logged{&change, hash};
    ++seqno;
    ASSERT_TRUE(writer->AppendTransaction(std::span(&logged, 1), At(seqno), 1000 + seqno).ok());
  }
  ASSERT_TRUE(writer->Sync().ok());
}

// Runs apply on another thread until `done` holds (or 20 s pass), then stops it.
Status ApplyUntil(log::ChangeLog& log, const Appliers& open, ApplyOptions options,
                  ApplyStats* stats, const std::function<bool()>& done) {
  std::atomic<bool> stop{false};
  options.stop = &stop;
  Status status;
  const std::vector<TargetTablePlan> plans = Plans();
  std::thread runner([&] { status = RunApply(log, open, plans, options, stats); });
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!done() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
  stop = true;
  runner.join();
  return status;
}

// Many updates of few keys: the last value per key wins and each key's changes were applied in
// increasing log offsets, whatever lane they went to.
std::vector<Change> Workload(int changes, int keys) {
  std::vector<Change> out;
  for (int i = 0; i < changes; ++i) out.push_back(Upsert(i % keys, i, i));
  return out;
}

// The value the last of Workload(changes, keys)'s changes of `key` wrote.
int64_t LastValue(int changes, int keys, int key) {
  return (changes - 1) - ((changes - 1 - key) % keys);
}

void ExpectOrderedAndFinal(FakeTarget& target, int changes, int keys) {
  std::lock_guard lock(target.mutex);
  ASSERT_EQ(target.rows.size(), static_cast<size_t>(keys));
  for (int key = 0; key < keys; ++key) {
    EXPECT_EQ(target.rows[key], LastValue(changes, keys, key)) << "key " << key;
    const std::vector<uint64_t>& offsets = target.offsets_by_key[key];
    EXPECT_TRUE(std::is_sorted(offsets.begin(), offsets.end())) << "key " << key;
  }
}

TEST(ApplyTest, EveryKeysChangesArriveInLogOrderAcrossLanes) {
  auto log = log::MemoryChangeLog::Create(1);
  Append(*log, Workload(600, 7), nullptr, 0);
  FakeTarget target;
  ApplyOptions options;
  options.lanes = 4;
  options.max_batch = 16;
  ApplyStats stats;
  auto durable = log->DurableEnds().value()[0];
  ASSERT_TRUE(ApplyUntil(*log, *Fake(&target), options, &stats, [&] {
                return log->Committed().value()[0].value_or(0) >= durable;
              }).ok());
  ExpectOrderedAndFinal(target, 600, 7);
  EXPECT_EQ(stats.applied_changes.load(), 600u);
  EXPECT_EQ(target.lanes_seen, 4);
  EXPECT_EQ(log->Committed().value()[0], durable);  // progress: every record applied
}

// A key change whose new row lacks a value (docs/design.md, "Partial row images") is applied
// whole, after every change logged before it and before every change logged after it, whatever
// lanes they go to.
TEST(ApplyTest, APartialKeyChangeIsAppliedBetweenEverythingBeforeAndAfterIt) {
  std::vector<Change> changes = Workload(200, 7);
  Change moved = MoveKey(3, 100, 0, 200);
  moved.before->values[1] = Value::Null();
  moved.before->present = {true, false};  // the old key alone
  moved.after->present = {true, false};   // balance unchanged (an unchanged TOAST value)
  changes.push_back(moved);
  for (int i = 0; i < 200; ++i) changes.push_back(Upsert(200 + i % 9, i, 201 + i));
  auto log = log::MemoryChangeLog::Create(1);
  Append(*log, changes, nullptr, 0);
  FakeTarget target;
  target.skewed = true;
  ApplyOptions options;
  options.lanes = 4;
  options.max_batch = 16;
  ApplyStats stats;
  auto durable = log->DurableEnds().value()[0];
  ASSERT_TRUE(ApplyUntil(*log, *Fake(&target), options, &stats, [&] {
                return log->Committed().value()[0].value_or(0) >= durable;
              }).ok());
  std::lock_guard lock(target.mutex);
  ASSERT_EQ(target.applied_order.size(), changes.size());
  const uint64_t move_offset = target.offsets_by_key[100].at(0);
  auto at = std::find(target.applied_order.begin(), target.applied_order.end(), move_offset);
  // The offsets applied on the wrong side of the move.
  std::vector<uint64_t> misplaced;
  for (auto it = target.applied_order.begin(); it != target.applied_order.end(); ++it) {
    if ((*it < move_offset) != (it < at)) misplaced.push_back(*it);
  }
  EXPECT_TRUE(misplaced.empty()) << misplaced.size() << " changes, e.g. offset " << misplaced[0]
                                 << ", applied on the wrong side of the move at " << move_offset;
  EXPECT_FALSE(target.rows.contains(3));
  EXPECT_TRUE(target.rows.contains(100));
}

TEST(ApplyTest, LanesResumeFromTheirCheckpointsAndApplyNothingTwice) {
  auto log = log::MemoryChangeLog::Create(1);
  Append(*log, Workload(300, 5), nullptr, 0);
  FakeTarget target;
  ApplyOptions options;
  options.lanes = 3;
  ApplyStats first;
  uint64_t durable = log->DurableEnds().value()[0];
  ASSERT_TRUE(ApplyUntil(*log, *Fake(&target), options, &first, [&] {
                return log->Committed().value()[0].value_or(0) >= durable;
              }).ok());
  // More changes, and a new run: only they are applied.
  Append(*log, Workload(50, 5), nullptr, 1000);
  ApplyStats second;
  uint64_t end = log->DurableEnds().value()[0];
  ASSERT_TRUE(ApplyUntil(*log, *Fake(&target), options, &second, [&] {
                return log->Committed().value()[0].value_or(0) >= end;
              }).ok());
  EXPECT_EQ(second.applied_changes.load(), 50u);
  std::lock_guard lock(target.mutex);
  for (auto& [key, offsets] : target.offsets_by_key) {
    EXPECT_EQ(std::set<uint64_t>(offsets.begin(), offsets.end()).size(), offsets.size())
        << "key " << key << " got an offset twice";
  }
}

// A checkpoint past the log's end was written from another log (the same migration name
// before, its rows left in the target's checkpoint table): apply refuses to resume there,
// saying why, instead of skipping what this log holds.
TEST(ApplyTest, ACheckpointPastTheLogsEndIsRefusedWithTheWayOut) {
  auto log = log::MemoryChangeLog::Create(1);
  Append(*log, {Upsert(1, 10, 1), Upsert(2, 20, 2)}, nullptr, 0);
  FakeTarget target;
  target.checkpoints[0] = 15007;
  ApplyOptions options;
  options.lanes = 2;
  ApplyStats stats;
  std::atomic<bool> stop{false};
  options.stop = &stop;
  // Stops a RunApply that wrongly went on (then the code check below fails).
  std::thread guard([&] {
    for (int waited = 0; waited < 1000 && !stop; ++waited) std::this_thread::sleep_for(10ms);
    stop = true;
  });
  Status status = RunApply(*log, *Fake(&target), Plans(), options, &stats);
  stop = true;
  guard.join();
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition) << status.ToString();
  EXPECT_NE(status.message().find("apply lane 0: the target records this migration's lane as "
                                  "applied up to change log offset 15007, but "),
            std::string::npos)
      << status.ToString();
  EXPECT_NE(status.message().find("remove the migration's rows from the target's checkpoint "
                                  "table (cutover_checkpoints, docs/run.md)"),
            std::string::npos)
      << status.ToString();
  std::lock_guard lock(target.mutex);
  EXPECT_TRUE(target.rows.empty());
}

TEST(ApplyTest, AFailedBatchIsRetriedAndNothingIsLost) {
  auto log = log::MemoryChangeLog::Create(1);
  Append(*log, Workload(200, 9), nullptr, 0);
  FakeTarget target;
  target.fail_next = 3;
  ApplyOptions options;
  options.lanes = 2;
  ApplyStats stats;
  uint64_t durable = log->DurableEnds().value()[0];
  ASSERT_TRUE(ApplyUntil(*log, *Fake(&target), options, &stats, [&] {
                return log->Committed().value()[0].value_or(0) >= durable;
              }).ok());
  EXPECT_EQ(target.failures.load(), 3);
  ExpectOrderedAndFinal(target, 200, 9);
}

TEST(ApplyTest, APartitionedLogKeepsOrderThroughARebalance) {
  auto log = log::MemoryChangeLog::Create(4);
  FakeTarget target;
  std::vector<TargetTablePlan> plans = Plans();
  ChangeRouter router(plans, nullptr, /*map=*/false);
  Append(*log, Workload(400, 11), &router, 0);
  ApplyOptions options;
  options.lanes = 8;  // a partition is one lane whatever this says
  ApplyStats stats;
  std::atomic<bool> rebalanced{false};
  auto all_applied = [&] {
    if (!rebalanced && log->Committed().value()[1].value_or(0) > 0) {
      log->Rebalance(1);  // partition 1 leaves and comes back mid-way
      rebalanced = true;
      Append(*log, Workload(100, 11), &router, 1000);
      return false;
    }
    std::vector<uint64_t> ends = log->DurableEnds().value();
    std::vector<std::optional<uint64_t>> committed = log->Committed().value();
    for (size_t p = 0; p < ends.size(); ++p) {
      if (committed[p].value_or(0) < ends[p]) return false;
    }
    return rebalanced.load();
  };
  ASSERT_TRUE(ApplyUntil(*log, *Fake(&target), options, &stats, all_applied).ok());
  EXPECT_EQ(target.lanes_seen, 4);
  std::lock_guard lock(target.mutex);
  ASSERT_EQ(target.rows.size(), 11u);
  for (int key = 0; key < 11; ++key) {
    EXPECT_EQ(target.rows[key], LastValue(100, 11, key)) << "key " << key;
    const std::vector<uint64_t>& offsets = target.offsets_by_key[key];
    EXPECT_TRUE(std::is_sorted(offsets.begin(), offsets.end())) << "key " << key;
  }
}

// Lanes that get none of the changes (one key: one lane of eight) do not hold the committed
// progress back until their idle checkpoint (an hour here): a lane whose queue is empty has
// passed everything routed. The fence waits for this progress.
TEST(ApplyTest, LanesWithNothingToApplyDoNotHoldProgressBack) {
  auto log = log::MemoryChangeLog::Create(1);
  Append(*log, Workload(50, 1), nullptr, 0);
  const uint64_t end = log->DurableEnds().value()[0];
  FakeTarget target;
  ApplyOptions options;
  options.lanes = 8;
  options.idle_checkpoint = std::chrono::hours(1);
  ApplyStats stats;
  auto committed = [&] {
    Result<std::vector<std::optional<uint64_t>>> progress = log->Committed();
    return progress.ok() && (*progress)[0] ? *(*progress)[0] : 0;
  };
  const auto began = std::chrono::steady_clock::now();
  ASSERT_TRUE(
      ApplyUntil(*log, *Fake(&target), options, &stats, [&] { return committed() >= end; }).ok());
  EXPECT_EQ(committed(), end);
  EXPECT_LT(std::chrono::steady_clock::now() - began, 10s);
  std::lock_guard lock(target.mutex);
  EXPECT_EQ(target.rows[0], 49);
}

TEST(ApplyTest, AReplayAppliesExactlyFromUntilAndCommitsNothing) {
  auto log = log::MemoryChangeLog::Create(1);
  Append(*log, Workload(100, 4), nullptr, 0);
  uint64_t end = log->DurableEnds().value()[0];
  Append(*log, Workload(20, 4), nullptr, 500);  // after the replay's end: not applied
  FakeTarget target;
  ApplyOptions options;
  options.lanes = 2;
  options.group = false;
  options.from = std::vector<uint64_t>{10};  // offsets 10.. (each transaction is 2 records)
  options.until = std::vector<uint64_t>{end};
  ApplyStats stats;
  const std::vector<TargetTablePlan> plans = Plans();
  ASSERT_TRUE(RunApply(*log, *Fake(&target), plans, options, &stats).ok());
  EXPECT_EQ(stats.applied_changes.load(), 95u);  // changes at offsets 10, 12, ... 198
  EXPECT_FALSE(log->Committed().value()[0].has_value());
  std::lock_guard lock(target.mutex);
  EXPECT_EQ(target.rows[0], 96);  // the last change of key 0 below `end`
}

// A target with a mapper: each change is mapped once, on the reader, and the applier writes
// what the mapper made of it; routing keys are computed once per image where a lane must be
// chosen (several lanes) or a moved row found (an update), and never more.
TEST(ApplyTest, EachChangeIsRoutedAndMappedOnce) {
  for (int lanes : {1, 2}) {
    SCOPED_TRACE(fmt::format("{} lanes", lanes));
    auto log = log::MemoryChangeLog::Create(1);
    std::vector<Change> changes = {Upsert(1, 10, 1), Upsert(2, 20, 2), MoveKey(1, 3, 30, 3)};
    Append(*log, changes, nullptr, 0);
    FakeTarget target;
    ApplyOptions options;
    options.lanes = lanes;
    ApplyStats stats;
    uint64_t durable = log->DurableEnds().value()[0];
    ASSERT_TRUE(ApplyUntil(*log, *Fake(&target, /*mapped=*/true), options, &stats, [&] {
                  return log->Committed().value()[0].value_or(0) >= durable;
                }).ok());
    // Two lanes: two inserts (one image each) and the update (two images). One lane: only the
    // update's images, to find that it moved its row.
    EXPECT_EQ(target.routing_calls.load(), lanes == 1 ? 2 : 4);
    // The inserts, and the moved row as the old key's delete and the new key's insert.
    EXPECT_EQ(target.map_calls.load(), 4);
    EXPECT_EQ(stats.applied_changes.load(), 4u);
    std::lock_guard lock(target.mutex);
    EXPECT_EQ(target.rows, (std::map<int64_t, int64_t>{{2, 20}, {3, 30}}));
  }
}

// Capture into a partitioned log routes with the mapper (the partition) and maps nothing: the
// appliers map, once.
TEST(CaptureTest, CaptureRoutesWithTheMapperAndMapsNothing) {
  auto log = log::MemoryChangeLog::Create(3);
  FakeTarget target;
  FakeMapper mapper(&target);
  std::vector<TargetTablePlan> plans = Plans();
  ChangeRouter router(plans, &mapper, /*map=*/false);
  std::vector<RoutedChange> routed;
  ASSERT_TRUE(router.Route(Upsert(5, 50, 1), /*hash=*/true, &routed).ok());
  ASSERT_EQ(routed.size(), 1u);
  EXPECT_EQ(routed[0].mapped, nullptr);
  EXPECT_EQ(target.routing_calls.load(), 1);
  EXPECT_EQ(target.map_calls.load(), 0);
  // The same key routes to the same hash, another key (almost surely) elsewhere.
  std::vector<RoutedChange> again;
  ASSERT_TRUE(router.Route(Upsert(5, 51, 2), /*hash=*/true, &again).ok());
  EXPECT_EQ(again[0].hash, routed[0].hash);
}

// A table with a unique index besides its key goes to one lane as a whole (a value moving
// between rows must be applied in log order across keys); others by key; a target with a
// mapper routes by its routing key regardless.
TEST(RouterTest, ATableWithAUniqueIndexBesidesTheKeyGoesToOneLane) {
  std::vector<TargetTablePlan> plans = Plans();
  auto hashes = [&](const std::vector<TargetTablePlan>& with, const ChangeMapper* mapper) {
    ChangeRouter router(with, mapper, /*map=*/false);
    std::set<uint64_t> seen;
    for (int64_t id = 1; id <= 20; ++id) {
      std::vector<RoutedChange> routed;
      EXPECT_TRUE(router.Route(Upsert(id, id, static_cast<int>(id)), true, &routed).ok());
      for (const RoutedChange& part : routed) seen.insert(part.hash);
    }
    return seen.size();
  };
  EXPECT_EQ(hashes(plans, nullptr), 20u);
  plans[0].schema.indexes.push_back(Index{"by_balance", {"balance"}, /*unique=*/false, false, ""});
  EXPECT_EQ(hashes(plans, nullptr), 20u) << "a non-unique index changes nothing";
  plans[0].schema.indexes.push_back(Index{"u_balance", {"balance"}, /*unique=*/true, false, ""});
  EXPECT_EQ(hashes(plans, nullptr), 1u);
  FakeTarget target;
  FakeMapper mapper(&target);
  EXPECT_GT(hashes(plans, &mapper), 1u) << "DynamoDB items route by their own key";
}

// The log states a table's shape again in every segment and after every restart of capture:
// each is a new object with the same columns, and the one before is freed, so its address can
// come back for the next. The router gives every change of one shape the same applied schema
// (appliers batch by it), and never takes a reused address for an older entry.
TEST(RouterTest, AShapeStatedAgainKeepsOneAppliedSchema) {
  ChangeRouter router(Plans(), nullptr, /*map=*/false);
  std::set<const TableSchema*> applied;
  std::shared_ptr<const TableSchema> wider;
  for (int seqno = 1; seqno <= 200; ++seqno) {
    auto shape = std::make_shared<TableSchema>(*Accounts());
    if (seqno == 100) {  // a column added on the source, then the old shape is never seen again
      shape->columns.push_back({"note", ColumnType{}, true});
      wider = shape;
    } else if (seqno > 100) {
      shape = std::make_shared<TableSchema>(*wider);
    }
    Change change = Upsert(seqno, seqno, seqno);
    change.schema = shape;
    if (seqno >= 100) change.after->values.push_back(Value::Str("n"));
    shape.reset();  // only the change holds it now
    std::vector<RoutedChange> routed;
    Status status = router.Route(change, /*hash=*/false, &routed);
    ASSERT_TRUE(status.ok()) << status.ToString();
    ASSERT_EQ(routed.size(), 1u);
    EXPECT_EQ(routed[0].change.schema->columns.size(), seqno >= 100 ? 3u : 2u) << seqno;
    EXPECT_EQ(routed[0].change.after->values.size(), seqno >= 100 ? 3u : 2u) << seqno;
    applied.insert(routed[0].change.schema.get());
  }
  EXPECT_EQ(applied.size(), 2u) << "one applied schema per source shape";
}

// A change the caller is done with is routed by moving its images' values: the parts are those
// of routing a copy (a key-moving update's two as well), and the change keeps its table, op and
// position.
TEST(RouterTest, ARoutedChangeGivenAwayGivesTheSameParts) {
  std::vector<TargetTablePlan> plans = Plans();
  for (Change change : {Upsert(4, 40, 1), MoveKey(4, 9, 41, 2)}) {
    ChangeRouter copying(plans, nullptr, /*map=*/false);
    ChangeRouter moving(plans, nullptr, /*map=*/false);
    std::vector<RoutedChange> copied;
    std::vector<RoutedChange> moved;
    ASSERT_TRUE(copying.Route(change, /*hash=*/true, &copied).ok());
    Change given = change;
    ASSERT_TRUE(moving.Route(std::move(given), /*hash=*/true, &moved).ok());
    ASSERT_EQ(moved.size(), copied.size());
    for (size_t part = 0; part < moved.size(); ++part) {
      EXPECT_EQ(moved[part].hash, copied[part].hash);
      EXPECT_EQ(moved[part].change.op, copied[part].change.op);
      EXPECT_EQ(moved[part].change.before, copied[part].change.before);
      EXPECT_EQ(moved[part].change.after, copied[part].change.after);
      EXPECT_EQ(moved[part].change.position, change.position);
    }
    EXPECT_EQ(given.table, change.table);  // NOLINT(bugprone-use-after-move): what is kept
    EXPECT_EQ(given.op, change.op);
    EXPECT_EQ(given.position, change.position);
  }
}

// A table's row filter, on the source images: a row that enters it is inserted, one that leaves
// it deleted, one that stays out skipped (docs/spec.md, "Row filters").
TEST(RouterTest, TheRowFilterTurnsChangesIntoInsertsDeletesOrNothing) {
  std::vector<TargetTablePlan> plans = Plans();
  plans[0].filter = "balance >= 10";
  ChangeRouter router(plans, nullptr, /*map=*/false);
  auto route = [&](const Change& change) {
    std::vector<RoutedChange> routed;
    Status status = router.Route(change, /*hash=*/false, &routed);
    EXPECT_TRUE(status.ok()) << status.ToString();
    std::string out;
    for (const RoutedChange& part : routed) {
      out += std::string(ChangeOpName(part.change.op)) + " ";
    }
    return out;
  };
  auto update = [](int64_t from, int64_t to) {
    Change change = Upsert(1, to, 1);
    change.op = ChangeOp::kUpdate;
    change.before = Row{{Value::Int(1), Value::Int(from)}, {}};
    return change;
  };
  auto remove = [](int64_t balance) {
    Change change;
    change.table = Accounts()->id;
    change.schema = Accounts();
    change.op = ChangeOp::kDelete;
    change.before = Row{{Value::Int(1), Value::Int(balance)}, {}};
    return change;
  };
  EXPECT_EQ(route(Upsert(1, 5, 1)), "") << "an insert outside the filter";
  EXPECT_EQ(route(Upsert(1, 20, 1)), "insert ");
  EXPECT_EQ(route(update(20, 30)), "update ") << "stays in";
  EXPECT_EQ(route(update(20, 5)), "delete ") << "leaves";
  EXPECT_EQ(route(update(5, 20)), "insert ") << "enters";
  EXPECT_EQ(route(update(5, 6)), "") << "stays out";
  EXPECT_EQ(route(remove(5)), "");
  EXPECT_EQ(route(remove(20)), "delete ");
  // A row that enters the filter and changes its key at once: only the new key is written.
  Change moved = MoveKey(1, 3, 30, 2);
  moved.before->values[1] = Value::Int(5);
  EXPECT_EQ(route(moved), "insert ");
}

// A change stream that delivers scripted transactions, then stops (OK) or fails.
class FakeStream : public ChangeStream {
 public:
  FakeStream(std::vector<std::vector<Change>> transactions, Position start)
      : transactions_(std::move(transactions)), start_(std::move(start)) {}
  Status Run(ChangeEventSink* sink) override {
    for (size_t i = 0; i < transactions_.size(); ++i) {
      const Position resume = At(static_cast<int>(i) + 1);
      if (!start_.empty() && (resume == start_ || start_.IsAfter(resume))) continue;
      CUTOVER_RETURN_IF_ERROR(sink->OnBegin());
      for (const Change& change : transactions_[i]) {
        CUTOVER_RETURN_IF_ERROR(sink->OnChange(change));
      }
      CUTOVER_RETURN_IF_ERROR(sink->OnCommit(resume));
    }
    return sink->OnIdle();
  }

 private:
  std::vector<std::vector<Change>> transactions_;
  Position start_;
};

Status Capture(log::ChangeLog& log, const std::vector<std::vector<Change>>& transactions,
               std::vector<Position>* starts, ChangeRouter* router = nullptr) {
  CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<log::LogWriter> writer, log.OpenWriter());
  CaptureOptions options;
  options.router = router;
  CaptureStats stats;
  return RunCapture(
      [&](ChangeStreamOptions stream) -> Result<std::unique_ptr<ChangeStream>> {
        starts->push_back(stream.start);
        return std::unique_ptr<ChangeStream>(
            std::make_unique<FakeStream>(transactions, stream.start));
      },
      *writer, options, &stats);
}

TEST(CaptureTest, EachTransactionIsAppendedOnceWithItsResumePositionAndResumes) {
  auto log = log::MemoryChangeLog::Create(1);
  std::vector<std::vector<Change>> transactions = {
      {Upsert(1, 1, 1), Upsert(2, 2, 1)}, {Upsert(1, 3, 2)}, {Upsert(3, 4, 3), Upsert(4, 5, 3)}};
  std::vector<Position> starts;
  ASSERT_TRUE(Capture(*log, transactions, &starts).ok());
  std::vector<log::LogRecord> records = log->Records(0);
  // 5 changes and 3 commit records, each commit with where the source resumes after it.
  ASSERT_EQ(records.size(), 8u);
  std::vector<Position> commits;
  for (const log::LogRecord& record : records) {
    if (record.commit) commits.push_back(record.position);
  }
  EXPECT_EQ(commits, (std::vector<Position>{At(1), At(2), At(3)}));
  EXPECT_EQ(log->synced_resume(), At(3));
  // Capture again: it resumes after the last transaction the log holds, appending nothing again.
  ASSERT_TRUE(Capture(*log, transactions, &starts).ok());
  EXPECT_EQ(log->Records(0).size(), 8u);
  ASSERT_EQ(starts.size(), 2u);
  EXPECT_TRUE(starts[0].empty());
  EXPECT_EQ(starts[1], At(3));
}

// A stream that records what the sink says it holds durably after each transaction and after
// an idle heartbeat (what a PostgreSQL slot is confirmed up to).
class DurableProbe : public ChangeStream {
 public:
  DurableProbe(int transactions, std::vector<Position>* seen)
      : transactions_(transactions), seen_(seen) {}
  Status Run(ChangeEventSink* sink) override {
    seen_->push_back(sink->Durable());
    for (int i = 1; i <= transactions_; ++i) {
      CUTOVER_RETURN_IF_ERROR(sink->OnBegin());
      CUTOVER_RETURN_IF_ERROR(sink->OnChange(Upsert(i, i, i)));
      CUTOVER_RETURN_IF_ERROR(sink->OnCommit(At(i)));
      seen_->push_back(sink->Durable());
    }
    CUTOVER_RETURN_IF_ERROR(sink->OnIdle());
    seen_->push_back(sink->Durable());
    return Status::Ok();
  }

 private:
  int transactions_;
  std::vector<Position>* seen_;
};

TEST(CaptureTest, TheDurablePositionFollowsTheSyncedLogNeverAheadOfIt) {
  auto log = log::MemoryChangeLog::Create(1);
  auto capture = [&](int transactions, std::vector<Position>* seen) {
    CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<log::LogWriter> writer, log->OpenWriter());
    CaptureOptions options;
    options.sync_every = std::chrono::hours(1);  // only the idle heartbeat syncs
    CaptureStats stats;
    return RunCapture(
        [&](ChangeStreamOptions) -> Result<std::unique_ptr<ChangeStream>> {
          return std::unique_ptr<ChangeStream>(std::make_unique<DurableProbe>(transactions, seen));
        },
        *writer, options, &stats);
  };
  std::vector<Position> seen;
  ASSERT_TRUE(capture(2, &seen).ok());
  // Nothing before the first sync; then the last transaction synced.
  EXPECT_EQ(seen, (std::vector<Position>{Position(), Position(), Position(), At(2)}));
  EXPECT_EQ(log->synced_resume(), At(2));
  // A capture resumed from the log starts out holding what the log holds.
  seen.clear();
  ASSERT_TRUE(capture(0, &seen).ok());
  EXPECT_EQ(seen, (std::vector<Position>{At(2), At(2)}));
}

TEST(CaptureTest, APartitionedLogKeepsEachKeyInOnePartitionAndSplitsAMovedKey) {
  auto log = log::MemoryChangeLog::Create(3);
  std::vector<TargetTablePlan> plans = Plans();
  ChangeRouter router(plans, nullptr, /*map=*/false);
  std::vector<std::vector<Change>> transactions;
  for (int i = 0; i < 30; ++i) transactions.push_back({Upsert(i % 6, i, i + 1)});
  // Key 0 moves to key 100: a delete of 0 where 0 lives and an insert of 100 where 100 lives.
  transactions.push_back({MoveKey(0, 100, 7, 31)});
  std::vector<Position> starts;
  ASSERT_TRUE(Capture(*log, transactions, &starts, &router).ok());
  std::map<int64_t, std::set<int>> partitions_of;
  size_t records = 0;
  for (int partition = 0; partition < 3; ++partition) {
    for (const log::LogRecord& record : log->Records(partition)) {
      EXPECT_FALSE(record.commit);  // a partitioned log keeps no commit records
      const Row& image = record.change.after ? *record.change.after : *record.change.before;
      partitions_of[image.values[0].as_int()].insert(partition);
      ++records;
    }
  }
  // 30 inserts, and the move as one record (both keys in one partition) or two.
  EXPECT_GE(records, 31u);
  EXPECT_LE(records, 32u);
  for (const auto& [key, partitions] : partitions_of) {
    EXPECT_EQ(partitions.size(), 1u) << "key " << key << " is in several partitions";
  }
}

}  // namespace
}  // namespace cutover::pipeline
