// Corrupt and truncated input: every truncation of every rows event of the MariaDB fixture is
// DataLoss or, when it happens to end on a row boundary, yields only rows the whole event has;
// never a crash (run this under -DCUTOVER_SANITIZE=ON).
#include <gtest/gtest.h>

#include "source/binlog/decoder.h"
#include "source/binlog/rows_event.h"
#include "source/binlog/test_support.h"

namespace cutover::binlog {
namespace {

using testing::ReadFixture;
using testing::RecordingSink;

std::vector<std::string> FixtureEvents() {
  std::string file = ReadFixture("mariadb-types.binlog");
  BinlogFileReader reader(file);
  std::vector<std::string> events;
  if (!reader.Open().ok()) return events;
  std::string_view event;
  uint64_t offset = 0;
  while (true) {
    auto more = reader.Next(&event, &offset);
    if (!more.ok() || !*more) break;
    events.emplace_back(event);
  }
  return events;
}

// `event` cut to `body_size` bytes after the header, with a header and CRC32 that agree.
std::string Truncate(const std::string& event, size_t body_size) {
  std::string body = event.substr(kEventHeaderSize, body_size);
  auto header = ParseEventHeader(event);
  return testing::MakeEvent(header->type, body, true, header->log_pos, header->flags);
}

// Cut points: all of them for small events, a sample for large ones.
std::vector<size_t> CutPoints(size_t body_size) {
  std::vector<size_t> cuts;
  for (size_t cut = 0; cut < body_size; ++cut) {
    if (body_size < 4096 || cut < 512 || cut % 251 == 0 || body_size - cut < 512) {
      cuts.push_back(cut);
    }
  }
  return cuts;
}

TEST(Truncation, EveryCutOfEveryRowsEventIsDataLossOrAPrefix) {
  std::vector<std::string> events = FixtureEvents();
  ASSERT_GT(events.size(), 100u);
  RecordingSink warmup_sink;
  BinlogDecoder before(DecoderOptions{});
  size_t rows_events = 0, data_loss = 0, prefixes = 0;
  for (const std::string& event : events) {
    auto header = ParseEventHeader(event);
    ASSERT_TRUE(header.ok());
    if (IsRowsEvent(header->type)) {
      ++rows_events;
      BinlogDecoder whole_decoder = before;
      RecordingSink whole;
      ASSERT_TRUE(whole_decoder.Decode(event, &whole).ok());
      size_t body_size = event.size() - kEventHeaderSize - kChecksumSize;
      for (size_t cut : CutPoints(body_size)) {
        BinlogDecoder decoder = before;
        RecordingSink sink;
        Status status = decoder.Decode(Truncate(event, cut), &sink);
        if (!status.ok()) {
          ASSERT_EQ(status.code(), StatusCode::kDataLoss) << status.ToString();
          ++data_loss;
          continue;
        }
        // A cut on a row boundary: fewer rows, each equal to the whole event's.
        ++prefixes;
        ASSERT_LT(sink.changes.size(), whole.changes.size()) << "cut " << cut;
        for (size_t idx = 0; idx < sink.changes.size(); ++idx) {
          EXPECT_EQ(sink.changes[idx].after, whole.changes[idx].after);
          EXPECT_EQ(sink.changes[idx].before, whole.changes[idx].before);
        }
      }
    }
    ASSERT_TRUE(before.Decode(event, &warmup_sink).ok());
  }
  EXPECT_EQ(rows_events, 37u);
  EXPECT_GT(data_loss, 10000u);
  EXPECT_GT(prefixes, 40u);  // at least the cut before the first row of each event
}

TEST(Truncation, EveryCutOfATableMapIsDataLoss) {
  std::vector<std::string> events = FixtureEvents();
  size_t table_maps = 0;
  for (const std::string& event : events) {
    auto header = ParseEventHeader(event);
    if (header->type != 19) continue;
    ++table_maps;
    size_t body_size = event.size() - kEventHeaderSize - kChecksumSize;
    for (size_t cut = 0; cut < body_size; ++cut) {
      auto map = ParseTableMap(std::string_view(event).substr(kEventHeaderSize, cut), 8, true);
      // A cut that only drops whole optional metadata fields still parses: then it must
      // describe the same columns.
      if (map.ok()) {
        auto whole =
            ParseTableMap(std::string_view(event).substr(kEventHeaderSize, body_size), 8, true);
        EXPECT_EQ(map->columns.size(), whole->columns.size());
        continue;
      }
      EXPECT_EQ(map.status().code(), StatusCode::kDataLoss) << map.status().ToString();
    }
  }
  EXPECT_GT(table_maps, 30u);
}

TEST(Truncation, EveryPrefixOfAnEventWithItsOriginalHeaderIsDataLoss) {
  std::vector<std::string> events = FixtureEvents();
  BinlogDecoder decoder(DecoderOptions{});
  RecordingSink sink;
  for (size_t idx = 0; idx < 40 && idx < events.size(); ++idx) {
    for (size_t cut = 0; cut < events[idx].size(); ++cut) {
      Status status = decoder.Decode(std::string_view(events[idx]).substr(0, cut), &sink);
      ASSERT_EQ(status.code(), StatusCode::kDataLoss) << idx << " cut " << cut;
    }
    ASSERT_TRUE(decoder.Decode(events[idx], &sink).ok());
  }
}

TEST(Truncation, FlippedBytesNeverCrashTheRowDecoder) {
  // With checksums off, a flipped byte reaches the row decoder: it must fail cleanly or decode.
  std::vector<std::string> events = FixtureEvents();
  DecoderOptions options;
  options.verify_checksums = false;
  BinlogDecoder before(options);
  RecordingSink sink;
  size_t failures = 0;
  for (const std::string& event : events) {
    auto header = ParseEventHeader(event);
    if (IsRowsEvent(header->type) && event.size() < 4096) {
      for (size_t pos = kEventHeaderSize + 8; pos + kChecksumSize < event.size(); ++pos) {
        std::string flipped = event;
        flipped[pos] = static_cast<char>(flipped[pos] ^ 0xA5);
        BinlogDecoder decoder = before;
        RecordingSink scratch;
        Status status = decoder.Decode(flipped, &scratch);
        if (!status.ok()) {
          ++failures;
          EXPECT_TRUE(status.code() == StatusCode::kDataLoss ||
                      status.code() == StatusCode::kUnimplemented)
              << status.ToString();
        }
      }
    }
    ASSERT_TRUE(before.Decode(event, &sink).ok());
  }
  EXPECT_GT(failures, 100u);
}

// Fuzz finding 2 (docs/fuzzing.md; fuzz/crashes/fuzz_binlog/timeout-93936ec5...): a rows event
// whose columns-present bitmap marks no column has rows of no bytes, and the decoder handed the
// sink the same change forever. Here the fixture's first WRITE_ROWS event with its bitmap zeroed.
TEST(Corruption, ARowsEventWithNoColumnPresentIsDataLossNotALoop) {
  std::vector<std::string> events = FixtureEvents();
  BinlogDecoder decoder(DecoderOptions{});
  RecordingSink sink;
  for (const std::string& event : events) {
    auto header = ParseEventHeader(event);
    ASSERT_TRUE(header.ok());
    if (header->type != 23) {  // WRITE_ROWS_EVENT_V1: table id (6), flags (2), column count
      ASSERT_TRUE(decoder.Decode(event, &sink).ok());
      continue;
    }
    std::string body = event.substr(kEventHeaderSize, event.size() - kEventHeaderSize - 4);
    const auto columns = static_cast<uint8_t>(body[8]);
    ASSERT_LT(columns, 251);  // a one-byte packed count
    for (size_t byte = 0; byte < (columns + 7u) / 8u; ++byte) body[9 + byte] = 0;
    const size_t before = sink.changes.size();
    Status status = decoder.Decode(
        testing::MakeEvent(header->type, body, true, header->log_pos, header->flags), &sink);
    EXPECT_EQ(status.ToString(),
              "DataLoss: WRITE_ROWS_EVENT_V1 at offset 6574: rows event of fx.t_int marks no "
              "column present, so its rows take no bytes: the event is corrupt");
    EXPECT_EQ(sink.changes.size(), before);
    return;
  }
  FAIL() << "the fixture has no WRITE_ROWS_EVENT_V1";
}

}  // namespace
}  // namespace cutover::binlog
