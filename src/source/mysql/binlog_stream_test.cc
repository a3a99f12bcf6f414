// Tests for the stream's exactly-once rule without a server: the real MariaDB fixture binlog is
// cut after every event, the open transaction dropped, and reading resumed from the committed
// position with a fresh decoder, as BinlogStream does after a lost connection. The consumer must
// see exactly what one uninterrupted read gives.
#include <gtest/gtest.h>

#include "source/binlog/test_support.h"
#include "source/mysql/binlog_transaction_buffer.h"

namespace cutover::mysql {
namespace {

using binlog::testing::ReadFixture;
using binlog::testing::RecordingSink;

struct FileEvent {
  std::string_view bytes;
  uint64_t offset = 0;
};

std::vector<FileEvent> Events(std::string_view file) {
  binlog::BinlogFileReader reader(file);
  EXPECT_TRUE(reader.Open().ok());
  std::vector<FileEvent> events;
  FileEvent event;
  while (*reader.Next(&event.bytes, &event.offset)) events.push_back(event);
  return events;
}

binlog::DecoderOptions From(const Position& start) {
  binlog::DecoderOptions options;
  options.start = start;
  return options;
}

Position FileStart() {
  return Position::FromFile(*BinlogFilePosition::Make("binlog.000001", kBinlogFirstEventOffset));
}

DeliveredState Fresh() { return DeliveredState{FileStart(), {}}; }

// Decodes events[first, last) through a fresh decoder and buffer into `sink`; a resumed read
// starts with the file's FORMAT_DESCRIPTION, as a source sends it. Returns the committed position.
DeliveredState ReadRange(const std::vector<FileEvent>& events, size_t first, size_t last,
                         const DeliveredState& start, RecordingSink* sink) {
  DeliveredState state = start;
  TransactionBuffer buffer(sink, &state);
  binlog::DecoderOptions options = From(start.committed);
  options.known_shapes = start.shapes;
  binlog::BinlogDecoder decoder(options);
  if (first > 0) {
    EXPECT_TRUE(buffer.Decode(&decoder, events[0].bytes).ok());
  }
  for (size_t event_idx = first; event_idx < last; ++event_idx) {
    Status status = buffer.Decode(&decoder, events[event_idx].bytes);
    EXPECT_TRUE(status.ok()) << status.ToString();
  }
  buffer.Discard();
  return state;
}

// The log lines of transactions and changes only (rotates come from the resumed FD's file).
std::vector<std::string> TransactionLog(const RecordingSink& sink) {
  std::vector<std::string> log;
  for (const std::string& line : sink.log) {
    if (!line.starts_with("rotate ") && !line.starts_with("heartbeat ")) log.push_back(line);
  }
  return log;
}

TEST(BinlogStreamTest, BufferDeliversWholeTransactionsInBinlogOrder) {
  std::string file = ReadFixture("mariadb-types.binlog");
  std::vector<FileEvent> events = Events(file);
  RecordingSink direct;
  binlog::BinlogDecoder decoder(From(FileStart()));
  for (const FileEvent& event : events) ASSERT_TRUE(decoder.Decode(event.bytes, &direct).ok());
  RecordingSink buffered;
  DeliveredState state = ReadRange(events, 0, events.size(), Fresh(), &buffered);
  EXPECT_EQ(buffered.log, direct.log);
  EXPECT_EQ(state.committed, decoder.committed_position());
  EXPECT_GT(direct.changes.size(), 50u);
}

TEST(BinlogStreamTest, CutAfterAnyEventAndResumedFromCommittedSeesEveryChangeOnce) {
  std::string file = ReadFixture("mariadb-types.binlog");
  std::vector<FileEvent> events = Events(file);
  RecordingSink reference;
  ReadRange(events, 0, events.size(), Fresh(), &reference);
  int cuts_inside_transactions = 0;
  for (size_t cut = 1; cut < events.size(); ++cut) {
    RecordingSink resumed;
    DeliveredState state = ReadRange(events, 0, cut, Fresh(), &resumed);
    const Position& committed = state.committed;
    size_t first = 0;
    while (first < events.size() && events[first].offset < committed.file().offset()) ++first;
    if (committed.file().file() != "binlog.000001") first = events.size();  // after the ROTATE
    if (first < cut) ++cuts_inside_transactions;
    ReadRange(events, first, events.size(), state, &resumed);
    std::vector<std::string> got = TransactionLog(resumed), want = TransactionLog(reference);
    size_t same = 0;
    while (same < got.size() && same < want.size() && got[same] == want[same]) ++same;
    ASSERT_EQ(same, want.size()) << "cut after event " << cut << " of " << events.size()
                                 << ": first difference at line " << same << ": '"
                                 << (same < got.size() ? got[same].substr(0, 100) : "(end)")
                                 << "' instead of '"
                                 << (same < want.size() ? want[same].substr(0, 100) : "(end)")
                                 << "'";
    ASSERT_EQ(got.size(), want.size()) << "cut after event " << cut;
    ASSERT_EQ(resumed.changes.size(), reference.changes.size());
  }
  EXPECT_GT(cuts_inside_transactions, 100);
}

TEST(BinlogStreamTest, SinkErrorIsTheConsumersAndKeepsThePosition) {
  class Refusing : public RecordingSink {
    Status OnCommit(const binlog::TransactionCommit&) override {
      return Status::Unavailable("log full");
    }
  } refusing;
  std::string file = ReadFixture("mariadb-types.binlog");
  DeliveredState state = Fresh();
  TransactionBuffer buffer(&refusing, &state);
  binlog::BinlogDecoder decoder(From(FileStart()));
  Status status;
  for (const FileEvent& event : Events(file)) {
    status = buffer.Decode(&decoder, event.bytes);
    if (!status.ok()) break;
  }
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_TRUE(status.message().ends_with(": log full")) << status.ToString();
  EXPECT_TRUE(buffer.downstream_failed());
  ASSERT_EQ(refusing.begins.size(), 1u);
  // The refused transaction is still ahead of the position: resuming reads it again.
  EXPECT_LE(state.committed.file().offset(), refusing.begins[0].resume_position.file().offset());
  ASSERT_TRUE(refusing.begins[0].gtid.has_value());
  EXPECT_FALSE(state.committed.Contains(*refusing.begins[0].gtid));
  EXPECT_EQ(buffer.delivered(), 0u);
}

}  // namespace
}  // namespace cutover::mysql
