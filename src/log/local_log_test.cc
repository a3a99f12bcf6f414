// Unit tests of the local change log on a real directory: framing, durability, recovery from a
// torn tail, corruption, segments, lookups by time and position, retention.
#include "log/local_log.h"

#include <cerrno>
#include <fstream>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <libdeflate.h>

#include "state/test_support.h"

namespace cutover::log {
namespace {

using state::TempDir;

Position At(uint64_t pos) {
  return Position::FromFile(*BinlogFilePosition::Make("binlog.000001", pos));
}

LocalLogOptions Options(const TempDir& dir, uint64_t segment_bytes = 64u << 20) {
  LocalLogOptions options;
  options.dir = dir.path() / "log";
  options.segment_bytes = segment_bytes;
  options.sync_every = std::chrono::hours(1);  // only explicit Sync() in these tests
  return options;
}

// Appends `count` records "r<offset>" at positions 1000 + offset and times 5000 + offset.
void AppendRecords(LocalLog& log, int count) {
  for (int i = 0; i < count; ++i) {
    uint64_t offset = log.next_offset();
    std::string payload = fmt::format("r{}", offset);
    LogAppend record{payload, At(1000 + offset)};
    Result<uint64_t> first = log.Append(std::span(&record, 1), 5000 + static_cast<int64_t>(offset));
    ASSERT_TRUE(first.ok()) << first.status().ToString();
    ASSERT_EQ(*first, offset);
  }
}

std::vector<std::string> ReadAll(LocalLog& log, uint64_t from) {
  std::vector<std::string> out;
  Result<std::unique_ptr<LogReader>> reader = log.Read(from);
  EXPECT_TRUE(reader.ok()) << reader.status().ToString();
  if (!reader.ok()) return out;
  while (true) {
    Result<std::optional<LogEntry>> entry = (*reader)->Next();
    EXPECT_TRUE(entry.ok()) << entry.status().ToString();
    if (!entry.ok() || !entry->has_value()) break;
    EXPECT_EQ((*entry)->payload, fmt::format("r{}", (*entry)->offset));
    EXPECT_EQ((*entry)->time_ms, 5000 + static_cast<int64_t>((*entry)->offset));
    EXPECT_EQ((*entry)->position, At(1000 + (*entry)->offset));
    out.push_back((*entry)->payload);
  }
  return out;
}

TEST(LocalLogTest, ReadersSeeOnlyDurableRecordsInOrder) {
  TempDir dir;
  auto log = *LocalLog::Open(Options(dir));
  AppendRecords(*log, 3);
  EXPECT_EQ(log->next_offset(), 3u);
  EXPECT_EQ(log->durable_offset(), 0u);
  EXPECT_TRUE(ReadAll(*log, 0).empty());  // not synced: not visible
  ASSERT_TRUE(log->Sync().ok());
  EXPECT_EQ(ReadAll(*log, 0), (std::vector<std::string>{"r0", "r1", "r2"}));
  EXPECT_EQ(ReadAll(*log, 2), (std::vector<std::string>{"r2"}));
  EXPECT_TRUE(ReadAll(*log, 3).empty());
  Result<std::unique_ptr<LogReader>> beyond = log->Read(4);
  ASSERT_FALSE(beyond.ok());
  EXPECT_EQ(beyond.status().code(), StatusCode::kNotFound);
}

TEST(LocalLogTest, AReaderFollowsAppendsAcrossSegments) {
  TempDir dir;
  auto log = *LocalLog::Open(Options(dir, /*segment_bytes=*/200));
  Result<std::unique_ptr<LogReader>> reader = log->Read(0);
  ASSERT_TRUE(reader.ok());
  uint64_t seen = 0;
  for (int round = 0; round < 5; ++round) {
    AppendRecords(*log, 7);
    ASSERT_TRUE(log->Sync().ok());
    while (true) {
      Result<std::optional<LogEntry>> entry = (*reader)->Next();
      ASSERT_TRUE(entry.ok()) << entry.status().ToString();
      if (!entry->has_value()) break;
      EXPECT_EQ((*entry)->offset, seen++);
    }
  }
  EXPECT_EQ(seen, 35u);
  size_t segments = 0;
  for (const auto& file : std::filesystem::directory_iterator(dir.path() / "log")) {
    segments += file.path().extension() == ".log" ? 1 : 0;
  }
  EXPECT_GT(segments, 5u);
  EXPECT_EQ(ReadAll(*log, 17).size(), 18u);  // from the middle of a middle segment
}

// The reader reads ahead in blocks (LogReader::kReadAhead) and skips to an offset by the records'
// headers: records across many blocks, one bigger than a block, appends after a read that ended
// inside a block, and readers starting at offsets on either side of the big one.
TEST(LocalLogTest, AReaderReadsAheadAcrossBlocksAndBigRecords) {
  TempDir dir;
  auto log = *LocalLog::Open(Options(dir));
  auto append = [&](int count, size_t pad) {
    for (int i = 0; i < count; ++i) {
      uint64_t offset = log->next_offset();
      std::string payload = fmt::format("r{}:", offset) + std::string(pad, 'x');
      LogAppend record{payload, At(1000 + offset)};
      ASSERT_TRUE(log->Append(std::span(&record, 1), 5000).ok());
    }
  };
  append(5000, 90);
  append(1, 600 * 1024);  // offset 5000
  append(2999, 90);  // offsets 0..7999
  ASSERT_TRUE(log->Sync().ok());
  auto read = [&](uint64_t from) {
    std::vector<uint64_t> offsets;
    Result<std::unique_ptr<LogReader>> reader = log->Read(from);
    EXPECT_TRUE(reader.ok()) << reader.status().ToString();
    if (!reader.ok()) return offsets;
    for (;;) {
      Result<std::optional<LogEntry>> entry = (*reader)->Next();
      EXPECT_TRUE(entry.ok()) << entry.status().ToString();
      if (!entry.ok() || !entry->has_value()) break;
      const LogEntry& got = **entry;
      EXPECT_EQ(got.payload.substr(0, got.payload.find(':')), fmt::format("r{}", got.offset));
      EXPECT_EQ(got.payload.size(), got.offset == 5000 ? 600 * 1024 + 6 : 90 + 1 +
                                        fmt::format("r{}", got.offset).size());
      EXPECT_EQ(got.position, At(1000 + got.offset));
      offsets.push_back(got.offset);
    }
    return offsets;
  };
  for (uint64_t from : {0u, 1u, 4999u, 5000u, 5001u, 7999u}) {
    std::vector<uint64_t> offsets = read(from);
    ASSERT_EQ(offsets.size(), 8000 - from) << from;
    for (size_t i = 0; i < offsets.size(); ++i) ASSERT_EQ(offsets[i], from + i) << from;
  }
  // A reader at the end, then more appends: it reads them although its block ended before.
  Result<std::unique_ptr<LogReader>> reader = log->Read(7990);
  ASSERT_TRUE(reader.ok());
  int seen = 0;
  while ((*reader)->Next().value().has_value()) ++seen;
  EXPECT_EQ(seen, 10);
  append(50, 90);
  ASSERT_TRUE(log->Sync().ok());
  while ((*reader)->Next().value().has_value()) ++seen;
  EXPECT_EQ(seen, 60);
}

TEST(LocalLogTest, ReopeningCutsATornTailAndContinuesTheOffsets) {
  TempDir dir;
  std::filesystem::path segment;
  {
    auto log = *LocalLog::Open(Options(dir));
    AppendRecords(*log, 4);
    ASSERT_TRUE(log->Sync().ok());
    segment = std::filesystem::directory_iterator(dir.path() / "log")->path();
  }
  // A crash in the middle of writing a record: half a frame at the end.
  const auto whole = std::filesystem::file_size(segment);
  {
    std::ofstream out(segment, std::ios::binary | std::ios::app);
    out.write("\x30\x00\x00\x00\x01\x02", 6);
  }
  auto log = *LocalLog::Open(Options(dir));
  EXPECT_EQ(std::filesystem::file_size(segment), whole);
  EXPECT_EQ(log->next_offset(), 4u);
  EXPECT_EQ(log->durable_offset(), 4u);
  AppendRecords(*log, 2);
  ASSERT_TRUE(log->Sync().ok());
  EXPECT_EQ(ReadAll(*log, 0).size(), 6u);
}

// Opening scans the last segment in 1 MiB blocks (LocalLog::kScanBlock): records that straddle a
// block's end are whole, a torn tail past several blocks is cut, and TruncateFrom finds its
// offset past the first block too.
TEST(LocalLogTest, ReopeningScansASegmentOfManyBlocks) {
  TempDir dir;
  std::filesystem::path segment;
  const std::string big(7001, 'x');  // not a divisor of the block: records straddle its ends
  auto append = [&](LocalLog& log, int count) {
    for (int i = 0; i < count; ++i) {
      const std::string payload = big + std::to_string(log.next_offset());
      LogAppend record{payload, At(1000 + log.next_offset())};
      ASSERT_TRUE(log.Append(std::span(&record, 1), 5000).ok());
    }
  };
  {
    auto log = *LocalLog::Open(Options(dir));
    append(*log, 500);  // about 3.5 MB: four blocks
    ASSERT_TRUE(log->Sync().ok());
    segment = std::filesystem::directory_iterator(dir.path() / "log")->path();
  }
  const auto whole = std::filesystem::file_size(segment);
  ASSERT_GT(whole, 3u << 20);  // over three of the 1 MiB blocks opening reads
  {
    std::ofstream out(segment, std::ios::binary | std::ios::app);
    out << std::string(5000, '\x7f');  // a torn record: an impossible length, then junk
  }
  auto log = *LocalLog::Open(Options(dir));
  EXPECT_EQ(std::filesystem::file_size(segment), whole);
  EXPECT_EQ(log->next_offset(), 500u);
  ASSERT_TRUE(log->TruncateFrom(321).ok());
  EXPECT_EQ(log->next_offset(), 321u);
  Result<std::unique_ptr<LogReader>> reader = log->Read(300);
  ASSERT_TRUE(reader.ok());
  for (uint64_t offset = 300; offset < 321; ++offset) {
    Result<std::optional<LogEntry>> entry = (*reader)->Next();
    ASSERT_TRUE(entry.ok() && entry->has_value()) << offset;
    EXPECT_EQ((*entry)->payload, big + std::to_string(offset));
  }
  Result<std::optional<LogEntry>> end = (*reader)->Next();
  ASSERT_TRUE(end.ok());
  EXPECT_FALSE(end->has_value());
}

// A last record whose CRC32 holds is whole, whatever its body says: opening keeps it (it never
// cuts a record a writer made durable), and reading it reports what is wrong.
TEST(LocalLogTest, AWholeRecordWithABadPositionIsKeptAndReportedWhenRead) {
  TempDir dir;
  std::filesystem::path segment;
  uint64_t bytes = 0;
  {
    auto log = *LocalLog::Open(Options(dir));
    AppendRecords(*log, 2);
    ASSERT_TRUE(log->Sync().ok());
    segment = std::filesystem::directory_iterator(dir.path() / "log")->path();
    bytes = std::filesystem::file_size(segment);
  }
  // Offset 2, time 0, a position no one can read, a payload; its length and CRC32 right.
  std::string body;
  auto put = [&body](uint64_t value, int size) {
    for (int i = 0; i < size; ++i) body.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
  };
  const std::string position = "not a position";
  put(2, 8);
  put(0, 8);
  put(position.size(), 4);
  body += position + "r2";
  std::string frame;
  const uint32_t crc = libdeflate_crc32(0, body.data(), body.size());
  for (uint64_t value : {static_cast<uint64_t>(body.size()), static_cast<uint64_t>(crc)}) {
    for (int i = 0; i < 4; ++i) frame.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
  }
  {
    std::ofstream out(segment, std::ios::binary | std::ios::app);
    out << frame << body;
  }
  auto log = *LocalLog::Open(Options(dir));
  EXPECT_EQ(log->next_offset(), 3u);
  EXPECT_EQ(std::filesystem::file_size(segment), bytes + frame.size() + body.size());
  Result<std::unique_ptr<LogReader>> reader = log->Read(2);
  ASSERT_TRUE(reader.ok());
  Result<std::optional<LogEntry>> entry = (*reader)->Next();
  ASSERT_FALSE(entry.ok());
  EXPECT_EQ(entry.status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(entry.status().message(), "change log " + segment.string() + " at byte " +
                                          std::to_string(bytes) + ": bad position");
}

TEST(LocalLogTest, ACorruptRecordInsideTheLogIsDataLossNamingTheFileAndByte) {
  TempDir dir;
  {
    auto log = *LocalLog::Open(Options(dir, /*segment_bytes=*/100));
    AppendRecords(*log, 10);
    ASSERT_TRUE(log->Sync().ok());
  }
  std::filesystem::path first = dir.path() / "log" / "00000000000000000000.log";
  {
    std::fstream file(first, std::ios::binary | std::ios::in | std::ios::out);
    file.seekp(30);
    file.put('X');  // inside the first record's body
  }
  auto log = *LocalLog::Open(Options(dir, 100));  // only the last segment is scanned at open
  Result<std::unique_ptr<LogReader>> reader = log->Read(0);
  ASSERT_TRUE(reader.ok());
  Result<std::optional<LogEntry>> entry = (*reader)->Next();
  ASSERT_FALSE(entry.ok());
  EXPECT_EQ(entry.status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(entry.status().message(),
            "change log " + first.string() + " at byte 0: CRC32 mismatch");
}

TEST(LocalLogTest, FindsOffsetsByTimeAndBySourcePosition) {
  TempDir dir;
  auto log = *LocalLog::Open(Options(dir, /*segment_bytes=*/150));
  AppendRecords(*log, 30);
  ASSERT_TRUE(log->Sync().ok());
  EXPECT_EQ(*log->OffsetAtTime(0), 0u);
  EXPECT_EQ(*log->OffsetAtTime(5017), 17u);
  EXPECT_EQ(*log->OffsetAtTime(9999), 30u);  // none yet: where the next one will be
  EXPECT_EQ(*log->OffsetAtPosition(At(1021)), 21u);
  EXPECT_EQ(*log->OffsetAtPosition(At(1)), 0u);
  EXPECT_EQ(*log->OffsetAtPosition(At(5000)), 30u);
}

TEST(LocalLogTest, RetentionDeletesOnlyAppliedSegmentsBeyondTheLimits) {
  TempDir dir;
  LocalLogOptions options = Options(dir, /*segment_bytes=*/150);
  options.retain_bytes = 0;  // keep nothing that is applied
  auto log = *LocalLog::Open(options);
  AppendRecords(*log, 30);
  ASSERT_TRUE(log->Sync().ok());
  // Nothing applied: nothing deleted, whatever the size.
  EXPECT_EQ(*log->Retain(0, 0), 0);
  EXPECT_EQ(log->first_offset(), 0u);
  // Applied up to 12: only segments that end at or below 12 go.
  Result<int> deleted = log->Retain(12, 0);
  ASSERT_TRUE(deleted.ok());
  EXPECT_GT(*deleted, 0);
  EXPECT_LE(log->first_offset(), 12u);
  EXPECT_GT(log->first_offset(), 0u);
  EXPECT_EQ(ReadAll(*log, 12).size(), 18u);
  Result<std::unique_ptr<LogReader>> gone = log->Read(0);
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.status().code(), StatusCode::kNotFound);
  // A reopened log starts at the oldest kept segment.
  uint64_t first = log->first_offset();
  log.reset();
  auto reopened = *LocalLog::Open(options);
  EXPECT_EQ(reopened->first_offset(), first);
  EXPECT_EQ(reopened->next_offset(), 30u);
}

TEST(LocalLogTest, RetentionByAgeKeepsRecentAppliedSegments) {
  TempDir dir;
  LocalLogOptions options = Options(dir, /*segment_bytes=*/150);
  options.retain_age = std::chrono::hours(1);
  auto log = *LocalLog::Open(options);
  AppendRecords(*log, 30);  // appended at times 5000..5029 ms
  ASSERT_TRUE(log->Sync().ok());
  EXPECT_EQ(*log->Retain(30, 5030 + 1000), 0);             // a second later: all recent
  EXPECT_GT(*log->Retain(30, 5030 + 3 * 3600 * 1000), 0);  // three hours later: old
}

TEST(LocalLogTest, TruncateFromCutsTheLastSegmentsTailOnly) {
  TempDir dir;
  auto log = *LocalLog::Open(Options(dir, /*segment_bytes=*/150));
  AppendRecords(*log, 12);
  ASSERT_TRUE(log->Sync().ok());
  std::vector<uint64_t> firsts = log->SegmentFirstOffsets();
  ASSERT_GT(firsts.size(), 1u);
  Status inside_old = log->TruncateFrom(firsts.back() - 1);
  EXPECT_EQ(inside_old.code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(log->TruncateFrom(firsts.back() + 1).ok()) << "one record of the last segment kept";
  EXPECT_EQ(log->next_offset(), firsts.back() + 1);
  AppendRecords(*log, 2);  // offsets continue where the cut was
  ASSERT_TRUE(log->Sync().ok());
  EXPECT_EQ(ReadAll(*log, 0).size(), firsts.back() + 3);
}

TEST(LocalLogTest, OneAppendNeverStraddlesTwoSegments) {
  TempDir dir;
  auto log = *LocalLog::Open(Options(dir, /*segment_bytes=*/100));
  std::vector<std::string> payloads(10, std::string(40, 'x'));
  std::vector<LogAppend> batch;
  for (const std::string& payload : payloads) batch.push_back(LogAppend{payload, At(1)});
  EXPECT_FALSE(log->NextAppendStartsSegment());
  ASSERT_TRUE(log->Append(batch, 1).ok());  // 10 records over the 100-byte limit: one segment
  EXPECT_EQ(log->SegmentFirstOffsets(), (std::vector<uint64_t>{0}));
  EXPECT_TRUE(log->NextAppendStartsSegment());
  ASSERT_TRUE(log->Append(batch, 2).ok());
  EXPECT_EQ(log->SegmentFirstOffsets(), (std::vector<uint64_t>{0, 10}));
}

// A file `name` in the log folder of `dir`, holding `content`.
void PutFile(const TempDir& dir, const std::string& name, const std::string& content = "") {
  std::ofstream out(dir.path() / "log" / name, std::ios::binary);
  out << content;
}

// A closed log of `count` records in `dir` (one segment unless segment_bytes says otherwise).
void MakeLog(const TempDir& dir, int count, uint64_t segment_bytes = 64u << 20) {
  auto log = *LocalLog::Open(Options(dir, segment_bytes));
  AppendRecords(*log, count);
  ASSERT_TRUE(log->Sync().ok());
}

TEST(LocalLogTest, AStrayFileNotNamedLogIsIgnored) {
  TempDir dir;
  MakeLog(dir, 3);
  PutFile(dir, "notes.txt", "to do: replay from 2");
  PutFile(dir, "00000000000000000000.log.bak", "moved aside");
  std::filesystem::create_directory(dir.path() / "log" / "old");
  Result<std::shared_ptr<LocalLog>> log = LocalLog::Open(Options(dir));
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_EQ((*log)->SegmentFirstOffsets(), (std::vector<uint64_t>{0}));
  EXPECT_EQ(ReadAll(**log, 0), (std::vector<std::string>{"r0", "r1", "r2"}));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "log" / "notes.txt"));  // left alone
}

TEST(LocalLogTest, ALogFileNotNamedLikeASegmentIsRefusedNamingIt) {
  for (const char* name : {"123abc.log", "123.log", "00000000000000000000 (copy).log",
                           "0000000000000000abcd.log", "99999999999999999999.log",
                           "-0000000000000000001.log", ".log"}) {
    TempDir dir;
    MakeLog(dir, 3);
    PutFile(dir, name, "x");
    Result<std::shared_ptr<LocalLog>> log = LocalLog::Open(Options(dir));
    ASSERT_FALSE(log.ok()) << name;
    EXPECT_EQ(log.status().code(), StatusCode::kFailedPrecondition) << name;
    EXPECT_EQ(log.status().message(),
              fmt::format("change log folder {}: {} is not named like a segment (its first "
                          "offset in 20 digits, e.g. 00000000000000000000.log), so cutover cannot "
                          "tell which records it holds; move it out of the folder, or if it is a "
                          "segment, name it by its first offset",
                          (dir.path() / "log").string(), name));
  }
}

TEST(LocalLogTest, AFolderNamedLikeASegmentIsRefused) {
  TempDir dir;
  MakeLog(dir, 3);
  std::filesystem::create_directory(dir.path() / "log" / "00000000000000000007.log");
  Result<std::shared_ptr<LocalLog>> log = LocalLog::Open(Options(dir));
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(log.status().message().find(
                "00000000000000000007.log is not a regular file; move it out of the folder"),
            std::string_view::npos)
      << log.status().message();
}

TEST(LocalLogTest, AnEmptySegmentBeforeAnotherIsRefused) {
  TempDir dir;
  MakeLog(dir, 3);
  PutFile(dir, "00000000000000000001.log");  // empty, between segment 0 and a segment 2
  PutFile(dir, "00000000000000000002.log", "not empty");
  Result<std::shared_ptr<LocalLog>> log = LocalLog::Open(Options(dir));
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(log.status().message(),
            fmt::format("change log folder {}: 00000000000000000001.log is empty, yet segment "
                        "00000000000000000002.log follows it: cutover does not leave such a "
                        "file; delete it (it holds no records)",
                        (dir.path() / "log").string()));
}

TEST(LocalLogTest, OfTwoEmptySegmentsTheEarlierIsRefused) {
  // A new log (one empty segment 0) and an empty file put after it: naming the earlier keeps
  // the later, so offsets never go back whichever of the two is cutover's.
  TempDir dir;
  MakeLog(dir, 0);
  PutFile(dir, "00000000000000000100.log");
  Result<std::shared_ptr<LocalLog>> log = LocalLog::Open(Options(dir));
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(log.status().message(),
            fmt::format("change log folder {}: 00000000000000000000.log is empty and so is "
                        "00000000000000000100.log after it: cutover leaves at most one empty "
                        "segment, the last; delete it (it holds no records)",
                        (dir.path() / "log").string()));
  std::filesystem::remove(dir.path() / "log" / "00000000000000000000.log");
  log = LocalLog::Open(Options(dir));
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_EQ((*log)->next_offset(), 100u);
}

TEST(LocalLogTest, AnEmptyLastSegmentNotWhereTheLogEndsIsRefused) {
  for (const char* name : {"00000000000000000001.log", "00000000000000000100.log"}) {
    TempDir dir;
    MakeLog(dir, 3);  // offsets 0..2 in segment 0: the log ends at 3
    PutFile(dir, name);
    Result<std::shared_ptr<LocalLog>> log = LocalLog::Open(Options(dir));
    ASSERT_FALSE(log.ok()) << name;
    EXPECT_EQ(log.status().code(), StatusCode::kFailedPrecondition) << name;
    EXPECT_EQ(log.status().message(),
              fmt::format("change log folder {}: {} is empty and does not begin where the log "
                          "ends (offset 3): cutover does not leave such a file; delete it (it "
                          "holds no records)",
                          (dir.path() / "log").string(), name));
    // The fix the message gives works.
    std::filesystem::remove(dir.path() / "log" / name);
    ASSERT_TRUE(LocalLog::Open(Options(dir)).ok()) << name;
  }
}

TEST(LocalLogTest, AnEmptyLastSegmentWhereTheLogEndsIsWhereAppendsGoOn) {
  // What a process stopped right after starting a segment leaves behind.
  TempDir dir;
  MakeLog(dir, 3);
  PutFile(dir, "00000000000000000003.log");
  Result<std::shared_ptr<LocalLog>> log = LocalLog::Open(Options(dir));
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_EQ((*log)->next_offset(), 3u);
  EXPECT_EQ((*log)->SegmentFirstOffsets(), (std::vector<uint64_t>{0, 3}));
  AppendRecords(**log, 2);
  ASSERT_TRUE((*log)->Sync().ok());
  EXPECT_GT(std::filesystem::file_size(dir.path() / "log" / "00000000000000000003.log"), 0u);
  EXPECT_EQ(ReadAll(**log, 0), (std::vector<std::string>{"r0", "r1", "r2", "r3", "r4"}));
}

// A write that finds the disk full names the directory, says so and says what to do; another
// errno keeps the system's text.
TEST(LocalLogTest, FileErrorOnAFullDiskSaysWhatToDo) {
  Status full = FileError("cannot write", "/srv/state/log/00000000000000000000.log", ENOSPC);
  EXPECT_EQ(full.code(), StatusCode::kUnavailable);
  EXPECT_EQ(full.message(),
            "cannot write /srv/state/log/00000000000000000000.log: No space left on device in "
            "/srv/state/log: make room there (delete other files, grow the file system, or lower "
            "change_log.retention_size so applied segments are removed), then start `cutover run` "
            "again if it stopped; nothing written before was lost");
  EXPECT_EQ(FileError("cannot sync", "/srv/state/log", EIO).message(),
            "cannot sync /srv/state/log: Input/output error");
}

}  // namespace
}  // namespace cutover::log
