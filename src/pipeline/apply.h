// Apply: the change log into the target, whatever the log (log/change_log.h). A consumer reads
// the partitions this process is assigned (a local log's one partition; a share of a Kafka
// topic's, moving between the processes of the consumer group); each partition is split into
// lanes by hash(table, key) (a key-changing update becomes a delete of the old key in its lane
// and an insert of the new key in its lane), so each key's changes stay in log order. Each lane
// batches what is queued, applies it with its own ChangeApplier and records its checkpoint with
// it; a lane that has nothing to do still moves its checkpoint forward now and then, so restarts
// and log retention do not wait on idle lanes. The smallest checkpoint of a partition's lanes is
// committed to the log as the appliers' progress (fence, finish, lag and retention read it).
// Lane queues are bounded: a slow target stops the reader, not memory (docs/run.md).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "cutover/apply.h"
#include "cutover/spec.h"
#include "cutover/state_store.h"
#include "cutover/status.h"

#include "log/change_log.h"
#include "pipeline/applied_counts.h"
#include "pipeline/apply_plans.h"

namespace cutover::pipeline {

class Throttler;  // pipeline/throttler.h

struct ApplyOptions {
  int lanes = 8;              // per partition of a log that LanesPerPartition splits
  size_t max_batch = 2000;    // changes per lane batch
  size_t lane_queue = 20000;  // changes waiting per lane (memory bound)
  // An idle lane records how far the reader has passed at most this often.
  std::chrono::milliseconds idle_checkpoint{1000};
  int64_t max_rows_per_second = 0;  // 0: unlimited
  // The live holds and rate (`cutover run`, docs/operations.md): each lane waits in HoldApply
  // before a batch and paces it there instead of max_rows_per_second. Not owned; may be null.
  Throttler* throttler = nullptr;
  // Set (from any thread or a signal handler) to stop after the batches being applied.
  const std::atomic<bool>* stop = nullptr;
  // A member of the appliers' group (commits progress); false for a replay into another target.
  bool group = true;
  // Replay: per partition, every lane starts at from[p] whatever its checkpoint
  // (FailedPrecondition when the log no longer holds it), and RunApply returns OK once every
  // change below until[p] is applied on every partition, reading no further.
  std::optional<std::vector<uint64_t>> from;
  std::optional<std::vector<uint64_t>> until;
  // Schema changes (docs/ddl.md): where held tables and the columns not carried are recorded,
  // and where `cutover ddl resume` asks to go on (polled every second). Null: kept in memory
  // for this call only (a replay into another target).
  StateStore* state = nullptr;
  // `cutover ddl resume --recopy`: called between two runs of the reader with the table to copy
  // again, before its target table is made anew; makes the table's plan (in the `plans` given
  // to RunApply, which the caller owns) follow the source's current schema. Null: the plan is
  // kept.
  std::function<Status(const TableId& table)> replan;
  // A kDdl creating (or renaming in) a table no plan has, other than cutover's own: it is held
  // as "new", copied again (replan adds its plan, the target makes its table) and this is told
  // its name once it is followed, to copy its rows (RunOptions::on_new_table).
  std::function<void(const TableId& table)> on_new_table;
};

class TouchedKeys;  // pipeline/touched_keys.h

// Counters a status line reads while the pipeline runs (relaxed atomics). Offsets are summed
// over the partitions this process holds (a local log has one).
struct ApplyStats {
  std::atomic<uint64_t> applied_changes{0};   // by this run
  std::atomic<uint64_t> read_offset{0};       // the reader's next offsets
  std::atomic<uint64_t> applied_offset{0};    // every change below them is applied
  std::atomic<uint64_t> durable_offset{0};    // the partitions' durable ends
  std::atomic<int64_t> oldest_pending_ms{0};  // log time of the oldest change not yet applied;
                                              // 0 when every change read is applied
  std::atomic<uint64_t> lag_records{0};       // records durable and not yet applied
  std::atomic<bool> at_end{false};            // every record durable has been read
  std::atomic<int> held_tables{0};            // tables a schema change stopped (docs/ddl.md)
  AppliedCounts applied_by_table;             // row changes committed, per table and kind
  // Told every applied batch, for a continuous verify; null: nobody asks.
  TouchedKeys* touched = nullptr;
};

// Applies `batch` and records `checkpoint` through *applier, opening lane `lane` of `lanes`
// first when it is null; transient errors are retried with backoff (the applier reopened) for
// as long as they last. Returns OK, the first error retrying cannot mend (with the lane named),
// or Cancelled once `stopping()` is true between attempts.
Status ApplyWithRetry(const Appliers& appliers, int lane, int lanes,
                      std::unique_ptr<ChangeApplier>* applier,
                      std::span<const LoggedChange> batch, uint64_t checkpoint,
                      const std::function<bool()>& stopping);

// Applies `log` from the lanes' checkpoints until options.stop is set (then returns OK) or a
// lane fails with an error retrying cannot mend (returns it). Only changes of the tables of
// `plans` are applied, their images narrowed to the columns each table carries by name. Each
// change is routed and, when the target has a mapper, mapped once, on the reader thread. Schema
// changes are followed per table as docs/ddl.md says: a table that cannot be followed is held
// (its changes are not applied, the others' are) until `cutover ddl resume`, which makes the
// reader start again from where the table was held (or copy the table again).
Status RunApply(log::ChangeLog& log, const Appliers& appliers,
                const std::vector<TargetTablePlan>& plans, const ApplyOptions& options,
                ApplyStats* stats);

}  // namespace cutover::pipeline
