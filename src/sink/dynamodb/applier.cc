// DynamoDbApplier: a lane's changes through the mapping into item writes, last write per item,
// then the lane's checkpoint in the state store once DynamoDB acknowledged them.
#include "sink/dynamodb/applier.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "cutover/mapping.h"
#include "cutover/state_store.h"

#include "sink/dynamodb/client.h"
#include "sink/dynamodb/item_writer.h"
#include "sink/dynamodb/sink.h"

namespace cutover::dynamodb {
namespace {

// BatchWriteItem calls (or shared items) in flight per lane.
constexpr int kWriteParallelism = 4;

// "12" -> 12; nullopt for anything but digits.
std::optional<int> ParseLane(std::string_view text) {
  int lane = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), lane);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return lane;
}

class DynamoDbApplier : public ChangeApplier {
 public:
  DynamoDbApplier(const Spec& spec, const std::vector<TargetTablePlan>& plans, int lane, int lanes,
                  Mapping mapping, std::unique_ptr<Client> client,
                  std::unique_ptr<StateStore> state)
      : prefix_("apply." + spec.name + ".lane."),
        lane_(lane),
        lanes_(lanes),
        mapping_(std::move(mapping)),
        client_(std::move(client)),
        state_(std::move(state)) {
    for (const TargetTablePlan& plan : plans) sources_.insert(plan.source);
  }

  // The lane's record: offset "apply.<migration>.lane.<n>" and, written in the same state-store
  // transaction, meta "apply.<migration>.lane.<n>.lanes" (the lane count it was routed with).
  Result<std::optional<uint64_t>> LoadCheckpoint() override {
    CUTOVER_ASSIGN_OR_RETURN(auto offsets, state_->ListOffsets());
    std::vector<StoredCheckpoint> stored;
    for (const auto& [name, offset] : offsets) {
      if (!name.starts_with(prefix_)) continue;
      std::optional<int> lane = ParseLane(std::string_view(name).substr(prefix_.size()));
      if (!lane) continue;  // another migration's name that starts like this one's
      CUTOVER_ASSIGN_OR_RETURN(std::optional<std::string> lanes, state_->GetMeta(name + ".lanes"));
      std::optional<int> count = lanes ? ParseLane(*lanes) : std::nullopt;
      stored.push_back(StoredCheckpoint{*lane, count.value_or(0), offset});
    }
    return ResumeOffset(stored, lane_, lanes_);
  }

  Status Apply(std::span<const LoggedChange> changes, uint64_t checkpoint) override {
    std::vector<ItemOp> ops;
    for (const LoggedChange& logged : changes) {
      const Change& change = logged.change;
      if (change.op == ChangeOp::kSchema) continue;  // items have no fixed columns
      if (!sources_.contains(change.table)) {
        return Status::Internal(
            fmt::format("a change of {} reached the applier, which does not write that table",
                        change.table.ToString()));
      }
      CUTOVER_ASSIGN_OR_RETURN(std::vector<ItemOp> change_ops, mapping_.MapChange(change));
      for (ItemOp& op : change_ops) ops.push_back(std::move(op));
    }
    CUTOVER_RETURN_IF_ERROR(ExecuteLastPerItem(*client_, std::move(ops), kWriteParallelism));
    // Only now, with every write acknowledged: the checkpoint never claims a change DynamoDB
    // may not have. A crash before it replays the batch, which rewrites the same images.
    return SaveCheckpoint(checkpoint);
  }

  // The item a row writes: the DynamoDB table and the item's key. Tables a Lua hook writes go
  // by the table alone: a hook may turn one row into several items with any keys, which no
  // single item key can route, so one lane keeps every change of such a table in order.
  RoutingKeyFunction RoutingKey() const override {
    std::set<std::string> whole_tables;
    for (const TableId& source : sources_) {
      Result<std::string> table = mapping_.TargetOf(source);
      if (table.ok() && mapping_.HasHook(source)) whole_tables.insert(*table);
    }
    return [mapping = mapping_, whole_tables = std::move(whole_tables)](
               const TableSchema& schema, const Row& image) -> Result<std::string> {
      CUTOVER_ASSIGN_OR_RETURN(std::string table, mapping.TargetOf(schema.id));
      if (whole_tables.contains(table)) return table;
      CUTOVER_ASSIGN_OR_RETURN(std::vector<ItemOp> ops, mapping.MapRow(schema, image));
      if (ops.size() != 1) {
        return Status::Internal(fmt::format("{}: a row without a Lua hook mapped to {} items",
                                            schema.id.ToString(), ops.size()));
      }
      return ops[0].table + '\0' + CanonicalItem(ops[0].key).dump();  // numbers by value
    };
  }

 private:
  Status SaveCheckpoint(uint64_t checkpoint) {
    std::string name = prefix_ + std::to_string(lane_);
    CUTOVER_ASSIGN_OR_RETURN(StateStore::Transaction transaction, state_->Begin());
    CUTOVER_RETURN_IF_ERROR(state_->SetOffset(name, checkpoint));
    CUTOVER_RETURN_IF_ERROR(state_->SetMeta(name + ".lanes", std::to_string(lanes_)));
    return transaction.Commit();
  }

  // Constant after construction
  const std::string prefix_;  // "apply.<migration>.lane."
  const int lane_;
  const int lanes_;
  const Mapping mapping_;
  std::set<TableId> sources_;                // the source tables of the plans
  const std::unique_ptr<Client> client_;     // thread-safe
  const std::unique_ptr<StateStore> state_;  // thread-safe
};

}  // namespace

Result<std::unique_ptr<ChangeApplier>> OpenDynamoDbApplier(
    const Spec& spec, const std::vector<TargetTablePlan>& plans, int lane, int lanes) {
  CUTOVER_ASSIGN_OR_RETURN(Mapping mapping, LoadMapping(spec));
  CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<Client> client, Client::Open(spec.target.dynamodb));
  CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<StateStore> state, StateStore::Open(spec.state_dir));
  return std::unique_ptr<ChangeApplier>(new DynamoDbApplier(
      spec, plans, lane, lanes, std::move(mapping), std::move(client), std::move(state)));
}

}  // namespace cutover::dynamodb
