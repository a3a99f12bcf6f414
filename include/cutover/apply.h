// Apply: how CDC changes reach a target. The pipeline reads the change log, routes each change
// to a lane by the hash of (table, key), or of the target's routing key, so every key keeps its
// order, and hands each lane's changes to that lane's ChangeApplier in batches, in log order. An
// applier owns its lane's checkpoint: the log offset from which the lane resumes (docs/run.md).
#pragma once

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
