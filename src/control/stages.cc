// Stages: the flag stage of each group, read from and changed in the state store, every change
// audited in the same transaction ("flags/<group>", "flags.history/<group>/<sequence>").
#include <algorithm>
#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include "cutover/control.h"

#include "control/guards.h"
#include "core/parse_number.h"
#include "pipeline/clock.h"
#include "pipeline/state_options.h"
#include "pipeline/test_hooks.h"

namespace cutover {
namespace {

std::string CurrentKey(std::string_view group) { return fmt::format("flags/{}", group); }
std::string HistoryPrefix(std::string_view group) {
  return fmt::format("flags.history/{}/", group);
}

Status CheckGroup(const Spec& spec, std::string_view group) {
  std::vector<std::string> groups = StageGroups(spec);
  if (std::find(groups.begin(), groups.end(), group) != groups.end()) return Status::Ok();
  return Status::NotFound(
      fmt::format("no flag group '{}'; the spec defines {} (control.groups adds groups)", group,
                  fmt::join(groups, ", ")));
}

Result<StageState> ReadStage(StateStore& state, std::string_view group) {
  StageState out;
  out.group = std::string(group);
  CUTOVER_ASSIGN_OR_RETURN(std::optional<std::string> text, state.GetMeta(CurrentKey(group)));
  if (!text) return out;
  nlohmann::json json = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object() || !json.contains("stage") || !json["stage"].is_string()) {
    return Status::DataLoss(
        fmt::format("state meta {} is not a stage record: {}", CurrentKey(group), *text));
  }
  CUTOVER_ASSIGN_OR_RETURN(out.stage, ParseFlagStage(json["stage"].get<std::string>()));
  out.since_ms = json.value("since_ms", int64_t{0});
  return out;
}

Result<StageChange> ChangeFromJson(std::string_view key, std::string_view text) {
  nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) {
    return Status::DataLoss(fmt::format("state meta {} is not a stage change: {}", key, text));
  }
  StageChange change;
  Result<int64_t> sequence =
      ParseInteger<int64_t>(key.substr(key.rfind('/') + 1), "stage change sequence");
  if (!sequence.ok()) {
    return Status::DataLoss(fmt::format("state meta {}: {}", key, sequence.status().message()));
  }
  change.sequence = *sequence;
  change.group = json.value("group", std::string());
  CUTOVER_ASSIGN_OR_RETURN(change.from, ParseFlagStage(json.value("from", std::string())));
  CUTOVER_ASSIGN_OR_RETURN(change.to, ParseFlagStage(json.value("to", std::string())));
  change.reason = json.value("reason", std::string());
  change.forced = json.value("forced", false);
  change.at_ms = json.value("at_ms", int64_t{0});
  change.by = json.value("by", std::string());
  return change;
}

// The audit record: the sequence is in its key.
std::string ChangeToJson(const StageChange& change) {
  nlohmann::json json = StageChangeJson(change);
  json.erase("sequence");
  return json.dump();
}

// The group's last audited change; sequence 0 when there is none.
Result<StageChange> LastChange(StateStore& state, std::string_view group) {
  CUTOVER_ASSIGN_OR_RETURN(auto entries, state.ListMeta(HistoryPrefix(group)));
  if (entries.empty()) {
    StageChange none;
    none.group = std::string(group);
    return none;
  }
  return ChangeFromJson(entries.back().first, entries.back().second);
}

}  // namespace

nlohmann::json StageChangeJson(const StageChange& change) {
  return {{"sequence", change.sequence},    {"group", change.group},
          {"from", StageName(change.from)}, {"to", StageName(change.to)},
          {"reason", change.reason},        {"forced", change.forced},
          {"at_ms", change.at_ms},          {"by", change.by}};
}

Result<Stage> ParseFlagStage(std::string_view name) {
  if (std::optional<Stage> stage = ParseStage(name)) return *stage;
  return Status::InvalidArgument(fmt::format("unknown stage '{}'; the stages are, in order: {}",
                                             name, fmt::join(kStageNames, ", ")));
}

std::vector<std::string> StageGroups(const Spec& spec) {
  std::vector<std::string> groups = {std::string(kDefaultGroup)};
  for (const ControlGroupSpec& group : spec.control.groups) groups.push_back(group.name);
  return groups;
}

Result<StageState> GetStage(const Spec& spec, StateStore& state, std::string_view group) {
  CUTOVER_RETURN_IF_ERROR(CheckGroup(spec, group));
  return ReadStage(state, group);
}

Result<std::vector<StageState>> ListStages(const Spec& spec, StateStore& state) {
  std::vector<StageState> out;
  for (const std::string& group : StageGroups(spec)) {
    CUTOVER_ASSIGN_OR_RETURN(StageState stage, ReadStage(state, group));
    out.push_back(std::move(stage));
  }
  return out;
}

Result<std::vector<StageChange>> StageHistory(const Spec& spec, StateStore& state,
                                              std::string_view group) {
  CUTOVER_RETURN_IF_ERROR(CheckGroup(spec, group));
  CUTOVER_ASSIGN_OR_RETURN(auto entries, state.ListMeta(HistoryPrefix(group)));
  std::vector<StageChange> out;
  for (const auto& [key, text] : entries) {
    CUTOVER_ASSIGN_OR_RETURN(StageChange change, ChangeFromJson(key, text));
    out.push_back(std::move(change));
  }
  return out;
}

Result<StageChange> SetStage(const Spec& spec, StateStore& state, const StageRequest& request) {
  CUTOVER_RETURN_IF_ERROR(CheckGroup(spec, request.group));
  if (request.force && request.reason.empty()) {
    return Status::InvalidArgument(
        "a forced stage change needs a reason: add --reason \"why\" (API: \"reason\"); it is "
        "kept in the audit history");
  }
  // The write lock is held from here to the commit: two changes of one group never interleave
  // between the guard checks and the audit record.
  CUTOVER_ASSIGN_OR_RETURN(StateStore::Transaction transaction, state.Begin());
  CUTOVER_ASSIGN_OR_RETURN(StageState current, ReadStage(state, request.group));
  CUTOVER_ASSIGN_OR_RETURN(StageChange last, LastChange(state, request.group));
  if (current.stage == request.to) return last;
  if (!request.force && request.to > current.stage) {
    CUTOVER_RETURN_IF_ERROR(control::CheckForward(spec, state, current, request.to));
  }
  StageChange change;
  change.sequence = last.sequence + 1;
  change.group = request.group;
  change.from = current.stage;
  change.to = request.to;
  change.reason = request.reason;
  change.forced = request.force;
  change.at_ms = pipeline::NowMs();
  change.by = request.by;
  nlohmann::json stage = {{"stage", StageName(change.to)}, {"since_ms", change.at_ms}};
  CUTOVER_RETURN_IF_ERROR(state.SetMeta(CurrentKey(change.group), stage.dump()));
  pipeline::TEST_PausePoint("stage_written");
  CUTOVER_RETURN_IF_ERROR(
      state.SetMeta(fmt::format("{}{:012d}", HistoryPrefix(change.group), change.sequence),
                    ChangeToJson(change)));
  pipeline::TEST_PausePoint("stage_audited");
  CUTOVER_RETURN_IF_ERROR(transaction.Commit());
  return change;
}

Result<std::unique_ptr<StateStore>> OpenControlState(const Spec& spec) {
  return StateStore::Open(spec.state_dir, pipeline::StateOptionsFor(spec));
}

}  // namespace cutover
