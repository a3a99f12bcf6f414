// Apply: how CDC changes reach a target. The pipeline reads the change log, routes each change
// to a lane by the hash of (table, key), or of the target's routing key, so every key keeps its
// order, maps it once when the target has a ChangeMapper, and hands each lane's changes to that
// lane's ChangeApplier in batches, in log order. An applier owns its lane's checkpoint: the log
// offset from which the lane resumes (docs/run.md).
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

// What a target makes of one change (DynamoDB: its item writes): made once, by the target's
// ChangeMapper on the apply reader thread, and handed to the lane's applier with the change.
class MappedChange {
 public:
  virtual ~MappedChange() = default;
};

// One change as an applier receives it: the change (its images follow the applied table's
// schema, i.e. the spec's column subset), its offset in the change log and, for a target with a
// ChangeMapper, what the mapper made of it.
struct LoggedChange {
  Change change;
  uint64_t offset = 0;
  std::shared_ptr<const MappedChange> mapped;  // null for a target without a mapper
};

// A target whose records are not keyed by the source key (DynamoDB items are keyed by templates
// over any columns, and several source rows or tables may write one item) routes and maps
// changes through its mapper, built once per process and shared by every lane and by capture.
class ChangeMapper {
 public:
  virtual ~ChangeMapper() = default;
  // The routing key of one image (a row of `schema`, the applied schema of source table
  // schema.id): changes whose images have equal routing keys go to one lane (one log
  // partition), in log order; an update whose images have different routing keys is split into
  // a delete (routed by the before image) and an insert (routed by the after image). Only the
  // key: cheap enough for capture to choose a partition with it.
  virtual Result<std::string> RoutingKey(const TableSchema& schema, const Row& image) const = 0;
  // What the applier writes for `change` (routed: an update's images have one routing key).
  // Errors name the source row.
  virtual Result<std::shared_ptr<const MappedChange>> Map(const Change& change) const = 0;
};

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
};

// One step of following a source table's schema change on its target (docs/ddl.md), decided by
// the apply reader (pipeline/schema_follower.h) and run by the target before the reader routes
// any later change of the table.
struct SchemaStep {
  enum class Kind {
    kAddColumn,   // `column` appeared on the source
    kWidenColumn,  // `column`'s type grew (a wider integer, a longer string, more digits)
    kSetDefault,  // `column`'s default changed (`default_sql` nullopt: DROP DEFAULT)
    kTruncate,    // the source table was emptied; every earlier change is applied already
    kRecreate,    // `cutover ddl resume --recopy`: the target table made anew, empty, in the
                  // plan's schema (a target without tables: nothing to do)
  };
  Kind kind = Kind::kAddColumn;
  Column column;  // its name; its new type when known (kAddColumn from a row image's shape,
                  // kWidenColumn); columns.type.source_name empty when not known yet
  // The column definition as the source's statement wrote it ("INT NOT NULL DEFAULT 5"), when
  // that statement was read (MySQL/MariaDB sources); empty otherwise.
  std::string definition;
  std::optional<std::string> default_sql;  // the DEFAULT expression as written, when any
  bool default_is_constant = true;         // false: CURRENT_TIMESTAMP, an expression
  bool generated = false;                  // a generated (computed) column
  std::string statement;                   // the source statement, for messages
  // Every change logged before the step is applied on the target (the reader waited for it):
  // a kAddColumn whose column the target has already (an earlier run, or a replay target made
  // from a later schema) then sets it to the statement's default in every row, as the source's
  // ALTER did to the rows it had.
  bool after_earlier_changes = false;
  // A source without statements (PostgreSQL: a changed Relation, docs/ddl.md), where `column`
  // has its source type (ColumnType::postgres) and `definition` is empty:
  //   kAddColumn: the value the rows that existed when the column was added hold on the source
  //   (a NULL Value for NULL); nullopt when the source cannot tell (`statement` says why), so
  //   the target cannot follow.
  std::optional<Value> existing_value;
  //   kWidenColumn: the column as the source's rows had it before.
  std::optional<Column> previous;
};

// What a target made of a SchemaStep.
struct SchemaStepResult {
  // Empty: followed (or nothing to do on this target). Otherwise why following could lose or
  // corrupt data, with the way out: the table stops (docs/ddl.md).
  std::string refusal;
};

// A target's appliers, opened once per process: what every lane shares (DynamoDB: the mapping,
// the HTTP client and its connections, the state store) is built once, and each lane opens
// only what is its own (a SQL session). Thread-safe.
class Appliers {
 public:
  virtual ~Appliers() = default;
  // Null (the default): changes are routed by (source table, source key) and applied as they
  // are, right for targets that key every row by its source key (SQL tables).
  virtual const ChangeMapper* mapper() const { return nullptr; }
  // Opens lane `lane` (0 <= lane < lanes).
  virtual Result<std::unique_ptr<ChangeApplier>> OpenLane(int lane, int lanes) const = 0;
  // The columns the target table of `plan` has now, by name; nullopt for a target whose records
  // have no fixed columns (DynamoDB items). Called when the apply reader starts.
  virtual Result<std::optional<std::vector<std::string>>> TargetColumns(
      const TargetTablePlan& plan) const = 0;
  // Runs `step` on the target table of `plan`; idempotent (a step run again after a restart
  // finds it done). Errors are transient failures (retried) or need a person; a change the
  // target cannot follow safely is a SchemaStepResult::refusal, not an error.
  virtual Result<SchemaStepResult> Follow(const TargetTablePlan& plan,
                                          const SchemaStep& step) const = 0;
};

}  // namespace cutover
