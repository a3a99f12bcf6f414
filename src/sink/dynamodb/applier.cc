// DynamoDbApplier: a lane's changes through the mapping into item writes, last write per item,
// then the lane's checkpoint in the state store once DynamoDB acknowledged them.
#include "sink/dynamodb/applier.h"

#include <algorithm>
#include <cctype>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cutover/mapping.h"
#include "cutover/state_store.h"
#include "state/lane_checkpoint.h"

#include "sink/dynamodb/client.h"
#include "sink/dynamodb/operations.h"
#include "sink/dynamodb/item_writer.h"
#include "sink/dynamodb/sink.h"

namespace cutover::dynamodb {
namespace {

// BatchWriteItem calls (or shared items) in flight per lane.
constexpr int kWriteParallelism = 4;

// "12" -> 12; nullopt for anything but digits.
// What the mapper makes of one change: its item writes, in order.
struct ItemWrites : MappedChange {
  std::vector<ItemOp> ops;
};

class DynamoDbMapper : public ChangeMapper {
 public:
  DynamoDbMapper(Mapping mapping, const std::vector<TargetTablePlan>& plans)
      : mapping_(std::move(mapping)) {
    for (const TargetTablePlan& plan : plans) {
      Result<std::string> table = mapping_.TargetOf(plan.source);
      if (table.ok() && mapping_.HasHook(plan.source)) whole_tables_.insert(*table);
    }
  }

  // The item a row writes: the DynamoDB table and the item's key (numbers by value). Tables a
  // Lua hook writes go by the table alone: a hook may turn one row into several items with any
  // keys, which no single item key can route, so one lane keeps every change of such a table in
  // order.
  Result<std::string> RoutingKey(const TableSchema& schema, const Row& image) const override {
    CUTOVER_ASSIGN_OR_RETURN(std::string table, mapping_.TargetOf(schema.id));
    if (whole_tables_.contains(table)) return table;
    CUTOVER_ASSIGN_OR_RETURN(Json key, mapping_.ItemKeyOf(schema, image));
    return table + '\0' + CanonicalItem(key).dump();
  }

  Result<std::shared_ptr<const MappedChange>> Map(const Change& change) const override {
    auto writes = std::make_shared<ItemWrites>();
    CUTOVER_ASSIGN_OR_RETURN(writes->ops, mapping_.MapChange(change));
    return std::shared_ptr<const MappedChange>(std::move(writes));
  }

 private:
  const Mapping mapping_;
  std::set<std::string> whole_tables_;  // DynamoDB tables a Lua hook writes
};

// What every lane shares, built once (OpenDynamoDbAppliers).
struct Shared {
  std::string migration;  // names the lane checkpoints
  // The plans (the caller's; a table created on the source is added between two runs of the
  // apply reader, never while lanes apply).
  const std::vector<TargetTablePlan>* plans = nullptr;
  std::unique_ptr<Client> client;  // thread-safe (a pool of connections)
  std::unique_ptr<StateStore> owned_state;
  StateStore* state = nullptr;  // thread-safe
};

class DynamoDbApplier : public ChangeApplier {
 public:
  // Opened by each run of the apply reader, after any table was added to the plans.
  DynamoDbApplier(const Shared& shared, int lane, int lanes)
      : shared_(shared), checkpoint_(*shared.state, shared.migration, lane, lanes) {
    for (const TargetTablePlan& plan : *shared.plans) sources_.insert(plan.source);
  }

  // The lane's record (state/lane_checkpoint.h).
  Result<std::optional<uint64_t>> LoadCheckpoint() override { return checkpoint_.Load(); }

  // The item writes the reader's mapper made of each change (mapped once, there).
  Status Apply(std::span<const LoggedChange> changes, uint64_t checkpoint) override {
    std::vector<ItemOp> ops;
    for (const LoggedChange& logged : changes) {
      const Change& change = logged.change;
      if (IsTableChange(change.op)) continue;  // the router acts on table changes
      if (!sources_.contains(change.table)) {
        return Status::Internal(
            fmt::format("a change of {} reached the applier, which does not write that table",
                        change.table.ToString()));
      }
      const auto* writes = dynamic_cast<const ItemWrites*>(logged.mapped.get());
      if (writes == nullptr) {
        return Status::Internal(fmt::format(
            "a change of {} reached the DynamoDB applier without its item writes",
            change.table.ToString()));
      }
      ops.insert(ops.end(), writes->ops.begin(), writes->ops.end());
    }
    CUTOVER_RETURN_IF_ERROR(ExecuteLastPerItem(*shared_.client, std::move(ops), kWriteParallelism));
    // Only now, with every write acknowledged: the checkpoint never claims a change DynamoDB
    // may not have. A crash before it replays the batch, which rewrites the same images.
    return checkpoint_.Save(checkpoint);
  }

 private:
  const Shared& shared_;
  const state::LaneCheckpoint checkpoint_;
  std::set<TableId> sources_;  // the tables of the plans when the lane opened
};

// Whether a column definition says NOT NULL (outside quotes: "DEFAULT 'NOT NULL'" does not).
bool DefinitionIsNotNull(std::string_view definition) {
  std::string upper;
  char quote = 0;
  for (char c : definition) {
    if (quote != 0) {
      if (c == quote) quote = 0;
      continue;
    }
    if (c == '\'' || c == '"' || c == '`') {
      quote = c;
      continue;
    }
    upper.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  std::string squeezed;
  for (char c : upper) {
    if (std::isspace(static_cast<unsigned char>(c)) != 0) {
      if (!squeezed.empty() && squeezed.back() != ' ') squeezed.push_back(' ');
    } else {
      squeezed.push_back(c);
    }
  }
  return squeezed.find("NOT NULL") != std::string::npos;
}

class DynamoDbAppliers : public Appliers {
 public:
  DynamoDbAppliers(Shared shared, Mapping mapping, const std::vector<TargetTablePlan>& plans,
                   DynamoDbSpec dynamodb)
      : shared_(std::move(shared)), mapping_(mapping), mapper_(std::move(mapping), plans),
        plans_(plans), dynamodb_(std::move(dynamodb)) {}

  const ChangeMapper* mapper() const override { return &mapper_; }

  Result<std::unique_ptr<ChangeApplier>> OpenLane(int lane, int lanes) const override {
    return std::unique_ptr<ChangeApplier>(std::make_unique<DynamoDbApplier>(shared_, lane, lanes));
  }

  // Items have no fixed columns.
  Result<std::optional<std::vector<std::string>>> TargetColumns(
      const TargetTablePlan&) const override {
    return std::optional<std::vector<std::string>>();
  }

  // The DynamoDB rules of docs/ddl.md: an attribute needs no DDL, but items written before a
  // column was added lack it, which is right only when the source's existing rows got NULL.
  Result<SchemaStepResult> Follow(const TargetTablePlan& plan,
                                  const SchemaStep& step) const override {
    SchemaStepResult result;
    const std::string source = plan.source.ToString();
    const std::string& column = step.column.name;
    switch (step.kind) {
      case SchemaStep::Kind::kAddColumn: {
        if (!mapping_.Carries(plan.source, column)) return result;
        std::string why;
        if (step.generated) {
          why = "it is a generated column, whose existing rows have computed values";
        } else if (step.definition.empty()) {
          why = "the statement that added it was not read, so its existing rows' value is "
                "unknown";
        } else if (step.default_sql && !EqualsNull(*step.default_sql)) {
          why = "its existing rows got DEFAULT " + *step.default_sql;
        } else if (!step.default_sql && DefinitionIsNotNull(step.definition)) {
          why = "it is NOT NULL without a default, so its existing rows got the type's zero";
        }
        if (!why.empty()) {
          result.refusal = fmt::format(
              "column {} was added to {} and {}, which the items written before lack: cutover "
              "ddl resume SPEC {} --recopy writes the table's items again",
              column, source, why, source);
        }
        return result;
      }
      case SchemaStep::Kind::kWidenColumn:
      case SchemaStep::Kind::kSetDefault: return result;  // attributes have no declared type
      case SchemaStep::Kind::kTruncate:
      case SchemaStep::Kind::kRecreate: return DeleteItemsOf(plan, step);
    }
    return result;
  }

 private:
  static bool EqualsNull(std::string_view text) {
    return text.size() == 4 && (text[0] == 'N' || text[0] == 'n') &&
           (text[1] == 'U' || text[1] == 'u') && (text[2] == 'L' || text[2] == 'l') &&
           (text[3] == 'L' || text[3] == 'l');
  }

  // Deletes every item of the plan's DynamoDB table, when only this source table writes it.
  // Another table's items there cannot be told apart: a truncate is refused; a re-copy writes
  // every row's items again without deleting first (items of rows deleted meanwhile stay, which
  // `cutover verify` reports as extra).
  Result<SchemaStepResult> DeleteItemsOf(const TargetTablePlan& plan, const SchemaStep& step) const {
    SchemaStepResult result;
    const std::string source = plan.source.ToString();
    const std::string& table = plan.target.name;
    for (const TargetTablePlan& other : plans_) {
      if (other.source != plan.source && other.target.name == table) {
        if (step.kind == SchemaStep::Kind::kRecreate) {
          spdlog::warn("{} is copied again into DynamoDB table {}, which {} writes too: its items "
                       "are written again, none deleted first (cutover verify reports items of "
                       "rows deleted meanwhile)",
                       source, table, other.source.ToString());
          return result;
        }
        result.refusal = fmt::format(
            "{} {} on the source, and DynamoDB table {} also holds {}'s items, which cutover "
            "cannot tell apart to delete only {}'s: delete them yourself, then cutover ddl "
            "resume SPEC {}",
            source, step.kind == SchemaStep::Kind::kTruncate ? "was truncated" : "is copied again",
            table, other.source.ToString(), source, source);
        return result;
      }
    }
    const DynamoTable* dynamo = mapping_.FindTable(table);
    if (dynamo == nullptr) {
      return Status::Internal("DynamoDB table " + table + " is not in the mapping");
    }
    if (step.kind == SchemaStep::Kind::kRecreate) {
      // A new source table may write a DynamoDB table the copy did not create.
      Result<Json> described = DescribeTable(*shared_.client, table);
      if (described.status().code() == StatusCode::kNotFound) {
        CUTOVER_RETURN_IF_ERROR(
            CreateTable(*shared_.client, *dynamo, CreateOptions(dynamodb_, true)));
        return result;
      }
      CUTOVER_RETURN_IF_ERROR(described.status());
    }
    std::mutex mutex;
    std::vector<WriteRequest> deletes;
    CUTOVER_RETURN_IF_ERROR(ParallelScanEach(
        *shared_.client, table, 4, [&](std::vector<Json>& page) -> Status {
          std::lock_guard lock(mutex);
          for (Json& item : page) {
            Json key = Json::object();
            key[dynamo->partition_key.name] = item[dynamo->partition_key.name];
            if (dynamo->sort_key) key[dynamo->sort_key->name] = item[dynamo->sort_key->name];
            deletes.push_back(WriteRequest{true, std::move(key), source});
          }
          return Status::Ok();
        }));
    CUTOVER_RETURN_IF_ERROR(BatchWrite(*shared_.client, table, std::move(deletes), 4));
    return result;
  }

  const Shared shared_;
  const Mapping mapping_;
  const DynamoDbMapper mapper_;
  const std::vector<TargetTablePlan>& plans_;
  const DynamoDbSpec dynamodb_;  // how a table is created (billing)
};

}  // namespace

Result<std::unique_ptr<Appliers>> OpenDynamoDbAppliers(const Spec& spec, Mapping mapping,
                                                       const std::vector<TargetTablePlan>& plans,
                                                       StateStore* state) {
  Shared shared;
  shared.migration = spec.name;
  shared.plans = &plans;
  CUTOVER_ASSIGN_OR_RETURN(shared.client, Client::Open(spec.target.dynamodb));
  shared.state = state;
  if (state == nullptr) {
    CUTOVER_ASSIGN_OR_RETURN(shared.owned_state, StateStore::Open(spec.state_dir));
    shared.state = shared.owned_state.get();
  }
  return std::unique_ptr<Appliers>(
      std::make_unique<DynamoDbAppliers>(std::move(shared), std::move(mapping), plans,
                                         spec.target.dynamodb));
}

}  // namespace cutover::dynamodb
