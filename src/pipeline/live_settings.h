// LiveSettings: the settings `cutover ctl set` changes while a migration runs (docs/operations.md):
// their names, what values they take, the spec's value each overrides, and the value in force
// (a live value until `ctl reset`, else the spec's). Shared by `cutover ctl`, the control API
// and `cutover run`, which applies them within a second.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "cutover/spec.h"
#include "cutover/status.h"

#include "state/live_controls.h"

namespace cutover::pipeline {

struct LiveSetting {
  std::string_view key;   // state::kCopyRowsPerSecond, ...
  std::string_view kind;  // "rows_per_second", "count", "duration"
};

// Every settable key, in the order `ctl show` lists them.
const std::vector<LiveSetting>& LiveSettings();

// The key's value in the spec (durations in ms). The key must be one of LiveSettings().
int64_t SpecSettingValue(const Spec& spec, std::string_view key);
// The value in force: the live one when set, else the spec's.
int64_t EffectiveSetting(const Spec& spec, const state::LiveControls& controls,
                         std::string_view key);

// Parses `text` for `key`: InvalidArgument naming the key and, for an unknown key, the
// allowed ones; for a bad value, what the key takes ("an integer >= 0", "a duration").
Result<int64_t> ParseSettingValue(std::string_view key, std::string_view text);
// As a person writes it: "5000", "1500ms", "10s".
std::string FormatSettingValue(std::string_view key, int64_t value);

// The controls as `cutover status --json`, GET /v1/status and GET /v1/ctl show them:
// {"paused": {"copy", "apply"}, "pause_reasons": {"copy", "apply"}, "throttled_by_hand":
// {"on", "reason"}, "settings": {key: {"value", "text", "source": "spec"|"live", "spec"}}}.
nlohmann::json LiveControlsJson(const Spec& spec, const state::LiveControls& controls);

}  // namespace cutover::pipeline
