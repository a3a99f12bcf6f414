// FormatStatus: `cutover status` (docs/run.md, docs/operations.md): the phase, the copy per
// table, the last CDC status of the running (or last) `cutover run`, the live controls and why
// copy or apply is held; and the one-line `cutover status --watch`.
#include <nlohmann/json.hpp>
#include <optional>

#include <fmt/format.h>

#include "cutover/run.h"
#include "cutover/state_store.h"

#include "pipeline/clock.h"
#include "pipeline/live_settings.h"
#include "pipeline/state_options.h"
#include "state/live_controls.h"
#include "state/run_status.h"
#include "state/table_ddl.h"

namespace cutover {

using pipeline::NowMs;

namespace {

// The holds of the running `cutover run` ({"state": {"copy": {"held", "reason", "detail"},
// "apply": ...}, "held_seconds", "probe_errors"}); nothing held when none runs.
nlohmann::json ThrottleJson(const std::optional<state::RunStatus>& run, int64_t now_ms) {
  state::RunStatus shown;
  const bool running = run && run->FreshAt(now_ms, state::BootClock::Now());
  if (running) shown.throttle = run->throttle;
  nlohmann::json out = shown.ToJson()["throttle"];
  for (const char* field : {"copy_wait_seconds", "apply_wait_seconds", "target_throttled"}) {
    out.erase(field);
  }
  out["running"] = running;
  return out;
}

// "copy: running; apply: HELD (paused): paused: backup at 10:00" and the failed probes.
std::string ControlsText(const nlohmann::json& controls, const nlohmann::json& throttle) {
  std::string text;
  for (const char* stage : {"copy", "apply"}) {
    const nlohmann::json& hold = throttle["state"][stage];
    if (hold["held"].get<bool>()) {
      text += fmt::format("{}: HELD ({}): {}\n", stage, hold["reason"].get<std::string>(),
                          hold["detail"].get<std::string>());
    } else if (controls["paused"][stage].get<bool>()) {
      text += fmt::format("{}: paused (cutover ctl resume {})\n", stage, stage);
    }
  }
  if (controls["throttled_by_hand"]["on"].get<bool>()) {
    text += fmt::format("throttled by hand: {}\n",
                        controls["throttled_by_hand"]["reason"].get<std::string>());
  }
  for (const nlohmann::json& error : throttle["probe_errors"]) {
    text += fmt::format("load probe failed: {}\n", error.get<std::string>());
  }
  return text;
}

}  // namespace

Result<std::string> FormatStatus(const Spec& spec, bool json) {
  StateStoreOptions options;
  options.read_only = true;
  CUTOVER_ASSIGN_OR_RETURN(auto state, StateStore::Open(spec.state_dir, options));
  CUTOVER_ASSIGN_OR_RETURN(Phase phase, state->GetPhase());
  CUTOVER_ASSIGN_OR_RETURN(std::optional<Position> start,
                           state->GetPosition(pipeline::kStartPosition));
  CUTOVER_ASSIGN_OR_RETURN(std::vector<TableProgress> tables, state->ListTables());
  CUTOVER_ASSIGN_OR_RETURN(std::optional<state::RunStatus> run, state::ReadRunStatus(*state));
  nlohmann::json out;
  out["migration"] = spec.name;
  out["phase"] = std::string(PhaseName(phase));
  out["start_position"] = start ? start->Encode() : "";
  out["tables"] = nlohmann::json::array();
  for (const TableProgress& table : tables) {
    out["tables"].push_back({{"table", table.name},
                             {"state", std::string(TableStateName(table.state))},
                             {"rows_copied", table.rows_copied},
                             {"rows_estimate", table.rows_total_estimate}});
  }
  if (run) out["cdc"] = run->ToJson();
  CUTOVER_ASSIGN_OR_RETURN(state::LiveControls controls, state::ReadLiveControls(*state));
  out["controls"] = pipeline::LiveControlsJson(spec, controls);
  out["throttle"] = ThrottleJson(run, NowMs());
  CUTOVER_ASSIGN_OR_RETURN(std::vector<state::TableDdl> ddl, state::LoadTableDdl(*state));
  if (!ddl.empty()) {
    out["schema_changes"] = nlohmann::json::array();
    for (const state::TableDdl& record : ddl) out["schema_changes"].push_back(record.ToJson());
  }
  if (json) return out.dump(2) + "\n";
  std::string text = fmt::format("migration {}: phase {}\nstart position (P0): {}\n", spec.name,
                                 PhaseName(phase), start ? start->Encode() : "not taken yet");
  for (const TableProgress& table : tables) {
    text += fmt::format("  {:<40} {:<16} {:>12} / ~{} rows\n", table.name,
                        TableStateName(table.state), table.rows_copied, table.rows_total_estimate);
  }
  text += ControlsText(out["controls"], out["throttle"]);
  if (run) {
    double age = static_cast<double>(NowMs() - run->updated_at_ms) / 1000.0;
    text += fmt::format(
        "cdc: {}, lag {:.1f} s / {} records, {} changes applied and {} transactions captured by "
        "the last run (status of {:.0f} s ago)\n",
        run->phase.empty() ? "?" : run->phase, run->lag_seconds, run->lag_records,
        run->applied_changes, run->captured_transactions, age);
    if (const std::optional<state::RunRetention>& kept = run->source_retention) {
      text += fmt::format("{}source: the {} keeps {:.1f} MiB of WAL (wal_status {}{})\n",
                          kept->warning ? "WARNING " : "", kept->what,
                          static_cast<double>(kept->retained_bytes) / (1 << 20), kept->state,
                          kept->headroom_bytes
                              ? fmt::format(", {:.1f} MiB before the source drops it",
                                            static_cast<double>(*kept->headroom_bytes) / (1 << 20))
                              : "");
    }
  }
  // docs/ddl.md: never silent about a table that stopped or a column the target does not get.
  for (const state::TableDdl& record : ddl) {
    if (record.held && record.is_new && record.resume == "recopy") {
      text += fmt::format("COPYING {}: {}\n", record.table, record.reason);
    } else if (record.held) {
      text += fmt::format("STOPPED {}: {}{}\n  then: cutover ddl resume {} {} [--recopy]\n",
                          record.table, record.reason,
                          record.resume.empty() ? "" : " (resume asked: " + record.resume + ")",
                          spec.file.string(), record.table);
    }
    for (const auto& [column, why] : record.not_carried) {
      text += fmt::format("not carried: {}.{}: {}\n", record.table, column, why);
    }
  }
  return text;
}

namespace {

struct CopyTotals {
  int64_t copied = 0;
  int64_t estimate = 0;
};

CopyTotals SumTables(const nlohmann::json& status) {
  CopyTotals totals;
  for (const nlohmann::json& table : status.value("tables", nlohmann::json::array())) {
    totals.copied += table.value("rows_copied", int64_t{0});
    totals.estimate += table.value("rows_estimate", int64_t{0});
  }
  return totals;
}

std::string Duration(double seconds) {
  const int64_t whole = static_cast<int64_t>(seconds + 0.5);
  if (whole < 60) return fmt::format("{}s", whole);
  if (whole < 3600) return fmt::format("{}m{:02d}s", whole / 60, whole % 60);
  return fmt::format("{}h{:02d}m", whole / 3600, (whole % 3600) / 60);
}

// "copy 12000/50000 rows (24.0%), 3000 rows/s, ETA 13s"
std::string CopyPart(const nlohmann::json& now, const nlohmann::json* before, double seconds) {
  const CopyTotals totals = SumTables(now);
  const int64_t estimate = std::max(totals.estimate, totals.copied);
  const double percent =
      estimate > 0 ? 100.0 * static_cast<double>(totals.copied) / static_cast<double>(estimate)
                   : 100.0;
  std::string text = fmt::format("copy {}/{} rows ({:.1f}%)", totals.copied, estimate, percent);
  if (now.value("phase", "") != "copy" && now.value("phase", "") != "new") return text;
  if (before == nullptr || seconds <= 0) return text + ", ETA ?";
  const double rate = static_cast<double>(totals.copied - SumTables(*before).copied) / seconds;
  text += fmt::format(", {:.0f} rows/s", rate);
  if (rate <= 0) return text + ", ETA ?";
  return text + ", ETA " +
         Duration(static_cast<double>(std::max<int64_t>(estimate - totals.copied, 0)) / rate);
}

// "lag 0.4 s, applied 120/s" from the run's status record.
std::string CdcPart(const nlohmann::json& now, const nlohmann::json* before, double seconds) {
  if (!now.contains("cdc")) return "cdc not started";
  const nlohmann::json& cdc = now["cdc"];
  std::string text = fmt::format("lag {:.1f} s", cdc.value("lag_seconds", 0.0));
  if (before == nullptr || !before->contains("cdc") || seconds <= 0) return text;
  const double applied =
      static_cast<double>(cdc.value("applied_changes_total", uint64_t{0})) -
      static_cast<double>((*before)["cdc"].value("applied_changes_total", uint64_t{0}));
  return text + fmt::format(", applied {:.0f}/s", std::max(applied, 0.0) / seconds);
}

// "copy HELD (source_load: ...)", "apply paused", or "running".
std::string HoldPart(const nlohmann::json& now) {
  std::vector<std::string> parts;
  const nlohmann::json& throttle = now.value("throttle", nlohmann::json::object());
  const nlohmann::json& controls = now.value("controls", nlohmann::json::object());
  for (const char* stage : {"copy", "apply"}) {
    const nlohmann::json hold = throttle.contains("state")
                                    ? throttle["state"].value(stage, nlohmann::json::object())
                                    : nlohmann::json::object();
    if (hold.value("held", false)) {
      parts.push_back(fmt::format("{} HELD ({})", stage, hold.value("detail", "")));
    } else if (controls.contains("paused") && controls["paused"].value(stage, false)) {
      parts.push_back(fmt::format("{} paused", stage));
    }
  }
  if (parts.empty()) return "state: running";
  return fmt::format("state: {}", fmt::join(parts, "; "));
}

}  // namespace

std::string FormatWatchLine(const nlohmann::json& now, const nlohmann::json* before,
                            double seconds) {
  std::string phase = now.value("phase", "?");
  const bool running = now.contains("throttle") && now["throttle"].value("running", false);
  return fmt::format("{} phase {}{}; {}; {}; {}", now.value("migration", ""), phase,
                     running ? "" : " (no cutover run running)", CopyPart(now, before, seconds),
                     CdcPart(now, before, seconds), HoldPart(now));
}

}  // namespace cutover
