// Unit tests of reading Changes back from the log at any offset, across segments.
#include "log/change_reader.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "state/test_support.h"

namespace cutover::log {
namespace {

std::shared_ptr<const TableSchema> Shape(std::string table) {
  auto schema = std::make_shared<TableSchema>();
  schema->id = TableId{"shop", std::move(table)};
  schema->columns = {
      Column{"id", *ParseMysqlColumnType("int(11)", "", ""), false},
      Column{"v", *ParseMysqlColumnType("varchar(20)", "utf8mb4", "utf8mb4_bin"), true}};
  schema->key = {0};
  return schema;
}

// Writes 40 transactions of 2 changes (alternating tables) the way capture does: one append
// per transaction, shapes again at the start of every segment.
void WriteLog(LocalLog& log) {
  auto orders = Shape("orders");
  auto items = Shape("items");
  ChangeEncoder encoder;
  for (int txn = 0; txn < 40; ++txn) {
    if (log.NextAppendStartsSegment()) encoder.Reset();
    std::vector<std::string> payloads;
    for (int n = 0; n < 2; ++n) {
      Change change;
      change.schema = (txn + n) % 2 == 0 ? orders : items;
      change.table = change.schema->id;
      change.after = Row{{Value::Int(txn * 10 + n), Value::Str(fmt::format("v{}", txn))}, {}};
      ASSERT_TRUE(encoder.Encode(change, &payloads).ok());
    }
    payloads.push_back(CommitRecord());
    std::vector<LogAppend> appends;
    for (const std::string& payload : payloads) appends.push_back(LogAppend{payload, Position()});
    ASSERT_TRUE(log.Append(appends, txn).ok());
  }
  ASSERT_TRUE(log.Sync().ok());
}

std::vector<std::string> ReadFrom(std::shared_ptr<LocalLog> log, uint64_t offset) {
  std::vector<std::string> out;
  auto reader = ChangeReader::Open(log, offset);
  EXPECT_TRUE(reader.ok()) << reader.status().ToString();
  if (!reader.ok()) return out;
  Change change;
  while (true) {
    auto record = (*reader)->Next(&change);
    EXPECT_TRUE(record.ok()) << record.status().ToString();
    if (!record.ok() || !record->has_value()) break;
    if ((*record)->kind == RecordKind::kCommit) {
      out.push_back(std::to_string((*record)->offset) + " commit");
    } else {
      out.push_back(std::to_string((*record)->offset) + " " + change.table.ToString() + " " +
                    std::to_string(change.after->values[0].as_int()));
    }
  }
  return out;
}

TEST(ChangeReaderTest, EveryOffsetReadsTheSameSuffixAsAFullRead) {
  state::TempDir dir;
  LocalLogOptions options;
  options.dir = dir.path() / "log";
  options.segment_bytes = 600;  // several transactions per segment, many segments
  auto log = *LocalLog::Open(options);
  WriteLog(*log);
  ASSERT_GT(log->SegmentFirstOffsets().size(), 3u);
  std::vector<std::string> all = ReadFrom(log, 0);
  ASSERT_EQ(all.size(), 120u);           // 40 x (2 changes + commit)
  EXPECT_EQ(all[0], "1 shop.orders 0");  // offset 0 is the orders shape
  for (uint64_t offset = 0; offset < log->next_offset(); ++offset) {
    std::vector<std::string> suffix;
    for (const std::string& line : all) {
      if (std::stoull(line) >= offset) suffix.push_back(line);
    }
    EXPECT_EQ(ReadFrom(log, offset), suffix) << "from offset " << offset;
  }
}

}  // namespace
}  // namespace cutover::log
