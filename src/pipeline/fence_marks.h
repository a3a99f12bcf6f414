// FenceMarks: the fence markers (docs/cutover.md) capture has seen and apply has not passed yet,
// handed from the capture thread to the monitor of `cutover run`. Capture records each marker
// in the fence's record in the state store (state/fence_record.h: where it was seen) and adds
// it here; the monitor asks, ten times a second, which of them apply has passed and records
// that too; `cutover fence` waits for it.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "cutover/state_store.h"
#include "cutover/status.h"

namespace cutover::pipeline {

// One marker as capture saw it.
struct FenceMark {
  std::string id;
  // Local change log: every change captured before the marker has a lower log offset.
  uint64_t log_offset = 0;
  // When capture saw the marker; every change captured before it was logged (Kafka:
  // acknowledged by the brokers) by then.
  int64_t seen_ms = 0;
  // When capture last saw a change of a selected table before the marker (or, if none, when
  // capture started): `cutover finish` measures the quiet time from it.
  int64_t last_event_ms = 0;
  // Kafka change log: per partition of the log topic, its end offset once every record
  // produced before the marker was acknowledged; every such change is below it. Empty: local.
  std::vector<int64_t> end_offsets;
};

class FenceMarks {
 public:
  // `state`: where fences are recorded; must outlive this object.
  explicit FenceMarks(StateStore* state) : state_(state) {}

  // Capture thread: records `mark` as seen and keeps it until apply passes it (a Kafka mark is
  // not kept: `cutover fence` checks it). A marker no `cutover fence` of this state store asked
  // for (another migration's, on the same source) is ignored.
  Status Seen(FenceMark mark);

  // Monitor thread: each pending mark for which `passed` has held for `confirm_ms` (since the
  // first check it held at) is recorded as applied at that first check, and dropped. A failed
  // state store write keeps the mark for the next call.
  void Pass(const std::function<bool(const FenceMark&)>& passed, int64_t confirm_ms);

 private:
  struct Pending {
    FenceMark mark;
    int64_t passed_since_ms = 0;  // the first check `passed` held at, 0: not yet
  };

  StateStore* const state_;
  std::mutex mutex_;
  std::vector<Pending> pending_;  // guarded by mutex_
};

}  // namespace cutover::pipeline
