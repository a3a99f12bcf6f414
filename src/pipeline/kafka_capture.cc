// KafkaCapture: BinlogStream -> ChangeRouter partitions -> KafkaLogWriter, checkpointed in the
// state store after the broker acknowledged.
#include "pipeline/kafka_capture.h"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "log/change_codec.h"
#include "pipeline/clock.h"
#include "pipeline/repair_windows.h"
#include "pipeline/test_hooks.h"

namespace cutover::pipeline {
namespace {

class KafkaCaptureSink : public binlog::EventSink {
 public:
  KafkaCaptureSink(log::KafkaLogWriter* writer, ChangeRouter* router, StateStore* state,
                   CaptureStats* stats, std::chrono::milliseconds sync_every, FenceMarks* fences)
      : writer_(writer),
        router_(router),
        state_(state),
        stats_(stats),
        sync_every_(sync_every),
        windows_(state) {
    if (fences == nullptr) return;
    windows_.OnFence([this, fences](const std::string& id) -> Status {
      // Every record produced before the marker acknowledged first (acks=all: below the high
      // watermark); then each partition's end offset bounds them. Nothing is produced while
      // this runs, and the marker is a transaction of its own (`cutover fence` inserts it
      // alone), so no change of its transaction waits in pending_. The end offsets may also
      // cover records of an earlier run not applied yet: they are before the marker too.
      CUTOVER_RETURN_IF_ERROR(writer_->Flush());
      FenceMark mark{id, 0, NowMs(), stats_->last_event_ms.load(), {}};
      CUTOVER_ASSIGN_OR_RETURN(mark.end_offsets, writer_->EndOffsets());
      return fences->Seen(std::move(mark));
    });
  }

  Status OnBegin(const binlog::TransactionBegin&) override {
    pending_.clear();
    return Status::Ok();
  }

  Status OnChange(const Change& change) override {
    return windows_.Pass(change, [this](const Change& logged) { return Add(logged); });
  }

  // Adds the records of `change` to the open transaction's.
  Status Add(const Change& change) {
    routed_.clear();
    CUTOVER_RETURN_IF_ERROR(router_->Route(change, &routed_));
    if (routed_.empty()) return Status::Ok();
    CUTOVER_ASSIGN_OR_RETURN(uint32_t shape, writer_->ShapeId(*change.schema));
    const int partitions = writer_->partitions();
    if (routed_.size() == 1) {
      pending_.push_back(
          Record{PartitionOf(routed_[0].hash, partitions), log::EncodeChangeRecord(change, shape)});
    } else {
      // A row moved to another partition: the old key's delete there, the new row here.
      Change removed;
      removed.table = change.table;
      removed.schema = change.schema;
      removed.op = ChangeOp::kDelete;
      removed.position = change.position;
      removed.before = change.before;
      pending_.push_back(Record{PartitionOf(routed_[0].hash, partitions),
                                log::EncodeChangeRecord(removed, shape)});
      Change added;
      added.table = change.table;
      added.schema = change.schema;
      added.op = ChangeOp::kInsert;
      added.position = change.position;
      added.after = change.after;
      pending_.push_back(
          Record{PartitionOf(routed_[1].hash, partitions), log::EncodeChangeRecord(added, shape)});
    }
    ++pending_changes_;
    stats_->last_event_ms.store(NowMs(), std::memory_order_relaxed);
    return Status::Ok();
  }

  Status OnCommit(const binlog::TransactionCommit& commit) override {
    int64_t now = NowMs();
    for (const Record& record : pending_) {
      std::string key = std::to_string(record.partition);
      CUTOVER_RETURN_IF_ERROR(writer_->Produce(record.partition, key, record.value, now));
    }
    if (!pending_.empty()) {
      ++stats_->transactions;
      stats_->changes += pending_changes_;
      TEST_PausePoint("capture_appended");
    }
    pending_.clear();
    pending_changes_ = 0;
    unsynced_ = commit.position;
    if (std::chrono::steady_clock::now() - last_sync_ >= sync_every_) return Checkpoint();
    return Status::Ok();
  }

  Status OnHeartbeat(const binlog::HeartbeatEvent&) override {
    return unsynced_ ? Checkpoint() : Status::Ok();
  }

  // Waits for every record produced so far, then records where the source resumes.
  Status Checkpoint() {
    last_sync_ = std::chrono::steady_clock::now();
    if (!unsynced_) return Status::Ok();
    CUTOVER_RETURN_IF_ERROR(writer_->Flush());
    CUTOVER_RETURN_IF_ERROR(state_->SetPosition(kKafkaCapturePosition, *unsynced_));
    unsynced_.reset();
    return Status::Ok();
  }

 private:
  struct Record {
    int partition;
    std::string value;
  };
  static int PartitionOf(uint64_t hash, int partitions) {
    return static_cast<int>(hash % static_cast<uint64_t>(partitions));
  }

  log::KafkaLogWriter* writer_;
  ChangeRouter* router_;
  StateStore* state_;
  CaptureStats* stats_;
  const std::chrono::milliseconds sync_every_;
  RepairWindows windows_;
  std::vector<RoutedChange> routed_;
  std::vector<Record> pending_;  // the open transaction's records
  uint64_t pending_changes_ = 0;
  std::optional<Position> unsynced_;  // the last commit not checkpointed yet
  std::chrono::steady_clock::time_point last_sync_ = std::chrono::steady_clock::now();
};

}  // namespace

Status RunKafkaCapture(mysql::BinlogStreamOptions options, log::KafkaLogWriter& writer,
                       ChangeRouter& router, StateStore& state, CaptureStats* stats,
                       FenceMarks* fences) {
  CUTOVER_ASSIGN_OR_RETURN(std::optional<Position> checkpoint,
                           state.GetPosition(kKafkaCapturePosition));
  if (checkpoint) options.start = *checkpoint;
  stats->resumed_from = options.start;
  stats->last_event_ms = NowMs();
  std::chrono::milliseconds sync_every = options.heartbeat_period;
  KafkaCaptureSink sink(&writer, &router, &state, stats, sync_every, fences);
  mysql::BinlogStream stream(std::move(options));
  Status status = stream.Run(&sink);
  Status synced = sink.Checkpoint();
  if (!status.ok()) return status;
  return synced;
}

}  // namespace cutover::pipeline
