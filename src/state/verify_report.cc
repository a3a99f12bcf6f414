// VerifyReportRecord: the stored verify report and its JSON.
#include "state/verify_report.h"

namespace cutover::state {
namespace {

nlohmann::json TableJson(const VerifyTableRecord& table) {
  nlohmann::json differences = nlohmann::json::array();
  for (const VerifyDifferenceRecord& difference : table.differences) {
    differences.push_back(difference.ToJson());
  }
  return {{"table", table.table},
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
          {"differences", differences}};
}

VerifyTableRecord ReadTable(JsonFields& fields) {
  VerifyTableRecord table;
  fields.Read("table", &table.table);
  fields.Read("target", &table.target);
  fields.Read("scan", &table.scan);
  fields.Read("rows", &table.rows);
  fields.Read("missing", &table.missing);
  fields.Read("extra", &table.extra);
  fields.Read("different", &table.different);
  fields.Read("settled", &table.settled);
  fields.Read("unsettled", &table.unsettled);
  fields.Read("chunks", &table.chunks);
  fields.Read("chunks_checked", &table.chunks_checked);
  fields.Read("chunks_compared_by_rows", &table.chunks_compared_by_rows);
  fields.Read("done", &table.done);
  fields.ReadObjects("differences", [&](JsonFields& difference) {
    table.differences.push_back(VerifyDifferenceRecord::Read(difference));
  });
  return table;
}

}  // namespace

nlohmann::json VerifyDifferenceRecord::ToJson() const {
  nlohmann::json json = {{"kind", kind}, {"key", key}};
  if (!source_row.empty()) json["source_row"] = source_row;
  if (kind == "different") {
    json["column"] = column;
    json["source"] = source ? nlohmann::json(*source) : nlohmann::json(nullptr);
    json["target"] = target ? nlohmann::json(*target) : nlohmann::json(nullptr);
  }
  return json;
}

VerifyDifferenceRecord VerifyDifferenceRecord::Read(JsonFields& fields) {
  VerifyDifferenceRecord difference;
  fields.Read("kind", &difference.kind);
  if (difference.kind != "missing" && difference.kind != "extra" &&
      difference.kind != "different") {
    fields.Fail("kind", "\"" + difference.kind + "\" is not missing, extra or different");
  }
  fields.Read("key", &difference.key);
  fields.Read("source_row", &difference.source_row);
  fields.Read("column", &difference.column);
  fields.Read("source", &difference.source);
  fields.Read("target", &difference.target);
  return difference;
}

nlohmann::json VerifyReportRecord::ToJson() const {
  nlohmann::json json_tables = nlohmann::json::array();
  for (const VerifyTableRecord& table : tables) json_tables.push_back(TableJson(table));
  nlohmann::json json = {{"complete", complete},
                         {"resumed", resumed},
                         {"live", live},
                         {"continuous", continuous},
                         {"differences", differences},
                         {"started_at_ms", started_at_ms},
                         {"finished_at_ms", finished_at_ms},
                         {"tables_glob", tables_glob},
                         {"tables", json_tables}};
  if (continuous) {
    json["seconds"] = seconds;
    json["keys_dropped"] = keys_dropped;
  }
  if (repair) {
    json["repair"] = {{"ranges", repair->ranges},
                      {"resent", repair->resent},
                      {"deleted", repair->deleted},
                      {"left_to_cdc", repair->left_to_cdc},
                      {"differences_before", repair->differences_before}};
  }
  return json;
}

Result<VerifyReportRecord> VerifyReportRecord::FromJson(std::string_view text) {
  CUTOVER_ASSIGN_OR_RETURN(JsonFields fields, JsonFields::Parse(kVerifyReportKey, text));
  VerifyReportRecord report;
  fields.Read("complete", &report.complete);
  fields.Read("resumed", &report.resumed);
  fields.Read("live", &report.live);
  fields.Read("continuous", &report.continuous);
  fields.Read("differences", &report.differences);
  fields.Read("started_at_ms", &report.started_at_ms);
  fields.Read("finished_at_ms", &report.finished_at_ms);
  fields.Read("tables_glob", &report.tables_glob);
  fields.ReadObjects("tables",
                     [&](JsonFields& table) { report.tables.push_back(ReadTable(table)); });
  fields.Read("seconds", &report.seconds);
  fields.Read("keys_dropped", &report.keys_dropped);
  fields.ReadObject("repair", [&](JsonFields& repair_fields) {
    VerifyRepairRecord& out = report.repair.emplace();
    repair_fields.Read("ranges", &out.ranges);
    repair_fields.Read("resent", &out.resent);
    repair_fields.Read("deleted", &out.deleted);
    repair_fields.Read("left_to_cdc", &out.left_to_cdc);
    repair_fields.Read("differences_before", &out.differences_before);
  });
  CUTOVER_RETURN_IF_ERROR(fields.status());
  return report;
}

Result<std::optional<VerifyReportRecord>> ReadVerifyReport(StateStore& state) {
  CUTOVER_ASSIGN_OR_RETURN(std::optional<std::string> text, state.GetMeta(kVerifyReportKey));
  if (!text) return std::optional<VerifyReportRecord>();
  CUTOVER_ASSIGN_OR_RETURN(VerifyReportRecord report, VerifyReportRecord::FromJson(*text));
  return std::optional<VerifyReportRecord>(std::move(report));
}

Status WriteVerifyReport(StateStore& state, const VerifyReportRecord& report) {
  return state.SetMeta(report.continuous ? kContinuousVerifyReportKey : kVerifyReportKey,
                       report.ToJson().dump());
}

}  // namespace cutover::state
