// Repair: watermark requests for the running capture, then a wait for apply.
#include "verify/repair.h"

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "pipeline/clock.h"
#include "pipeline/repair_windows.h"
#include "source/mysql/connection.h"
#include "source/mysql/snapshot_reader.h"
#include "source/mysql/snapshot_schema.h"
#include "source/mysql/snapshot_sql.h"

namespace cutover::verify {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int64_t kPage = 5000;
// A `cutover run` status older than this means none is running.
constexpr int64_t kStatusFreshMs = 5000;
// Apply must be past the high watermark by this much before the rows count as applied.
constexpr int64_t kAppliedMarginMs = 1000;

using pipeline::NowMs;

std::string NewRequestId() {
  static thread_local std::mt19937_64 random(std::random_device{}());
  return fmt::format("{:016x}", random());
}

// The last status record of `cutover run`, if it is fresh.
Result<std::optional<nlohmann::json>> RunStatus(StateStore& state) {
  CUTOVER_ASSIGN_OR_RETURN(std::optional<std::string> text, state.GetMeta("run.status"));
  if (!text) return std::optional<nlohmann::json>();
  nlohmann::json status = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (status.is_discarded() ||
      NowMs() - status.value("updated_at_ms", int64_t{0}) > kStatusFreshMs) {
    return std::optional<nlohmann::json>();
  }
  return std::optional<nlohmann::json>(std::move(status));
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

class Repairer {
 public:
  Repairer(const Spec& spec, StateStore& state, mysql::Connection& source,
           const RepairOptions& options)
      : spec_(spec), state_(state), source_(source), options_(options) {}

  Result<RepairResult> Run(std::span<const RepairRange> ranges) {
    CUTOVER_ASSIGN_OR_RETURN(std::optional<nlohmann::json> status, RunStatus(state_));
    if (!status) {
      return Status::FailedPrecondition(
          "--repair sends rows through the change log: start `cutover run` for this spec (it "
          "must be running while verify repairs), then repair again");
    }
    int64_t last_emitted_ms = 0;
    for (const RepairRange& range : ranges) {
      if (options_.stop != nullptr && options_.stop->load()) {
        return Status::Cancelled("stopped during the repair");
      }
      CUTOVER_ASSIGN_OR_RETURN(int64_t emitted_ms, RepairOne(range));
      last_emitted_ms = std::max(last_emitted_ms, emitted_ms);
    }
    CUTOVER_RETURN_IF_ERROR(WaitApplied(last_emitted_ms + kAppliedMarginMs));
    return result_;
  }

 private:
  // One range: low watermark, the rows, high watermark; waits for capture to take it.
  Result<int64_t> RepairOne(const RepairRange& range) {
    const TableId& table = range.plan.source;
    if (!watermarks_.contains(table.schema)) {
      CUTOVER_RETURN_IF_ERROR(
          source_
              .Execute(fmt::format("CREATE TABLE IF NOT EXISTS {} (id VARCHAR(40) NOT NULL, "
                                   "phase VARCHAR(8) NOT NULL, at TIMESTAMP(6) NOT NULL DEFAULT "
                                   "CURRENT_TIMESTAMP(6), PRIMARY KEY (id, phase))",
                                   Watermarks(table.schema)))
              .status());
      watermarks_.insert(table.schema);
    }
    CUTOVER_ASSIGN_OR_RETURN(TableSchema full, mysql::LoadTableSchema(source_, table));
    auto shape = std::make_shared<const TableSchema>(full);
    std::string id = NewRequestId();
    CUTOVER_RETURN_IF_ERROR(Mark(table.schema, id, "low"));
    CUTOVER_ASSIGN_OR_RETURN(
        std::vector<Row> rows,
        mysql::ReadKeyRange(source_, full, range.filter, range.lower, range.upper, kPage));
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
    CUTOVER_RETURN_IF_ERROR(
        state_.SetMeta(pipeline::RepairRowsKey(id), pipeline::EncodeRepairRows(full, changes)));
    CUTOVER_RETURN_IF_ERROR(Mark(table.schema, id, "high"));
    CUTOVER_ASSIGN_OR_RETURN(nlohmann::json emitted, WaitEmitted(id));
    CUTOVER_RETURN_IF_ERROR(state_.DeleteMeta(pipeline::RepairRowsKey(id)));
    CUTOVER_RETURN_IF_ERROR(state_.DeleteMeta(pipeline::RepairEmittedKey(id)));
    CUTOVER_RETURN_IF_ERROR(
        source_
            .Execute(fmt::format("DELETE FROM {} WHERE id = {}", Watermarks(table.schema),
                                 source_.QuoteString(id)))
            .status());
    int64_t dropped = emitted.value("dropped", int64_t{0});
    result_.left_to_cdc += dropped;
    // What was dropped is not known per kind; count it against the re-sent rows first.
    result_.resent += std::max<int64_t>(resent - dropped, 0);
    result_.deleted += std::max<int64_t>(deletes - std::max<int64_t>(dropped - resent, 0), 0);
    return emitted.value("time_ms", int64_t{0});
  }

  static std::string Watermarks(const std::string& schema) {
    return mysql::QuoteQualified(schema, kWatermarkTable);
  }

  Status Mark(const std::string& schema, const std::string& id, const char* phase) {
    return source_
        .Execute(fmt::format("INSERT INTO {} (id, phase) VALUES ({}, '{}')", Watermarks(schema),
                             source_.QuoteString(id), phase))
        .status();
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

  // Waits until `cutover run` has applied every change logged before `time_ms`: two status
  // records in a row say so (one could be written in the instant a lane's queue is not yet
  // taken).
  Status WaitApplied(int64_t time_ms) {
    auto deadline = Clock::now() + options_.timeout;
    int64_t agreeing_record = 0;  // updated_at_ms of a status record that agreed
    while (Clock::now() < deadline) {
      CUTOVER_ASSIGN_OR_RETURN(std::optional<nlohmann::json> status, RunStatus(state_));
      if (status && status->value("applied_through_ms", int64_t{0}) >= time_ms) {
        int64_t updated = status->value("updated_at_ms", int64_t{0});
        if (agreeing_record != 0 && updated != agreeing_record) return Status::Ok();
        agreeing_record = updated;
      } else {
        agreeing_record = 0;
      }
      if (options_.stop != nullptr && options_.stop->load()) {
        return Status::Cancelled("stopped during the repair");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return Status::DeadlineExceeded(
        fmt::format("repair: the re-sent rows were not applied within {} s (see `cutover status`)",
                    options_.timeout.count()));
  }

  // Target keys in the range that are not in `source_keys` (SQL targets).
  Result<std::vector<Key>> TargetKeysNotIn(const RepairRange& range,
                                           const std::set<std::string>& source_keys) {
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

  const Spec& spec_;
  StateStore& state_;
  mysql::Connection& source_;
  const RepairOptions& options_;
  std::unique_ptr<mysql::Connection> target_;
  std::set<std::string> watermarks_;  // schemas whose watermark table exists
  RepairResult result_;
};

}  // namespace

Result<RepairResult> RepairRanges(const Spec& spec, StateStore& state, mysql::Connection& source,
                                  std::span<const RepairRange> ranges,
                                  const RepairOptions& options) {
  return Repairer(spec, state, source, options).Run(ranges);
}

}  // namespace cutover::verify
