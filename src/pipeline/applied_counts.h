// AppliedCounts: the row changes apply has committed, per source table and kind (insert,
// update, delete), for the run's status record (state/run_status.h "applied_by_table") and the
// web page (docs/web.md). Thread-safe: every apply lane notes its committed batches.
#pragma once

#include <map>
#include <mutex>
#include <span>
#include <string>

#include "cutover/apply.h"

#include "state/run_status.h"

namespace cutover::pipeline {

class AppliedCounts {
 public:
  // Counts the row changes of a batch the target committed (table changes are not counted).
  void Note(std::span<const LoggedChange> batch);
  // The counts so far, keyed "schema.table".
  std::map<std::string, state::TableApplied> Snapshot() const;

 private:
  mutable std::mutex mutex_;
  std::map<TableId, state::TableApplied> counts_;  // guarded by mutex_
};

}  // namespace cutover::pipeline
