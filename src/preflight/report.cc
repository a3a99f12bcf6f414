// The preflight report as text (aligned, for people) and as JSON (for scripts).
#include <algorithm>
#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include "cutover/preflight.h"

namespace cutover {
namespace {

std::string Label(CheckOutcome outcome) {
  std::string label(CheckOutcomeName(outcome));
  std::transform(label.begin(), label.end(), label.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return label;
}

// "fix: " and the fix, continuation lines aligned under the first.
std::string FixLines(const std::string& fix, size_t indent) {
  std::string pad(indent, ' ');
  std::string out = pad + "fix: ";
  for (char c : fix) {
    out += c;
    if (c == '\n') out += pad + "     ";
  }
  return out + "\n";
}

std::string Summary(const PreflightReport& report) {
  std::string summary =
      fmt::format("{} passed, {} failed, {} warnings", report.Count(CheckOutcome::kPass),
                  report.Count(CheckOutcome::kFail), report.Count(CheckOutcome::kWarn));
  int skipped = report.Count(CheckOutcome::kSkip);
  if (skipped > 0) summary += fmt::format(", {} skipped", skipped);
  return summary;
}

}  // namespace

std::string FormatReportText(const PreflightReport& report) {
  constexpr size_t kLabelWidth = 4;
  constexpr size_t kGap = 2;
  size_t id_width = 0;
  size_t title_width = 0;
  for (const CheckResult& check : report.checks) {
    id_width = std::max(id_width, check.id.size());
    title_width = std::max(title_width, check.title.size());
  }
  std::string out = fmt::format("cutover check: {}\n\n", report.migration);
  for (const CheckResult& check : report.checks) {
    out += fmt::format("{:<{}}  {:<{}}  {:<{}}  {}\n", Label(check.outcome), kLabelWidth, check.id,
                       id_width, check.title, title_width, check.observed);
    bool show_fix = check.outcome == CheckOutcome::kFail || check.outcome == CheckOutcome::kWarn;
    if (show_fix && !check.fix.empty()) out += FixLines(check.fix, kLabelWidth + kGap);
  }
  return out + "\n" + Summary(report) + "\n";
}

std::string FormatReportJson(const PreflightReport& report) {
  nlohmann::ordered_json checks = nlohmann::ordered_json::array();
  for (const CheckResult& check : report.checks) {
    checks.push_back({{"id", check.id},
                      {"title", check.title},
                      {"outcome", std::string(CheckOutcomeName(check.outcome))},
                      {"observed", check.observed},
                      {"fix", check.fix}});
  }
  nlohmann::ordered_json document = {{"migration", report.migration},
                                     {"ok", report.ok()},
                                     {"summary",
                                      {{"passed", report.Count(CheckOutcome::kPass)},
                                       {"failed", report.Count(CheckOutcome::kFail)},
                                       {"warnings", report.Count(CheckOutcome::kWarn)},
                                       {"skipped", report.Count(CheckOutcome::kSkip)}}},
                                     {"checks", checks}};
  // Server messages are not always valid UTF-8; replace bad bytes rather than throw.
  return document.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace cutover
