// Tests of event framing: common header, FORMAT_DESCRIPTION_EVENT, checksums, file splitting.
#include "source/binlog/framing.h"

#include <gtest/gtest.h>

#include "source/binlog/decoder.h"
#include "source/binlog/event_types.h"
#include "source/binlog/test_support.h"

namespace cutover::binlog {
namespace {

using testing::Hex;
using testing::MakeEvent;
using testing::ReadFixture;

TEST(Crc32, MatchesTheStandardCheckValue) { EXPECT_EQ(Crc32("123456789"), 0xCBF43926u); }

TEST(EventHeader, ReadsEveryField) {
  // timestamp 0x65 53 f1 00 | type 2 (QUERY) | server 7 | size 23 | log_pos 0x1234 | flags 8
  std::string event = Hex("00f15365 02 07000000 17000000 34120000 0800 aabbccdd");
  auto header = ParseEventHeader(event);
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(header->timestamp, 0x6553f100u);
  EXPECT_EQ(header->type, 2);
  EXPECT_EQ(header->server_id, 7u);
  EXPECT_EQ(header->event_size, 23u);
  EXPECT_EQ(header->log_pos, 0x1234u);
  EXPECT_EQ(header->flags, 8);
}

TEST(EventHeader, RejectsASizeThatDisagreesWithTheBytes) {
  std::string event = Hex("00f15365 02 07000000 40000000 34120000 0800 aabbccdd");
  EXPECT_EQ(ParseEventHeader(event).status().ToString(),
            "DataLoss: event QUERY_EVENT says it has 64 bytes but 23 were given");
  EXPECT_EQ(ParseEventHeader(event.substr(0, 10)).status().code(), StatusCode::kDataLoss);
}

TEST(FormatDescription, ReadsTheMariaDbFixture) {
  std::string file = ReadFixture("mariadb-types.binlog");
  BinlogFileReader reader(file);
  ASSERT_TRUE(reader.Open().ok());
  std::string_view event;
  uint64_t offset = 0;
  ASSERT_TRUE(*reader.Next(&event, &offset));
  EXPECT_EQ(offset, 4u);
  auto fd = ParseFormatDescription(event);
  ASSERT_TRUE(fd.ok()) << fd.status().ToString();
  EXPECT_EQ(fd->binlog_version, 4);
  EXPECT_EQ(fd->server_version.rfind("10.11.", 0), 0u);
  EXPECT_TRUE(fd->is_mariadb);
  EXPECT_EQ(fd->checksum, ChecksumAlgorithm::kCrc32);
  EXPECT_EQ(fd->PostHeaderLength(static_cast<uint8_t>(EventType::kQuery), 0), 13);
  EXPECT_EQ(fd->PostHeaderLength(static_cast<uint8_t>(EventType::kTableMap), 0), 8);
  EXPECT_EQ(fd->PostHeaderLength(static_cast<uint8_t>(EventType::kWriteRowsV1), 0), 8);
  EXPECT_EQ(fd->PostHeaderLength(static_cast<uint8_t>(EventType::kMariaGtid), 0), 19);
}

// A MySQL 8 FORMAT_DESCRIPTION_EVENT: binlog v4, "8.0.36", header 19, post-header lengths for
// types 1..41, checksum CRC32.
std::string MysqlFormatDescription(std::string version = "8.0.36") {
  std::string payload = Hex("0400");  // binlog version 4
  version.resize(50, '\0');
  payload += version;
  payload += Hex("00000000 13");  // create time, header length 19
  std::string lengths(41, '\0');
  lengths[2 - 1] = 13;   // QUERY
  lengths[4 - 1] = 8;    // ROTATE
  lengths[15 - 1] = 98;  // FORMAT_DESCRIPTION
  lengths[19 - 1] = 8;   // TABLE_MAP
  for (int type = 30; type <= 32; ++type) lengths[static_cast<size_t>(type - 1)] = 10;
  lengths[33 - 1] = 42;  // GTID_LOG_EVENT
  payload += lengths;
  payload += Hex("01");  // checksum algorithm CRC32
  std::string event = MakeEvent(15, payload, true, 0);
  return event;
}

TEST(FormatDescription, ReadsAMysql8Description) {
  auto fd = ParseFormatDescription(MysqlFormatDescription());
  ASSERT_TRUE(fd.ok()) << fd.status().ToString();
  EXPECT_FALSE(fd->is_mariadb);
  EXPECT_EQ(fd->checksum, ChecksumAlgorithm::kCrc32);
  EXPECT_EQ(fd->post_header_lengths.size(), 41u);
  EXPECT_EQ(fd->PostHeaderLength(static_cast<uint8_t>(EventType::kWriteRowsV2), 0), 10);
  EXPECT_EQ(fd->PostHeaderLength(200, 7), 7);
}

// Fuzz finding 1 (docs/fuzzing.md; fuzz/crashes/fuzz_binlog/crash-e06c6ca6...): a run of ten or
// more digits in the server version overflowed an int (undefined behaviour).
TEST(FormatDescription, RejectsAServerVersionNumberTooLargeToBeOne) {
  EXPECT_EQ(ParseFormatDescription(MysqlFormatDescription("5.1111111111111.1")).status().ToString(),
            "DataLoss: FORMAT_DESCRIPTION_EVENT server version '5.1111111111111.1' has a number "
            "over 65535: the event is corrupt");
  EXPECT_EQ(ParseFormatDescription(MysqlFormatDescription(std::string(50, '1'))).status().code(),
            StatusCode::kDataLoss);
  EXPECT_TRUE(ParseFormatDescription(MysqlFormatDescription("65535.0.0")).ok());
}

TEST(FormatDescription, AcceptsTheInUseFlagOfTheFileBeingWritten) {
  std::string file = ReadFixture("mariadb-types.binlog");
  BinlogFileReader reader(file);
  ASSERT_TRUE(reader.Open().ok());
  std::string_view view;
  uint64_t offset = 0;
  ASSERT_TRUE(*reader.Next(&view, &offset));
  std::string event(view);
  event[17] = static_cast<char>(event[17] | 0x01);  // LOG_EVENT_BINLOG_IN_USE_F, CRC unchanged
  EXPECT_TRUE(ParseFormatDescription(event).ok());
  event[30] ^= 1;
  EXPECT_EQ(ParseFormatDescription(event).status().code(), StatusCode::kDataLoss);
}

TEST(FormatDescription, RejectsItsOwnBadChecksum) {
  std::string event = MysqlFormatDescription();
  event[30] ^= 1;
  EXPECT_EQ(ParseFormatDescription(event).status().code(), StatusCode::kDataLoss);
}

TEST(Checksum, MismatchNamesTheEventTypeAndOffset) {
  std::string file = ReadFixture("mariadb-types.binlog");
  // Flip one byte inside the 20th event's body.
  BinlogFileReader reader(file);
  ASSERT_TRUE(reader.Open().ok());
  std::string_view event;
  uint64_t offset = 0;
  for (int idx = 0; idx < 20; ++idx) ASSERT_TRUE(*reader.Next(&event, &offset));
  auto header = ParseEventHeader(event);
  file[offset + kEventHeaderSize + 1] ^= 0x40;
  testing::RecordingSink sink;
  BinlogDecoder decoder(DecoderOptions{});
  Status status = decoder.DecodeFile(file, "binlog.000001", &sink);
  EXPECT_EQ(status.code(), StatusCode::kDataLoss);
  std::string where = EventTypeName(header->type) + " at binlog.000001:" + std::to_string(offset);
  EXPECT_EQ(status.message().substr(0, where.size()), where) << status.ToString();
  EXPECT_NE(status.message().find("checksum mismatch: stored 0x"), std::string::npos);
}

TEST(Checksum, VerificationCanBeTurnedOff) {
  std::string file = ReadFixture("mariadb-nochecksum.binlog");
  testing::RecordingSink sink;
  DecoderOptions options;
  options.verify_checksums = false;
  BinlogDecoder decoder(options);
  EXPECT_TRUE(decoder.DecodeFile(file, "binlog.000003", &sink).ok());
}

TEST(BinlogFileReader, RejectsAMissingMagicAndTruncatedEvents) {
  BinlogFileReader not_binlog("hello world");
  EXPECT_EQ(not_binlog.Open().ToString(),
            "DataLoss: not a binlog file: it does not start with 0xFE 'bin'");
  std::string file = ReadFixture("mariadb-nochecksum.binlog");
  std::string cut = file.substr(0, file.size() - 3);
  BinlogFileReader reader(cut);
  ASSERT_TRUE(reader.Open().ok());
  std::string_view event;
  uint64_t offset = 0;
  Result<bool> more = true;
  while (more.ok() && *more) more = reader.Next(&event, &offset);
  EXPECT_EQ(more.status().ToString(),
            "DataLoss: ROTATE_EVENT at offset 681 claims 40 bytes but 37 are left");
}

TEST(EventTypeName, NamesKnownAndUnknownTypes) {
  EXPECT_EQ(EventTypeName(162), "GTID_EVENT");
  EXPECT_EQ(EventTypeName(30), "WRITE_ROWS_EVENT");
  EXPECT_EQ(EventTypeName(99), "UNKNOWN_EVENT(99)");
  EXPECT_TRUE(IsCompressedEvent(169));
  EXPECT_FALSE(IsCompressedEvent(23));
}

}  // namespace
}  // namespace cutover::binlog
