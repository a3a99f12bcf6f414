// The local change log behind the ChangeLog interface: one partition, the segmented LocalLog in
// <state_dir>/log. The log itself is capture's checkpoint (a transaction ends with a commit
// record, and capture resumes after the last one); the appliers' committed progress is a small
// file beside it (<state_dir>/log.applied), written by the one process that applies it and read
// by `cutover fence` and retention.
#include "log/local_change_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <thread>

#include <fmt/format.h>

#include "log/change_codec.h"
#include "log/change_reader.h"

namespace cutover::log {
namespace {

std::filesystem::path ProgressPath(const std::filesystem::path& dir) {
  return dir.parent_path() / (dir.filename().string() + ".applied");
}
std::filesystem::path CopyDonePath(const std::filesystem::path& dir) {
  return dir.parent_path() / (dir.filename().string() + ".copy-done");
}

// Writes `text` to `path` atomically and durably: a temporary file written and synced, renamed
// over `path`, the directory synced (a crash leaves the old content or the new, never an empty
// file). On a full disk `path` keeps its old content.
Status WriteFileAtomically(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::path temporary = path;
  temporary += ".tmp";
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) return FileError("cannot create", temporary, errno);
  std::string_view rest = text;
  while (!rest.empty()) {
    ssize_t written = ::write(fd, rest.data(), rest.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) {
      Status failed = FileError("cannot write", temporary, written < 0 ? errno : ENOSPC);
      ::close(fd);
      return failed;
    }
    rest.remove_prefix(static_cast<size_t>(written));
  }
  if (::fsync(fd) != 0) {
    Status failed = FileError("cannot sync", temporary, errno);
    ::close(fd);
    return failed;
  }
  if (::close(fd) != 0) return FileError("cannot close", temporary, errno);
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) {
    return Status::Unavailable(
        fmt::format("renaming {} to {}: {}", temporary.string(), path.string(), error.message()));
  }
  int dir = ::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return FileError("cannot open", path.parent_path(), errno);
  int synced = ::fsync(dir);
  int sync_error = errno;
  ::close(dir);
  return synced == 0 ? Status::Ok() : FileError("cannot sync", path.parent_path(), sync_error);
}

Result<std::optional<uint64_t>> ReadProgress(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return std::optional<uint64_t>();
  std::string text;
  std::getline(in, text);
  uint64_t offset = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), offset);
  if (error != std::errc() || end != text.data() + text.size()) {
    return Status::DataLoss(fmt::format(
        "{} holds \"{}\", not an offset; delete it (the appliers write it again)", path.string(),
        text));
  }
  return std::optional<uint64_t>(offset);
}

class LocalWriter : public LogWriter {
 public:
  explicit LocalWriter(std::shared_ptr<LocalLog> log) : log_(std::move(log)) {}

  int partitions() const override { return 1; }

  Result<Position> ResumePosition(const Position& start) override {
    return RecoverCapturePosition(*log_, start);
  }

  Status AppendTransaction(std::span<const LogChange> changes, const Position& resume,
                           int64_t time_ms) override {
    payloads_.clear();
    positions_.clear();
    // The records of one append share a segment; a new segment starts with its shapes.
    if (log_->NextAppendStartsSegment()) encoder_.Reset();
    for (const LogChange& logged : changes) {
      CUTOVER_ASSIGN_OR_RETURN(int records, encoder_.Encode(*logged.change, &payloads_));
      for (int i = 0; i < records; ++i) positions_.push_back(logged.change->position);
    }
    payloads_.push_back(CommitRecord());
    positions_.push_back(resume);
    std::vector<LogAppend> records;
    records.reserve(payloads_.size());
    for (size_t i = 0; i < payloads_.size(); ++i) {
      records.push_back(LogAppend{payloads_[i], positions_[i]});
    }
    return log_->Append(records, time_ms).status();
  }

  Status Sync() override { return log_->Sync(); }
  bool unsynced() const override { return log_->durable_offset() < log_->next_offset(); }
  Result<std::vector<uint64_t>> DurableEnds() override {
    return std::vector<uint64_t>{log_->durable_offset()};
  }
  Status MarkCopyDone() override {
    std::error_code error;
    if (std::filesystem::exists(CopyDonePath(log_dir()), error)) return Status::Ok();
    return WriteFileAtomically(CopyDonePath(log_dir()), "copy done\n");
  }

 private:
  std::filesystem::path log_dir() const { return log_->dir(); }

  std::shared_ptr<LocalLog> log_;
  ChangeEncoder encoder_;
  std::vector<std::string> payloads_;
  std::vector<Position> positions_;
};

class LocalConsumer : public LogConsumer {
 public:
  LocalConsumer(std::shared_ptr<LocalLog> log, bool group)
      : log_(std::move(log)), group_(group) {}

  Status Start(PartitionListener* listener) override {
    // No committed progress is offered: the one process that applies a local log resumes each
    // lane from its own checkpoint in the target (a target emptied since is filled again from
    // the log's start); the progress file is for fence, finish and retention only.
    CUTOVER_ASSIGN_OR_RETURN(uint64_t from, listener->OnAssigned(0, std::nullopt));
    if (from < log_->first_offset()) {
      return Status::FailedPrecondition(fmt::format(
          "the change log starts at offset {} now (older segments were removed once applied); "
          "set change_log.retention_size or retention_age to keep more for replay",
          log_->first_offset()));
    }
    CUTOVER_ASSIGN_OR_RETURN(reader_, ChangeReader::Open(log_, from));
    listener_ = listener;
    return Status::Ok();
  }

  Result<std::optional<LogRecord>> Poll(std::chrono::milliseconds timeout) override {
    if (!reader_) return Status::FailedPrecondition("the local change log consumer is not started");
    auto deadline = std::chrono::steady_clock::now() + timeout;
    LogRecord record;
    while (true) {
      CUTOVER_ASSIGN_OR_RETURN(std::optional<ChangeRecord> next, reader_->Next(&record.change));
      if (next) {
        record.partition = 0;
        record.offset = next->offset;
        record.time_ms = next->time_ms;
        record.position = next->position;
        record.commit = next->kind == RecordKind::kCommit;
        return std::optional<LogRecord>(std::move(record));
      }
      if (std::chrono::steady_clock::now() >= deadline) return std::optional<LogRecord>();
      std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(
          timeout, std::chrono::milliseconds(5)));
    }
  }

  Status Commit(int partition, uint64_t offset) override {
    if (!group_ || partition != 0) return Status::Ok();
    std::lock_guard lock(mutex_);
    if (committed_ && *committed_ == offset) return Status::Ok();
    CUTOVER_RETURN_IF_ERROR(
        WriteFileAtomically(ProgressPath(log_->dir()), std::to_string(offset) + "\n"));
    committed_ = offset;
    return Status::Ok();
  }

  Result<uint64_t> DurableEnd(int) override { return log_->durable_offset(); }

  Status Close() override {
    if (listener_ == nullptr) return Status::Ok();
    PartitionListener* listener = listener_;
    listener_ = nullptr;
    return listener->OnRevoked(0);
  }

 private:
  std::shared_ptr<LocalLog> log_;
  const bool group_;
  std::unique_ptr<ChangeReader> reader_;
  PartitionListener* listener_ = nullptr;
  std::mutex mutex_;
  std::optional<uint64_t> committed_;  // guarded by mutex_
};

class LocalChangeLog : public ChangeLog {
 public:
  LocalChangeLog(std::filesystem::path dir, std::shared_ptr<LocalLog> log)
      : dir_(std::move(dir)), log_(std::move(log)) {}

  std::string_view kind() const override { return "local"; }
  std::string_view title() const override { return "local"; }
  int partitions() const override { return 1; }
  int LanesPerPartition(int apply_lanes) const override { return std::max(apply_lanes, 1); }
  bool shared_by_processes() const override { return false; }

  Result<std::unique_ptr<LogWriter>> OpenWriter() override {
    CUTOVER_RETURN_IF_ERROR(Writable());
    return std::unique_ptr<LogWriter>(std::make_unique<LocalWriter>(log_));
  }
  Result<std::unique_ptr<LogConsumer>> OpenConsumer(const ConsumerOptions& options) override {
    CUTOVER_RETURN_IF_ERROR(Writable());
    return std::unique_ptr<LogConsumer>(std::make_unique<LocalConsumer>(log_, options.group));
  }
  Result<std::vector<uint64_t>> FirstOffsets() override {
    CUTOVER_RETURN_IF_ERROR(Writable());
    return std::vector<uint64_t>{log_->first_offset()};
  }
  Result<std::vector<uint64_t>> DurableEnds() override {
    CUTOVER_RETURN_IF_ERROR(Writable());
    return std::vector<uint64_t>{log_->durable_offset()};
  }
  Result<std::vector<std::optional<uint64_t>>> Committed() override {
    CUTOVER_ASSIGN_OR_RETURN(std::optional<uint64_t> committed, ReadProgress(ProgressPath(dir_)));
    return std::vector<std::optional<uint64_t>>{committed};
  }
  Result<std::vector<uint64_t>> OffsetsAtTime(int64_t time_ms) override {
    CUTOVER_RETURN_IF_ERROR(Writable());
    CUTOVER_ASSIGN_OR_RETURN(uint64_t offset, log_->OffsetAtTime(time_ms));
    return std::vector<uint64_t>{offset};
  }
  Result<std::vector<uint64_t>> OffsetsAtPosition(const Position& position) override {
    CUTOVER_RETURN_IF_ERROR(Writable());
    CUTOVER_ASSIGN_OR_RETURN(uint64_t offset, log_->OffsetAtPosition(position));
    return std::vector<uint64_t>{offset};
  }
  Result<bool> CopyDone() override {
    std::error_code error;
    return std::filesystem::exists(CopyDonePath(dir_), error);
  }
  Result<int> Retain(int64_t now_ms) override {
    CUTOVER_RETURN_IF_ERROR(Writable());
    CUTOVER_ASSIGN_OR_RETURN(std::optional<uint64_t> committed, ReadProgress(ProgressPath(dir_)));
    if (!committed) return 0;
    return log_->Retain(*committed, now_ms);
  }
  std::string Describe() const override { return "the change log in " + dir_.string(); }
  std::string ProgressName() const override { return ProgressPath(dir_).string(); }

 private:
  Status Writable() const {
    if (log_) return Status::Ok();
    return Status::FailedPrecondition(
        fmt::format("{} was opened read-only (its progress only)", dir_.string()));
  }

  std::filesystem::path dir_;
  std::shared_ptr<LocalLog> log_;  // null when read-only
};

}  // namespace

Result<Position> RecoverCapturePosition(LocalLog& log, const Position& start) {
  std::vector<uint64_t> firsts = log.SegmentFirstOffsets();
  const uint64_t end = log.next_offset();
  for (auto it = firsts.rbegin(); it != firsts.rend(); ++it) {
    if (*it >= end) continue;
    CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<LogReader> reader, log.Read(*it));
    std::optional<uint64_t> last_commit;
    Position position;
    while (true) {
      CUTOVER_ASSIGN_OR_RETURN(std::optional<LogEntry> entry, reader->Next());
      if (!entry) break;
      if (IsCommitRecord(entry->payload)) {
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

Result<std::unique_ptr<ChangeLog>> OpenLocalChangeLog(const LocalLogOptions& options,
                                                      bool create, bool read_only) {
  if (!create && !std::filesystem::exists(options.dir)) {
    return Status::NotFound(fmt::format(
        "{} has no change log: `cutover run` writes it", options.dir.parent_path().string()));
  }
  if (read_only) {
    return std::unique_ptr<ChangeLog>(std::make_unique<LocalChangeLog>(options.dir, nullptr));
  }
  CUTOVER_ASSIGN_OR_RETURN(std::shared_ptr<LocalLog> log, LocalLog::Open(options));
  return std::unique_ptr<ChangeLog>(std::make_unique<LocalChangeLog>(options.dir, std::move(log)));
}

Result<std::unique_ptr<ChangeLog>> WrapLocalLog(std::shared_ptr<LocalLog> log) {
  std::filesystem::path dir = log->dir();
  return std::unique_ptr<ChangeLog>(std::make_unique<LocalChangeLog>(dir, std::move(log)));
}

}  // namespace cutover::log
