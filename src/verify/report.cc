// VerifyReport rendering: the text table, and the report and its differences as the records
// the state store keeps (state/verify_report.h), whose JSON is also `cutover verify --json`.
#include <fmt/format.h>

#include "verify/progress.h"

namespace cutover {

std::string_view VerifyDifferenceKindName(VerifyDifference::Kind kind) {
  switch (kind) {
    case VerifyDifference::Kind::kMissing: return "missing";
    case VerifyDifference::Kind::kExtra: return "extra";
    case VerifyDifference::Kind::kDifferent: return "different";
  }
  return "unknown";
}

int64_t VerifyReport::differences() const {
  auto total = static_cast<int64_t>(schema.size());
  for (const VerifyTableReport& table : tables) total += table.differences();
  return total;
}

namespace {

std::string Side(const std::optional<std::string>& value) { return value ? *value : "(absent)"; }

std::string DifferenceLine(const VerifyDifference& difference) {
  std::string line =
      fmt::format("  {:<10} {}", VerifyDifferenceKindName(difference.kind), difference.key);
  if (!difference.source_row.empty()) line += " (" + difference.source_row + ")";
  if (difference.kind == VerifyDifference::Kind::kDifferent) {
    line += fmt::format("  {}: source {}, target {}", difference.column,
                        Side(difference.source_value), Side(difference.target_value));
  }
  return line + "\n";
}

}  // namespace

std::string FormatVerifyReport(const VerifyReport& report) {
  std::string out;
  if (report.continuous) {
    out += fmt::format(
        "continuous verify, {} s: rows are the keys checked (sampled from the changes `cutover "
        "run` applied); {} sampled keys left out\n",
        report.seconds, report.keys_dropped);
  }
  for (const std::string& difference : report.schema) out += "schema: " + difference + "\n";
  out += fmt::format("{:<36} {:<32} {:>10} {:>9} {:>9} {:>9}\n", "table", "target", "rows",
                     "missing", "extra", "different");
  for (const VerifyTableReport& table : report.tables) {
    std::string name = table.scan ? "scan for extra items" : table.table;
    if (!table.done) name += " (stopped)";
    out += fmt::format("{:<36} {:<32} {:>10} {:>9} {:>9} {:>9}\n", name, table.target, table.rows,
                       table.missing, table.extra, table.different);
    for (const VerifyDifference& difference : table.listed) out += DifferenceLine(difference);
    int64_t unlisted = table.differences() - static_cast<int64_t>(table.listed.size());
    if (unlisted > 0) out += fmt::format("  ... and {} more\n", unlisted);
    if (table.settled > 0 || table.unsettled > 0) {
      out += fmt::format(
          "  re-checked under live CDC: {} settled (a change not yet applied), {} still changing "
          "(not settled)\n",
          table.settled, table.unsettled);
    }
  }
  if (report.repair) {
    out += fmt::format(
        "repair: {} differences in {} chunks; {} rows sent again, {} target rows deleted, {} left "
        "to CDC (changed while selected); verified again:\n",
        report.repair->differences_before, report.repair->ranges, report.repair->resent,
        report.repair->deleted, report.repair->left_to_cdc);
  }
  if (!report.complete) out += "stopped before the end; run the same command again to continue\n";
  int64_t differences = report.differences();
  out += fmt::format("{} difference{}\n", differences, differences == 1 ? "" : "s");
  return out;
}

nlohmann::json VerifyReportToJson(const VerifyReport& report) {
  return verify::ReportRecord(report).ToJson();
}

namespace verify {

state::VerifyDifferenceRecord DifferenceRecord(const VerifyDifference& difference) {
  state::VerifyDifferenceRecord record;
  record.kind = VerifyDifferenceKindName(difference.kind);
  record.key = difference.key;
  record.source_row = difference.source_row;
  if (difference.kind == VerifyDifference::Kind::kDifferent) {
    record.column = difference.column;
    record.source = difference.source_value;
    record.target = difference.target_value;
  }
  return record;
}

state::VerifyReportRecord ReportRecord(const VerifyReport& report) {
  state::VerifyReportRecord record;
  for (const VerifyTableReport& table : report.tables) {
    state::VerifyTableRecord& out = record.tables.emplace_back();
    out.table = table.table;
    out.target = table.target;
    out.scan = table.scan;
    out.rows = table.rows;
    out.missing = table.missing;
    out.extra = table.extra;
    out.different = table.different;
    out.settled = table.settled;
    out.unsettled = table.unsettled;
    out.chunks = table.chunks;
    out.chunks_checked = table.chunks_checked;
    out.chunks_compared_by_rows = table.chunks_compared_by_rows;
    out.done = table.done;
    for (const VerifyDifference& difference : table.listed) {
      out.differences.push_back(DifferenceRecord(difference));
    }
  }
  record.complete = report.complete;
  record.resumed = report.resumed;
  record.live = report.live;
  record.continuous = report.continuous;
  record.differences = report.differences();
  record.started_at_ms = report.started_at_ms;
  record.finished_at_ms = report.finished_at_ms;
  record.tables_glob = report.tables_glob;
  record.seconds = report.seconds;
  record.keys_dropped = report.keys_dropped;
  if (report.repair) {
    record.repair = state::VerifyRepairRecord{report.repair->ranges, report.repair->resent,
                                              report.repair->deleted, report.repair->left_to_cdc,
                                              report.repair->differences_before};
  }
  return record;
}

nlohmann::json DifferenceToJson(const VerifyDifference& difference) {
  return DifferenceRecord(difference).ToJson();
}

Result<VerifyDifference> DifferenceFromJson(const nlohmann::json& json) {
  CUTOVER_ASSIGN_OR_RETURN(state::JsonFields fields,
                           state::JsonFields::Of("verify.table/<schema.table>", "listed", json));
  state::VerifyDifferenceRecord record = state::VerifyDifferenceRecord::Read(fields);
  CUTOVER_RETURN_IF_ERROR(fields.status());
  VerifyDifference difference;
  if (record.kind == "extra") {
    difference.kind = VerifyDifference::Kind::kExtra;
  } else if (record.kind == "different") {
    difference.kind = VerifyDifference::Kind::kDifferent;
  }  // else "missing", the default (Read allows no other kind)
  difference.key = std::move(record.key);
  difference.source_row = std::move(record.source_row);
  difference.column = std::move(record.column);
  difference.source_value = std::move(record.source);
  difference.target_value = std::move(record.target);
  return difference;
}

}  // namespace verify
}  // namespace cutover
