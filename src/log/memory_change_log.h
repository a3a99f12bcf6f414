// MemoryChangeLog: a ChangeLog held in memory, with any number of partitions, for the unit tests
// of everything written against the interface (capture, apply lanes, replay): no disk, no
// brokers. With one partition it keeps commit records, as the local log does; with several it
// partitions by the writer's hash and keeps none, as the Kafka log does. Consumers are group
// members or private readers; a test can take a partition away and give it back (a rebalance).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "log/change_log.h"

namespace cutover::log {

class MemoryChangeLog : public ChangeLog, public std::enable_shared_from_this<MemoryChangeLog> {
 public:
  static std::shared_ptr<MemoryChangeLog> Create(int partitions);

  std::string_view kind() const override { return "memory"; }
  std::string_view title() const override { return "in-memory"; }
  int partitions() const override { return static_cast<int>(partitions_.size()); }
  int LanesPerPartition(int apply_lanes) const override {
    return partitions_.size() == 1 ? std::max(apply_lanes, 1) : 1;
  }
  bool shared_by_processes() const override { return partitions_.size() > 1; }
  Result<std::unique_ptr<LogWriter>> OpenWriter() override;
  Result<std::unique_ptr<LogConsumer>> OpenConsumer(const ConsumerOptions& options) override;
  Result<std::vector<uint64_t>> FirstOffsets() override;
  Result<std::vector<uint64_t>> DurableEnds() override;
  Result<std::vector<std::optional<uint64_t>>> Committed() override;
  Result<std::vector<uint64_t>> OffsetsAtTime(int64_t time_ms) override;
  Result<std::vector<uint64_t>> OffsetsAtPosition(const Position& position) override;
  Result<bool> CopyDone() override;
  Result<int> Retain(int64_t) override { return 0; }
  std::string Describe() const override { return "the in-memory change log"; }
  std::string ProgressName() const override { return "the in-memory progress"; }

  // Every record of `partition` (durable or not), for assertions.
  std::vector<LogRecord> Records(int partition) const;
  // The resume position the writer last synced.
  std::optional<Position> synced_resume() const;
  // The next Poll of every open group consumer revokes `partition` and assigns it again.
  void Rebalance(int partition);

 private:
  friend class MemoryWriter;
  friend class MemoryConsumer;
  explicit MemoryChangeLog(int partitions) : partitions_(static_cast<size_t>(partitions)) {}

  struct Partition {
    std::vector<LogRecord> records;
    uint64_t durable = 0;
    std::optional<uint64_t> committed;
  };
  mutable std::mutex mutex_;
  std::vector<Partition> partitions_;
  std::optional<Position> pending_resume_;
  std::optional<Position> synced_resume_;
  bool copy_done_ = false;
  uint64_t rebalance_epoch_ = 0;
  int rebalance_partition_ = -1;
};

}  // namespace cutover::log
