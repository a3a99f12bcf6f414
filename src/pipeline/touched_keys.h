// TouchedKeys: a sample of the keys the applier has changed, for `cutover verify --continuous`
// (docs/verify.md "Continuous mode"). The verify asks for it through the state store (meta
// "verify.continuous": the sample rate and a heartbeat it renews); the process that applies
// calls Note() after each batch is applied and Flush() about once a second, which picks up the
// request and stores the keys noted since as one entry "verify.touched/<ms>-<pid>" that the
// verify reads and deletes. Nothing is noted while no verify asks (or its heartbeat is older
// than kHeartbeatTimeoutMs: a verify that was killed).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cutover/apply.h"
#include "cutover/state_store.h"
#include "cutover/status.h"

namespace cutover::pipeline {

inline constexpr char kContinuousVerifyKey[] = "verify.continuous";
inline constexpr char kTouchedPrefix[] = "verify.touched/";
inline constexpr int64_t kHeartbeatTimeoutMs = 10000;
// Keys stored per Flush at most; more are counted as dropped (the verify reports them).
inline constexpr size_t kMaxTouchedPerFlush = 20000;

// What a continuous verify asks for.
struct ContinuousRequest {
  double sample = 0;  // the share of applied changes whose keys are noted, 0..1
  int64_t heartbeat_ms = 0;
  std::string ToJson() const;
  static std::optional<ContinuousRequest> FromJson(std::string_view json);
};

// One Flush's keys: source table ("schema.table") -> keys (Key::Encode(), hex), and the keys
// left out for the per-flush limit.
struct TouchedBatch {
  std::map<std::string, std::vector<std::string>> keys;
  int64_t dropped = 0;
  int64_t applied_ms = 0;  // every key was applied before this time
  std::string ToJson() const;
  static Result<TouchedBatch> FromJson(std::string_view json);
};

class TouchedKeys {
 public:
  // Apply lanes, right after `batch` is applied. Cheap while no verify asks.
  void Note(std::span<const LoggedChange> batch);
  // The process's periodic loop: reads the request, stores what was noted.
  Status Flush(StateStore& state);

 private:
  // Noting is on when threshold_ > 0: a change is sampled when a 32-bit random number is
  // below it.
  std::atomic<uint64_t> threshold_{0};
  std::mutex mutex_;  // guards the members below
  TouchedBatch pending_;
  size_t noted_ = 0;
  uint64_t random_ = 0x9e3779b97f4a7c15ull;
};

}  // namespace cutover::pipeline
