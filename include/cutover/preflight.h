// Preflight: the checks `cutover check` runs against a spec's source and target, and the report
// they produce (text for people, JSON for scripts).
//
// Every check has a stable id (`source.binlog_format`) that scripts and docs/check.md refer to.
// A failed check says what was observed and how to fix it. When a connection fails, the checks
// that need it are reported as skipped, naming why, never as failed: one cause, one failure.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cutover/spec.h"

namespace cutover {

enum class CheckOutcome { kPass, kFail, kWarn, kSkip };

// "pass", "fail", "warn", "skip" (the JSON spelling; the text report prints them upper-case).
inline std::string_view CheckOutcomeName(CheckOutcome outcome) {
  switch (outcome) {
    case CheckOutcome::kPass: return "pass";
    case CheckOutcome::kFail: return "fail";
    case CheckOutcome::kWarn: return "warn";
    case CheckOutcome::kSkip: return "skip";
  }
  return "unknown";
}

// The result of one check. Header-only so the source and sink libraries can produce results
// without linking the orchestrator.
struct CheckResult {
  std::string id;     // stable, e.g. "source.binlog_format"
  std::string title;  // what is required, e.g. "binlog_format is ROW"
  CheckOutcome outcome = CheckOutcome::kSkip;
  std::string observed;  // what was found, e.g. "binlog_format is STATEMENT"; for skip: why
  std::string fix;       // what to do (fail and warn); empty when there is nothing to do

  static CheckResult Pass(std::string id, std::string title, std::string observed) {
    return {std::move(id), std::move(title), CheckOutcome::kPass, std::move(observed), {}};
  }
  static CheckResult Fail(std::string id, std::string title, std::string observed,
                          std::string fix) {
    return {std::move(id), std::move(title), CheckOutcome::kFail, std::move(observed),
            std::move(fix)};
  }
  static CheckResult Warn(std::string id, std::string title, std::string observed,
                          std::string fix) {
    return {std::move(id), std::move(title), CheckOutcome::kWarn, std::move(observed),
            std::move(fix)};
  }
  static CheckResult Skip(std::string id, std::string title, std::string reason) {
    return {std::move(id), std::move(title), CheckOutcome::kSkip, std::move(reason), {}};
  }
};

// A check a side would run: its id and title, known before it runs so that it can be reported
// as skipped when an earlier step (the connection) failed.
struct CheckDefinition {
  std::string_view id;
  std::string_view title;
};

// Appends a skip result for every definition in `definitions` whose id is not yet in `results`,
// with `reason` as what was observed.
inline void SkipRemaining(const std::vector<CheckDefinition>& definitions, std::string_view reason,
                          std::vector<CheckResult>* results) {
  for (const CheckDefinition& definition : definitions) {
    bool done = false;
    for (const CheckResult& result : *results) done = done || result.id == definition.id;
    if (!done) {
      results->push_back(CheckResult::Skip(std::string(definition.id),
                                           std::string(definition.title), std::string(reason)));
    }
  }
}

// Why the remaining checks are skipped after an earlier one failed: "not checked: <id> failed",
// naming the first failed check in `results`.
inline std::string SkipReason(const std::vector<CheckResult>& results) {
  for (const CheckResult& result : results) {
    if (result.outcome == CheckOutcome::kFail) return "not checked: " + result.id + " failed";
  }
  return "not checked";
}

// All checks of one `cutover check` run, source checks first, then target checks.
struct PreflightReport {
  std::string migration;  // the spec's name
  std::vector<CheckResult> checks;

  int Count(CheckOutcome outcome) const {
    int count = 0;
    for (const CheckResult& check : checks) count += check.outcome == outcome ? 1 : 0;
    return count;
  }
  // True when no check failed (warnings and skips allowed).
  bool ok() const { return Count(CheckOutcome::kFail) == 0; }
};

// Runs the source checks for spec.source.kind and the target checks for spec.target.kind.
// Never throws and never returns an error: anything that goes wrong is a check result. Does not
// change the source; on an SQL target it creates and drops one scratch table
// `_cutover_check_<random>` to prove the target is writable.
PreflightReport RunPreflight(const Spec& spec);

// The report for people: one aligned line per check (PASS/FAIL/WARN/SKIP, id, title, what was
// observed), the fix indented under each failed or warned check, and a final summary line
// "N passed, M failed, K warnings" (", S skipped" appended when some were skipped).
std::string FormatReportText(const PreflightReport& report);

// The report as a JSON document:
//   {"migration": "...", "ok": bool,
//    "summary": {"passed": N, "failed": M, "warnings": K, "skipped": S},
//    "checks": [{"id", "title", "outcome" ("pass"|"fail"|"warn"|"skip"), "observed", "fix"}]}
std::string FormatReportJson(const PreflightReport& report);

}  // namespace cutover
