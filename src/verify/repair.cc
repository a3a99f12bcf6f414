// Repair: watermark requests for the running capture, then a wait for apply.
#include "verify/repair.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <span>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "cutover/fence.h"
#include "cutover/mapping.h"

#include "db/mysql/connection.h"
#include "db/postgres/connection.h"
#include "log/change_log.h"
#include "pipeline/clock.h"
#include "pipeline/repair_windows.h"
#include "pipeline/test_hooks.h"
#include "sink/dynamodb/client.h"
#include "sink/dynamodb/operations.h"
#include "sink/postgres/copy_text.h"
#include "sink/postgres/ddl.h"
#include "source/mysql/snapshot_position.h"
#include "source/mysql/snapshot_reader.h"
#include "source/mysql/snapshot_schema.h"
#include "source/mysql/snapshot_sql.h"
#include "source/postgres/pg_changes.h"
#include "source/postgres/types.h"
#include "state/run_status.h"
#include "verify/checker.h"
#include "verify/item_compare.h"
#include "verify/live.h"
#include "verify/mariadb_values.h"
#include "verify/postgres_values.h"
#include "verify/progress.h"
#include "verify/source_reads.h"

namespace cutover::verify {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int64_t kPage = 5000;
constexpr size_t kExtraKeysPage = 500;  // extra rows' keys per watermark window
// Apply must be past the high watermark by this much before the rows count as applied.
constexpr int64_t kAppliedMarginMs = 1000;
constexpr size_t kDeleteThreads = 8;  // DeleteItem calls in flight

using pipeline::NowMs;

std::string NewRequestId() {
  static thread_local std::mt19937_64 random(std::random_device{}());
  return fmt::format("{:016x}", random());
}

// `key` (values of the applied schema's key columns) as a row of the full source schema: the
// key columns set, every other column NULL: the before image of a delete.
Result<Row> KeyRow(const TableSchema& full, const TableSchema& applied, const Key& key) {
  Row row;
  row.values.assign(full.columns.size(), Value::Null());
  for (size_t part = 0; part < applied.key.size(); ++part) {
    const std::string& name = applied.columns[applied.key[part]].name;
    std::optional<size_t> column = full.ColumnIndex(name);
    if (!column) return Status::DataLoss(fmt::format("key column {} left the source table", name));
    row.values[*column] = key.values[part];
  }
  return row;
}

// The low and high watermarks of a request, where the source's capture sees them in commit
// order with every other change (pipeline/repair_windows.h).
class Watermarks {
 public:
  virtual ~Watermarks() = default;
  virtual Status Mark(const TableId& table, const std::string& id, const char* phase) = 0;
  // After the request: what the marks left on the source removed.
  virtual Status Forget(const TableId& table, const std::string& id) = 0;
};

// MariaDB/MySQL: rows of cutover_watermarks in the table's own schema (created if missing),
// deleted after the request.
class RowWatermarks : public Watermarks {
 public:
  explicit RowWatermarks(const Spec& spec) : spec_(spec) {}

  Status Mark(const TableId& table, const std::string& id, const char* phase) override {
    CUTOVER_ASSIGN_OR_RETURN(mysql::Connection * source, Session());
    if (!created_.contains(table.schema)) {
      CUTOVER_RETURN_IF_ERROR(source->Execute(mysql::WatermarkTableDdl(table.schema)).status());
      created_.insert(table.schema);
    }
    return source
        ->Execute(fmt::format("INSERT INTO {} (id, phase) VALUES ({}, '{}')", Table(table.schema),
                              source->QuoteString(id), phase))
        .status();
  }

  Status Forget(const TableId& table, const std::string& id) override {
    CUTOVER_ASSIGN_OR_RETURN(mysql::Connection * source, Session());
    return source
        ->Execute(fmt::format("DELETE FROM {} WHERE id = {}", Table(table.schema),
                              source->QuoteString(id)))
        .status();
  }

 private:
  static std::string Table(const std::string& schema) {
    return mysql::QuoteQualified(schema, kWatermarkTable);
  }
  Result<mysql::Connection*> Session() {
    if (session_ == nullptr) {
      CUTOVER_ASSIGN_OR_RETURN(session_, mysql::Connection::Open(spec_.source.connection));
    }
    return session_.get();
  }

  const Spec& spec_;
  std::unique_ptr<mysql::Connection> session_;
  std::set<std::string> created_;  // schemas whose watermark table exists
};

// PostgreSQL: a transactional logical message per mark, committed at once (the slot sends it in
// commit order; postgres::WatermarkMarker makes it the watermark change). Nothing to remove.
class MessageWatermarks : public Watermarks {
 public:
  explicit MessageWatermarks(const Spec& spec) : spec_(spec) {}

  Status Mark(const TableId& /*table*/, const std::string& id, const char* phase) override {
    if (session_ == nullptr) {
      CUTOVER_ASSIGN_OR_RETURN(session_, postgres::Connection::Open(spec_.source.connection));
    }
    return session_
        ->Execute("SELECT pg_logical_emit_message(true, $1, $2)",
                  {std::string(kWatermarkTable), postgres::WatermarkMessage(phase, id)})
        .status();
  }
  Status Forget(const TableId& /*table*/, const std::string& /*id*/) override {
    return Status::Ok();
  }

 private:
  const Spec& spec_;
  std::unique_ptr<postgres::Connection> session_;
};

class Repairer {
 public:
  Repairer(const Spec& spec, StateStore& state, SourceReads& source, const RepairOptions& options)
      : spec_(spec), state_(state), source_(source), options_(options) {
    if (spec.source.kind == SourceKind::kPostgres) {
      watermarks_ = std::make_unique<MessageWatermarks>(spec);
    } else {
      watermarks_ = std::make_unique<RowWatermarks>(spec);
    }
  }

  Result<RepairResult> Run(std::span<const RepairRange> ranges) {
    CUTOVER_ASSIGN_OR_RETURN(std::optional<state::RunStatus> status,
                             state::ReadFreshRunStatus(state_, pipeline::NowMs()));
    if (!status) {
      return Status::FailedPrecondition(
          "--repair sends rows through the change log: start `cutover run` for this spec (it "
          "must be running while verify repairs), then repair again");
    }
    // Extra items first: a re-sent row that produces one of their keys by now is then
    // written after the delete.
    if (options_.delete_extra) {
      for (const std::string& table : options_.extra_item_tables) {
        CUTOVER_RETURN_IF_ERROR(DeleteExtraItems(table));
      }
    }
    int64_t last_emitted_ms = 0;
    bool sent = false;
    for (const RepairRange& range : ranges) {
      if (options_.stop != nullptr && options_.stop->load()) {
        return Status::Cancelled("stopped during the repair");
      }
      CUTOVER_ASSIGN_OR_RETURN(int64_t emitted_ms, RepairOne(range));
      last_emitted_ms = std::max(last_emitted_ms, emitted_ms);
      sent = true;
    }
    if (options_.delete_extra) {
      for (const RepairKeys& extra : options_.extra_keys) {
        for (size_t from = 0; from < extra.keys.size(); from += kExtraKeysPage) {
          if (options_.stop != nullptr && options_.stop->load()) {
            return Status::Cancelled("stopped during the repair");
          }
          std::span<const Key> keys(extra.keys);
          keys = keys.subspan(from, std::min(kExtraKeysPage, keys.size() - from));
          CUTOVER_ASSIGN_OR_RETURN(int64_t emitted_ms, RepairExtraKeys(extra, keys));
          last_emitted_ms = std::max(last_emitted_ms, emitted_ms);
          sent = true;
        }
      }
    }
    if (sent) CUTOVER_RETURN_IF_ERROR(WaitResentApplied(last_emitted_ms));
    return result_;
  }

  // The requests' rows and capture's notes go once the repair ends, however it ends.
  ~Repairer() {
    for (const std::string& id : requests_) {
      state_.DeleteMeta(pipeline::RepairRowsKey(id)).IgnoreError();
      state_.DeleteMeta(pipeline::RepairEmittedKey(id)).IgnoreError();
    }
  }

 private:
  // One range: low watermark, the rows, high watermark; waits for capture to take it.
  Result<int64_t> RepairOne(const RepairRange& range) {
    const TableId& table = range.plan.source;
    CUTOVER_ASSIGN_OR_RETURN(TableSchema full, FullSchema(table));
    auto shape = std::make_shared<const TableSchema>(full);
    std::string id = NewRequestId();
    CUTOVER_RETURN_IF_ERROR(watermarks_->Mark(table, id, "low"));
    CUTOVER_ASSIGN_OR_RETURN(
        std::vector<Row> rows,
        source_.ReadRange(full, range.filter, range.lower, range.upper, kPage));
    std::vector<Change> changes;
    std::set<std::string> source_keys;
    for (Row& row : rows) {
      Key key;
      for (size_t column : range.plan.schema.key) {
        std::optional<size_t> at = full.ColumnIndex(range.plan.schema.columns[column].name);
        if (at) key.values.push_back(row.values[*at]);
      }
      source_keys.insert(key.Encode());
      Change& change = changes.emplace_back();
      change.table = table;
      change.schema = shape;
      change.op = ChangeOp::kInsert;
      change.after = std::move(row);
    }
    int64_t resent = static_cast<int64_t>(changes.size());
    int64_t deletes = 0;
    if (options_.delete_extra && spec_.target.kind != TargetKind::kDynamoDB) {
      CUTOVER_ASSIGN_OR_RETURN(std::vector<Key> extra, TargetKeysNotIn(range, source_keys));
      for (const Key& key : extra) {
        CUTOVER_ASSIGN_OR_RETURN(Row before, KeyRow(full, range.plan.schema, key));
        Change& change = changes.emplace_back();
        change.table = table;
        change.schema = shape;
        change.op = ChangeOp::kDelete;
        change.before = std::move(before);
        ++deletes;
      }
    }
    return Submit(table, id, full, changes, resent, deletes);
  }

  // Extra rows a scan found (`keys`, of a table without ranges on the target): inside a
  // watermark window each key is looked up on the source; one without a source row is deleted,
  // one whose row is there by now (inserted since the scan) is sent again.
  Result<int64_t> RepairExtraKeys(const RepairKeys& extra, std::span<const Key> keys) {
    const TableId& table = extra.plan.source;
    CUTOVER_ASSIGN_OR_RETURN(TableSchema full, FullSchema(table));
    auto shape = std::make_shared<const TableSchema>(full);
    std::string id = NewRequestId();
    CUTOVER_ASSIGN_OR_RETURN(std::vector<Key> full_keys, AsFullKeys(full, extra.plan.schema, keys));
    CUTOVER_RETURN_IF_ERROR(watermarks_->Mark(table, id, "low"));
    using RowsByKey = std::map<std::string, Row>;
    CUTOVER_ASSIGN_OR_RETURN(RowsByKey read, source_.ReadKeys(full, extra.filter, full_keys));
    // Matched as the verify matched them: into MariaDB/MySQL from PostgreSQL in comparable form.
    const bool comparable =
        spec_.source.kind == SourceKind::kPostgres && spec_.target.kind != TargetKind::kPostgres;
    auto identity = [&](const Key& key) {
      return comparable ? MariaDbComparableKey(key).Encode() : key.Encode();
    };
    RowsByKey rows;
    for (auto& [encoded, row] : read) rows.emplace(identity(KeyOf(full, row)), std::move(row));
    std::vector<Change> changes;
    int64_t resent = 0;
    int64_t deletes = 0;
    for (size_t at = 0; at < keys.size(); ++at) {
      Change& change = changes.emplace_back();
      change.table = table;
      change.schema = shape;
      auto found = rows.find(identity(full_keys[at]));
      if (found != rows.end()) {
        change.op = ChangeOp::kInsert;
        change.after = std::move(found->second);
        rows.erase(found);
        ++resent;
        continue;
      }
      CUTOVER_ASSIGN_OR_RETURN(Row before, KeyRow(full, extra.plan.schema, keys[at]));
      change.op = ChangeOp::kDelete;
      change.before = std::move(before);
      ++deletes;
    }
    return Submit(table, id, full, changes, resent, deletes);
  }

  // `keys` (the applied schema's key columns) in the order of `full`'s key columns, what
  // SourceReads::ReadKeys looks up and returns rows by.
  static Result<std::vector<Key>> AsFullKeys(const TableSchema& full, const TableSchema& applied,
                                             std::span<const Key> keys) {
    std::vector<size_t> part_of;  // full key part -> applied key part
    for (size_t column : full.key) {
      const std::string& name = full.columns[column].name;
      auto at = std::find_if(applied.key.begin(), applied.key.end(),
                             [&](size_t key) { return applied.columns[key].name == name; });
      if (at == applied.key.end()) {
        return Status::DataLoss(
            fmt::format("key column {} of {} is not selected", name, full.id.ToString()));
      }
      part_of.push_back(static_cast<size_t>(at - applied.key.begin()));
    }
    std::vector<Key> out;
    out.reserve(keys.size());
    for (const Key& key : keys) {
      Key& ordered = out.emplace_back();
      for (size_t part : part_of) ordered.values.push_back(key.values[part]);
    }
    return out;
  }

  // The request's rows stored for capture, then its high watermark; waits until capture took
  // the request, and returns the time capture logged its rows at.
  Result<int64_t> Submit(const TableId& table, const std::string& id, const TableSchema& full,
                         const std::vector<Change>& changes, int64_t resent, int64_t deletes) {
    // The rows stay until the repair ends, not only until capture took them: a capture killed
    // before its log held them resumes before the high watermark and emits them again.
    requests_.push_back(id);
    CUTOVER_RETURN_IF_ERROR(
        state_.SetMeta(pipeline::RepairRowsKey(id), pipeline::EncodeRepairRows(full, changes)));
    pipeline::TEST_PausePoint("repair_rows_stored");
    CUTOVER_RETURN_IF_ERROR(watermarks_->Mark(table, id, "high"));
    CUTOVER_ASSIGN_OR_RETURN(nlohmann::json emitted, WaitEmitted(id));
    CUTOVER_RETURN_IF_ERROR(watermarks_->Forget(table, id));
    int64_t dropped = emitted.value("dropped", int64_t{0});
    result_.left_to_cdc += dropped;
    // What was dropped is not known per kind; count it against the re-sent rows first.
    result_.resent += std::max<int64_t>(resent - dropped, 0);
    result_.deleted += std::max<int64_t>(deletes - std::max<int64_t>(dropped - resent, 0), 0);
    return emitted.value("time_ms", int64_t{0});
  }

  // The source table's schema as it is now, every column (the selected tables are read once).
  Result<TableSchema> FullSchema(const TableId& table) {
    if (full_schemas_.empty()) {
      CUTOVER_ASSIGN_OR_RETURN(std::vector<SourceTable> tables, source_.LoadSelectedTables());
      for (SourceTable& selected : tables) {
        full_schemas_.emplace(selected.schema.id, std::move(selected.schema));
      }
    }
    auto found = full_schemas_.find(table);
    if (found == full_schemas_.end()) {
      return Status::NotFound(
          fmt::format("source table {} is no longer selected", table.ToString()));
    }
    return found->second;
  }

  Result<nlohmann::json> WaitEmitted(const std::string& id) {
    auto deadline = Clock::now() + options_.timeout;
    while (Clock::now() < deadline) {
      CUTOVER_ASSIGN_OR_RETURN(std::optional<std::string> text,
                               state_.GetMeta(pipeline::RepairEmittedKey(id)));
      if (text) {
        nlohmann::json emitted = nlohmann::json::parse(*text, nullptr, false);
        if (!emitted.is_discarded()) return emitted;
      }
      if (options_.stop != nullptr && options_.stop->load()) {
        return Status::Cancelled("stopped during the repair");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return Status::DeadlineExceeded(fmt::format(
        "repair: capture did not reach the high watermark of request {} in {} s; is `cutover "
        "run` capturing (see `cutover status`)?",
        id, options_.timeout.count()));
  }

  // Waits until the rows re-sent up to `last_emitted_ms` are applied. When the run's own
  // applier is the only one (a log no other process reads), its status record's
  // applied_through_ms covers everything and passes it. When other processes apply too
  // (`cutover apply`), that time covers only the run's own partitions, so a fence is written
  // instead: it follows every high watermark in the stream and passes once the appliers have
  // committed, on every partition, past what capture had logged when it saw the fence
  // (docs/cutover.md).
  Status WaitResentApplied(int64_t last_emitted_ms) {
    log::OpenLogOptions log_options;
    log_options.create = false;
    log_options.read_only = true;
    Result<std::unique_ptr<log::ChangeLog>> log = log::OpenChangeLog(spec_, log_options);
    if (log.ok() && !(*log)->shared_by_processes()) {
      // A capture that restarted before its log held a request's rows emitted them again, later:
      // waited for too, until no request's time moves.
      for (int64_t waited = 0; last_emitted_ms > waited;) {
        waited = last_emitted_ms;
        CUTOVER_RETURN_IF_ERROR(WaitApplied(waited + kAppliedMarginMs));
        CUTOVER_ASSIGN_OR_RETURN(last_emitted_ms, LastEmittedMs());
      }
      return Status::Ok();
    }
    FenceOptions fence;
    fence.timeout = options_.timeout;
    fence.stop = options_.stop;
    Result<FenceResult> passed = RunFence(spec_, fence);
    if (!passed.ok()) return passed.status().WithContext("repair: the re-sent rows");
    return Status::Ok();
  }

  // The latest time capture logged a request's rows at, as recorded now.
  Result<int64_t> LastEmittedMs() {
    int64_t last = 0;
    for (const std::string& id : requests_) {
      CUTOVER_ASSIGN_OR_RETURN(std::optional<std::string> text,
                               state_.GetMeta(pipeline::RepairEmittedKey(id)));
      if (!text) continue;
      nlohmann::json emitted = nlohmann::json::parse(*text, nullptr, false);
      if (emitted.is_object()) last = std::max(last, emitted.value("time_ms", int64_t{0}));
    }
    return last;
  }

  Status WaitApplied(int64_t time_ms) {
    return verify::WaitApplied(state_, time_ms, options_.timeout, options_.stop,
                               "repair: the re-sent rows");
  }

  // The extra items the verify's scan kept for DynamoDB table `table`, deleted where they are
  // still exactly what the scan read. Each is read again (consistent BatchGetItem) and compared
  // whole, which also catches an attribute added since (a condition cannot say "no other
  // attributes"); then deleted under a condition on every attribute the scan saw, so a write
  // between that read and the delete keeps the item. An item that changed or went is left.
  Status DeleteExtraItems(const std::string& table) {
    if (!dynamodb_) {
      CUTOVER_ASSIGN_OR_RETURN(dynamodb_, dynamodb::Client::Open(spec_.target.dynamodb));
    }
    return ForEachExtraItemBatch(state_, table, [&](const nlohmann::json& batch) -> Status {
      if (batch.empty()) return Status::Ok();
      std::vector<nlohmann::json> keys;
      for (const nlohmann::json& entry : batch) keys.push_back(entry.at("key"));
      CUTOVER_ASSIGN_OR_RETURN(std::vector<nlohmann::json> items,
                               dynamodb::BatchGet(*dynamodb_, table, keys));
      std::map<std::string, nlohmann::json> now;  // by ItemKeyId
      for (nlohmann::json& item : items) {
        now.emplace(ItemKeyId(keys[0], item), std::move(item));
      }
      std::vector<const nlohmann::json*> unchanged;
      for (const nlohmann::json& entry : batch) {
        auto found = now.find(ItemKeyId(entry.at("key"), entry.at("key")));
        if (found == now.end() ||
            FirstItemDifference(entry.at("item"), found->second, true, {}).has_value()) {
          ++result_.left_to_cdc;
        } else {
          unchanged.push_back(&entry);
        }
      }
      return DeleteUnchanged(table, unchanged);
    });
  }

  // Deletes each entry's item if it still has every attribute value the scan read,
  // kDeleteThreads calls in flight. An item too large for one condition is left.
  Status DeleteUnchanged(const std::string& table,
                         const std::vector<const nlohmann::json*>& entries) {
    std::atomic<size_t> next{0};
    std::atomic<int64_t> deleted{0};
    std::atomic<int64_t> changed{0};
    std::mutex mutex;
    Status first_error;  // guarded by mutex
    auto worker = [&] {
      for (size_t index = next++; index < entries.size(); index = next++) {
        const nlohmann::json& entry = *entries[index];
        Result<bool> done =
            dynamodb::DeleteItemIfUnchanged(*dynamodb_, table, entry.at("key"), entry.at("item"));
        if (done.ok()) {
          ++(*done ? deleted : changed);
          continue;
        }
        if (done.status().code() == StatusCode::kUnimplemented) {  // too large to compare
          spdlog::warn("repair: extra item left: {}", done.status().ToString());
          ++changed;
          continue;
        }
        std::lock_guard lock(mutex);
        if (first_error.ok()) first_error = done.status();
        next = entries.size();  // stop the other workers
      }
    };
    std::vector<std::thread> threads;
    for (size_t thread = 1; thread < std::min(kDeleteThreads, entries.size()); ++thread) {
      threads.emplace_back(worker);
    }
    worker();
    for (std::thread& thread : threads) thread.join();
    result_.deleted += deleted;
    result_.left_to_cdc += changed;
    return first_error;
  }

  // An item's key attributes (the names `key` has) with numbers by value: what matches an
  // item read back with the key the scan recorded.
  static std::string ItemKeyId(const nlohmann::json& key, const nlohmann::json& item) {
    nlohmann::json id = nlohmann::json::object();
    for (const auto& part : key.items()) id[part.key()] = item.value(part.key(), nlohmann::json());
    return CanonicalItem(id).dump();
  }

  // Target keys in the range that are not in `source_keys` (SQL targets).
  Result<std::vector<Key>> TargetKeysNotIn(const RepairRange& range,
                                           const std::set<std::string>& source_keys) {
    if (spec_.target.kind == TargetKind::kPostgres) {
      return PostgresKeysNotIn(range, source_keys);
    }
    if (spec_.source.kind == SourceKind::kPostgres) {
      return MariaDbKeysNotInPostgres(range, source_keys);
    }
    if (!target_) {
      CUTOVER_ASSIGN_OR_RETURN(target_, mysql::Connection::Open(spec_.target.connection));
    }
    TableSchema keys;
    keys.id = range.plan.target;
    for (size_t column : range.plan.schema.key) {
      keys.key.push_back(keys.columns.size());
      keys.columns.push_back(range.plan.schema.columns[column]);
    }
    CUTOVER_ASSIGN_OR_RETURN(
        std::vector<Row> rows,
        mysql::ReadKeyRange(*target_, keys, "", range.lower, range.upper, kPage));
    std::vector<Key> extra;
    for (const Row& row : rows) {
      Key key = KeyOf(keys, row);
      if (!source_keys.contains(key.Encode())) extra.push_back(std::move(key));
    }
    return extra;
  }

  // A PostgreSQL source into MariaDB/MySQL: the target keys in the range (a key order MariaDB
  // shares: a text key's range would select other rows there, so those tables delete nothing),
  // typed as the target table has them and matched in MariaDbComparable form.
  Result<std::vector<Key>> MariaDbKeysNotInPostgres(const RepairRange& range,
                                                    const std::set<std::string>& source_keys) {
    if (!postgres::KeyOrderIsPortable(range.plan.schema)) return std::vector<Key>{};
    if (!target_) {
      CUTOVER_ASSIGN_OR_RETURN(target_, mysql::Connection::Open(spec_.target.connection));
    }
    CUTOVER_ASSIGN_OR_RETURN(TableSchema table,
                             mysql::LoadTableSchema(*target_, range.plan.target));
    TableSchema keys;
    keys.id = range.plan.target;
    for (size_t column : range.plan.schema.key) {
      std::optional<size_t> at = table.ColumnIndex(range.plan.schema.columns[column].name);
      if (!at) return Status::NotFound("a key column is not in " + range.plan.target.ToString());
      keys.key.push_back(keys.columns.size());
      keys.columns.push_back(table.columns[*at]);
    }
    std::set<std::string> written;
    for (const std::string& encoded : source_keys) {
      CUTOVER_ASSIGN_OR_RETURN(Key key, Key::Decode(encoded));
      written.insert(MariaDbComparableKey(key).Encode());
    }
    auto bound = [](const std::optional<Key>& key) {
      return key ? std::optional<Key>(MariaDbComparableKey(*key)) : std::nullopt;
    };
    CUTOVER_ASSIGN_OR_RETURN(
        std::vector<Row> rows,
        mysql::ReadKeyRange(*target_, keys, "", bound(range.lower), bound(range.upper), kPage));
    std::vector<Key> extra;
    for (const Row& row : rows) {
      Key key = MariaDbComparableKey(KeyOf(keys, row));
      if (!written.contains(key.Encode())) extra.push_back(std::move(key));
    }
    return extra;
  }

  // PostgreSQL: the target keys in the range (a key order PostgreSQL shares: a text key's
  // range would select other rows there, so those tables delete nothing), each read back into
  // the source's types; a source key is compared as the copy writes it, read back alike, so a
  // zero date's row ('2024-00-10', -infinity on the target) is not taken for an extra row.
  Result<std::vector<Key>> PostgresKeysNotIn(const RepairRange& range,
                                             const std::set<std::string>& source_keys) {
    const TableSchema& schema = range.plan.schema;
    if (!postgres::KeyOrderIsPortable(schema)) return std::vector<Key>{};
    if (!postgres_target_) {
      CUTOVER_ASSIGN_OR_RETURN(postgres_target_, OpenPostgresSession(spec_));
    }
    // From a PostgreSQL source the target column has the source's type: its text read by the
    // source's parser is the source key itself.
    const bool pg_source = spec_.source.kind == SourceKind::kPostgres;
    std::set<std::string> written;
    for (const std::string& encoded : source_keys) {
      CUTOVER_ASSIGN_OR_RETURN(Key key, Key::Decode(encoded));
      if (pg_source) {
        written.insert(encoded);
        continue;
      }
      CUTOVER_ASSIGN_OR_RETURN(Key copied, AsCopied(schema, key));
      written.insert(copied.Encode());
    }
    postgres::Params params;
    CUTOVER_ASSIGN_OR_RETURN(
        std::string where,
        postgres::KeyRangePredicate(schema, ChunkBounds{range.lower, range.upper}, &params));
    std::vector<std::string> keys;
    for (size_t column : schema.key) {
      keys.push_back(postgres::QuoteIdentifier(schema.columns[column].name));
    }
    CUTOVER_ASSIGN_OR_RETURN(
        postgres::QueryResult rows,
        postgres_target_->Query(
            fmt::format("SELECT {} FROM {} WHERE {}", fmt::join(keys, ", "),
                        postgres::QuoteQualified(range.plan.target.schema, range.plan.target.name),
                        where),
            params));
    std::vector<Key> extra;
    for (const postgres::SqlRow& row : rows.rows) {
      Key key;
      if (pg_source) {
        for (size_t part = 0; part < schema.key.size(); ++part) {
          if (!row[part]) return Status::DataLoss("a NULL key in " + range.plan.target.ToString());
          CUTOVER_ASSIGN_OR_RETURN(
              Value value,
              postgres::ParsePostgresText(schema.columns[schema.key[part]].type, *row[part]));
          key.values.push_back(std::move(value));
        }
      } else {
        CUTOVER_ASSIGN_OR_RETURN(key, KeyFromPostgresText(schema, row));
      }
      if (!written.contains(key.Encode())) extra.push_back(std::move(key));
    }
    return extra;
  }

  // `key` (source values) as the copy writes it to PostgreSQL, read back.
  static Result<Key> AsCopied(const TableSchema& schema, const Key& key) {
    std::vector<std::optional<std::string>> texts;
    postgres::ValueAdjustments adjustments;
    for (size_t part = 0; part < schema.key.size(); ++part) {
      CUTOVER_ASSIGN_OR_RETURN(std::optional<std::string> text,
                               postgres::PostgresText(schema.columns[schema.key[part]].type,
                                                      key.values[part], &adjustments));
      texts.push_back(std::move(text));
    }
    return KeyFromPostgresText(schema, texts);
  }

  const Spec& spec_;
  StateStore& state_;
  SourceReads& source_;
  const RepairOptions& options_;
  std::unique_ptr<Watermarks> watermarks_;
  std::map<TableId, TableSchema> full_schemas_;  // the selected source tables, loaded once
  std::unique_ptr<mysql::Connection> target_;
  std::unique_ptr<postgres::Connection> postgres_target_;  // PostgreSQL targets (delete_extra)
  std::unique_ptr<dynamodb::Client> dynamodb_;             // DynamoDB targets, for the extra items
  RepairResult result_;
  std::vector<std::string> requests_;  // the ids submitted: their state keys go at the end
};

}  // namespace

Result<RepairResult> RepairRanges(const Spec& spec, StateStore& state, SourceReads& source,
                                  std::span<const RepairRange> ranges,
                                  const RepairOptions& options) {
  return Repairer(spec, state, source, options).Run(ranges);
}

}  // namespace cutover::verify
