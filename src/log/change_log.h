// ChangeLog: the durable log between capture and apply, whatever holds it (docs/change-log.md).
// Capture, apply, fence, finish, lag, replay and repair are written once against this interface;
// the local segmented log (one partition, in the state directory) and the Kafka log (a topic's
// partitions, a consumer group) implement it.
//
// The model: a log has partitions; each holds records with consecutive offsets, from a first
// (older ones removed by retention) to a durable end (the offset the next durable record gets).
// A record is a change of a source transaction or (where the log keeps them) a transaction's end.
// A writer appends whole source transactions and, on Sync(), makes them durable and remembers
// where the source resumes after them. Consumers read partitions from offsets; appliers commit
// their progress per partition (every record below it applied), which fence, finish, lag and
// retention read, from any process.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cutover/change.h"
#include "cutover/position.h"
#include "cutover/spec.h"
#include "cutover/state_store.h"
#include "cutover/status.h"

namespace cutover::log {

// One change as capture hands it to the writer: the change and the hash its partition is chosen
// by (the appliers' lane hash, so one key's changes stay in one partition, in order).
struct LogChange {
  const Change* change = nullptr;
  uint64_t hash = 0;
};

class LogWriter {
 public:
  virtual ~LogWriter() = default;
  virtual int partitions() const = 0;
  // Where capture resumes: after the last transaction the log holds durably (a transaction cut
  // short by a crash is removed first), or `start` when the log holds none yet. Call once,
  // before any append.
  virtual Result<Position> ResumePosition(const Position& start) = 0;
  // Appends one source transaction: its changes (may be empty: a transaction of unselected
  // tables still moves the resume position) and `resume`, where the source is read again after
  // it. Not durable until Sync().
  virtual Status AppendTransaction(std::span<const LogChange> changes, const Position& resume,
                                   int64_t time_ms) = 0;
  // Makes everything appended durable and visible to consumers, and records the resume
  // position of the last transaction appended.
  virtual Status Sync() = 0;
  // Whether something was appended since the last Sync().
  virtual bool unsynced() const = 0;
  // Each partition's durable end: after a Sync(), every record appended so far is below it.
  virtual Result<std::vector<uint64_t>> DurableEnds() = 0;
  // Says the copy is finished: appliers in other processes start applying then (a change
  // applied before the copy wrote its row could be overwritten by an older read of the copy).
  virtual Status MarkCopyDone() = 0;
};

// A record read back.
struct LogRecord {
  int partition = 0;
  uint64_t offset = 0;
  int64_t time_ms = 0;  // when it was appended (Unix ms)
  Position position;
  bool commit = false;  // a transaction's end (no change); else `change` is filled
  Change change;
};

// What a consumer asks of its owner when partitions are assigned or taken away (Kafka moves
// partitions between the processes of a consumer group; a local log assigns its one partition
// at Start). Called on the thread that calls Poll() or Start().
class PartitionListener {
 public:
  virtual ~PartitionListener() = default;
  // Partition `partition` is now this consumer's: returns the offset to read it from.
  // `committed` is the group's progress on it, if any.
  virtual Result<uint64_t> OnAssigned(int partition, std::optional<uint64_t> committed) = 0;
  // Partition `partition` goes to another consumer: apply what was read of it and commit, so the
  // next owner starts after it.
  virtual Status OnRevoked(int partition) = 0;
};

struct ConsumerOptions {
  // true: a member of the migration's applier group (partitions shared with the other members,
  // progress committed for fence/finish/lag). false: a private reader of every partition that
  // commits nothing (replay into another target).
  bool group = true;
};

class LogConsumer {
 public:
  virtual ~LogConsumer() = default;
  // Joins the group (or takes every partition) and calls listener->OnAssigned as partitions
  // arrive (a local log: partition 0, now).
  virtual Status Start(PartitionListener* listener) = 0;
  // The next record of an assigned partition, in offset order per partition; nullopt when none
  // arrived within `timeout`.
  virtual Result<std::optional<LogRecord>> Poll(std::chrono::milliseconds timeout) = 0;
  // Records that every record of `partition` below `offset` is applied. May be called from any
  // thread; a failed commit is retried by the next one.
  virtual Status Commit(int partition, uint64_t offset) = 0;
  // The durable end of `partition` as this consumer last learned it.
  virtual Result<uint64_t> DurableEnd(int partition) = 0;
  // Leaves the group: a last OnRevoked for every partition held.
  virtual Status Close() = 0;
};

class ChangeLog {
 public:
  virtual ~ChangeLog() = default;
  virtual std::string_view kind() const = 0;  // "local" or "kafka"
  virtual std::string_view title() const = 0;  // for messages: "local", "Kafka"
  virtual int partitions() const = 0;
  // How many apply lanes share one partition: each partition's records are routed further into
  // lanes by the lane hash (a local log's one partition), or a partition is one lane (Kafka,
  // whose partitions are already chosen by that hash).
  virtual int LanesPerPartition(int apply_lanes) const = 0;
  // Whether other processes can append to or consume this log while this one runs
  // (`cutover capture` and `cutover apply` need it).
  virtual bool shared_by_processes() const = 0;
  // The writer (one per log at a time). Its resume position is kept in the log itself or in
  // `state`.
  virtual Result<std::unique_ptr<LogWriter>> OpenWriter() = 0;
  virtual Result<std::unique_ptr<LogConsumer>> OpenConsumer(const ConsumerOptions& options) = 0;
  // Per partition: the oldest record kept, and the durable end.
  virtual Result<std::vector<uint64_t>> FirstOffsets() = 0;
  virtual Result<std::vector<uint64_t>> DurableEnds() = 0;
  // The appliers' committed progress per partition (nullopt: none yet).
  virtual Result<std::vector<std::optional<uint64_t>>> Committed() = 0;
  // Per partition: the first record appended at or after `time_ms` / whose position is not
  // before `position` (positions of one source grow with the offsets); the durable end if none.
  virtual Result<std::vector<uint64_t>> OffsetsAtTime(int64_t time_ms) = 0;
  virtual Result<std::vector<uint64_t>> OffsetsAtPosition(const Position& position) = 0;
  // Whether the copy-done marker was written (MarkCopyDone).
  virtual Result<bool> CopyDone() = 0;
  // Removes what retention allows among the records every applier has committed; returns how
  // many pieces (segments) went. A log whose server keeps its own retention (Kafka) removes
  // nothing.
  virtual Result<int> Retain(int64_t now_ms) = 0;
  // A name for messages: the directory or the topic.
  virtual std::string Describe() const = 0;
  // What to say when the appliers lag on `partition`: where their progress is kept.
  virtual std::string ProgressName() const = 0;
};

struct OpenLogOptions {
  // Create what is missing (the directory; Kafka topics). false: NotFound when there is no log.
  bool create = true;
  // The state store (Kafka keeps capture's resume position there). May be null for readers.
  StateStore* state = nullptr;
  // Open only to read progress and ends (`cutover fence`, `status`): no lock, no recovery.
  bool read_only = false;
};

// Opens the change log spec.change_log describes (local: <state_dir>/log).
Result<std::unique_ptr<ChangeLog>> OpenChangeLog(const Spec& spec, const OpenLogOptions& options);

// A replay's --from as written: exactly one of the three is set.
struct ReplayFrom {
  std::optional<uint64_t> offset;    // a log offset (digits), the same on every partition
  std::optional<int64_t> time_ms;    // a UTC time, as Unix milliseconds
  std::optional<Position> position;  // a source position (Position::Parse)
};

// Reads a replay's --from without a log: a log offset, a UTC time ("2026-11-21 20:00:00",
// "2026-11-21T20:00:00Z") or a source position. InvalidArgument naming the text (without the
// option's name) when it is none of them.
Result<ReplayFrom> ParseReplayFrom(std::string_view from);

// ParseReplayFrom, resolved to an offset per partition of `log`. Its errors start "--from: ".
Result<std::vector<uint64_t>> ResolveReplayFrom(ChangeLog& log, std::string_view from);

}  // namespace cutover::log
