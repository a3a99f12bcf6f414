// CopyProgress: per-table counters of the full load (rows done/total, rows/s, ETA) shared by
// the copy workers, rendered as a live bar on a terminal or plain lines elsewhere.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace cutover::pipeline {

class CopyProgress {
 public:
  using Clock = std::chrono::steady_clock;

  // Registers a table with its estimated total and the rows earlier runs copied.
  void AddTable(const std::string& table, int64_t rows_estimate, int64_t rows_done);
  void AddRows(const std::string& table, int64_t rows);
  // "pending", "copying", "indexes", "done".
  void SetStatus(const std::string& table, const std::string& status);
  int64_t RowsDone(const std::string& table) const;
  int64_t RowsThisRun(const std::string& table) const;

  // One line per table that is not pending/done (terminal: every table with a bar), each
  // "<table> <bar?> done/total (pct%) <rate> rows/s ETA <h:mm:ss> <status>".
  std::string Render(bool terminal, Clock::time_point now) const;

 private:
  struct Entry {
    int64_t total = 0;
    int64_t done = 0;
    int64_t done_at_start = 0;  // copied by earlier runs: not part of this run's rate
    std::string status = "pending";
    std::optional<Clock::time_point> started;
  };
  std::string RenderLine(const std::string& table, const Entry& entry, bool terminal,
                         Clock::time_point now) const;

  // Guards entries_.
  mutable std::mutex mutex_;
  std::map<std::string, Entry> entries_;
};

// "1:02:03" for a duration in seconds; "-" when unknown (negative).
std::string FormatEta(double seconds);

}  // namespace cutover::pipeline
