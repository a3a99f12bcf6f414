// LiveSettings: the catalogue of live-settable keys, their parsing and their defaults.
#include "pipeline/live_settings.h"

#include <fmt/format.h>

#include "core/parse_number.h"

namespace cutover::pipeline {
namespace {

constexpr int64_t kMaxDurationMs = 86'400'000;  // a day, as the spec allows

const LiveSetting* FindSetting(std::string_view key) {
  for (const LiveSetting& setting : LiveSettings()) {
    if (setting.key == key) return &setting;
  }
  return nullptr;
}

std::string KeyList() {
  std::vector<std::string> keys;
  for (const LiveSetting& setting : LiveSettings()) keys.emplace_back(setting.key);
  return fmt::format("{}", fmt::join(keys, ", "));
}

// "1500ms", "10s", "2m", "1h" or a bare number of seconds.
Result<int64_t> ParseDurationMs(std::string_view text) {
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  std::string_view unit = text.substr(digits);
  int64_t scale = 0;
  if (unit.empty() || unit == "s") scale = 1000;
  if (unit == "ms") scale = 1;
  if (unit == "m") scale = 60'000;
  if (unit == "h") scale = 3'600'000;
  if (digits == 0 || scale == 0 || digits > 9) return Status::InvalidArgument("");
  CUTOVER_ASSIGN_OR_RETURN(int64_t count, ParseInteger<int64_t>(text.substr(0, digits), "value"));
  if (count * scale > kMaxDurationMs) return Status::InvalidArgument("");
  return count * scale;
}

}  // namespace

const std::vector<LiveSetting>& LiveSettings() {
  static const std::vector<LiveSetting> settings = {
      {state::kCopyRowsPerSecond, "rows_per_second"},
      {state::kApplyRowsPerSecond, "rows_per_second"},
      {state::kMaxLoadThreadsRunning, "count"},
      {state::kMaxReplicaLag, "duration"},
      {state::kTargetMaxLoad, "count"},
      {state::kTargetMaxCommitLatency, "duration"},
  };
  return settings;
}

int64_t SpecSettingValue(const Spec& spec, std::string_view key) {
  const ThrottleSpec& throttle = spec.throttle;
  if (key == state::kCopyRowsPerSecond) return throttle.copy_rows_per_second;
  if (key == state::kApplyRowsPerSecond) return throttle.apply_rows_per_second;
  if (key == state::kMaxLoadThreadsRunning) return throttle.max_load_threads_running;
  if (key == state::kMaxReplicaLag) return throttle.max_replica_lag.count();
  if (key == state::kTargetMaxLoad) return throttle.target_max_load;
  if (key == state::kTargetMaxCommitLatency) return throttle.target_max_commit_latency.count();
  return 0;
}

int64_t EffectiveSetting(const Spec& spec, const state::LiveControls& controls,
                         std::string_view key) {
  auto live = controls.settings.find(std::string(key));
  return live != controls.settings.end() ? live->second : SpecSettingValue(spec, key);
}

Result<int64_t> ParseSettingValue(std::string_view key, std::string_view text) {
  const LiveSetting* setting = FindSetting(key);
  if (setting == nullptr) {
    return Status::InvalidArgument(
        fmt::format("unknown setting '{}'; the live settings are {}", key, KeyList()));
  }
  if (setting->kind == "duration") {
    Result<int64_t> ms = ParseDurationMs(text);
    if (ms.ok()) return ms;
    return Status::InvalidArgument(fmt::format(
        "{}: '{}' is not a duration; write whole numbers with ms, s, m or h (at most 24h), "
        "e.g. 1500ms or 10s",
        key, text));
  }
  Result<int64_t> value = ParseInteger<int64_t>(text, key);
  if (!value.ok() || *value < 0) {
    return Status::InvalidArgument(fmt::format("{}: '{}' is not an integer >= 0{}", key, text,
                                               setting->kind == "rows_per_second"
                                                   ? " (rows per second; 0: unlimited)"
                                                   : " (0: no limit)"));
  }
  return *value;
}

std::string FormatSettingValue(std::string_view key, int64_t value) {
  const LiveSetting* setting = FindSetting(key);
  if (setting == nullptr || setting->kind != "duration") return std::to_string(value);
  if (value % 1000 == 0) return fmt::format("{}s", value / 1000);
  return fmt::format("{}ms", value);
}

nlohmann::json LiveControlsJson(const Spec& spec, const state::LiveControls& controls) {
  nlohmann::json settings = nlohmann::json::object();
  for (const LiveSetting& setting : LiveSettings()) {
    const std::string key(setting.key);
    const int64_t value = EffectiveSetting(spec, controls, key);
    settings[key] = {{"value", value},
                     {"text", FormatSettingValue(key, value)},
                     {"source", controls.settings.count(key) > 0 ? "live" : "spec"},
                     {"spec", SpecSettingValue(spec, key)}};
  }
  return {{"paused", {{"copy", controls.copy_paused}, {"apply", controls.apply_paused}}},
          {"pause_reasons",
           {{"copy", controls.copy_pause_reason}, {"apply", controls.apply_pause_reason}}},
          {"throttled_by_hand",
           {{"on", controls.throttled_by_hand}, {"reason", controls.throttle_reason}}},
          {"settings", settings}};
}

}  // namespace cutover::pipeline
