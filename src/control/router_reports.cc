// RouterReports: validates a client's counters and adds them to the per-group totals.
#include "control/router_reports.h"

#include <algorithm>
#include <limits>

#include <fmt/format.h>

namespace cutover::control {
namespace {

bool KnownCounter(std::string_view name) {
  return std::find(kRouterCounters.begin(), kRouterCounters.end(), name) != kRouterCounters.end();
}

// An integer >= 0 (a JSON library may hold a non-negative literal as signed).
bool IsCount(const nlohmann::json& value) {
  return value.is_number_unsigned() || (value.is_number_integer() && value.get<int64_t>() >= 0);
}

}  // namespace

Result<RouterTotals> ReadRouterTotals(StateStore& state) {
  RouterTotals totals;
  CUTOVER_ASSIGN_OR_RETURN(std::optional<std::string> text, state.GetMeta(kRouterTotalsKey));
  if (!text) return totals;
  nlohmann::json json = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) {
    return Status::DataLoss(
        fmt::format("state meta {} is not an object: {}", kRouterTotalsKey, *text));
  }
  for (const auto& [group, counters] : json.items()) {
    if (!counters.is_object()) continue;
    for (const auto& [name, value] : counters.items()) {
      if (IsCount(value)) totals[group][name] = value.get<uint64_t>();
    }
  }
  return totals;
}

Result<std::vector<std::string>> AddRouterReport(const Spec& spec, StateStore& state,
                                                 const nlohmann::json& report) {
  if (!report.is_object()) {
    return Status::InvalidArgument(
        "a router report is a JSON object: {\"group\": \"default\", "
        "\"shadow_comparisons\": 10, ...}");
  }
  std::string group(kDefaultGroup);
  if (report.contains("group")) {
    if (!report["group"].is_string()) {
      return Status::InvalidArgument("group: expected a string such as \"default\"");
    }
    group = report["group"].get<std::string>();
  }
  CUTOVER_RETURN_IF_ERROR(GetStage(spec, state, group).status());
  std::map<std::string, uint64_t> counts;
  std::vector<std::string> ignored;
  for (const auto& [name, value] : report.items()) {
    if (name == "group" || name == "client") continue;
    if (!KnownCounter(name)) {
      ignored.push_back(name);
      continue;
    }
    if (!IsCount(value)) {
      return Status::InvalidArgument(fmt::format(
          "{}: expected a count (an integer >= 0) since the client's previous report", name));
    }
    counts[name] = value.get<uint64_t>();
  }
  // Read, add and write under the store's write lock: reports from several clients (and
  // several serving processes) add up instead of overwriting each other.
  CUTOVER_ASSIGN_OR_RETURN(StateStore::Transaction transaction, state.Begin());
  CUTOVER_ASSIGN_OR_RETURN(RouterTotals totals, ReadRouterTotals(state));
  for (const auto& [name, count] : counts) {
    uint64_t& total = totals[group][name];  // saturates: a wrapped counter would look like 0
    total = count > std::numeric_limits<uint64_t>::max() - total
                ? std::numeric_limits<uint64_t>::max()
                : total + count;
  }
  CUTOVER_RETURN_IF_ERROR(state.SetMeta(kRouterTotalsKey, nlohmann::json(totals).dump()));
  CUTOVER_RETURN_IF_ERROR(transaction.Commit());
  return ignored;
}

}  // namespace cutover::control
