// Sink: how the pipeline writes a target, whatever its kind. The full load uses PrepareTable,
// OpenWriter/WriteChunk and BuildIndex; CDC (later) uses the ordered apply. A sink never knows
// which phase a row comes from: both phases hand it Rows of typed Values that follow the
// source TableSchema (with the spec's column subset already applied).
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cutover/change.h"
#include "cutover/schema.h"
#include "cutover/spec.h"
#include "cutover/status.h"

namespace cutover {

// A key range of one chunk: rows with lower < key <= upper. A missing bound is open: the first
// chunk has no lower bound, the last no upper bound. Keys follow the source key order.
struct ChunkBounds {
  std::optional<Key> lower;  // exclusive
  std::optional<Key> upper;  // inclusive
  // Whether the target may hold rows inside the bounds already: an earlier attempt of this
  // chunk may have committed (a retry after an error cannot know whether its COMMIT arrived),
  // an earlier run wrote there, or the table was kept with its rows. The copier clears it only
  // for the first attempt of a chunk of a table the sink emptied in this run
  // (TargetTablePlan::starts_empty); a writer may then skip replacing rows in the bounds (the
  // PostgreSQL writer skips its DELETE, which would scan a table not yet keyed). Writers may
  // ignore it and always replace (MySQL, DynamoDB).
  bool may_exist = true;
};

// What PrepareTable decided for one table; the copier stores it in the state store so a restart
// (even after a crash between load and index build) knows which indexes are still to build.
struct TargetTablePlan {
  TableId source;      // the source table
  TableId target;      // the target table (spec rename applied)
  TableSchema schema;  // the rows the writer receives: source schema, column subset
  // Indexes to build after the load (target names): the secondary indexes, and first of all
  // the primary key (Index::primary) when the sink loads the table unkeyed (PostgreSQL).
  std::vector<Index> deferred;
  bool created = false;  // the sink created the table (vs. kept or truncated it)
  // This PrepareTable call created or emptied the table: it holds no row until this run's
  // chunks arrive (never true when resuming or keeping a table). About this run only; not
  // stored.
  bool starts_empty = false;
  // The table rule's row filter (docs/spec.md, "Row filters") as its SQL; empty: every row. CDC
  // applies a change only as far as its images pass it.
  std::string filter;
  // The table rule that selected the table (its `columns` and `ddl` policy, docs/ddl.md);
  // points into the Spec; null for plans made without a spec (tests): every column, follow.
  const TableRule* rule = nullptr;
};

// Writes the rows of one target table during the full load. One writer per worker thread;
// different writers of one table may write different chunks at the same time.
class TableWriter {
 public:
  virtual ~TableWriter() = default;
  // Makes the target rows whose keys fall in `bounds` exactly `rows` (sorted by key), in one
  // target transaction, through the target's bulk path (LOAD DATA LOCAL INFILE, COPY,
  // BatchWriteItem). Idempotent: writing a chunk again after a crash leaves one copy of each
  // row, as long as bounds.may_exist is set whenever an earlier write of these bounds may have
  // committed (a writer may skip replacing rows when it is not). Returns after the target
  // acknowledged (committed) the chunk.
  virtual Status WriteChunk(const ChunkBounds& bounds, std::span<const Row> rows) = 0;
};

class Sink {
 public:
  virtual ~Sink() = default;
  // Readies the target table for `source` (already narrowed to the selected columns) following
  // spec.target.existing_tables: creates it (error if it exists, unless a previous run of this
  // migration created it: `resuming`), truncates it, or keeps it. Secondary indexes are not
  // created (or are dropped) and returned in plan.deferred. Idempotent when `resuming`; a table
  // whose chunks a crashed run may have written is then readied for keyed rewrites (PostgreSQL
  // adds the primary key it deferred).
  virtual Result<TargetTablePlan> PrepareTable(const TableSchema& source, const TableRule& rule,
                                               bool resuming) = 0;
  virtual Result<std::unique_ptr<TableWriter>> OpenWriter(const TargetTablePlan& plan) = 0;
  // Builds one deferred index (or the deferred primary key); succeeds when it exists already
  // (a crash after the build, or a key added by a resuming PrepareTable).
  virtual Status BuildIndex(const TargetTablePlan& plan, const Index& index) = 0;
  // Removes every row of the target table of `plan` (prepared by PrepareTable), so that a table
  // an earlier run left half copied can be copied again from its first row with nothing of
  // that run left behind (docs/copy.md, "A resumed copy on PostgreSQL"). Unimplemented, with the
  // reason, where the target cannot (a Kafka topic; a DynamoDB table other tables write too).
  virtual Status EmptyTable(const TargetTablePlan& plan) {
    (void)plan;
    return Status::Unimplemented("this target cannot be emptied");
  }
  // Target rows currently in the table (for progress and tests); may be an estimate when
  // `exact` is false.
  virtual Result<uint64_t> CountRows(const TableId& target, bool exact) = 0;
};

// What a sink does to ready a target table under spec.target.existing_tables.
enum class TableAction { kCreate, kTruncate, kKeepIndexes, kNothing };

// The one policy every SQL sink follows for existing tables: a missing table is created; an
// existing one is an error in `create` mode unless a previous run of this migration created it
// (`resuming`), emptied in `truncate` mode (not again when resuming), and kept with its
// indexes in `keep` mode. Sets plan->created when the migration owns the table.
inline Result<TableAction> DecideTableAction(TargetSpec::ExistingTable mode, bool exists,
                                             bool resuming, TargetTablePlan* plan) {
  using Mode = TargetSpec::ExistingTable;
  if (!exists) {
    plan->created = true;
    return TableAction::kCreate;
  }
  if (mode == Mode::kCreate && !resuming) {
    return Status::AlreadyExists("target table " + plan->target.ToString() +
                                 " exists already; drop it, or set target.existing_tables to "
                                 "truncate or keep");
  }
  plan->created = mode == Mode::kCreate;
  if (mode == Mode::kTruncate && !resuming) return TableAction::kTruncate;
  if (mode == Mode::kKeep) return TableAction::kKeepIndexes;
  return TableAction::kNothing;
}

}  // namespace cutover
