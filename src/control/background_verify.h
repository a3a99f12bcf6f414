// BackgroundVerify: runs the verify POST /v1/verify asks for on a thread of its own, one at a
// time, and says whether one runs and how the last one ended (docs/control-api.md).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "cutover/status.h"

namespace cutover::control {

class BackgroundVerify {
 public:
  using Runner = std::function<Status(const std::atomic<bool>* stop)>;
  // `run` null: Start answers Unimplemented.
  explicit BackgroundVerify(Runner run) : run_(std::move(run)) {}
  ~BackgroundVerify() { Stop(); }

  // Starts `run` on its own thread and returns at once; AlreadyExists while one runs.
  Status Start(int64_t now_ms);
  // {"running", "started_at_ms", "finished_at_ms", "error"}: the current or last verify
  // started here (0 and null when none; "error": how the last one failed, null when it did not).
  nlohmann::json State() const;
  // Asks a running verify to stop after its current chunk and waits for it. Idempotent.
  void Stop();

 private:
  void Finish(const Status& status);

  // Constant after construction.
  const Runner run_;

  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  // State below is guarded by mutex_.
  bool running_ = false;
  int64_t started_at_ms_ = 0;
  int64_t finished_at_ms_ = 0;
  std::string error_;
  std::thread thread_;
};

}  // namespace cutover::control
