// Capture: ChangeStream -> (partition by the lane hash) -> LogWriter, resumable from the log.
#include "pipeline/capture.h"

#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/clock.h"
#include "pipeline/repair_windows.h"
#include "pipeline/test_hooks.h"

namespace cutover::pipeline {
namespace {

// Transactions that touched no selected table still move the resume position, but only once a
// second, so an unrelated write load does not fill the log with empty commits.
constexpr std::chrono::seconds kEmptyCommitEvery{1};

class CaptureSink : public ChangeEventSink {
 public:
  CaptureSink(log::LogWriter* writer, const CaptureOptions& options, CaptureStats* stats)
      : writer_(writer),
        router_(writer->partitions() > 1 ? options.router : nullptr),
        stats_(stats),
        sync_every_(options.sync_every),
        windows_(options.state) {
    if (options.fences == nullptr) return;
    FenceMarks* fences = options.fences;
    windows_.OnFence([this, fences](const std::string& id) -> Status {
      // Every transaction before the marker made durable first; then each partition's durable
      // end bounds them. The marker is a transaction of its own (`cutover fence` inserts it
      // alone), so nothing of its transaction is pending. The ends may also cover records of an
      // earlier run not applied yet: they are before the marker too.
      CUTOVER_RETURN_IF_ERROR(writer_->Sync());
      FenceMark mark{id, 0, NowMs(), stats_->last_event_ms.load(), {}};
      CUTOVER_ASSIGN_OR_RETURN(std::vector<uint64_t> ends, writer_->DurableEnds());
      mark.end_offsets.assign(ends.begin(), ends.end());
      return fences->Seen(std::move(mark));
    });
  }

  Status OnBegin() override {
    pending_.clear();
    logged_.clear();
    pending_changes_ = 0;
    return Status::Ok();
  }

  Status OnChange(const Change& change) override {
    return windows_.Pass(change, [this](const Change& logged) { return Add(logged); });
  }

  Status OnCommit(const Position& resume) override {
    if (pending_.empty()) {
      empty_commit_ = resume;
      if (std::chrono::steady_clock::now() - last_append_ >= kEmptyCommitEvery) {
        CUTOVER_RETURN_IF_ERROR(AppendEmptyCommit());
      }
      return SyncIfDue();
    }
    logged_.clear();
    for (size_t i = 0; i < pending_.size(); ++i) {
      logged_.push_back(log::LogChange{&pending_[i], hashes_[i]});
    }
    CUTOVER_RETURN_IF_ERROR(writer_->AppendTransaction(logged_, resume, NowMs()));
    appended_ = resume;
    TEST_PausePoint("capture_appended");
    last_append_ = std::chrono::steady_clock::now();
    empty_commit_.reset();
    stats_->transactions.fetch_add(1, std::memory_order_relaxed);
    stats_->changes.fetch_add(pending_changes_, std::memory_order_relaxed);
    pending_changes_ = 0;
    pending_.clear();
    hashes_.clear();
    return SyncIfDue();
  }

  Status OnIdle() override {
    if (empty_commit_) CUTOVER_RETURN_IF_ERROR(AppendEmptyCommit());
    // An idle source: make what was appended durable (and visible to the appliers) now.
    if (writer_->unsynced()) return Sync();
    return Status::Ok();
  }

  Status Sync() {
    last_sync_ = std::chrono::steady_clock::now();
    CUTOVER_RETURN_IF_ERROR(writer_->Sync());
    durable_ = appended_;
    return Status::Ok();
  }

  Position Durable() const override { return durable_; }

  // Where the log already ended when capture started (its resume position): durable.
  void Resumed(const Position& from) { appended_ = durable_ = from; }

 private:
  // Adds `change` to the open transaction. With several partitions its partition is the
  // appliers' lane hash (ChangeRouter); a change that moves a row to another partition becomes
  // the old key's delete there and the new row here, so each partition keeps its keys' order.
  Status Add(const Change& change) {
    if (router_ == nullptr) {
      pending_.push_back(change);
      hashes_.push_back(0);
    } else if (IsTableChange(change.op)) {
      // A table's keys are in every partition: each partition's applier sees the table change
      // at its place among them.
      const auto partitions = static_cast<uint64_t>(writer_->partitions());
      for (uint64_t partition = 0; partition < partitions; ++partition) {
        pending_.push_back(change);
        hashes_.push_back(partition);
      }
    } else {
      routed_.clear();
      CUTOVER_RETURN_IF_ERROR(router_->Route(change, /*hash=*/true, &routed_));
      if (routed_.empty()) return Status::Ok();  // not applied (or a schema change)
      const auto partitions = static_cast<uint64_t>(writer_->partitions());
      if (routed_.size() == 1 ||
          routed_[0].hash % partitions == routed_[1].hash % partitions) {
        pending_.push_back(change);
        hashes_.push_back(routed_[0].hash);
      } else {
        pending_.push_back(OneImage(change, ChangeOp::kDelete));
        hashes_.push_back(routed_[0].hash);
        pending_.push_back(OneImage(change, ChangeOp::kInsert));
        hashes_.push_back(routed_[1].hash);
      }
    }
    if (!IsTableChange(change.op)) {
      ++pending_changes_;
      stats_->last_event_ms.store(NowMs(), std::memory_order_relaxed);
    }
    return Status::Ok();
  }

  // The delete of `change`'s before image, or the insert of its after image.
  static Change OneImage(const Change& change, ChangeOp op) {
    Change part;
    part.table = change.table;
    part.schema = change.schema;
    part.op = op;
    part.position = change.position;
    if (op == ChangeOp::kDelete) part.before = change.before;
    if (op == ChangeOp::kInsert) part.after = change.after;
    return part;
  }

  Status AppendEmptyCommit() {
    CUTOVER_RETURN_IF_ERROR(writer_->AppendTransaction({}, *empty_commit_, NowMs()));
    appended_ = *empty_commit_;
    last_append_ = std::chrono::steady_clock::now();
    empty_commit_.reset();
    return Status::Ok();
  }

  Status SyncIfDue() {
    if (std::chrono::steady_clock::now() - last_sync_ < sync_every_) return Status::Ok();
    return Sync();
  }

  log::LogWriter* writer_;
  ChangeRouter* router_;  // null: one partition, nothing to choose
  CaptureStats* stats_;
  const std::chrono::milliseconds sync_every_;
  RepairWindows windows_;
  std::deque<Change> pending_;  // the open transaction's changes (stable addresses)
  std::vector<uint64_t> hashes_;
  std::vector<log::LogChange> logged_;
  std::vector<RoutedChange> routed_;
  uint64_t pending_changes_ = 0;
  std::optional<Position> empty_commit_;  // a commit of only unselected tables, not appended yet
  Position appended_;                     // the resume position of the last transaction appended
  Position durable_;                      // ... and of the last one synced
  std::chrono::steady_clock::time_point last_append_{};
  std::chrono::steady_clock::time_point last_sync_ = std::chrono::steady_clock::now();
};

}  // namespace

Status RunCapture(const ChangeStreamFactory& open_stream, log::LogWriter& writer,
                  CaptureOptions options, CaptureStats* stats) {
  CUTOVER_ASSIGN_OR_RETURN(Position from, writer.ResumePosition(options.start));
  stats->resumed_from = from;
  stats->last_event_ms = NowMs();
  options.stream.start = from;
  CaptureSink sink(&writer, options, stats);
  sink.Resumed(from);
  CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<ChangeStream> stream, open_stream(options.stream));
  Status status = stream->Run(&sink);
  Status synced = sink.Sync();
  if (!status.ok()) return status;
  return synced;
}

}  // namespace cutover::pipeline
