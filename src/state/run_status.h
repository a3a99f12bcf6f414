// RunStatus: the status record `cutover run` writes to the state store every second (meta
// "run.status", docs/run.md): phase, lag, counters, when every logged change was applied, when
// it was written. `cutover status`, /metrics, the guard rails, fence, finish and verify read
// it; a record older than kRunStatusFreshMs means that no `cutover run` is running.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cutover/state_store.h"
#include "cutover/status.h"

namespace cutover::state {

inline constexpr char kRunStatusKey[] = "run.status";

// The machine's boot clock: CLOCK_BOOTTIME in ms (every process of the machine reads the same
// one; wall-clock steps do not move it) and the boot's id (/proc/sys/kernel/random/boot_id; ""
// when unreadable), which tells whether a reading of another process is comparable.
struct BootClock {
  std::string boot_id;
  int64_t ms = 0;
  static BootClock Now();
};
// A status record older than this means no `cutover run` is running (it writes one a second).
inline constexpr int64_t kRunStatusFreshMs = 5000;

// Whether a stage (copy, apply) is held back now, and why (docs/operations.md, "Why it is
// held"): `reason` is a code (paused, throttled_by_hand, source_load, replica_lag, target_load),
// `detail` the sentence for people ("source Threads_running 7 > throttle.max_load...").
struct RunHold {
  bool held = false;
  std::string reason;  // empty when not held
  std::string detail;
};

// What throttling cost the running process (core/throttle_stats.h), and the holds of the live
// controls and load probes now, stored as "throttle".
struct RunThrottle {
  double copy_wait_seconds = 0;
  double apply_wait_seconds = 0;
  uint64_t target_throttled = 0;
  RunHold copy;  // "state": {"copy": {...}, "apply": {...}}
  RunHold apply;
  // Seconds held by stage and reason since the process started: {"copy": {"source_load": 3.2}}.
  std::map<std::string, std::map<std::string, double>> held_seconds;
  // Load probes that failed at their last try ("replica 10.0.0.7:3306: ..."): reported, never
  // holding anything.
  std::vector<std::string> probe_errors;
};

// What the source keeps back for the migration (cutover/source.h SourceRetention), and whether
// it is past the spec's warning threshold; stored as "source_retention".
struct RunRetention {
  std::string what;
  int64_t retained_bytes = 0;
  std::string state;
  std::optional<int64_t> headroom_bytes;
  bool warning = false;  // past source.retained_wal_warn, or the source's state is unreserved/lost
};

// Row changes applied to one table ("schema.table" of the source), by every run.
struct TableApplied {
  uint64_t inserts = 0;
  uint64_t updates = 0;
  uint64_t deletes = 0;
  bool operator==(const TableApplied&) const = default;
};

struct RunStatus {
  std::string phase;  // "copy", "catch_up" or "cdc"
  // The change log's kind ("local", "kafka"); empty (not stored) in records of older runs,
  // which wrote it for Kafka only.
  std::string change_log;
  double lag_seconds = 0;  // age of the oldest change captured and not yet applied
  uint64_t lag_records = 0;
  uint64_t applied_changes = 0;         // by this run
  uint64_t captured_transactions = 0;   // by this run
  uint64_t captured_changes = 0;        // by this run
  uint64_t captured_changes_total = 0;  // by every run, as each counted them
  uint64_t applied_changes_total = 0;   // by every run
  // Every change logged before it is applied (Unix ms); 0: unknown.
  int64_t applied_through_ms = 0;
  // When capture last saw a change of a selected table (when it started, until it sees one).
  int64_t last_event_ms = 0;
  int64_t updated_at_ms = 0;  // when the run wrote this record
  // The same moment on the machine's boot clock (CLOCK_BOOTTIME, ms; never stepped), and that
  // boot's id; 0 and "" in records of older runs.
  int64_t updated_at_boot_ms = 0;
  std::string boot_id;
  RunThrottle throttle;
  // Summed over the change log's partitions (the process's own, or every one for `cutover
  // capture`); absent in records of older runs with Kafka.
  std::optional<uint64_t> log_durable_offset;
  std::optional<uint64_t> applied_offset;
  // Per source table, by every run (each run continues its predecessor's counts); stored as
  // "applied_by_table": {"shop.orders": {"inserts", "updates", "deletes"}}; empty in records
  // of older runs.
  std::map<std::string, TableApplied> applied_by_table;
  // Absent for sources that keep nothing of their own for the migration (MariaDB/MySQL).
  std::optional<RunRetention> source_retention;

  // Whether the record shows a running `cutover run` at `now_ms` (Unix ms) and `boot` (the
  // reader's BootClock::Now()): by the boot clock when the record was written in this boot, so
  // that a step of the wall clock (NTP, by hand) neither hides a running run nor shows a stopped
  // one; by the wall clock otherwise (records of older runs).
  bool FreshAt(int64_t now_ms, const BootClock& boot) const;
  // By the wall clock alone.
  bool FreshAt(int64_t now_ms) const { return now_ms - updated_at_ms <= kRunStatusFreshMs; }

  nlohmann::json ToJson() const;
  // Absent fields keep their defaults; DataLoss naming the field when one has another type.
  static Result<RunStatus> FromJson(std::string_view text);
};

// The last record, nullopt when none was written.
Result<std::optional<RunStatus>> ReadRunStatus(StateStore& state);
// The last record if it is fresh at `now_ms`; nullopt when no `cutover run` is running.
Result<std::optional<RunStatus>> ReadFreshRunStatus(StateStore& state, int64_t now_ms);
Status WriteRunStatus(StateStore& state, const RunStatus& status);

}  // namespace cutover::state
