// FenceMarks: where capture saw the fence markers (docs/cutover.md). Capture records each marker
// in the state store with the change log's durable end per partition at that point; `cutover
// fence` passes once the appliers' committed progress reaches those ends on every partition
// (whatever the change log, and whichever processes apply it).
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
  uint64_t log_offset = 0;  // unused; kept so older records still read
  // When capture saw the marker; every change captured before it was logged (Kafka:
  // acknowledged by the brokers) by then.
  int64_t seen_ms = 0;
  // When capture last saw a change of a selected table before the marker (or, if none, when
  // capture started): `cutover finish` measures the quiet time from it.
  int64_t last_event_ms = 0;
  // Per partition of the change log, its durable end once every record appended before the
  // marker was durable; every such change is below it.
  std::vector<int64_t> end_offsets;
};

class FenceMarks {
 public:
  // `state`: where fences are recorded; must outlive this object.
  explicit FenceMarks(StateStore* state) : state_(state) {}

  // Capture thread: records `mark` as seen. A marker no `cutover fence` of this state store
  // asked for (another migration's, on the same source) is ignored.
  Status Seen(FenceMark mark);

 private:
  StateStore* const state_;
};

}  // namespace cutover::pipeline
