// VerifyProgress: what a verify keeps in the state store so that a stopped run continues where
// it stopped: the run's settings ("verify.run") and, per source table, the chunks finished, the
// next chunk's lower bound, the counts and the listed differences ("verify.table/<schema.table>",
// rewritten after every chunk). The last report is "verify.report".
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cutover/change.h"
#include "cutover/schema.h"
#include "cutover/status.h"
#include "cutover/verify.h"

namespace cutover::verify {

inline constexpr char kRunMetaKey[] = "verify.run";
inline constexpr char kReportMetaKey[] = "verify.report";
std::string TableMetaKey(const TableId& table);  // verify.table/<schema.table>

// The settings of the verify in progress; a rerun continues it only with the same settings.
struct RunSettings {
  bool finished = false;
  std::string tables;              // --tables
  int64_t chunk_rows = 0;          // rows per chunk
  std::vector<std::string> keyed;  // source tables with progress recorded
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
  std::vector<VerifyDifference> listed;
  // The chunks (lower, upper] that had a difference: what --repair sends again.
  std::vector<std::pair<std::optional<Key>, std::optional<Key>>> dirty;
  std::string ToJson() const;
  static Result<TableVerifyState> FromJson(std::string_view json);
};

nlohmann::json DifferenceToJson(const VerifyDifference& difference);
Result<VerifyDifference> DifferenceFromJson(const nlohmann::json& json);

}  // namespace cutover::verify
