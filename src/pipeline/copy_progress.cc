// CopyProgress: thread-safe counters and their text (bar or plain line), plus the summary.
#include "pipeline/copy_progress.h"

#include <algorithm>

#include <fmt/format.h>

#include "cutover/copy.h"

namespace cutover::pipeline {

void CopyProgress::AddTable(const std::string& table, int64_t rows_estimate, int64_t rows_done) {
  std::lock_guard lock(mutex_);
  Entry& entry = entries_[table];
  entry.total = rows_estimate;
  entry.done = rows_done;
  entry.done_at_start = rows_done;
}

void CopyProgress::AddRows(const std::string& table, int64_t rows) {
  std::lock_guard lock(mutex_);
  entries_[table].done += rows;
}

void CopyProgress::SetStatus(const std::string& table, const std::string& status) {
  std::lock_guard lock(mutex_);
  Entry& entry = entries_[table];
  entry.status = status;
  if (status == "copying" && !entry.started) entry.started = Clock::now();
}

int64_t CopyProgress::RowsDone(const std::string& table) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(table);
  return it == entries_.end() ? 0 : it->second.done;
}

int64_t CopyProgress::RowsThisRun(const std::string& table) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(table);
  return it == entries_.end() ? 0 : it->second.done - it->second.done_at_start;
}

std::string FormatEta(double seconds) {
  if (seconds < 0) return "-";
  auto total = static_cast<int64_t>(seconds + 0.5);
  return fmt::format("{}:{:02}:{:02}", total / 3600, total / 60 % 60, total % 60);
}

std::string CopyProgress::RenderLine(const std::string& table, const Entry& entry, bool terminal,
                                     Clock::time_point now) const {
  int64_t total = std::max(entry.total, entry.done);
  double fraction = total > 0 ? static_cast<double>(entry.done) / static_cast<double>(total) : 1;
  if (entry.status == "done") fraction = 1;
  double elapsed = entry.started ? std::chrono::duration<double>(now - *entry.started).count() : 0;
  double rate = elapsed > 0 ? static_cast<double>(entry.done - entry.done_at_start) / elapsed : 0;
  double eta = rate > 0 ? static_cast<double>(total - entry.done) / rate : -1;
  if (entry.status == "done") eta = 0;
  std::string bar;
  if (terminal) {
    constexpr int kWidth = 24;
    int filled = static_cast<int>(fraction * kWidth);
    // Appended: `"[" + std::string(...)` prepends into a temporary, which GCC 12 at -O3 (the
    // Release build) reports as a false -Wrestrict (GCC bug 105329).
    bar += '[';
    bar.append(filled, '#');
    bar.append(kWidth - filled, '.');
    bar += "] ";
  }
  return fmt::format("{} {}{}/{} ({:.0f}%) {:.0f} rows/s ETA {} {}", table, bar, entry.done, total,
                     fraction * 100, rate, FormatEta(eta), entry.status);
}

std::string CopyProgress::Render(bool terminal, Clock::time_point now) const {
  std::lock_guard lock(mutex_);
  std::string text;
  for (const auto& [table, entry] : entries_) {
    bool active = entry.status != "pending" && entry.status != "done";
    if (!terminal && !active) continue;
    text += RenderLine(table, entry, terminal, now) + "\n";
  }
  return text;
}

}  // namespace cutover::pipeline

namespace cutover {

std::string FormatCopySummary(const CopyReport& report) {
  std::string text = fmt::format("{:<40} {:>12} {:>10} {:>9} {:>11} {:>7}\n", "table", "rows",
                                 "MiB", "seconds", "rows/s", "indexes");
  int64_t rows = 0;
  int64_t rows_this_run = 0;
  int64_t bytes = 0;
  for (const TableCopyReport& table : report.tables) {
    double rate = table.seconds > 0 ? static_cast<double>(table.rows_this_run) / table.seconds : 0;
    text += fmt::format("{:<40} {:>12} {:>10.1f} {:>9.1f} {:>11.0f} {:>7}\n", table.table,
                        table.rows, static_cast<double>(table.bytes) / (1 << 20), table.seconds,
                        rate, table.indexes_built);
    rows += table.rows;
    rows_this_run += table.rows_this_run;
    bytes += table.bytes;
  }
  double rate = report.seconds > 0 ? static_cast<double>(rows_this_run) / report.seconds : 0;
  text += fmt::format("{:<40} {:>12} {:>10.1f} {:>9.1f} {:>11.0f}\n", "total", rows,
                      static_cast<double>(bytes) / (1 << 20), report.seconds, rate);
  text += fmt::format("start position (CDC starts here): {}\n", report.start.Encode());
  return text;
}

}  // namespace cutover
