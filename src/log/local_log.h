// LocalLog: the embedded change log, a segmented append-only log on local disk (the default
// between capture and apply; docs/change-log.md). Records get consecutive offsets from 0; each is
// framed with its length, CRC32, offset, append time and source position; appends are written
// in batches and made durable by Sync() (fdatasync), which capture calls before it checkpoints
// the source position. Readers see only durable records. Opening recovers from a crash by
// cutting a torn tail. Retain() deletes whole segments that are applied and beyond the
// retention by size or age.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cutover/position.h"
#include "cutover/status.h"

namespace cutover::log {

// Unavailable: "<what> <path>: <strerror(error)>"; for ENOSPC the text of DiskFullFix (the
// directory, "No space left on device" and what to do).
Status FileError(std::string_view what, const std::filesystem::path& path, int error);

struct LocalLogOptions {
  std::filesystem::path dir;
  uint64_t segment_bytes = 64ull << 20;  // a new segment starts past this size
  // Append() makes everything durable once this long has passed since the last sync.
  std::chrono::milliseconds sync_every{200};
  size_t write_buffer_bytes = 1u << 20;   // appends are written to the file in batches
  uint64_t retain_bytes = 8ull << 30;     // applied data kept for replay, at most
  std::chrono::seconds retain_age{7 * 24 * 3600};  // applied data kept, at most this old
};

struct LogAppend {
  std::string_view payload;
  Position position;  // the source position of the record (empty Position allowed)
};

struct LogEntry {
  uint64_t offset = 0;
  int64_t time_ms = 0;  // when it was appended (Unix ms)
  Position position;
  std::string payload;
};

class LocalLog;

// A file's bytes read ahead in blocks: one pread per block instead of one or two per record
// (the log reader's and the recovery scan's). Bytes already read stay right: segments are only
// appended to.
class BlockReader {
 public:
  explicit BlockReader(size_t block) : block_(block) {}
  // `size` bytes of `fd` at `pos` (fewer where the file or `limit` ends), valid until the next
  // call.
  Result<std::string_view> Bytes(int fd, uint64_t pos, size_t size, uint64_t limit = UINT64_MAX);
  // Forgets what was read (another file).
  void Reset() { size_ = 0; }

 private:
  const size_t block_;
  std::string buffer_;  // the file's bytes from start_
  uint64_t start_ = 0;
  size_t size_ = 0;  // valid bytes in buffer_
};

// Reads durable records in offset order. One reader per thread.
class LogReader {
 public:
  ~LogReader();
  // The next record, or nullopt when every durable record has been read (call again later).
  Result<std::optional<LogEntry>> Next();
  uint64_t next_offset() const { return next_offset_; }

 private:
  friend class LocalLog;
  LogReader(std::shared_ptr<LocalLog> log, uint64_t offset)
      : log_(std::move(log)), next_offset_(offset) {}
  Status OpenSegmentFor(uint64_t offset);
  // The frame at file_pos_: its size (0 at the end of the data); decoded into *entry, or only
  // measured when entry is null.
  Result<uint64_t> Frame(LogEntry* entry);

  static constexpr size_t kReadAhead = 256 * 1024;

  std::shared_ptr<LocalLog> log_;
  uint64_t next_offset_;
  int fd_ = -1;
  uint64_t segment_first_ = 0;
  std::filesystem::path segment_path_;  // of fd_, for error messages
  uint64_t file_pos_ = 0;
  BlockReader ahead_{kReadAhead};  // of fd_
};

class LocalLog : public std::enable_shared_from_this<LocalLog> {
 public:
  // Opens (creating the directory if needed) and recovers: a record cut short or failing its
  // CRC at the end of the last segment is removed (it was never durable); one inside the log is
  // DataLoss naming the file and byte.
  static Result<std::shared_ptr<LocalLog>> Open(LocalLogOptions options);
  ~LocalLog();
  LocalLog(const LocalLog&) = delete;
  LocalLog& operator=(const LocalLog&) = delete;

  // Appends records with consecutive offsets, all in one segment; returns the first one's offset.
  Result<uint64_t> Append(std::span<const LogAppend> records, int64_t time_ms);
  // Makes every appended record durable (and visible to readers).
  Status Sync();
  // True when the next Append() starts a new segment. The records of one Append() always share
  // a segment, so a writer that starts each segment with what its readers need (the codec's
  // shapes) checks this first.
  bool NextAppendStartsSegment() const;
  // Removes every record from `offset` on (capture drops a transaction whose end never reached
  // the log). Only records of the last segment can be removed.
  Status TruncateFrom(uint64_t offset);

  const std::filesystem::path& dir() const { return options_.dir; }
  uint64_t first_offset() const;                      // the oldest record kept
  uint64_t next_offset() const;                       // the offset the next append gets
  uint64_t durable_offset() const;                    // records below it are durable
  uint64_t size_bytes() const;                        // of every segment kept
  std::vector<uint64_t> SegmentFirstOffsets() const;  // oldest first

  // A reader starting at `offset` (first_offset() <= offset <= next_offset()).
  Result<std::unique_ptr<LogReader>> Read(uint64_t offset);
  // The first durable record appended at or after `time_ms`, or durable_offset() if none.
  Result<uint64_t> OffsetAtTime(int64_t time_ms);
  // The first durable record whose position is not before `position` (positions of one source
  // grow with the offsets), or durable_offset() if none.
  Result<uint64_t> OffsetAtPosition(const Position& position);

  // Deletes the oldest segments whose records are all below `applied_offset`, while the log is
  // over retain_bytes or the segment's records are older than retain_age. Returns how many.
  Result<int> Retain(uint64_t applied_offset, int64_t now_ms);

 private:
  friend class LogReader;
  struct Segment {
    uint64_t first_offset;
    std::filesystem::path path;
    uint64_t bytes;
  };
  explicit LocalLog(LocalLogOptions options) : options_(std::move(options)) {}
  Status Recover();
  Status StartSegment(uint64_t first_offset);
  Status FlushBufferLocked();
  Status SyncLocked();
  // Reads the frame at `pos` of `fd`: its size in bytes (0 at the end of the data), the entry.
  static Result<uint64_t> ReadFrame(int fd, uint64_t pos, uint64_t limit, LogEntry* entry,
                                    const std::filesystem::path& path);
  // Where a segment's whole records end, read from its start by ScanSegment.
  struct ScanEnd {
    uint64_t pos = 0;     // the byte after the last whole record
    uint64_t offset = 0;  // the offset after it
  };
  // Reads the records of the segment `fd` (`limit` bytes, first offset `first_offset`) from its
  // start in blocks of kScanBlock bytes, checking each one's length, CRC32 and offset but not
  // decoding its body (a record whose CRC32 holds is whole; what it says is the reader's to
  // check). Stops before `stop_offset`, at `limit`, or before the first torn or damaged record.
  // DataLoss when a whole record holds another offset than the one expected.
  static Result<ScanEnd> ScanSegment(int fd, uint64_t limit, uint64_t first_offset,
                                     uint64_t stop_offset, const std::filesystem::path& path);
  static constexpr size_t kScanBlock = 1 << 20;
  // A frame's parts, shared with LogReader: the body size its header states (checked against
  // `limit`), and the body checked (CRC32) and decoded into *entry.
  static Result<uint32_t> FrameBodySize(std::string_view header, uint64_t pos, uint64_t limit,
                                        const std::filesystem::path& path);
  static Status DecodeFrame(std::string_view header, std::string_view body, uint64_t pos,
                            LogEntry* entry, const std::filesystem::path& path);
  static Status FrameCorrupt(const std::filesystem::path& path, uint64_t pos,
                             std::string_view what);
  // Returns the segment holding `offset` (under mutex_).
  std::optional<Segment> SegmentForLocked(uint64_t offset) const;
  // The segment holding `offset`, null before the first segment; valid while mutex_ is held
  // (a reader checks it per record without copying the segment's path).
  const Segment* SegmentAtLocked(uint64_t offset) const;
  template <typename Predicate>
  Result<uint64_t> FirstDurableWhere(Predicate predicate);

  const LocalLogOptions options_;
  mutable std::mutex mutex_;
  std::vector<Segment> segments_;  // by first offset; the last one is written
  int fd_ = -1;                    // the last segment, for appends
  std::string buffer_;             // appended, not yet written
  uint64_t next_offset_ = 0;
  uint64_t durable_offset_ = 0;
  uint64_t written_offset_ = 0;  // records below it are in the file (maybe not durable)
  bool new_segment_unsynced_ = false;
  std::chrono::steady_clock::time_point last_sync_ = std::chrono::steady_clock::now();
};

}  // namespace cutover::log
