// Touched keys: how `cutover verify --continuous` (docs/verify.md "Continuous mode") and the
// process that applies talk through the state store. The verify asks with a request (meta
// "verify.continuous": the sample rate and a heartbeat it renews every second); the applying
// process stores the keys it applied since its last look as one entry
// "verify.touched/<ms>-<pid>" about once a second (pipeline/touched_keys.h), which the verify
// takes (reads and deletes). A heartbeat older than kHeartbeatTimeoutMs is a verify that was
// killed: nothing is noted for it.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cutover/state_store.h"
#include "cutover/status.h"

namespace cutover::state {

inline constexpr char kContinuousVerifyKey[] = "verify.continuous";
inline constexpr char kTouchedPrefix[] = "verify.touched/";
inline constexpr int64_t kHeartbeatTimeoutMs = 10000;

// What a continuous verify asks for.
struct ContinuousRequest {
  double sample = 0;  // the share of applied changes whose keys are noted, 0..1
  int64_t heartbeat_ms = 0;

  // Whether the verify asks at `now_ms`: a rate above 0 and a heartbeat that is not too old.
  bool AskingAt(int64_t now_ms) const {
    return sample > 0 && now_ms - heartbeat_ms < kHeartbeatTimeoutMs;
  }
  nlohmann::json ToJson() const;
  static Result<ContinuousRequest> FromJson(std::string_view text);
};

Result<std::optional<ContinuousRequest>> ReadContinuousRequest(StateStore& state);
Status WriteContinuousRequest(StateStore& state, const ContinuousRequest& request);
Status DeleteContinuousRequest(StateStore& state);

// One entry of touched keys: source table ("schema.table") -> keys (Key::Encode(), hex), and
// the keys left out for the per-entry limit.
struct TouchedBatch {
  std::map<std::string, std::vector<std::string>> keys;
  int64_t dropped = 0;
  int64_t applied_ms = 0;  // every key was applied before this time

  nlohmann::json ToJson() const;
  static Result<TouchedBatch> FromJson(std::string_view text);
};

// Stores `batch` as "verify.touched/<applied_ms>-<this process's pid>".
Status WriteTouchedBatch(StateStore& state, const TouchedBatch& batch);
// Every stored entry, oldest first, each deleted as it is read: DataLoss for one that does not
// decode (it is deleted all the same, the entries after it are left for the next call).
Result<std::vector<TouchedBatch>> TakeTouchedBatches(StateStore& state);
// Deletes every stored entry without reading it.
Status DeleteTouchedBatches(StateStore& state);

}  // namespace cutover::state
