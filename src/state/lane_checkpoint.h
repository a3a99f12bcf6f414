// Lane checkpoints of a target without transactions (DynamoDB, Kafka), kept in the state store:
// offset "apply.<migration>.lane.<n>" and, written in the same state-store transaction, meta
// "apply.<migration>.lane.<n>.lanes" (the lane count it was routed with). The migration's name
// keeps a replay into another target, checkpointed under that spec's name, from moving the
// migration's own.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "cutover/state_store.h"
#include "cutover/status.h"

namespace cutover::state {

class LaneCheckpoint {
 public:
  LaneCheckpoint(StateStore& state, const std::string& migration, int lane, int lanes)
      : state_(state), prefix_("apply." + migration + ".lane."), lane_(lane), lanes_(lanes) {}

  // Where the lane resumes (ResumeOffset over every lane's stored checkpoint).
  Result<std::optional<uint64_t>> Load() const;
  // Records `checkpoint`: call only once the target acknowledged every change below it.
  Status Save(uint64_t checkpoint) const;

 private:
  StateStore& state_;
  const std::string prefix_;
  const int lane_;
  const int lanes_;
};

}  // namespace cutover::state
