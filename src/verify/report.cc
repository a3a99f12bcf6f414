// VerifyReport rendering: the text table and the JSON document (docs/verify.md), and the JSON
// of one difference, which the state store also keeps between runs.
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
  int64_t total = 0;
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
  nlohmann::json tables = nlohmann::json::array();
  for (const VerifyTableReport& table : report.tables) {
    nlohmann::json listed = nlohmann::json::array();
    for (const VerifyDifference& difference : table.listed) {
      listed.push_back(verify::DifferenceToJson(difference));
    }
    tables.push_back({{"table", table.table},
                      {"target", table.target},
                      {"scan", table.scan},
                      {"rows", table.rows},
                      {"missing", table.missing},
                      {"extra", table.extra},
                      {"different", table.different},
                      {"settled", table.settled},
                      {"unsettled", table.unsettled},
                      {"chunks", table.chunks},
                      {"chunks_checked", table.chunks_checked},
                      {"chunks_compared_by_rows", table.chunks_compared_by_rows},
                      {"done", table.done},
                      {"differences", listed}});
  }
  nlohmann::json out = {{"complete", report.complete},
                        {"resumed", report.resumed},
                        {"live", report.live},
                        {"continuous", report.continuous},
                        {"differences", report.differences()},
                        {"started_at_ms", report.started_at_ms},
                        {"finished_at_ms", report.finished_at_ms},
                        {"tables_glob", report.tables_glob},
                        {"tables", tables}};
  if (report.continuous) {
    out["seconds"] = report.seconds;
    out["keys_dropped"] = report.keys_dropped;
  }
  if (report.repair) {
    out["repair"] = {{"ranges", report.repair->ranges},
                     {"resent", report.repair->resent},
                     {"deleted", report.repair->deleted},
                     {"left_to_cdc", report.repair->left_to_cdc},
                     {"differences_before", report.repair->differences_before}};
  }
  return out;
}

namespace verify {

nlohmann::json DifferenceToJson(const VerifyDifference& difference) {
  nlohmann::json out = {{"kind", VerifyDifferenceKindName(difference.kind)},
                        {"key", difference.key}};
  if (!difference.source_row.empty()) out["source_row"] = difference.source_row;
  if (difference.kind == VerifyDifference::Kind::kDifferent) {
    out["column"] = difference.column;
    out["source"] = difference.source_value ? nlohmann::json(*difference.source_value)
                                            : nlohmann::json(nullptr);
    out["target"] = difference.target_value ? nlohmann::json(*difference.target_value)
                                            : nlohmann::json(nullptr);
  }
  return out;
}

Result<VerifyDifference> DifferenceFromJson(const nlohmann::json& json) {
  VerifyDifference difference;
  std::string kind = json.value("kind", "");
  if (kind == "missing") {
    difference.kind = VerifyDifference::Kind::kMissing;
  } else if (kind == "extra") {
    difference.kind = VerifyDifference::Kind::kExtra;
  } else if (kind == "different") {
    difference.kind = VerifyDifference::Kind::kDifferent;
  } else {
    return Status::DataLoss("verify progress: unknown difference kind '" + kind + "'");
  }
  difference.key = json.value("key", "");
  difference.source_row = json.value("source_row", "");
  difference.column = json.value("column", "");
  if (json.contains("source") && json["source"].is_string()) {
    difference.source_value = json["source"].get<std::string>();
  }
  if (json.contains("target") && json["target"].is_string()) {
    difference.target_value = json["target"].get<std::string>();
  }
  return difference;
}

}  // namespace verify
}  // namespace cutover
