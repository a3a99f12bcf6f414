// Apply: how CDC changes reach a target. The pipeline reads the change log, routes each change
// to a lane by the hash of (table, key) so every key keeps its order, and hands each lane's
// changes to that lane's ChangeApplier in batches, in log order. An applier owns its lane's
// checkpoint: the log offset from which the lane resumes (docs/apply.md).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "cutover/change.h"
#include "cutover/sink.h"
#include "cutover/spec.h"
#include "cutover/status.h"

namespace cutover {

// One change as an applier receives it: the change (its images follow the applied table's
// schema, i.e. the spec's column subset) and its offset in the change log.
struct LoggedChange {
  Change change;
  uint64_t offset = 0;
};

class ChangeApplier {
 public:
  virtual ~ChangeApplier() = default;
  // Where this lane resumes: the checkpoint the last successful Apply recorded; nullopt when
  // the lane never applied anything.
  virtual Result<std::optional<uint64_t>> LoadCheckpoint() = 0;
  // Makes the target reflect `changes` (this lane's, in log order; may be empty) and records
  // `checkpoint` (every change of this lane below it is applied). SQL targets do both in one
  // transaction; others record the checkpoint after the target acknowledged the changes, and
  // rely on replaying full images being idempotent. Either all of it is applied or a retry of
  // the same call is safe.
  virtual Status Apply(std::span<const LoggedChange> changes, uint64_t checkpoint) = 0;
};

// Opens lane `lane` (0 <= lane < lanes) of the applier for spec.target, writing the tables of
// `plans` (source table, target table, applied schema).
Result<std::unique_ptr<ChangeApplier>> OpenApplier(const Spec& spec,
                                                   const std::vector<TargetTablePlan>& plans,
                                                   int lane, int lanes);

}  // namespace cutover
