// Repair (`cutover verify --repair`, docs/verify.md "Repair"): the source rows of the chunks a
// verify found different are sent again through the change log and the applier, inside a
// low/high watermark window that the running `cutover run`'s capture honours
// (pipeline/repair_windows.h), so a row that changes meanwhile is never overwritten by its
// older read. With delete_extra, target rows of those chunks that the source does not have are
// deleted the same way (SQL targets), and so are the extra rows a scan found in tables that have
// no ranges on the target (keyed by text and the like); DynamoDB items that no source row produced
// (the verify's extra-item scan kept them, ExtraItemsWriter) are deleted directly, each only if it
// is still exactly what the scan read.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cutover/change.h"
#include "cutover/sink.h"
#include "cutover/spec.h"
#include "cutover/state_store.h"
#include "cutover/status.h"

namespace cutover::verify {

class SourceReads;  // verify/source_reads.h

// A key range (lower, upper] of one table whose source rows are sent again.
struct RepairRange {
  TargetTablePlan plan;
  std::string filter;  // the rule's row filter
  std::optional<Key> lower;
  std::optional<Key> upper;
};

// Target rows of a table whose extra rows no chunk range holds (a SQL target's table keyed by
// text, uuid, an enum and the like: found by the scan after the table), by their source keys.
struct RepairKeys {
  TargetTablePlan plan;
  std::string filter;     // the rule's row filter
  std::vector<Key> keys;  // plan.schema's key columns, as source values
};

struct RepairResult {
  int64_t resent = 0;   // source rows sent again
  int64_t deleted = 0;  // target rows (DynamoDB: extra items) deleted (delete_extra)
  // Rows that changed while selected: their newer change applies. Also DynamoDB extra items
  // that changed (or went) since the scan read them: left as they are.
  int64_t left_to_cdc = 0;
};

struct RepairOptions {
  bool delete_extra = false;
  // With delete_extra: the DynamoDB tables whose extra items the verify's scan kept.
  std::vector<std::string> extra_item_tables;
  // With delete_extra: the extra rows the scans of SQL tables found. Each key is looked up on
  // the source inside a watermark window: a key with no source row (the filter applied) is
  // deleted through the change log, one that has a row by now is sent again instead.
  std::vector<RepairKeys> extra_keys;
  std::chrono::seconds timeout{120};  // for capture to take a request, and for apply after
  const std::atomic<bool>* stop = nullptr;
};

// Deletes the kept extra items (options.extra_item_tables, with delete_extra), then sends the
// ranges again, then the extra rows' keys (options.extra_keys, with delete_extra), and returns once
// the applier has applied them. The rows are read through `source`; the watermarks are rows of
// cutover_watermarks on a MariaDB/MySQL source and transactional logical messages (prefix
// cutover_watermarks) on a PostgreSQL one, which the slot carries to capture in commit order like a
// row. FailedPrecondition when no `cutover run` is running (the change log's capture carries the
// rows); DeadlineExceeded when capture or apply does not get there within options.timeout.
Result<RepairResult> RepairRanges(const Spec& spec, StateStore& state, SourceReads& source,
                                  std::span<const RepairRange> ranges,
                                  const RepairOptions& options);

}  // namespace cutover::verify
