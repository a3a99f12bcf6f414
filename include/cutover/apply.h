// Apply: how CDC changes reach a target. The pipeline reads the change log, routes each change
// to a lane by the hash of (table, key), or of the target's routing key, so every key keeps its
// order, and hands each lane's changes to that lane's ChangeApplier in batches, in log order. An
// applier owns its lane's checkpoint: the log offset from which the lane resumes (docs/run.md).
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
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

// The routing key of one image (a row of `schema`, the applied schema of source table
// schema.id): the reader sends changes whose images have equal routing keys to one lane, in log
// order, and splits an update whose before and after images have different routing keys into a
// delete (routed by the before image) and an insert (routed by the after image). A target whose
// records are not keyed by the source key needs one: DynamoDB items are keyed by templates over
// any columns, and several source rows or tables may write one item.
using RoutingKeyFunction =
    std::function<Result<std::string>(const TableSchema& schema, const Row& image)>;

// One lane's checkpoint as a target stored it.
struct StoredCheckpoint {
  int lane = 0;
  int lanes = 0;  // the lane count it was recorded under
  uint64_t offset = 0;
};

// Where lane `lane` of `lanes` resumes, given every lane's stored checkpoint of the migration
// (the one rule every ChangeApplier::LoadCheckpoint follows): its own checkpoint; the oldest of
// all when any was recorded under another lane count (keys were routed to other lanes then, and
// replaying full images again is harmless); 0 for a lane that never recorded one while others
// did; nullopt when none was recorded.
inline std::optional<uint64_t> ResumeOffset(std::span<const StoredCheckpoint> stored, int lane,
                                            int lanes) {
  std::optional<uint64_t> own;
  std::optional<uint64_t> oldest;
  bool same_lanes = true;
  for (const StoredCheckpoint& checkpoint : stored) {
    if (checkpoint.lanes != lanes) same_lanes = false;
    if (checkpoint.lane == lane) own = checkpoint.offset;
    oldest = oldest ? std::min(*oldest, checkpoint.offset) : checkpoint.offset;
  }
  if (!same_lanes) return oldest;
  if (!own && oldest) return uint64_t{0};
  return own;
}

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
  // The target's routing key; empty (the default) routes by (source table, source key), right
  // for targets that key every row by its source key (SQL tables). The reader asks lane 0's
  // applier once, before any Apply, and keeps the function after the applier is gone.
  virtual RoutingKeyFunction RoutingKey() const { return nullptr; }
};

// Opens lane `lane` (0 <= lane < lanes) of the applier for spec.target, writing the tables of
// `plans` (source table, target table, applied schema).
Result<std::unique_ptr<ChangeApplier>> OpenApplier(const Spec& spec,
                                                   const std::vector<TargetTablePlan>& plans,
                                                   int lane, int lanes);

}  // namespace cutover
