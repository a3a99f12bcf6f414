// Capture: BinlogStream -> change records -> LocalLog, resumable from the log's last commit.
#include "pipeline/capture.h"

#include <chrono>
#include <string>
#include <vector>

#include "pipeline/clock.h"
#include "pipeline/test_hooks.h"

namespace cutover::pipeline {
namespace {

// Transactions that touched no selected table still move the resume position, but only once a
// second, so an unrelated write load does not fill the log with empty commits.
constexpr std::chrono::seconds kEmptyCommitEvery{1};

class CaptureSink : public binlog::EventSink {
 public:
  CaptureSink(log::LocalLog* log, CaptureStats* stats, StateStore* state, FenceMarks* fences)
      : log_(log), stats_(stats), windows_(state) {
    if (fences == nullptr) return;
    windows_.OnFence([this, fences](const std::string& id) {
      // The marker's place in the log: after every record appended or pending before it.
      return fences->Seen(FenceMark{
          id, log_->next_offset() + payloads_.size(), NowMs(), stats_->last_event_ms.load(), {}});
    });
  }

  Status OnBegin(const binlog::TransactionBegin&) override {
    payloads_.clear();
    positions_.clear();
    // The records of one append share a segment; a new segment starts with its shapes.
    if (log_->NextAppendStartsSegment()) encoder_.Reset();
    return Status::Ok();
  }

  Status OnChange(const Change& change) override {
    return windows_.Pass(change, [this](const Change& logged) { return Record(logged); });
  }

  // Adds `change` to the open transaction's records.
  Status Record(const Change& change) {
    CUTOVER_ASSIGN_OR_RETURN(int records, encoder_.Encode(change, &payloads_));
    for (int i = 0; i < records; ++i) positions_.push_back(change.position);
    if (change.op != ChangeOp::kSchema) {
      ++pending_changes_;
      stats_->last_event_ms.store(NowMs(), std::memory_order_relaxed);
    }
    return Status::Ok();
  }

  Status OnCommit(const binlog::TransactionCommit& commit) override {
    if (payloads_.empty()) {
      empty_commit_ = commit.position;
      if (std::chrono::steady_clock::now() - last_append_ >= kEmptyCommitEvery) {
        return AppendEmptyCommit();
      }
      return Status::Ok();
    }
    payloads_.push_back(log::CommitRecord());
    positions_.push_back(commit.position);
    std::vector<log::LogAppend> records;
    records.reserve(payloads_.size());
    for (size_t i = 0; i < payloads_.size(); ++i) {
      records.push_back(log::LogAppend{payloads_[i], positions_[i]});
    }
    CUTOVER_RETURN_IF_ERROR(log_->Append(records, NowMs()).status());
    TEST_PausePoint("capture_appended");
    last_append_ = std::chrono::steady_clock::now();
    empty_commit_.reset();
    ++stats_->transactions;
    stats_->changes += pending_changes_;
    pending_changes_ = 0;
    payloads_.clear();
    positions_.clear();
    return Status::Ok();
  }

  Status OnHeartbeat(const binlog::HeartbeatEvent&) override {
    if (empty_commit_) CUTOVER_RETURN_IF_ERROR(AppendEmptyCommit());
    // An idle source: make what was appended durable (and visible to the applier) now.
    if (log_->durable_offset() < log_->next_offset()) return log_->Sync();
    return Status::Ok();
  }

 private:
  Status AppendEmptyCommit() {
    std::string record = log::CommitRecord();
    log::LogAppend append{record, *empty_commit_};
    CUTOVER_RETURN_IF_ERROR(log_->Append(std::span(&append, 1), NowMs()).status());
    last_append_ = std::chrono::steady_clock::now();
    empty_commit_.reset();
    return Status::Ok();
  }

  log::LocalLog* log_;
  CaptureStats* stats_;
  log::ChangeEncoder encoder_;
  std::vector<std::string> payloads_;  // the open transaction's records
  std::vector<Position> positions_;
  uint64_t pending_changes_ = 0;
  std::optional<Position> empty_commit_;  // a commit of only unselected tables, not appended yet
  RepairWindows windows_;
  std::chrono::steady_clock::time_point last_append_{};
};

}  // namespace

Result<Position> RecoverCapturePosition(log::LocalLog& log, const Position& start) {
  std::vector<uint64_t> firsts = log.SegmentFirstOffsets();
  const uint64_t end = log.next_offset();
  for (auto it = firsts.rbegin(); it != firsts.rend(); ++it) {
    if (*it >= end) continue;
    CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<log::LogReader> reader, log.Read(*it));
    std::optional<uint64_t> last_commit;
    Position position;
    while (true) {
      CUTOVER_ASSIGN_OR_RETURN(std::optional<log::LogEntry> entry, reader->Next());
      if (!entry) break;
      if (log::IsCommitRecord(entry->payload)) {
        last_commit = entry->offset;
        position = entry->position;
      }
    }
    if (!last_commit) {
      // No transaction ends in this segment: it holds only the start of one cut off by a crash
      // (a transaction is appended whole, in one segment). Cut it and look further back.
      if (it == firsts.rbegin()) CUTOVER_RETURN_IF_ERROR(log.TruncateFrom(*it));
      continue;
    }
    if (*last_commit + 1 < log.next_offset()) {
      CUTOVER_RETURN_IF_ERROR(log.TruncateFrom(*last_commit + 1));
    }
    return position;
  }
  return start;
}

Status RunCapture(mysql::BinlogStreamOptions options, log::LocalLog& log, CaptureStats* stats,
                  StateStore* state, FenceMarks* fences) {
  CUTOVER_ASSIGN_OR_RETURN(Position from, RecoverCapturePosition(log, options.start));
  stats->resumed_from = from;
  stats->last_event_ms = NowMs();
  options.start = from;
  CaptureSink sink(&log, stats, state, fences);
  mysql::BinlogStream stream(std::move(options));
  Status status = stream.Run(&sink);
  Status synced = log.Sync();
  if (!status.ok()) return status;
  return synced;
}

}  // namespace cutover::pipeline
