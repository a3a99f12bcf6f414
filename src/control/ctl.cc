// Ctl: the live controls (pause, resume, set, reset, throttle) in the state store, audited.
#include "control/ctl.h"

#include <ctime>

#include <fmt/format.h>

#include "control/requests.h"
#include "pipeline/clock.h"
#include "pipeline/live_settings.h"
#include "state/live_controls.h"

namespace cutover {
namespace {

using nlohmann::json;

constexpr size_t kHistoryShown = 100;

std::string PausedText(bool paused) { return paused ? "paused" : "running"; }

std::string SettingText(const Spec& spec, const state::LiveControls& controls,
                        const std::string& key) {
  auto live = controls.settings.find(key);
  if (live != controls.settings.end()) return pipeline::FormatSettingValue(key, live->second);
  return fmt::format("spec ({})",
                     pipeline::FormatSettingValue(key, pipeline::SpecSettingValue(spec, key)));
}

// Pause or resume: which of copy and apply; InvalidArgument otherwise.
Status PauseOrResume(const CtlRequest& request, state::LiveControls& controls,
                     state::LiveControlChange& change) {
  const std::string what = request.what.empty() ? "all" : request.what;
  if (what != "copy" && what != "apply" && what != "all") {
    return Status::InvalidArgument(
        fmt::format("{}: unknown part '{}'; {} copy, apply or all (nothing: all)", request.action,
                    what, request.action));
  }
  const bool pause = request.action == "pause";
  bool before_copy = controls.copy_paused, before_apply = controls.apply_paused;
  if (what != "apply") {
    controls.copy_paused = pause;
    controls.copy_pause_reason = pause ? request.reason : "";
  }
  if (what != "copy") {
    controls.apply_paused = pause;
    controls.apply_pause_reason = pause ? request.reason : "";
  }
  change.what = what;
  auto text = [&](bool copy, bool apply) {
    if (what == "copy") return PausedText(copy);
    if (what == "apply") return PausedText(apply);
    return fmt::format("copy {}, apply {}", PausedText(copy), PausedText(apply));
  };
  change.from = text(before_copy, before_apply);
  change.to = text(controls.copy_paused, controls.apply_paused);
  return Status::Ok();
}

Status SetOrReset(const Spec& spec, const CtlRequest& request, state::LiveControls& controls,
                  state::LiveControlChange& change) {
  if (request.key.empty()) {
    return Status::InvalidArgument(
        fmt::format("{}: which setting? write KEY=VALUE (KEY= or reset KEY goes back to the "
                    "spec's value); the live settings are {}",
                    request.action, [] {
                      std::vector<std::string> keys;
                      for (const auto& setting : pipeline::LiveSettings()) {
                        keys.emplace_back(setting.key);
                      }
                      return fmt::format("{}", fmt::join(keys, ", "));
                    }()));
  }
  // An unknown key is refused even for a reset, with the list.
  CUTOVER_RETURN_IF_ERROR(pipeline::ParseSettingValue(request.key, "0").status());
  change.what = request.key;
  change.from = SettingText(spec, controls, request.key);
  if (request.action == "reset" || request.value.empty()) {
    controls.settings.erase(request.key);
  } else {
    CUTOVER_ASSIGN_OR_RETURN(int64_t value,
                             pipeline::ParseSettingValue(request.key, request.value));
    controls.settings[request.key] = value;
  }
  change.to = SettingText(spec, controls, request.key);
  return Status::Ok();
}

Status Throttle(const CtlRequest& request, state::LiveControls& controls,
                state::LiveControlChange& change) {
  if (request.on && request.reason.empty()) {
    return Status::InvalidArgument(
        "throttle: a reason is required (--reason \"why\"; API: \"reason\"); it is shown in "
        "status and kept in the audit");
  }
  change.from = controls.throttled_by_hand ? "on" : "off";
  controls.throttled_by_hand = request.on;
  controls.throttle_reason = request.on ? request.reason : "";
  change.to = request.on ? "on" : "off";
  return Status::Ok();
}

json ChangesJson(const std::vector<state::LiveControlChange>& changes) {
  json out = json::array();
  size_t first = changes.size() > kHistoryShown ? changes.size() - kHistoryShown : 0;
  for (size_t index = first; index < changes.size(); ++index) {
    out.push_back(changes[index].ToJson());
  }
  return out;
}

}  // namespace

std::string UtcTimeText(int64_t at_ms) {
  std::time_t seconds = static_cast<std::time_t>(at_ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%d %H:%M:%S UTC", &utc);
  return text;
}

Result<nlohmann::json> ApplyCtl(const Spec& spec, StateStore& state, const CtlRequest& request) {
  // The write lock from the read to the commit: two changes never interleave.
  CUTOVER_ASSIGN_OR_RETURN(StateStore::Transaction transaction, state.Begin());
  CUTOVER_ASSIGN_OR_RETURN(state::LiveControls controls, state::ReadLiveControls(state));
  state::LiveControlChange change;
  change.action = request.action;
  if (request.action == "pause" || request.action == "resume") {
    CUTOVER_RETURN_IF_ERROR(PauseOrResume(request, controls, change));
  } else if (request.action == "set" || request.action == "reset") {
    CUTOVER_RETURN_IF_ERROR(SetOrReset(spec, request, controls, change));
  } else if (request.action == "throttle") {
    CUTOVER_RETURN_IF_ERROR(Throttle(request, controls, change));
  } else {
    return Status::InvalidArgument(
        fmt::format("unknown action '{}'; the actions are pause, resume, set, reset and throttle",
                    request.action));
  }
  if (change.from != change.to) {
    change.reason = request.reason;
    change.at_ms = pipeline::NowMs();
    change.by = request.by;
    CUTOVER_RETURN_IF_ERROR(state::WriteLiveControls(state, controls, change));
  }
  CUTOVER_RETURN_IF_ERROR(transaction.Commit());
  return CtlJson(spec, state);
}

Result<nlohmann::json> CtlJson(const Spec& spec, StateStore& state) {
  CUTOVER_ASSIGN_OR_RETURN(state::LiveControls controls, state::ReadLiveControls(state));
  CUTOVER_ASSIGN_OR_RETURN(std::vector<state::LiveControlChange> changes,
                           state::ReadLiveControlHistory(state));
  json out = pipeline::LiveControlsJson(spec, controls);
  out["history"] = ChangesJson(changes);
  return out;
}

std::string FormatCtl(const nlohmann::json& ctl) {
  auto paused = [&](const char* part) {
    if (!ctl["paused"][part].get<bool>()) return std::string("running");
    std::string reason = ctl["pause_reasons"][part].get<std::string>();
    return reason.empty() ? std::string("PAUSED") : "PAUSED (" + reason + ")";
  };
  std::string text = fmt::format("copy: {}\napply: {}\n", paused("copy"), paused("apply"));
  const json& by_hand = ctl["throttled_by_hand"];
  text += by_hand["on"].get<bool>()
              ? fmt::format("throttled by hand: {}\n", by_hand["reason"].get<std::string>())
              : "throttled by hand: no\n";
  for (const auto& [key, setting] : ctl["settings"].items()) {
    text += fmt::format("{} = {} ({})\n", key, setting["text"].get<std::string>(),
                        setting["source"].get<std::string>());
  }
  return text;
}

std::string FormatCtlHistory(const nlohmann::json& ctl) {
  std::string text;
  for (const json& change : ctl["history"]) {
    std::string what = change["what"].get<std::string>();
    std::string reason = change["reason"].get<std::string>();
    text += fmt::format("#{} {} {}{}: {} -> {} by {}{}\n", change["sequence"].get<int64_t>(),
                        UtcTimeText(change["at_ms"].get<int64_t>()),
                        change["action"].get<std::string>(), what.empty() ? "" : " " + what,
                        change["from"].get<std::string>(), change["to"].get<std::string>(),
                        change["by"].get<std::string>(), reason.empty() ? "" : ": " + reason);
  }
  return text;
}

namespace control {

Result<CtlRequest> CtlRequestFromJson(const nlohmann::json& body) {
  CUTOVER_RETURN_IF_ERROR(
      CheckFields(body, {"action", "what", "key", "value", "reason", "on", "by"}));
  CtlRequest request;
  auto string_field = [&](const char* field, std::string* out) -> Status {
    if (!body.contains(field)) return Status::Ok();
    if (!body[field].is_string()) {
      return Status::InvalidArgument(fmt::format("{}: expected a string", field));
    }
    *out = body[field].get<std::string>();
    return Status::Ok();
  };
  if (!body.contains("action")) {
    return Status::InvalidArgument(
        "action: missing; send {\"action\": \"pause\", \"what\": \"copy\", \"reason\": "
        "\"...\"} (actions: pause, resume, set, reset, throttle)");
  }
  CUTOVER_RETURN_IF_ERROR(string_field("action", &request.action));
  CUTOVER_RETURN_IF_ERROR(string_field("what", &request.what));
  CUTOVER_RETURN_IF_ERROR(string_field("key", &request.key));
  CUTOVER_RETURN_IF_ERROR(string_field("reason", &request.reason));
  if (body.contains("value")) {
    const json& value = body["value"];
    if (value.is_number_unsigned()) {  // above INT64_MAX too: the key's range judges it
      request.value = std::to_string(value.get<uint64_t>());
    } else if (value.is_number_integer()) {
      request.value = std::to_string(value.get<int64_t>());
    } else if (value.is_string()) {
      request.value = value.get<std::string>();
    } else {
      return Status::InvalidArgument("value: expected a string or an integer");
    }
  } else if (request.action == "set") {
    return Status::InvalidArgument(
        "value: missing; send {\"action\": \"set\", \"key\": \"...\", \"value\": ...} (or "
        "{\"action\": \"reset\", \"key\": \"...\"} to go back to the spec's)");
  }
  if (request.action == "throttle") {
    if (!body.contains("on") || !body["on"].is_boolean()) {
      return Status::InvalidArgument("on: expected true (hold copy and apply) or false");
    }
    request.on = body["on"].get<bool>();
  }
  return request;
}

}  // namespace control
}  // namespace cutover
