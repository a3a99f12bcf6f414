// LiveControls: the controls record, its audit records and their JSON.
#include "state/live_controls.h"

#include <fmt/format.h>

#include "state/json_fields.h"

namespace cutover::state {

nlohmann::json LiveControls::ToJson() const {
  nlohmann::json json = {{"copy_paused", copy_paused},
                         {"copy_pause_reason", copy_pause_reason},
                         {"apply_paused", apply_paused},
                         {"apply_pause_reason", apply_pause_reason},
                         {"throttled_by_hand", throttled_by_hand},
                         {"throttle_reason", throttle_reason},
                         {"settings", nlohmann::json::object()}};
  for (const auto& [key, value] : settings) json["settings"][key] = value;
  return json;
}

Result<LiveControls> LiveControls::FromJson(std::string_view text) {
  CUTOVER_ASSIGN_OR_RETURN(JsonFields fields, JsonFields::Parse(kLiveControlsKey, text));
  LiveControls controls;
  fields.Read("copy_paused", &controls.copy_paused);
  fields.Read("copy_pause_reason", &controls.copy_pause_reason);
  fields.Read("apply_paused", &controls.apply_paused);
  fields.Read("apply_pause_reason", &controls.apply_pause_reason);
  fields.Read("throttled_by_hand", &controls.throttled_by_hand);
  fields.Read("throttle_reason", &controls.throttle_reason);
  fields.ReadObject("settings", [&](JsonFields& setting_fields) {
    for (const std::string& key : setting_fields.Names()) {
      int64_t value = 0;
      setting_fields.Read(key, &value);
      controls.settings[key] = value;
    }
  });
  CUTOVER_RETURN_IF_ERROR(fields.status());
  return controls;
}

nlohmann::json LiveControlChange::ToJson() const {
  return {{"sequence", sequence}, {"action", action}, {"what", what}, {"from", from}, {"to", to},
          {"reason", reason},     {"at_ms", at_ms},   {"by", by}};
}

Result<LiveControlChange> LiveControlChange::FromJson(std::string_view key, std::string_view text) {
  CUTOVER_ASSIGN_OR_RETURN(JsonFields fields, JsonFields::Parse(key, text));
  LiveControlChange change;
  fields.Read("sequence", &change.sequence);
  fields.Read("action", &change.action);
  fields.Read("what", &change.what);
  fields.Read("from", &change.from);
  fields.Read("to", &change.to);
  fields.Read("reason", &change.reason);
  fields.Read("at_ms", &change.at_ms);
  fields.Read("by", &change.by);
  CUTOVER_RETURN_IF_ERROR(fields.status());
  return change;
}

Result<LiveControls> ReadLiveControls(StateStore& state) {
  CUTOVER_ASSIGN_OR_RETURN(std::optional<std::string> text, state.GetMeta(kLiveControlsKey));
  if (!text) return LiveControls{};
  return LiveControls::FromJson(*text);
}

Status WriteLiveControls(StateStore& state, const LiveControls& controls,
                         LiveControlChange& change) {
  CUTOVER_ASSIGN_OR_RETURN(StateStore::Transaction transaction, state.Begin());
  CUTOVER_ASSIGN_OR_RETURN(auto entries, state.ListMeta(kLiveControlsHistoryPrefix));
  change.sequence = static_cast<int64_t>(entries.size()) + 1;
  CUTOVER_RETURN_IF_ERROR(state.SetMeta(kLiveControlsKey, controls.ToJson().dump()));
  CUTOVER_RETURN_IF_ERROR(
      state.SetMeta(fmt::format("{}{:012d}", kLiveControlsHistoryPrefix, change.sequence),
                    change.ToJson().dump()));
  return transaction.Commit();
}

Result<std::vector<LiveControlChange>> ReadLiveControlHistory(StateStore& state) {
  CUTOVER_ASSIGN_OR_RETURN(auto entries, state.ListMeta(kLiveControlsHistoryPrefix));
  std::vector<LiveControlChange> out;
  for (const auto& [key, text] : entries) {
    CUTOVER_ASSIGN_OR_RETURN(LiveControlChange change, LiveControlChange::FromJson(key, text));
    out.push_back(std::move(change));
  }
  return out;
}

}  // namespace cutover::state
