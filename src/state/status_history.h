// StatusHistory: the recent past of the run's status record, a bounded ring of samples kept in
// the state store (meta "run.status_history", docs/web.md) beside "run.status", so that the
// web page's lag plot survives a reload and whichever process serves the control API (`cutover
// run` or `cutover serve`) can answer it.
//
// The record: {"fields": ["at_ms", "lag_seconds", "lag_records", "applied_changes_total",
// "rows_copied"], "samples": [[...], ...]}, oldest first, one sample per status record written
// (about one a second), at most kStatusHistorySamples of them (the last ten minutes).
#pragma once

#include <cstdint>
#include <deque>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "cutover/state_store.h"
#include "cutover/status.h"

#include "state/run_status.h"

namespace cutover::state {

inline constexpr char kStatusHistoryKey[] = "run.status_history";
inline constexpr size_t kStatusHistorySamples = 600;

struct StatusSample {
  int64_t at_ms = 0;  // the status record's updated_at_ms
  double lag_seconds = 0;
  uint64_t lag_records = 0;
  uint64_t applied_changes_total = 0;
  uint64_t rows_copied = 0;  // summed over the tables, by the full load

  bool operator==(const StatusSample&) const = default;
};

// The ring, as the run process keeps it: loaded once, then one sample added with each status
// record. Not thread-safe: the run's monitor thread owns it.
class StatusHistory {
 public:
  explicit StatusHistory(size_t capacity = kStatusHistorySamples) : capacity_(capacity) {}

  // Continues the stored ring (a restarted run adds to its predecessor's samples); a record
  // that cannot be decoded is started again (the history is informative, never a reason to
  // fail the run).
  void Load(StateStore& state);
  void Add(const StatusSample& sample);
  const std::deque<StatusSample>& samples() const { return samples_; }

  // Writes `status` as "run.status" and the ring with `sample` added as "run.status_history",
  // in one state store transaction (one sync to disk for both).
  Status Record(StateStore& state, const RunStatus& status, uint64_t rows_copied);

  nlohmann::json ToJson() const;
  // DataLoss naming the field when the text is not such a record.
  static Result<StatusHistory> FromJson(std::string_view text,
                                        size_t capacity = kStatusHistorySamples);

 private:
  size_t capacity_;
  std::deque<StatusSample> samples_;  // oldest first, at most capacity_
};

// The stored ring as JSON (the record above); {"fields": [...], "samples": []} when none.
Result<nlohmann::json> ReadStatusHistory(StateStore& state);

}  // namespace cutover::state
