// The full load's start position P0: a transaction committed just before P0 is not in the
// binlog after P0, one committed just after is the first; and with writes running on the source
// during `cutover copy`, every row where the copy differs from the source is among the binlog
// changes after P0, and replaying exactly those changes onto the copy gives the source.
#include <atomic>
#include <random>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "copy_support.h"
#include "source/binlog/decoder.h"
#include "source/mysql/binlog_stream.h"
#include "source/mysql/snapshot_position.h"

namespace cutover {
namespace {

using copytest::Lines;

// Collects the row changes of one table after a position; stops once the source's GTID
// position `end` is reached.
class ChangeCollector : public binlog::EventSink {
 public:
  explicit ChangeCollector(GtidPosition end) : end_(std::move(end)) {}
  Status OnChange(const Change& change) override {
    if (change.op != ChangeOp::kSchema) changes.push_back(change);
    return Status::Ok();
  }
  Status OnCommit(const binlog::TransactionCommit& commit) override {
    if (commit.gtid && end_.Contains(*commit.gtid) &&
        end_.Find(commit.gtid->domain)->seqno == commit.gtid->seqno) {
      return Status::Cancelled("reached the end position");
    }
    return Status::Ok();
  }
  std::vector<Change> changes;

 private:
  GtidPosition end_;
};

class CopyP0Test : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::EnsureServer("mariadb-source"));
    ASSERT_TRUE(testing::EnsureServer("mariadb-target"));
    source_ = copytest::Connect(testing::MariaDbSource());
    target_ = copytest::Connect(testing::MariaDbTarget());
    ASSERT_NE(source_, nullptr);
    ASSERT_NE(target_, nullptr);
    db_ = "copy_p0_" + std::to_string(getpid());
    target_db_ = db_ + "_t";
    dir_ = copytest::MakeTempDir("cutover_copy_p0");
    copytest::Exec(*source_, "DROP DATABASE IF EXISTS " + db_);
    copytest::Exec(*source_, "CREATE DATABASE " + db_);
    copytest::Exec(*source_, "CREATE TABLE " + db_ +
                                 ".live (id INT PRIMARY KEY, v INT NOT NULL, note VARCHAR(40))");
    copytest::Exec(*target_, "DROP DATABASE IF EXISTS " + target_db_);
    copytest::Exec(*target_, "CREATE DATABASE " + target_db_);
  }
  void TearDown() override {
    if (source_) copytest::Exec(*source_, "DROP DATABASE IF EXISTS " + db_);
    if (target_) copytest::Exec(*target_, "DROP DATABASE IF EXISTS " + target_db_);
    std::filesystem::remove_all(dir_);
  }
  GtidPosition SourceEnd() {
    std::vector<std::string> pos = Lines(*source_, "SELECT @@gtid_binlog_pos");
    return GtidPosition::Parse(pos.empty() ? "" : pos[0]).value_or(GtidPosition());
  }
  std::vector<Change> ChangesAfter(const Position& start) {
    mysql::BinlogStreamOptions options;
    options.connection = copytest::ConnectionFor(testing::MariaDbSource());
    options.server_id = 4100000 + static_cast<uint32_t>(getpid());
    options.start = start;
    std::string db = db_;
    // The table compared (not the copy's start watermark, written to the same schema).
    options.table_filter = [db](const TableId& id) {
      return id.schema == db && id.name == "live";
    };
    options.max_attempts = 3;
    ChangeCollector collector(SourceEnd());
    mysql::BinlogStream stream(std::move(options));
    Status status = stream.Run(&collector);
    EXPECT_EQ(status.code(), StatusCode::kCancelled) << status.ToString();
    return collector.changes;
  }
  std::string Literal(const Value& value) {
    return value.is_null() ? "NULL" : source_->QuoteString(value.ToText());
  }
  // Replays `change` (full row images) onto the target copy of `live`.
  void Apply(const Change& change) {
    std::string table = target_db_ + ".live";
    if (change.op == ChangeOp::kDelete || change.op == ChangeOp::kUpdate) {
      copytest::Exec(*target_,
                     "DELETE FROM " + table + " WHERE id = " + Literal(change.before->values[0]));
    }
    if (change.op == ChangeOp::kInsert || change.op == ChangeOp::kUpdate) {
      const Row& row = *change.after;
      copytest::Exec(*target_, "REPLACE INTO " + table + " VALUES (" + Literal(row.values[0]) +
                                   ", " + Literal(row.values[1]) + ", " + Literal(row.values[2]) +
                                   ")");
    }
  }

  std::unique_ptr<mysql::Connection> source_;
  std::unique_ptr<mysql::Connection> target_;
  std::string db_;
  std::string target_db_;
  std::filesystem::path dir_;
};

TEST_F(CopyP0Test, StartPositionSplitsTheBinlogExactly) {
  copytest::Exec(*source_, "INSERT INTO " + db_ + ".live VALUES (1, 1, 'before P0')");
  Result<Position> p0 = mysql::TakeSnapshotStart(*source_);
  ASSERT_TRUE(p0.ok()) << p0.status().ToString();
  EXPECT_TRUE(p0->has_gtid());
  EXPECT_TRUE(p0->has_file());
  copytest::Exec(*source_, "INSERT INTO " + db_ + ".live VALUES (2, 2, 'after P0')");
  std::vector<Change> changes = ChangesAfter(*p0);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].op, ChangeOp::kInsert);
  EXPECT_EQ(changes[0].after->values[0], Value::Int(2));
}

// The start watermark is a transaction of its own right after P0; P0 is where the binlog ended
// before it, so the next change of the table is the first after P0.
TEST_F(CopyP0Test, TheStartWatermarkFollowsP0) {
  Result<Position> p0 = mysql::TakeStartPosition(*source_, db_);
  ASSERT_TRUE(p0.ok()) << p0.status().ToString();
  EXPECT_TRUE(p0->has_gtid());
  EXPECT_TRUE(p0->has_file());
  // Left empty (inserted, then deleted), in the schema it was given.
  EXPECT_EQ(Lines(*source_, "SELECT COUNT(*) FROM " + db_ + ".cutover_watermarks"),
            std::vector<std::string>{"0"});
  copytest::Exec(*source_, "INSERT INTO " + db_ + ".live VALUES (3, 3, 'after P0')");
  std::vector<Change> changes = ChangesAfter(*p0);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].after->values[0], Value::Int(3));
}

// An account that may neither read the binlog position nor write the watermark (a read-only
// MariaDB replica's): the start position comes from MariaDB's consistent snapshot instead, and
// splits the binlog just as exactly.
TEST_F(CopyP0Test, WithoutWatermarkPrivilegesMariaDbFallsBackToItsSnapshot) {
  std::unique_ptr<mysql::Connection> limited =
      copytest::Connect(testing::Limited(testing::MariaDbSource()));
  ASSERT_NE(limited, nullptr);
  copytest::Exec(*source_, "INSERT INTO " + db_ + ".live VALUES (1, 1, 'before P0')");
  Result<Position> p0 = mysql::TakeStartPosition(*limited, db_);
  ASSERT_TRUE(p0.ok()) << p0.status().ToString();
  EXPECT_TRUE(p0->has_gtid());
  EXPECT_EQ(Lines(*source_,
                  "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '" + db_ +
                      "' AND TABLE_NAME = 'cutover_watermarks'"),
            std::vector<std::string>{"0"});
  copytest::Exec(*source_, "INSERT INTO " + db_ + ".live VALUES (2, 2, 'after P0')");
  std::vector<Change> changes = ChangesAfter(*p0);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].after->values[0], Value::Int(2));
}

TEST_F(CopyP0Test, ChangesAfterP0ExplainEveryDifferenceOfACopyUnderWrites) {
  copytest::Exec(*source_, "USE " + db_);
  copytest::Exec(*source_,
                 "INSERT INTO live SELECT seq, seq, CONCAT('row ', seq) FROM "
                 "seq_1_to_6000");
  copytest::Exec(*source_, "ANALYZE TABLE live");
  std::filesystem::path spec = dir_ / "spec.yaml";
  copytest::WriteFile(
      spec, copytest::CopySpec("copy-p0", testing::MariaDbSource(),
                               copytest::MariaDbTargetYaml(testing::MariaDbTarget(), target_db_),
                               "  - match: " + db_ + ".live\n", (dir_ / "state").string(),
                               "parallelism:\n  copy_workers: 2\n  chunk_rows: 200\n"
                               "throttle:\n  copy_rows_per_second: 3000\n"));
  std::atomic<bool> stop{false};
  std::atomic<int> writes{0};
  std::thread writer([&] {
    std::unique_ptr<mysql::Connection> sql = copytest::Connect(testing::MariaDbSource());
    std::mt19937 random(42);
    int next_id = 100000;
    while (!stop.load()) {
      int id = static_cast<int>(random() % 6000) + 1;
      std::string table = db_ + ".live";
      switch (random() % 3) {
        case 0:
          copytest::Exec(*sql, "UPDATE " + table +
                                   " SET v = v + 1, note = 'updated' "
                                   "WHERE id = " +
                                   std::to_string(id));
          break;
        case 1:
          copytest::Exec(*sql, "DELETE FROM " + table + " WHERE id = " + std::to_string(id));
          break;
        default:
          copytest::Exec(*sql, "INSERT INTO " + table + " VALUES (" + std::to_string(next_id++) +
                                   ", 0, 'new')");
          break;
      }
      writes.fetch_add(1);
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  copytest::RunResult run = copytest::RunCopy(spec);
  stop = true;
  writer.join();
  ASSERT_EQ(run.exit_code, 0) << run.output;
  ASSERT_GT(writes.load(), 50);
  const std::string marker = "start position (CDC starts here): ";
  size_t at = run.output.find(marker);
  ASSERT_NE(at, std::string::npos) << run.output;
  std::string text = run.output.substr(at + marker.size());
  Result<Position> p0 = Position::Decode(text.substr(0, text.find('\n')));
  ASSERT_TRUE(p0.ok()) << p0.status().ToString();

  std::vector<Change> changes = ChangesAfter(*p0);
  ASSERT_FALSE(changes.empty());
  std::set<std::string> changed_keys;
  for (const Change& change : changes) {
    if (change.before) changed_keys.insert(change.before->values[0].ToText());
    if (change.after) changed_keys.insert(change.after->values[0].ToText());
  }
  std::vector<std::string> source_rows =
      Lines(*source_, "SELECT * FROM " + db_ + ".live ORDER BY id");
  std::vector<std::string> copied_rows =
      Lines(*target_, "SELECT * FROM " + target_db_ + ".live ORDER BY id");
  std::set<std::string> source_set(source_rows.begin(), source_rows.end());
  std::set<std::string> copied_set(copied_rows.begin(), copied_rows.end());
  for (const std::string& row : copied_set) {
    if (source_set.count(row) == 0) {
      EXPECT_EQ(changed_keys.count(row.substr(0, row.find('\t'))), 1u) << "stale row " << row;
    }
  }
  for (const std::string& row : source_set) {
    if (copied_set.count(row) == 0) {
      EXPECT_EQ(changed_keys.count(row.substr(0, row.find('\t'))), 1u) << "missing row " << row;
    }
  }
  for (const Change& change : changes) Apply(change);
  EXPECT_EQ(Lines(*target_, "SELECT * FROM " + target_db_ + ".live ORDER BY id"), source_rows);
}

}  // namespace
}  // namespace cutover
