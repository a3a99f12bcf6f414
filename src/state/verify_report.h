// VerifyReportRecord: the report of the last `cutover verify` as the state store keeps it (meta
// "verify.report"; a continuous verify's in "verify.continuous.report"), which is also the
// document `cutover verify --json` prints (docs/verify.md). The guard rail into target_reads,
// /metrics, GET /v1/status and `cutover finish` read it. verify/report.cc converts the
// VerifyReport of include/cutover/verify.h to and from it.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cutover/state_store.h"
#include "cutover/status.h"

#include "state/json_fields.h"

namespace cutover::state {

inline constexpr char kVerifyReportKey[] = "verify.report";
inline constexpr char kContinuousVerifyReportKey[] = "verify.continuous.report";

// One listed difference (VerifyDifference).
struct VerifyDifferenceRecord {
  std::string kind;  // "missing", "extra" or "different"
  std::string key;
  std::string source_row;  // empty (not stored): none
  // kind "different" only (stored only then): the first differing column and its value on
  // each side; nullopt (null): that side lacks it.
  std::string column;
  std::optional<std::string> source;
  std::optional<std::string> target;

  nlohmann::json ToJson() const;
  // Reads the difference `fields` holds; an unknown kind is an error of `fields`.
  static VerifyDifferenceRecord Read(JsonFields& fields);
};

// One source table, or one DynamoDB table's scan for extra items (VerifyTableReport).
struct VerifyTableRecord {
  std::string table;
  std::string target;
  bool scan = false;
  int64_t rows = 0;
  int64_t missing = 0;
  int64_t extra = 0;
  int64_t different = 0;
  int64_t settled = 0;
  int64_t unsettled = 0;
  int64_t chunks = 0;
  int64_t chunks_checked = 0;
  int64_t chunks_compared_by_rows = 0;
  bool done = false;
  std::vector<VerifyDifferenceRecord> differences;  // the listed ones
};

// What --repair did before the verify (VerifyRepair).
struct VerifyRepairRecord {
  int64_t ranges = 0;
  int64_t resent = 0;
  int64_t deleted = 0;
  int64_t left_to_cdc = 0;
  int64_t differences_before = 0;
};

struct VerifyReportRecord {
  bool complete = false;
  bool resumed = false;
  bool live = false;
  bool continuous = false;
  int64_t differences = 0;  // over every table
  int64_t started_at_ms = 0;
  int64_t finished_at_ms = 0;
  std::string tables_glob;  // --tables; empty: every selected table
  std::vector<VerifyTableRecord> tables;
  // Continuous mode only (stored only then).
  int64_t seconds = 0;
  int64_t keys_dropped = 0;
  std::optional<VerifyRepairRecord> repair;

  nlohmann::json ToJson() const;
  // Absent fields keep their defaults; DataLoss naming the field when one has another type.
  static Result<VerifyReportRecord> FromJson(std::string_view text);
};

// The last report of a verify pass ("verify.report"), nullopt when none was stored.
Result<std::optional<VerifyReportRecord>> ReadVerifyReport(StateStore& state);
// Stores `report` as "verify.report", or "verify.continuous.report" when report.continuous.
Status WriteVerifyReport(StateStore& state, const VerifyReportRecord& report);

}  // namespace cutover::state
