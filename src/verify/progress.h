// VerifyProgress: what a verify keeps in the state store so that a stopped run continues where
// it stopped: the run's settings ("verify.run") and, per source table, the chunks finished, the
// next chunk's lower bound, the counts and the listed differences ("verify.table/<schema.table>",
// rewritten after every chunk). The last report is a record of state/verify_report.h.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cutover/change.h"
#include "cutover/schema.h"
#include "cutover/state_store.h"
#include "cutover/status.h"
#include "cutover/verify.h"

#include "state/verify_report.h"

namespace cutover::verify {

inline constexpr char kRunMetaKey[] = "verify.run";
std::string TableMetaKey(const TableId& table);  // verify.table/<schema.table>

// The settings of the verify in progress; a rerun continues it only with the same settings.
struct RunSettings {
  bool finished = false;
  std::string tables;              // --tables
  int64_t chunk_rows = 0;          // rows per chunk
  std::vector<std::string> keyed;  // source tables with progress recorded
  int64_t started_at_ms = 0;       // when it started (a continued verify keeps the first start)
  std::string ToJson() const;
  static Result<RunSettings> FromJson(std::string_view json);
};

// One source table's progress: chunks (lower, upper] in key order, finished up to `lower`.
struct TableVerifyState {
  int64_t chunks = 0;
  std::optional<Key> lower;  // the next chunk's lower bound (exclusive); none: from the start
  bool done = false;
  int64_t rows = 0;
  int64_t missing = 0;
  int64_t extra = 0;
  int64_t different = 0;
  int64_t settled = 0;    // VerifyTableReport::settled
  int64_t unsettled = 0;  // VerifyTableReport::unsettled
  std::vector<VerifyDifference> listed;
  // The chunks (lower, upper] that had a difference: what --repair sends again.
  std::vector<std::pair<std::optional<Key>, std::optional<Key>>> dirty;
  std::string ToJson() const;
  static Result<TableVerifyState> FromJson(std::string_view json);
};

// The extra items a DynamoDB scan found, kept for `--repair --delete-extra` (docs/verify.md
// "Repair"): each as {"key": ..., "item": ...}, the item as the scan read it, in batches
// "verify.extras/<table>/<n>" (n = 0, 1, ...), so that neither the scan nor the repair holds
// them all in memory. Each scan of the table replaces what the previous one kept.
class ExtraItemsWriter {
 public:
  // Forgets what an earlier scan of `table` kept.
  static Result<ExtraItemsWriter> Start(StateStore& state, std::string table);
  // Buffers one item; writes a batch when kExtraBatchItems or kExtraBatchBytes are buffered.
  Status Add(nlohmann::json key, nlohmann::json item);
  Status Finish();  // writes what is buffered

 private:
  ExtraItemsWriter(StateStore& state, std::string table)
      : state_(&state), table_(std::move(table)) {}
  Status Flush();

  StateStore* state_;
  std::string table_;
  int64_t batches_ = 0;  // written
  nlohmann::json buffer_ = nlohmann::json::array();
  size_t buffered_bytes_ = 0;
};
inline constexpr size_t kExtraBatchItems = 500;
inline constexpr size_t kExtraBatchBytes = 1 << 20;

// Hands each batch of the extra items kept for `table` to `each` (entries as ExtraItemsWriter
// wrote them), in order.
Status ForEachExtraItemBatch(StateStore& state, const std::string& table,
                             const std::function<Status(const nlohmann::json& batch)>& each);

// The report and a difference as the state store keeps them (report.cc).
state::VerifyReportRecord ReportRecord(const VerifyReport& report);
state::VerifyDifferenceRecord DifferenceRecord(const VerifyDifference& difference);
// A listed difference of a table's progress, in the same JSON as the report's.
nlohmann::json DifferenceToJson(const VerifyDifference& difference);
Result<VerifyDifference> DifferenceFromJson(const nlohmann::json& json);

}  // namespace cutover::verify
