// The local change log through the ChangeLog interface: a writer's transactions read back by a
// consumer with their commit records, capture's resume position after a reopen, the appliers'
// progress readable by another (read-only) opener, the copy marker, offsets by time and
// position, and a replay start that overflows.
#include "log/local_change_log.h"

#include <gtest/gtest.h>

#include <fstream>

#include <fmt/format.h>

#include "state/test_support.h"

namespace cutover::log {
namespace {

std::shared_ptr<const TableSchema> Accounts() {
  static auto schema = [] {
    auto made = std::make_shared<TableSchema>();
    made->id = TableId{"shop", "accounts"};
    made->columns = {{"id", ColumnType{}, false}};
    made->key = {0};
    return made;
  }();
  return schema;
}

Position At(int seqno) { return Position::Parse(fmt::format("0-1-{}", seqno)).value(); }

Change Insert(int64_t id, int seqno) {
  Change change;
  change.table = Accounts()->id;
  change.schema = Accounts();
  change.after = Row{{Value::Int(id)}, {}};
  change.position = At(seqno);
  return change;
}

class Listener : public PartitionListener {
 public:
  explicit Listener(uint64_t from) : from_(from) {}
  Result<uint64_t> OnAssigned(int partition, std::optional<uint64_t> progress) override {
    assigned.push_back(partition);
    committed = progress;
    return from_;
  }
  Status OnRevoked(int partition) override {
    revoked.push_back(partition);
    return Status::Ok();
  }
  std::vector<int> assigned;
  std::vector<int> revoked;
  std::optional<uint64_t> committed;

 private:
  uint64_t from_;
};

class LocalChangeLogTest : public ::testing::Test {
 protected:
  LocalLogOptions Options() {
    LocalLogOptions options;
    options.dir = tmp_.path() / "log";
    return options;
  }
  std::unique_ptr<ChangeLog> Open(bool read_only = false) {
    return OpenLocalChangeLog(Options(), /*create=*/true, read_only).value();
  }
  state::TempDir tmp_;
};

TEST_F(LocalChangeLogTest, TransactionsReadBackWithTheirCommitsAndCaptureResumesAfterTheLast) {
  {
    std::unique_ptr<ChangeLog> log = Open();
    std::unique_ptr<LogWriter> writer = log->OpenWriter().value();
    EXPECT_EQ(writer->ResumePosition(At(0)).value(), At(0));  // empty log: the start
    for (int t = 1; t <= 3; ++t) {
      Change first = Insert(t * 10, t);
      Change second = Insert(t * 10 + 1, t);
      std::vector<LogChange> changes = {{&first, 0}, {&second, 0}};
      ASSERT_TRUE(writer->AppendTransaction(changes, At(t), 1000 * t).ok());
    }
    ASSERT_TRUE(writer->Sync().ok());
    EXPECT_FALSE(writer->unsynced());
    EXPECT_EQ(writer->DurableEnds().value(), std::vector<uint64_t>{10});  // and one shape
  }
  std::unique_ptr<ChangeLog> log = Open();
  EXPECT_EQ(log->OpenWriter().value()->ResumePosition(At(0)).value(), At(3));
  std::unique_ptr<LogConsumer> consumer = log->OpenConsumer({}).value();
  Listener listener(0);
  ASSERT_TRUE(consumer->Start(&listener).ok());
  EXPECT_EQ(listener.assigned, std::vector<int>{0});
  std::vector<std::string> seen;
  while (true) {
    std::optional<LogRecord> record = consumer->Poll(std::chrono::milliseconds(1)).value();
    if (!record) break;
    seen.push_back(record->commit ? "commit " + record->position.Encode()
                                  : std::to_string(record->change.after->values[0].as_int()));
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"10", "11", "commit " + At(1).Encode(), "20", "21",
                                            "commit " + At(2).Encode(), "30", "31",
                                            "commit " + At(3).Encode()}));
  EXPECT_EQ(log->OffsetsAtPosition(At(2)).value(), std::vector<uint64_t>{4});
  EXPECT_EQ(log->OffsetsAtTime(2000).value(), std::vector<uint64_t>{4});
  ASSERT_TRUE(consumer->Close().ok());
  EXPECT_EQ(listener.revoked, std::vector<int>{0});
}

TEST_F(LocalChangeLogTest, ProgressAndTheCopyMarkerAreReadableByAnotherOpener) {
  std::unique_ptr<ChangeLog> log = Open();
  std::unique_ptr<ChangeLog> reader = Open(/*read_only=*/true);
  EXPECT_EQ(reader->Committed().value(), std::vector<std::optional<uint64_t>>{std::nullopt});
  EXPECT_FALSE(reader->CopyDone().value());
  std::unique_ptr<LogConsumer> consumer = log->OpenConsumer({}).value();
  Listener listener(0);
  ASSERT_TRUE(consumer->Start(&listener).ok());
  ASSERT_TRUE(consumer->Commit(0, 42).ok());
  EXPECT_EQ(reader->Committed().value(), std::vector<std::optional<uint64_t>>{42});
  ASSERT_TRUE(log->OpenWriter().value()->MarkCopyDone().ok());
  EXPECT_TRUE(reader->CopyDone().value());
  // The read-only opener reads progress only.
  EXPECT_EQ(reader->DurableEnds().status().code(), StatusCode::kFailedPrecondition);
  // A group consumer leaves the resume to the lanes' own checkpoints: no committed offset.
  std::unique_ptr<LogConsumer> again = log->OpenConsumer({}).value();
  Listener second(0);
  ASSERT_TRUE(again->Start(&second).ok());
  EXPECT_FALSE(second.committed.has_value());
}

TEST_F(LocalChangeLogTest, AProgressFileThatIsNotAnOffsetIsNamed) {
  std::unique_ptr<ChangeLog> log = Open();
  {
    std::ofstream out(tmp_.path() / "log.applied");
    out << "12x\n";
  }
  Status status = log->Committed().status();
  EXPECT_EQ(status.code(), StatusCode::kDataLoss);
  EXPECT_NE(status.message().find("log.applied holds \"12x\", not an offset"), std::string::npos)
      << status.ToString();
}

TEST_F(LocalChangeLogTest, ReplayStartsAreParsedOrRefusedByName) {
  std::unique_ptr<ChangeLog> log = Open();
  EXPECT_EQ(ResolveReplayFrom(*log, "7").value(), std::vector<uint64_t>{7});
  Status overflow = ResolveReplayFrom(*log, "99999999999999999999").status();
  EXPECT_EQ(overflow.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(overflow.message(),
            "--from: '99999999999999999999' is too large for a log offset (at most "
            "18446744073709551615)");
  Status bad = ResolveReplayFrom(*log, "yesterday").status();
  EXPECT_EQ(bad.message(),
            "--from: 'yesterday' is not a log offset, a time (\"2026-11-21 20:00:00\", UTC) or a "
            "source position: cannot read position \"yesterday\": expected a GTID position "
            "(0-1-42,1-2-7), a MySQL GTID set (3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5), a binlog "
            "file position (mysql-bin.000042:1234) or a PostgreSQL LSN (16/B374D848)");
}

TEST(OpenLocalChangeLogTest, AMissingLogIsNamedWithItsFix) {
  state::TempDir tmp;
  LocalLogOptions options;
  options.dir = tmp.path() / "log";
  Status status = OpenLocalChangeLog(options, /*create=*/false, false).status();
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  EXPECT_NE(status.message().find("has no change log: `cutover run` writes it"),
            std::string::npos)
      << status.ToString();
}

}  // namespace
}  // namespace cutover::log
