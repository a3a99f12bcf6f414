// MemoryChangeLog: records in vectors, durable ends advanced by Sync().
#include "log/memory_change_log.h"

#include <thread>

namespace cutover::log {

class MemoryWriter : public LogWriter {
 public:
  explicit MemoryWriter(std::shared_ptr<MemoryChangeLog> log) : log_(std::move(log)) {}

  int partitions() const override { return log_->partitions(); }

  Result<Position> ResumePosition(const Position& start) override {
    std::lock_guard lock(log_->mutex_);
    // What was appended and never synced is gone, as after a crash.
    for (auto& partition : log_->partitions_) partition.records.resize(partition.durable);
    log_->pending_resume_.reset();
    return log_->synced_resume_.value_or(start);
  }

  Status AppendTransaction(std::span<const LogChange> changes, const Position& resume,
                           int64_t time_ms) override {
    std::lock_guard lock(log_->mutex_);
    const auto count = static_cast<uint64_t>(log_->partitions_.size());
    for (const LogChange& logged : changes) {
      auto& partition = log_->partitions_[static_cast<size_t>(logged.hash % count)];
      LogRecord record;
      record.partition = static_cast<int>(logged.hash % count);
      record.offset = partition.records.size();
      record.time_ms = time_ms;
      record.position = logged.change->position;
      record.change = *logged.change;
      partition.records.push_back(std::move(record));
    }
    if (count == 1) {
      auto& partition = log_->partitions_[0];
      LogRecord commit;
      commit.offset = partition.records.size();
      commit.time_ms = time_ms;
      commit.position = resume;
      commit.commit = true;
      partition.records.push_back(std::move(commit));
    }
    log_->pending_resume_ = resume;
    return Status::Ok();
  }

  Status Sync() override {
    std::lock_guard lock(log_->mutex_);
    for (auto& partition : log_->partitions_) partition.durable = partition.records.size();
    if (log_->pending_resume_) log_->synced_resume_ = log_->pending_resume_;
    log_->pending_resume_.reset();
    return Status::Ok();
  }

  bool unsynced() const override {
    std::lock_guard lock(log_->mutex_);
    return log_->pending_resume_.has_value();
  }

  Result<std::vector<uint64_t>> DurableEnds() override { return log_->DurableEnds(); }

  Status MarkCopyDone() override {
    std::lock_guard lock(log_->mutex_);
    log_->copy_done_ = true;
    return Status::Ok();
  }

 private:
  std::shared_ptr<MemoryChangeLog> log_;
};

class MemoryConsumer : public LogConsumer {
 public:
  MemoryConsumer(std::shared_ptr<MemoryChangeLog> log, bool group)
      : log_(std::move(log)), group_(group) {}

  Status Start(PartitionListener* listener) override {
    listener_ = listener;
    {
      std::lock_guard lock(log_->mutex_);
      epoch_ = log_->rebalance_epoch_;
    }
    for (int partition = 0; partition < log_->partitions(); ++partition) {
      CUTOVER_RETURN_IF_ERROR(Assign(partition));
    }
    return Status::Ok();
  }

  Result<std::optional<LogRecord>> Poll(std::chrono::milliseconds timeout) override {
    CUTOVER_RETURN_IF_ERROR(FollowRebalance());
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      {
        std::lock_guard lock(log_->mutex_);
        for (size_t turn = 0; turn < next_.size(); ++turn) {
          auto it = next_.upper_bound(last_partition_);
          if (it == next_.end()) it = next_.begin();
          last_partition_ = it->first;
          auto& partition = log_->partitions_[static_cast<size_t>(it->first)];
          if (it->second < partition.durable) {
            LogRecord record = partition.records[it->second];
            ++it->second;
            return std::optional<LogRecord>(std::move(record));
          }
        }
      }
      if (std::chrono::steady_clock::now() >= deadline) return std::optional<LogRecord>();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }

  Status Commit(int partition, uint64_t offset) override {
    if (!group_) return Status::Ok();
    std::lock_guard lock(log_->mutex_);
    auto& stored = log_->partitions_[static_cast<size_t>(partition)].committed;
    stored = std::max(stored.value_or(0), offset);
    return Status::Ok();
  }

  Result<uint64_t> DurableEnd(int partition) override {
    std::lock_guard lock(log_->mutex_);
    return log_->partitions_[static_cast<size_t>(partition)].durable;
  }

  Status Close() override {
    Status status;
    for (auto it = next_.begin(); it != next_.end();) {
      Status revoked = listener_->OnRevoked(it->first);
      if (status.ok()) status = revoked;
      it = next_.erase(it);
    }
    return status;
  }

 private:
  Status Assign(int partition) {
    std::optional<uint64_t> committed;
    if (group_) {
      std::lock_guard lock(log_->mutex_);
      committed = log_->partitions_[static_cast<size_t>(partition)].committed;
    }
    CUTOVER_ASSIGN_OR_RETURN(uint64_t from, listener_->OnAssigned(partition, committed));
    next_[partition] = from;
    return Status::Ok();
  }

  Status FollowRebalance() {
    int partition = -1;
    {
      std::lock_guard lock(log_->mutex_);
      if (!group_ || epoch_ == log_->rebalance_epoch_) return Status::Ok();
      epoch_ = log_->rebalance_epoch_;
      partition = log_->rebalance_partition_;
    }
    if (!next_.contains(partition)) return Status::Ok();
    CUTOVER_RETURN_IF_ERROR(listener_->OnRevoked(partition));
    next_.erase(partition);
    return Assign(partition);
  }

  std::shared_ptr<MemoryChangeLog> log_;
  const bool group_;
  PartitionListener* listener_ = nullptr;
  std::map<int, uint64_t> next_;  // the next offset per assigned partition
  int last_partition_ = -1;
  uint64_t epoch_ = 0;
};

std::shared_ptr<MemoryChangeLog> MemoryChangeLog::Create(int partitions) {
  return std::shared_ptr<MemoryChangeLog>(new MemoryChangeLog(std::max(partitions, 1)));
}

Result<std::unique_ptr<LogWriter>> MemoryChangeLog::OpenWriter() {
  return std::unique_ptr<LogWriter>(std::make_unique<MemoryWriter>(shared_from_this()));
}

Result<std::unique_ptr<LogConsumer>> MemoryChangeLog::OpenConsumer(
    const ConsumerOptions& options) {
  return std::unique_ptr<LogConsumer>(
      std::make_unique<MemoryConsumer>(shared_from_this(), options.group));
}

Result<std::vector<uint64_t>> MemoryChangeLog::FirstOffsets() {
  return std::vector<uint64_t>(partitions_.size(), 0);
}

Result<std::vector<uint64_t>> MemoryChangeLog::DurableEnds() {
  std::lock_guard lock(mutex_);
  std::vector<uint64_t> ends;
  for (const Partition& partition : partitions_) ends.push_back(partition.durable);
  return ends;
}

Result<std::vector<std::optional<uint64_t>>> MemoryChangeLog::Committed() {
  std::lock_guard lock(mutex_);
  std::vector<std::optional<uint64_t>> committed;
  for (const Partition& partition : partitions_) committed.push_back(partition.committed);
  return committed;
}

Result<std::vector<uint64_t>> MemoryChangeLog::OffsetsAtTime(int64_t time_ms) {
  std::lock_guard lock(mutex_);
  std::vector<uint64_t> offsets;
  for (const Partition& partition : partitions_) {
    uint64_t offset = partition.durable;
    for (uint64_t at = 0; at < partition.durable; ++at) {
      if (partition.records[at].time_ms >= time_ms) {
        offset = at;
        break;
      }
    }
    offsets.push_back(offset);
  }
  return offsets;
}

Result<std::vector<uint64_t>> MemoryChangeLog::OffsetsAtPosition(const Position& position) {
  std::lock_guard lock(mutex_);
  std::vector<uint64_t> offsets;
  for (const Partition& partition : partitions_) {
    uint64_t offset = partition.durable;
    for (uint64_t at = 0; at < partition.durable; ++at) {
      const Position& record = partition.records[at].position;
      if (!record.empty() && !position.IsAfter(record)) {
        offset = at;
        break;
      }
    }
    offsets.push_back(offset);
  }
  return offsets;
}

Result<bool> MemoryChangeLog::CopyDone() {
  std::lock_guard lock(mutex_);
  return copy_done_;
}

std::vector<LogRecord> MemoryChangeLog::Records(int partition) const {
  std::lock_guard lock(mutex_);
  return partitions_[static_cast<size_t>(partition)].records;
}

std::optional<Position> MemoryChangeLog::synced_resume() const {
  std::lock_guard lock(mutex_);
  return synced_resume_;
}

void MemoryChangeLog::Rebalance(int partition) {
  std::lock_guard lock(mutex_);
  rebalance_partition_ = partition;
  ++rebalance_epoch_;
}

}  // namespace cutover::log
