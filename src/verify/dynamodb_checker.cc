// DynamoDbChecker: source rows through the applier's Mapping, compared with the items fetched
// by key (BatchGetItem); at the end a parallel Scan of each DynamoDB table finds the items no
// source row produced.
#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_set>

#include <fmt/format.h>

#include "cutover/mapping.h"
#include "cutover/state_store.h"

#include "pipeline/state_options.h"
#include "sink/dynamodb/client.h"
#include "sink/dynamodb/operations.h"
#include "sink/dynamodb/sink.h"
#include "verify/checker.h"
#include "verify/item_compare.h"
#include "verify/progress.h"

namespace cutover::verify {
namespace {

using Json = nlohmann::json;

constexpr int kGetThreads = 8;    // BatchGetItem calls in flight per chunk
constexpr int kScanSegments = 4;  // parallel Scan segments per DynamoDB table

// The identity of an item across tables: table, then the key with numbers by value.
std::string ItemId(const std::string& table, const Json& key) {
  return table + '\0' + CanonicalItem(key).dump();
}

class DynamoDbChecker : public TargetChecker {
 public:
  DynamoDbChecker(Mapping mapping, std::unique_ptr<dynamodb::Client> client,
                  std::filesystem::path state_dir, StateStoreOptions state_options)
      : mapping_(std::move(mapping)),
        client_(std::move(client)),
        state_dir_(std::move(state_dir)),
        state_options_(std::move(state_options)) {}

  // Each row becomes the ops the full load writes. A put must find exactly its item; a
  // shared item's update must find its attributes set and its NULL columns absent (other
  // source tables own the rest of the item).
  Status CheckChunk(const TargetTablePlan& plan, const std::optional<Key>&,
                    const std::optional<Key>&, std::span<const Row> rows,
                    ChunkResult* result) override {
    return CheckRows(plan, rows, /*remember=*/true, result);
  }

  // The rows' items, as a chunk's. A key without a source row now was deleted: whether its
  // items are gone is the extra-item scan's question.
  Status CheckKeys(const TargetTablePlan& plan, std::span<const Key>, std::span<const Row> rows,
                   ChunkResult* result) override {
    return CheckRows(plan, rows, /*remember=*/false, result);
  }

  bool NeedsCheckedRows() const override { return true; }

  Status Prepare(std::span<const TargetTablePlan> plans) override {
    for (const TargetTablePlan& plan : plans) scanned_tables_.insert(plan.target.name);
    return Status::Ok();
  }

  Status Remember(const TargetTablePlan& plan, std::span<const Row> rows) override {
    for (const Row& row : rows) {
      CUTOVER_ASSIGN_OR_RETURN(std::vector<ItemOp> ops, mapping_.MapRow(plan.schema, row));
      for (const ItemOp& op : ops) Remember(ItemId(op.table, op.key));
    }
    return Status::Ok();
  }

  // Every DynamoDB table a verified source writes, scanned once; an item whose key no
  // source row produced is extra. Every extra item is kept in the state store as the scan
  // read it (ExtraItemsWriter), for `--repair --delete-extra`.
  Result<std::vector<VerifyTableReport>> FindExtras(int max_listed) override {
    CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<StateStore> state, OpenStateForExtras());
    std::vector<VerifyTableReport> reports;
    for (const std::string& name : scanned_tables_) {
      const DynamoTable* table = mapping_.FindTable(name);
      if (table == nullptr) return Status::Internal("no mapping table " + name);
      VerifyTableReport report;
      report.table = name;
      report.target = name;
      report.scan = true;
      CUTOVER_ASSIGN_OR_RETURN(ExtraItemsWriter kept, ExtraItemsWriter::Start(*state, name));
      std::mutex mutex;  // guards report and kept: the segments' threads call back at once
      CUTOVER_RETURN_IF_ERROR(
          dynamodb::ParallelScanEach(*client_, name, kScanSegments, [&](std::vector<Json>& page) {
            // seen_ is only read while the scan runs, so the threads look up without the lock.
            std::vector<std::pair<Json, Json>> extras;  // key, item
            for (Json& item : page) {
              Json key = KeyOf(*table, item);
              if (!seen_.contains(ItemId(name, key))) extras.emplace_back(key, std::move(item));
            }
            std::lock_guard lock(mutex);
            report.rows += static_cast<int64_t>(page.size());
            report.extra += static_cast<int64_t>(extras.size());
            for (auto& [key, item] : extras) {
              if (static_cast<int>(report.listed.size()) < max_listed) {
                VerifyDifference extra;
                extra.kind = VerifyDifference::Kind::kExtra;
                extra.key = key.dump();
                report.listed.push_back(std::move(extra));
              }
              // (not CUTOVER_RETURN_IF_ERROR: this lambda is inside one)
              Status added = kept.Add(std::move(key), std::move(item));
              if (!added.ok()) return added;
            }
            return Status::Ok();
          }));
      CUTOVER_RETURN_IF_ERROR(kept.Finish());
      report.chunks = report.chunks_checked = 1;
      report.done = true;
      reports.push_back(std::move(report));
    }
    return reports;
  }

  void ForgetRemembered() override { seen_.clear(); }

  Result<std::vector<VerifyTableReport>> RecheckExtras(std::vector<VerifyTableReport> reports,
                                                       int max_listed) override {
    CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<StateStore> state, OpenStateForExtras());
    for (VerifyTableReport& report : reports) {
      if (!report.scan || report.extra == 0) continue;
      const std::string& name = report.table;
      const DynamoTable* table = mapping_.FindTable(name);
      if (table == nullptr) return Status::Internal("no mapping table " + name);
      // The extras no source row produces now (held in memory: they are differences).
      std::vector<std::pair<Json, Json>> candidates;  // key, item as the scan read it
      CUTOVER_RETURN_IF_ERROR(ForEachExtraItemBatch(*state, name, [&](const Json& batch) {
        for (const Json& entry : batch) {
          Json key = entry.value("key", Json());
          if (seen_.contains(ItemId(name, key))) continue;
          candidates.emplace_back(std::move(key), entry.value("item", Json()));
        }
        return Status::Ok();
      }));
      std::vector<Json> keys;
      for (const auto& candidate : candidates) keys.push_back(candidate.first);
      CUTOVER_ASSIGN_OR_RETURN(std::vector<Json> present, dynamodb::BatchGet(*client_, name, keys));
      std::unordered_set<std::string> still;
      for (const Json& item : present) still.insert(ItemId(name, KeyOf(*table, item)));
      CUTOVER_ASSIGN_OR_RETURN(ExtraItemsWriter kept, ExtraItemsWriter::Start(*state, name));
      int64_t before = report.extra;
      report.extra = 0;
      report.listed.clear();
      for (auto& [key, item] : candidates) {
        if (!still.contains(ItemId(name, key))) continue;
        ++report.extra;
        if (static_cast<int>(report.listed.size()) < max_listed) {
          VerifyDifference extra;
          extra.kind = VerifyDifference::Kind::kExtra;
          extra.key = key.dump();
          report.listed.push_back(std::move(extra));
        }
        CUTOVER_RETURN_IF_ERROR(kept.Add(std::move(key), std::move(item)));
      }
      CUTOVER_RETURN_IF_ERROR(kept.Finish());
      report.settled = before - report.extra;
    }
    return reports;
  }

 private:
  void Remember(const std::string& id) { seen_.insert(id); }

  // The verify's state store, opened once more: the checker has no handle of its own, and
  // SQLite lets two connections of one process share the file.
  Result<std::unique_ptr<StateStore>> OpenStateForExtras() const {
    return StateStore::Open(state_dir_, state_options_);
  }

  Status CheckRows(const TargetTablePlan& plan, std::span<const Row> rows, bool remember,
                   ChunkResult* result) {
    std::vector<ItemOp> ops;
    std::vector<size_t> op_rows;  // op_rows[i]: the row ops[i] came from
    for (size_t index = 0; index < rows.size(); ++index) {
      CUTOVER_ASSIGN_OR_RETURN(std::vector<ItemOp> row_ops,
                               mapping_.MapRow(plan.schema, rows[index]));
      for (ItemOp& op : row_ops) {
        ops.push_back(std::move(op));
        op_rows.push_back(index);
      }
    }
    CUTOVER_ASSIGN_OR_RETURN(auto items, FetchItems(ops));
    for (size_t index = 0; index < ops.size(); ++index) {
      const ItemOp& op = ops[index];
      std::string id = ItemId(op.table, op.key);
      if (remember) Remember(id);
      auto found = items.find(id);
      Key key = cutover::KeyOf(plan.schema, rows[op_rows[index]]);
      if (found == items.end()) {
        result->Add(Difference(VerifyDifference::Kind::kMissing, op), std::move(key));
        continue;
      }
      std::optional<AttributeDifference> difference =
          op.kind == ItemOp::Kind::kUpdate
              ? FirstItemDifference(MergedKey(op), found->second, false, op.remove)
              : FirstItemDifference(op.item, found->second, true, {});
      if (!difference) continue;
      VerifyDifference different = Difference(VerifyDifference::Kind::kDifferent, op);
      different.column = difference->name;
      different.source_value = difference->expected;
      different.target_value = difference->actual;
      result->Add(std::move(different), std::move(key));
    }
    result->rows += static_cast<int64_t>(rows.size());
    return Status::Ok();
  }

  static Json KeyOf(const DynamoTable& table, const Json& item) {
    Json key = Json::object();
    key[table.partition_key.name] = item.value(table.partition_key.name, Json());
    if (table.sort_key) key[table.sort_key->name] = item.value(table.sort_key->name, Json());
    return key;
  }

  // A shared item's expected attributes: its key and what this source sets.
  static Json MergedKey(const ItemOp& op) {
    Json expected = op.key;
    for (const auto& [name, value] : op.item.items()) expected[name] = value;
    return expected;
  }

  static VerifyDifference Difference(VerifyDifference::Kind kind, const ItemOp& op) {
    VerifyDifference difference;
    difference.kind = kind;
    difference.key = op.key.dump();
    difference.source_row = op.source;
    return difference;
  }

  // The items at the ops' keys, by ItemId: BatchGetItem per DynamoDB table (each key once,
  // as DynamoDB refuses a batch that names a key twice), kGetThreads calls in flight.
  Result<std::map<std::string, Json>> FetchItems(const std::vector<ItemOp>& ops) {
    std::map<std::string, std::vector<Json>> keys;  // by table
    std::set<std::string> asked;
    for (const ItemOp& op : ops) {
      if (asked.insert(ItemId(op.table, op.key)).second) keys[op.table].push_back(op.key);
    }
    std::map<std::string, Json> items;
    std::mutex mutex;  // guards items and first_error
    Status first_error;
    for (const auto& [table, table_keys] : keys) {
      const DynamoTable* schema = mapping_.FindTable(table);
      if (schema == nullptr) return Status::Internal("no mapping table " + table);
      size_t slice = std::max<size_t>(100, (table_keys.size() + kGetThreads - 1) / kGetThreads);
      std::vector<std::thread> threads;
      for (size_t start = 0; start < table_keys.size(); start += slice) {
        threads.emplace_back([&, start, table_name = table] {
          std::vector<Json> part(table_keys.begin() + static_cast<ptrdiff_t>(start),
                                 table_keys.begin() + static_cast<ptrdiff_t>(std::min(
                                                          table_keys.size(), start + slice)));
          Result<std::vector<Json>> got = dynamodb::BatchGet(*client_, table_name, part);
          std::lock_guard lock(mutex);
          if (!got.ok()) {
            if (first_error.ok()) first_error = got.status();
            return;
          }
          for (Json& item : *got) {
            items.emplace(ItemId(table_name, KeyOf(*schema, item)), std::move(item));
          }
        });
      }
      for (std::thread& thread : threads) thread.join();
      if (!first_error.ok()) {
        return first_error.WithContext("reading DynamoDB table " + table);
      }
    }
    return items;
  }

  // Constant after construction
  const Mapping mapping_;
  const std::unique_ptr<dynamodb::Client> client_;
  const std::filesystem::path state_dir_;  // where FindExtras keeps the extra items
  const StateStoreOptions state_options_;
  // Only the verifier's thread uses the state below.
  std::set<std::string> scanned_tables_;  // the DynamoDB tables of the verified sources
  // Every item a source row produced (ItemId): the Scan's yardstick for extras. Memory grows
  // with the items (about 100 bytes each).
  std::unordered_set<std::string> seen_;
};

}  // namespace

Result<std::unique_ptr<TargetChecker>> OpenDynamoDbChecker(const Spec& spec) {
  CUTOVER_ASSIGN_OR_RETURN(Mapping mapping, dynamodb::LoadMapping(spec));
  CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<dynamodb::Client> client,
                           dynamodb::Client::Open(spec.target.dynamodb));
  auto checker = std::make_unique<DynamoDbChecker>(std::move(mapping), std::move(client),
                                                   spec.state_dir, pipeline::StateOptionsFor(spec));
  return std::unique_ptr<TargetChecker>(std::move(checker));
}

}  // namespace cutover::verify
