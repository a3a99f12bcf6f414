// LocalLog: segment files, framing, recovery, batched durability, readers and retention.
#include "log/local_log.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

#include <fcntl.h>
#include <fmt/format.h>
#include <libdeflate.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "core/disk_full.h"
#include "core/parse_number.h"

namespace cutover::log {

Status FileError(std::string_view what, const std::filesystem::path& path, int error) {
  std::string text = std::string(what) + " " + path.string() + ": ";
  if (error == ENOSPC) return Status::Unavailable(text + DiskFullFix(path.parent_path()));
  return Status::Unavailable(text + std::strerror(error));
}

namespace {

constexpr size_t kFrameHeader = 8;  // body length, CRC32 of the body
constexpr size_t kBodyFixed = 20;   // offset, time, position length
constexpr uint32_t kMaxBody = 1u << 30;
constexpr char kSuffix[] = ".log";

void PutLe(uint64_t v, int bytes, std::string* out) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t GetLe(const char* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}

Status Errno(std::string_view what, const std::filesystem::path& path) {
  return FileError(what, path, errno);
}

std::filesystem::path SegmentPath(const std::filesystem::path& dir, uint64_t first_offset) {
  std::string name = std::to_string(first_offset);
  name.insert(0, 20 - std::min<size_t>(20, name.size()), '0');
  return dir / (name + kSuffix);
}

Status WriteAll(int fd, std::string_view bytes, const std::filesystem::path& path) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Errno("cannot write", path);
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

Result<size_t> ReadAt(int fd, uint64_t pos, size_t size, char* out) {
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::pread(fd, out + done, size - done, static_cast<off_t>(pos + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      return Status::Unavailable(std::string("cannot read the change log: ") +
                                 std::strerror(errno));
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  return done;
}

struct SegmentFile {
  uint64_t first_offset;
  std::filesystem::path path;
  uint64_t bytes;
};

// A file in the log folder that the log cannot use: what is wrong with it and what to do.
Status StrayFile(const std::filesystem::path& path, std::string_view problem,
                 std::string_view fix) {
  return Status::FailedPrecondition(fmt::format("change log folder {}: {} {}; {}",
                                                path.parent_path().string(),
                                                path.filename().string(), problem, fix));
}

// The segment files of `dir`, by first offset. A segment is found by its name alone, so a file
// whose name does not end in ".log" (notes.txt, an editor's backup, a segment moved aside as
// .log.bak) cannot change what the log holds: it is ignored, with a warning. A ".log" file
// without a segment's name (123.log, 123abc.log, 99999999999999999999.log) may be a segment
// someone renamed, whose records the log would silently miss: that is refused.
Result<std::vector<SegmentFile>> ListSegmentFiles(const std::filesystem::path& dir) {
  std::vector<SegmentFile> files;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::filesystem::path& path = it->path();
    const std::string name = path.filename().string();
    if (!name.ends_with(kSuffix)) {
      spdlog::warn("change log folder {}: ignoring {}: segments are named <first offset>{}",
                   dir.string(), name, kSuffix);
      continue;
    }
    std::string_view digits(name.data(), name.size() - std::strlen(kSuffix));
    Result<uint64_t> first = ParseInteger<uint64_t>(digits, "first offset");
    if (digits.size() != 20 || !first.ok()) {
      return StrayFile(path,
                       "is not named like a segment (its first offset in 20 digits, e.g. "
                       "00000000000000000000.log), so cutover cannot tell which records it holds",
                       "move it out of the folder, or if it is a segment, name it by its first "
                       "offset");
    }
    std::error_code stat_ec;
    if (!it->is_regular_file(stat_ec)) {
      return StrayFile(path, "is not a regular file", "move it out of the folder");
    }
    const uint64_t bytes = it->file_size(stat_ec);
    if (stat_ec) {
      return Status::Unavailable(
          fmt::format("cannot read the size of {}: {}", path.string(), stat_ec.message()));
    }
    files.push_back(SegmentFile{*first, path, bytes});
  }
  if (ec) return Status::Unavailable(fmt::format("cannot list {}: {}", dir.string(), ec.message()));
  std::sort(files.begin(), files.end(), [](const SegmentFile& a, const SegmentFile& b) {
    return a.first_offset < b.first_offset;
  });
  return files;
}

// A segment is started only for the append that follows it, so cutover leaves an empty segment
// only at the end (stopped between the two); an empty one before another was put there. When
// the next one is empty too, either may be the stray; the earlier is named, so that offsets never
// go back (a log cut by retention to one empty segment keeps it).
Status CheckNoEmptySegmentBeforeTheLast(const std::vector<SegmentFile>& files) {
  for (size_t idx = 0; idx + 1 < files.size(); ++idx) {
    if (files[idx].bytes != 0) continue;
    const std::string next = files[idx + 1].path.filename().string();
    return StrayFile(files[idx].path,
                     files[idx + 1].bytes == 0
                         ? fmt::format("is empty and so is {} after it: cutover leaves at most "
                                       "one empty segment, the last",
                                       next)
                         : fmt::format("is empty, yet segment {} follows it: cutover does not "
                                       "leave such a file",
                                       next),
                     "delete it (it holds no records)");
  }
  return Status::Ok();
}

// An empty last segment after `before`, whose whole records end at byte `whole_bytes` (of
// `before_bytes`) and offset `end_offset`: it must begin at that offset, and `before`, synced
// before the empty one was started, cannot end in a torn record.
Status CheckEmptyLastSegment(const SegmentFile& empty, const std::filesystem::path& before,
                             uint64_t before_bytes, uint64_t whole_bytes, uint64_t end_offset) {
  if (empty.first_offset != end_offset) {
    return StrayFile(empty.path,
                     fmt::format("is empty and does not begin where the log ends (offset {}): "
                                 "cutover does not leave such a file",
                                 end_offset),
                     "delete it (it holds no records)");
  }
  if (whole_bytes < before_bytes) {
    return Status::DataLoss(fmt::format(
        "change log {} at byte {}: a damaged record in a segment that another one follows",
        before.string(), whole_bytes));
  }
  return Status::Ok();
}

Status SyncDir(const std::filesystem::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return Errno("cannot open", dir);
  int rc = ::fsync(fd);
  ::close(fd);
  return rc == 0 ? Status::Ok() : Errno("cannot sync", dir);
}

}  // namespace

Status LocalLog::FrameCorrupt(const std::filesystem::path& path, uint64_t pos,
                              std::string_view what) {
  return Status::DataLoss("change log " + path.string() + " at byte " + std::to_string(pos) +
                          ": " + std::string(what));
}

Result<uint32_t> LocalLog::FrameBodySize(std::string_view header, uint64_t pos, uint64_t limit,
                                         const std::filesystem::path& path) {
  if (header.size() < kFrameHeader || pos + kFrameHeader > limit) {
    return FrameCorrupt(path, pos, "record header cut short");
  }
  const auto body_size = static_cast<uint32_t>(GetLe(header.data(), 4));
  if (body_size < kBodyFixed || body_size > kMaxBody) {
    return FrameCorrupt(path, pos, "impossible record length");
  }
  if (pos + kFrameHeader + body_size > limit) return FrameCorrupt(path, pos, "record cut short");
  return body_size;
}

Status LocalLog::DecodeFrame(std::string_view header, std::string_view body, uint64_t pos,
                             LogEntry* entry, const std::filesystem::path& path) {
  const auto crc = static_cast<uint32_t>(GetLe(header.data() + 4, 4));
  if (libdeflate_crc32(0, body.data(), body.size()) != crc) {
    return FrameCorrupt(path, pos, "CRC32 mismatch");
  }
  entry->offset = GetLe(body.data(), 8);
  entry->time_ms = static_cast<int64_t>(GetLe(body.data() + 8, 8));
  const auto position_size = static_cast<uint32_t>(GetLe(body.data() + 16, 4));
  if (kBodyFixed + position_size > body.size()) {
    return FrameCorrupt(path, pos, "position beyond the record");
  }
  std::string_view position_text(body.data() + kBodyFixed, position_size);
  if (position_text.empty()) {
    entry->position = Position();
  } else {
    Result<Position> position = Position::Decode(position_text);
    if (!position.ok()) return FrameCorrupt(path, pos, "bad position");
    entry->position = std::move(*position);
  }
  entry->payload.assign(body.substr(kBodyFixed + position_size));
  return Status::Ok();
}

Result<uint64_t> LocalLog::ReadFrame(int fd, uint64_t pos, uint64_t limit, LogEntry* entry,
                                     const std::filesystem::path& path) {
  if (pos >= limit) return uint64_t{0};
  char header[kFrameHeader];
  CUTOVER_ASSIGN_OR_RETURN(size_t got, ReadAt(fd, pos, kFrameHeader, header));
  CUTOVER_ASSIGN_OR_RETURN(uint32_t body_size,
                           FrameBodySize(std::string_view(header, got), pos, limit, path));
  std::string body(body_size, '\0');
  CUTOVER_ASSIGN_OR_RETURN(got, ReadAt(fd, pos + kFrameHeader, body_size, body.data()));
  if (got < body_size) return FrameCorrupt(path, pos, "record cut short");
  CUTOVER_RETURN_IF_ERROR(
      DecodeFrame(std::string_view(header, kFrameHeader), body, pos, entry, path));
  return kFrameHeader + body_size;
}

Result<LocalLog::ScanEnd> LocalLog::ScanSegment(int fd, uint64_t limit, uint64_t first_offset,
                                                uint64_t stop_offset,
                                                const std::filesystem::path& path) {
  BlockReader blocks(kScanBlock);
  ScanEnd end{0, first_offset};
  while (end.offset < stop_offset && end.pos < limit) {
    CUTOVER_ASSIGN_OR_RETURN(std::string_view header,
                             blocks.Bytes(fd, end.pos, kFrameHeader, limit));
    Result<uint32_t> body_size = FrameBodySize(header, end.pos, limit, path);
    if (!body_size.ok()) break;  // torn
    const auto crc = static_cast<uint32_t>(GetLe(header.data() + 4, 4));
    CUTOVER_ASSIGN_OR_RETURN(std::string_view body,
                             blocks.Bytes(fd, end.pos + kFrameHeader, *body_size, limit));
    if (body.size() < *body_size || libdeflate_crc32(0, body.data(), body.size()) != crc) break;
    if (GetLe(body.data(), 8) != end.offset) {
      return Status::DataLoss("change log " + path.string() + " at byte " +
                              std::to_string(end.pos) + ": offset " +
                              std::to_string(GetLe(body.data(), 8)) + " where " +
                              std::to_string(end.offset) + " was expected");
    }
    end.pos += kFrameHeader + *body_size;
    ++end.offset;
  }
  return end;
}

Result<std::shared_ptr<LocalLog>> LocalLog::Open(LocalLogOptions options) {
  std::error_code ec;
  std::filesystem::create_directories(options.dir, ec);
  if (ec) {
    return Status::Unavailable("cannot create the change log directory " + options.dir.string() +
                               ": " + ec.message());
  }
  std::shared_ptr<LocalLog> log(new LocalLog(std::move(options)));
  CUTOVER_RETURN_IF_ERROR(log->Recover());
  return log;
}

LocalLog::~LocalLog() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    SyncLocked().IgnoreError();  // best effort; a crash would lose only unsynced records anyway
  }
  if (fd_ >= 0) ::close(fd_);
}

Status LocalLog::Recover() {
  CUTOVER_ASSIGN_OR_RETURN(std::vector<SegmentFile> files, ListSegmentFiles(options_.dir));
  CUTOVER_RETURN_IF_ERROR(CheckNoEmptySegmentBeforeTheLast(files));
  // An empty last segment: the one before it was whole and synced before it began, and must
  // end where it begins. That one is scanned, and appends go on in the empty one.
  std::optional<SegmentFile> empty_last;
  if (files.size() > 1 && files.back().bytes == 0) {
    empty_last = files.back();
    files.pop_back();
  }
  for (const SegmentFile& file : files) {
    segments_.push_back(Segment{file.first_offset, file.path, file.bytes});
  }
  if (segments_.empty()) {
    CUTOVER_RETURN_IF_ERROR(StartSegment(0));
    return SyncLocked();
  }
  // Only the last segment can end in a torn record: scan it to its last whole one.
  Segment& last = segments_.back();
  fd_ = ::open(last.path.c_str(), O_RDWR | O_APPEND | O_CLOEXEC);
  if (fd_ < 0) return Errno("cannot open", last.path);
  // Past the whole records: a torn tail, never made durable, cut below.
  CUTOVER_ASSIGN_OR_RETURN(ScanEnd whole,
                           ScanSegment(fd_, last.bytes, last.first_offset, UINT64_MAX, last.path));
  const uint64_t pos = whole.pos;
  const uint64_t offset = whole.offset;
  if (empty_last) {
    CUTOVER_RETURN_IF_ERROR(CheckEmptyLastSegment(*empty_last, last.path, last.bytes, pos, offset));
  }
  if (pos < last.bytes) {
    if (::ftruncate(fd_, static_cast<off_t>(pos)) != 0) return Errno("cannot truncate", last.path);
    last.bytes = pos;
  }
  // What a killed process wrote is in the page cache, not yet on disk: make it durable before
  // anyone relies on it.
  if (::fdatasync(fd_) != 0) return Errno("cannot sync", last.path);
  if (empty_last) {
    ::close(fd_);
    fd_ = ::open(empty_last->path.c_str(), O_RDWR | O_APPEND | O_CLOEXEC);
    if (fd_ < 0) return Errno("cannot open", empty_last->path);
    segments_.push_back(Segment{empty_last->first_offset, empty_last->path, 0});
  }
  next_offset_ = durable_offset_ = written_offset_ = offset;
  return Status::Ok();
}

Status LocalLog::StartSegment(uint64_t first_offset) {
  if (fd_ >= 0) {
    if (::fdatasync(fd_) != 0) return Errno("cannot sync", segments_.back().path);
    ::close(fd_);
    fd_ = -1;
  }
  std::filesystem::path path = SegmentPath(options_.dir, first_offset);
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd_ < 0) return Errno("cannot create", path);
  segments_.push_back(Segment{first_offset, path, 0});
  new_segment_unsynced_ = true;
  return Status::Ok();
}

Result<uint64_t> LocalLog::Append(std::span<const LogAppend> records, int64_t time_ms) {
  std::lock_guard<std::mutex> lock(mutex_);
  // Segments roll over between appends only, so one append's records share a segment.
  if (segments_.back().bytes + buffer_.size() >= options_.segment_bytes) {
    CUTOVER_RETURN_IF_ERROR(FlushBufferLocked());
    CUTOVER_RETURN_IF_ERROR(StartSegment(next_offset_));
  }
  const uint64_t first = next_offset_;
  for (const LogAppend& record : records) {
    std::string position = record.position.empty() ? std::string() : record.position.Encode();
    const size_t body_size = kBodyFixed + position.size() + record.payload.size();
    if (body_size > kMaxBody) {
      return Status::InvalidArgument("change log record of " + std::to_string(body_size) +
                                     " bytes is over the 1 GiB limit");
    }
    std::string body;
    body.reserve(body_size);
    PutLe(next_offset_, 8, &body);
    PutLe(static_cast<uint64_t>(time_ms), 8, &body);
    PutLe(position.size(), 4, &body);
    body += position;
    body.append(record.payload);
    PutLe(body.size(), 4, &buffer_);
    PutLe(libdeflate_crc32(0, body.data(), body.size()), 4, &buffer_);
    buffer_ += body;
    ++next_offset_;
    if (buffer_.size() >= options_.write_buffer_bytes) CUTOVER_RETURN_IF_ERROR(FlushBufferLocked());
  }
  if (std::chrono::steady_clock::now() - last_sync_ >= options_.sync_every) {
    CUTOVER_RETURN_IF_ERROR(SyncLocked());
  }
  return first;
}

bool LocalLog::NextAppendStartsSegment() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return segments_.back().bytes + buffer_.size() >= options_.segment_bytes;
}

Status LocalLog::TruncateFrom(uint64_t offset) {
  std::lock_guard<std::mutex> lock(mutex_);
  CUTOVER_RETURN_IF_ERROR(FlushBufferLocked());
  Segment& last = segments_.back();
  if (offset < last.first_offset || offset > next_offset_) {
    return Status::InvalidArgument("change log can only cut records of its last segment (" +
                                   std::to_string(last.first_offset) + ".." +
                                   std::to_string(next_offset_) + "), not from " +
                                   std::to_string(offset));
  }
  CUTOVER_ASSIGN_OR_RETURN(ScanEnd kept,
                           ScanSegment(fd_, last.bytes, last.first_offset, offset, last.path));
  if (kept.offset < offset) {
    return Status::DataLoss("change log segment ends before its records");
  }
  const uint64_t pos = kept.pos;
  if (::ftruncate(fd_, static_cast<off_t>(pos)) != 0) return Errno("cannot truncate", last.path);
  if (::fdatasync(fd_) != 0) return Errno("cannot sync", last.path);
  last.bytes = pos;
  next_offset_ = written_offset_ = offset;
  durable_offset_ = std::min(durable_offset_, offset);
  return Status::Ok();
}

Status LocalLog::FlushBufferLocked() {
  if (buffer_.empty()) return Status::Ok();
  CUTOVER_RETURN_IF_ERROR(WriteAll(fd_, buffer_, segments_.back().path));
  segments_.back().bytes += buffer_.size();
  buffer_.clear();
  written_offset_ = next_offset_;
  return Status::Ok();
}

Status LocalLog::SyncLocked() {
  CUTOVER_RETURN_IF_ERROR(FlushBufferLocked());
  if (fd_ >= 0 && ::fdatasync(fd_) != 0) return Errno("cannot sync", segments_.back().path);
  if (new_segment_unsynced_) {
    CUTOVER_RETURN_IF_ERROR(SyncDir(options_.dir));
    new_segment_unsynced_ = false;
  }
  durable_offset_ = written_offset_;
  last_sync_ = std::chrono::steady_clock::now();
  return Status::Ok();
}

Status LocalLog::Sync() {
  std::lock_guard<std::mutex> lock(mutex_);
  return SyncLocked();
}

uint64_t LocalLog::first_offset() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return segments_.front().first_offset;
}

uint64_t LocalLog::next_offset() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return next_offset_;
}

uint64_t LocalLog::durable_offset() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return durable_offset_;
}

uint64_t LocalLog::size_bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  uint64_t total = buffer_.size();
  for (const Segment& segment : segments_) total += segment.bytes;
  return total;
}

std::vector<uint64_t> LocalLog::SegmentFirstOffsets() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<uint64_t> firsts;
  for (const Segment& segment : segments_) firsts.push_back(segment.first_offset);
  return firsts;
}

std::optional<LocalLog::Segment> LocalLog::SegmentForLocked(uint64_t offset) const {
  const Segment* segment = SegmentAtLocked(offset);
  if (segment == nullptr) return std::nullopt;
  return *segment;
}

const LocalLog::Segment* LocalLog::SegmentAtLocked(uint64_t offset) const {
  auto it = std::upper_bound(segments_.begin(), segments_.end(), offset,
                             [](uint64_t o, const Segment& s) { return o < s.first_offset; });
  if (it == segments_.begin()) return nullptr;
  return &*(it - 1);
}

Result<std::unique_ptr<LogReader>> LocalLog::Read(uint64_t offset) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (offset < segments_.front().first_offset || offset > next_offset_) {
      return Status::NotFound("change log offset " + std::to_string(offset) + " is outside " +
                              std::to_string(segments_.front().first_offset) + ".." +
                              std::to_string(next_offset_) +
                              " (older records were deleted by retention)");
    }
  }
  return std::unique_ptr<LogReader>(new LogReader(shared_from_this(), offset));
}

LogReader::~LogReader() {
  if (fd_ >= 0) ::close(fd_);
}

Result<std::string_view> BlockReader::Bytes(int fd, uint64_t pos, size_t size, uint64_t limit) {
  if (pos < start_ || pos + size > start_ + size_) {
    // A record past the buffer's end reads the file again from its start.
    buffer_.resize(std::max(size, block_));
    const auto wanted = static_cast<size_t>(std::min<uint64_t>(buffer_.size(), limit - pos));
    CUTOVER_ASSIGN_OR_RETURN(size_, ReadAt(fd, pos, wanted, buffer_.data()));
    start_ = pos;
  }
  const auto have = static_cast<size_t>(start_ + size_ - pos);
  return std::string_view(buffer_.data() + (pos - start_), std::min(size, have));
}

Result<uint64_t> LogReader::Frame(LogEntry* entry) {
  CUTOVER_ASSIGN_OR_RETURN(std::string_view header, ahead_.Bytes(fd_, file_pos_, kFrameHeader));
  if (header.empty()) return uint64_t{0};
  const std::string kept_header(header);  // Bytes() may read the buffer again for the body
  CUTOVER_ASSIGN_OR_RETURN(uint32_t body_size,
                           LocalLog::FrameBodySize(kept_header, file_pos_, UINT64_MAX,
                                                   segment_path_));
  if (entry == nullptr) return kFrameHeader + body_size;  // skipping: the header is enough
  CUTOVER_ASSIGN_OR_RETURN(std::string_view body,
                           ahead_.Bytes(fd_, file_pos_ + kFrameHeader, body_size));
  if (body.size() < body_size) {
    return LocalLog::FrameCorrupt(segment_path_, file_pos_, "record cut short");
  }
  CUTOVER_RETURN_IF_ERROR(LocalLog::DecodeFrame(kept_header, body, file_pos_, entry,
                                                segment_path_));
  return kFrameHeader + body_size;
}

Status LogReader::OpenSegmentFor(uint64_t offset) {
  std::optional<LocalLog::Segment> segment;
  {
    std::lock_guard<std::mutex> lock(log_->mutex_);
    segment = log_->SegmentForLocked(offset);
  }
  if (!segment) {
    return Status::NotFound("change log offset " + std::to_string(offset) +
                            " was deleted by retention");
  }
  if (fd_ >= 0) ::close(fd_);
  fd_ = ::open(segment->path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) return Errno("cannot open", segment->path);
  segment_first_ = segment->first_offset;
  segment_path_ = segment->path;
  file_pos_ = 0;
  ahead_.Reset();
  // Skip to `offset` by the records' headers (no per-record index needed for a reader that then
  // goes on sequentially; Next() checks the offset of the record it lands on).
  for (uint64_t skip = segment_first_; skip < offset; ++skip) {
    CUTOVER_ASSIGN_OR_RETURN(uint64_t size, Frame(nullptr));
    if (size == 0) return Status::DataLoss("change log segment ends before its records");
    file_pos_ += size;
  }
  return Status::Ok();
}

Result<std::optional<LogEntry>> LogReader::Next() {
  uint64_t durable = 0;
  std::optional<uint64_t> segment_first;
  {
    std::lock_guard<std::mutex> lock(log_->mutex_);
    durable = log_->durable_offset_;
    const LocalLog::Segment* segment =
        next_offset_ < durable ? log_->SegmentAtLocked(next_offset_) : nullptr;
    if (segment != nullptr) segment_first = segment->first_offset;
  }
  if (next_offset_ >= durable) return std::optional<LogEntry>();
  if (!segment_first)
    return Status::NotFound("change log offset " + std::to_string(next_offset_) +
                            " was deleted by retention");
  if (fd_ < 0 || *segment_first != segment_first_) {
    CUTOVER_RETURN_IF_ERROR(OpenSegmentFor(next_offset_));
  }
  LogEntry entry;
  CUTOVER_ASSIGN_OR_RETURN(uint64_t size, Frame(&entry));
  if (size == 0 || entry.offset != next_offset_) {
    return Status::DataLoss("change log " + segment_path_.string() + ": record " +
                            std::to_string(next_offset_) + " is missing");
  }
  file_pos_ += size;
  ++next_offset_;
  return std::optional<LogEntry>(std::move(entry));
}

template <typename Predicate>
Result<uint64_t> LocalLog::FirstDurableWhere(Predicate predicate) {
  // Records are scanned from the first segment whose successor starts past a match; the
  // predicate must be monotonic in the offset (false ... false true ... true).
  std::vector<Segment> segments;
  uint64_t durable = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    segments = segments_;
    durable = durable_offset_;
  }
  // Find the last segment whose first record does not match yet.
  size_t start = 0;
  for (size_t idx = 0; idx < segments.size(); ++idx) {
    if (segments[idx].first_offset >= durable) break;
    CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<LogReader> reader, Read(segments[idx].first_offset));
    CUTOVER_ASSIGN_OR_RETURN(std::optional<LogEntry> first, reader->Next());
    if (!first) break;
    if (predicate(*first)) break;
    start = idx;
  }
  CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<LogReader> reader, Read(segments[start].first_offset));
  while (true) {
    CUTOVER_ASSIGN_OR_RETURN(std::optional<LogEntry> entry, reader->Next());
    if (!entry) return durable;
    if (predicate(*entry)) return entry->offset;
  }
}

Result<uint64_t> LocalLog::OffsetAtTime(int64_t time_ms) {
  return FirstDurableWhere([time_ms](const LogEntry& e) { return e.time_ms >= time_ms; });
}

Result<uint64_t> LocalLog::OffsetAtPosition(const Position& position) {
  return FirstDurableWhere([&position](const LogEntry& e) {
    return !e.position.empty() && !position.IsAfter(e.position);
  });
}

Result<int> LocalLog::Retain(uint64_t applied_offset, int64_t now_ms) {
  std::vector<Segment> doomed;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    uint64_t total = buffer_.size();
    for (const Segment& segment : segments_) total += segment.bytes;
    const int64_t max_age_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(options_.retain_age).count();
    size_t drop = 0;
    // Never the last (written) segment; a segment ends where the next begins.
    while (drop + 1 < segments_.size()) {
      const Segment& segment = segments_[drop];
      const uint64_t end = segments_[drop + 1].first_offset;  // exclusive
      if (end > applied_offset) break;
      bool too_big = total > options_.retain_bytes;
      bool too_old = false;
      if (!too_big) {
        // The segment's newest record is at most as old as the next segment's first.
        int fd = ::open(segments_[drop + 1].path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
          LogEntry first;
          Result<uint64_t> size = ReadFrame(fd, 0, UINT64_MAX, &first, segments_[drop + 1].path);
          ::close(fd);
          too_old = size.ok() && *size > 0 && now_ms - first.time_ms > max_age_ms;
        }
      }
      if (!too_big && !too_old) break;
      total -= segment.bytes;
      doomed.push_back(segment);
      ++drop;
    }
    segments_.erase(segments_.begin(), segments_.begin() + static_cast<std::ptrdiff_t>(drop));
  }
  for (const Segment& segment : doomed) {
    std::error_code ec;
    std::filesystem::remove(segment.path, ec);
    if (ec)
      return Status::Unavailable("cannot delete " + segment.path.string() + ": " + ec.message());
  }
  return static_cast<int>(doomed.size());
}

}  // namespace cutover::log
