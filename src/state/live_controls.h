// LiveControls: the operator's live controls of a migration (docs/operations.md), kept in the
// state store so that `cutover ctl`, the control API and the running `cutover run` share them
// across processes: copy and apply paused, the hand throttle, and live values of settings that
// override the spec's (meta "ctl"); every change audited (meta "ctl.history/<12-digit sequence>").
// The running `cutover run` reads "ctl" every 250 ms and applies it.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "cutover/state_store.h"
#include "cutover/status.h"

namespace cutover::state {

inline constexpr char kLiveControlsKey[] = "ctl";
inline constexpr char kLiveControlsHistoryPrefix[] = "ctl.history/";

// The keys `cutover ctl set` accepts; each overrides the spec field of the same name.
inline constexpr char kCopyRowsPerSecond[] = "throttle.copy_rows_per_second";
inline constexpr char kApplyRowsPerSecond[] = "throttle.apply_rows_per_second";
inline constexpr char kMaxLoadThreadsRunning[] = "throttle.max_load.threads_running";
inline constexpr char kMaxReplicaLag[] = "throttle.max_replica_lag";  // milliseconds
inline constexpr char kTargetMaxLoad[] = "throttle.target_max_load";
inline constexpr char kTargetMaxCommitLatency[] = "throttle.target_max_commit_latency";  // ms

struct LiveControls {
  bool copy_paused = false;
  std::string copy_pause_reason;
  bool apply_paused = false;
  std::string apply_pause_reason;
  bool throttled_by_hand = false;  // holds copy and apply (gh-ost's `throttle`)
  std::string throttle_reason;
  // Live values by key (the constants above; durations in ms); a key absent follows the spec.
  std::map<std::string, int64_t> settings;

  nlohmann::json ToJson() const;
  // Absent fields keep their defaults; DataLoss naming the field when one has another type.
  static Result<LiveControls> FromJson(std::string_view text);
};

// One audited change: "pause copy", "set throttle.copy_rows_per_second", ...
struct LiveControlChange {
  int64_t sequence = 0;  // 1, 2, ...
  std::string action;    // pause, resume, set, reset, throttle, unthrottle
  std::string what;      // copy, apply or all (pause/resume); the key (set/reset); "" otherwise
  std::string from;      // the value before, as shown ("false", "5000", "spec (0)")
  std::string to;        // the value after
  std::string reason;
  int64_t at_ms = 0;
  std::string by;  // "cli <user>", "api <address>"

  nlohmann::json ToJson() const;  // with "sequence"
  static Result<LiveControlChange> FromJson(std::string_view key, std::string_view text);
};

// The controls; the defaults (nothing paused, no live setting) when none were ever set.
Result<LiveControls> ReadLiveControls(StateStore& state);
// Writes the controls and appends `change` (its sequence assigned here) in one transaction.
Status WriteLiveControls(StateStore& state, const LiveControls& controls,
                         LiveControlChange& change);
// Every change, oldest first.
Result<std::vector<LiveControlChange>> ReadLiveControlHistory(StateStore& state);

}  // namespace cutover::state
