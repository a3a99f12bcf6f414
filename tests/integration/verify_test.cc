// `cutover verify` after `cutover copy`, MariaDB -> MariaDB and MariaDB -> DynamoDB (dynalite,
// with a mapping): a faithful copy gives 0 differences and exit 0; a target corrupted on
// purpose (a column updated, rows deleted, rows inserted, a key changed) gives exactly those
// keys, with the first differing column and both values, and exit 1; an unreachable target
// exits 2; a verify killed midway continues after its last recorded chunk with the same
// counts, and a finished verify starts over; DynamoDB items two tables share are checked per
// source.
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <set>

#include <gtest/gtest.h>

#include "dynamodb_support.h"
#include "run_support.h"
#include "verify_support.h"

namespace cutover {
namespace {

using nlohmann::json;
using verifytest::Listed;
using verifytest::ReadAll;
using verifytest::Verify;
using verifytest::VerifyRun;
using namespace std::chrono_literals;

constexpr int kRows = 1000;  // per table; 100-row chunks: 11 chunks each (the last one empty)

const json& TableOf(const json& report, const std::string& table) {
  static const json kNone;
  for (const json& entry : report["tables"]) {
    if (entry["table"] == table) return entry;
  }
  ADD_FAILURE() << "no table " << table << " in " << report.dump(2);
  return kNone;
}

class VerifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::EnsureServer("mariadb-source"));
    source_ = copytest::Connect(testing::MariaDbSource());
    ASSERT_NE(source_, nullptr);
    db_ = "verify_test_" + std::to_string(getpid());
    dir_ = copytest::MakeTempDir("cutover_verify");
    spec_ = dir_ / "spec.yaml";
    runtest::CreateWorkloadSchema(*source_, db_, kRows);
  }
  void TearDown() override {
    if (HasFailure() && std::getenv("CUTOVER_TEST_KEEP") != nullptr) return;  // to investigate
    if (source_) copytest::Exec(*source_, "DROP DATABASE IF EXISTS " + db_);
    std::filesystem::remove_all(dir_);
  }

  void Copy(const std::string& env = "") {
    copytest::RunResult copy = copytest::RunCopy(spec_, env);
    ASSERT_EQ(copy.exit_code, 0) << copy.output;
  }

  std::unique_ptr<mysql::Connection> source_;
  std::string db_;
  std::filesystem::path dir_;
  std::filesystem::path spec_;
};

class VerifyMariaDbTest : public VerifyTest {
 protected:
  void SetUp() override {
    VerifyTest::SetUp();
    ASSERT_TRUE(testing::EnsureServer("mariadb-target"));
    target_ = copytest::Connect(testing::MariaDbTarget());
    ASSERT_NE(target_, nullptr);
    target_db_ = db_ + "_t";
    copytest::Exec(*target_, "DROP DATABASE IF EXISTS " + target_db_);
    copytest::WriteFile(
        spec_, copytest::CopySpec("verify-test", testing::MariaDbSource(),
                                  copytest::MariaDbTargetYaml(testing::MariaDbTarget(), target_db_),
                                  "  - match: \"" + db_ + ".*\"\n", (dir_ / "state").string(),
                                  "parallelism: {copy_workers: 2, chunk_rows: 100}\n"));
  }
  void TearDown() override {
    if (!(HasFailure() && std::getenv("CUTOVER_TEST_KEEP") != nullptr) && target_) {
      copytest::Exec(*target_, "DROP DATABASE IF EXISTS " + target_db_);
    }
    VerifyTest::TearDown();
  }

  // A column changed, rows deleted, rows inserted before the first key, between keys and
  // after the last, a key changed.
  void CorruptTarget() {
    std::string accounts = target_db_ + ".accounts";
    std::string lines = target_db_ + ".`lines`";
    copytest::Exec(*target_, "UPDATE " + accounts + " SET owner = 'mallory' WHERE id = 7");
    copytest::Exec(*target_, "DELETE FROM " + accounts + " WHERE id IN (10, 11)");
    copytest::Exec(*target_, "UPDATE " + accounts + " SET id = 6000 WHERE id = 20");
    copytest::Exec(*target_, "INSERT INTO " + accounts +
                                 " VALUES (0, 'zero', 0, '2024-01-01', NULL), "
                                 "(5000, 'late', 1, '2024-01-01', 'x')");
    copytest::Exec(*target_, "UPDATE " + accounts + " SET balance = 0.01 WHERE id = 950");
    copytest::Exec(*target_, "UPDATE " + lines + " SET qty = 99 WHERE order_id = 3 AND line = 1");
    copytest::Exec(*target_, "INSERT INTO " + lines + " VALUES (5, 7, 'odd', 1)");
  }

  void ExpectCorruptionReported(const json& report) {
    EXPECT_EQ(report["differences"], 10) << report.dump(2);
    const json& accounts = TableOf(report, db_ + ".accounts");
    EXPECT_EQ(accounts["rows"], kRows);
    EXPECT_EQ(accounts["missing"], 3);
    EXPECT_EQ(accounts["extra"], 3);
    EXPECT_EQ(accounts["different"], 2);
    EXPECT_EQ(Listed(accounts),
              (std::set<std::string>{"missing id=10", "missing id=11", "missing id=20",
                                     "extra id=0", "extra id=5000", "extra id=6000",
                                     "different id=7 owner \"owner 7\" \"mallory\"",
                                     "different id=950 balance \"1187.50\" \"0.01\""}))
        << accounts.dump(2);
    const json& lines = TableOf(report, db_ + ".lines");
    EXPECT_EQ(lines["rows"], kRows);
    EXPECT_EQ(Listed(lines), (std::set<std::string>{"different order_id=3 line=1 qty \"4\" "
                                                    "\"99\"",
                                                    "extra order_id=5 line=7"}))
        << lines.dump(2);
  }

  std::unique_ptr<mysql::Connection> target_;
  std::string target_db_;
};

TEST_F(VerifyMariaDbTest, ReportsExactlyTheCorruptedKeys) {
  Copy();
  VerifyRun clean = Verify(dir_, spec_.string() + " --json");
  ASSERT_EQ(clean.exit_code, 0) << clean.out << clean.err;
  EXPECT_EQ(clean.report["differences"], 0);
  EXPECT_EQ(clean.report["complete"], true);
  EXPECT_EQ(TableOf(clean.report, db_ + ".accounts")["rows"], kRows);
  EXPECT_EQ(TableOf(clean.report, db_ + ".lines")["rows"], kRows);
  // Equal chunks are settled by their checksums alone.
  EXPECT_EQ(TableOf(clean.report, db_ + ".accounts")["chunks_compared_by_rows"], 0);
  EXPECT_EQ(TableOf(clean.report, db_ + ".lines")["chunks_compared_by_rows"], 0);
  // Matching chunks grow toward --chunk-time (100, 200, 400, ... rows); --chunk-time 0 keeps
  // them at chunk_rows: 10 chunks of 100 and the empty tail.
  EXPECT_LT(TableOf(clean.report, db_ + ".accounts")["chunks_checked"], 11);
  VerifyRun fixed = Verify(dir_, spec_.string() + " --json --chunk-time 0");
  ASSERT_EQ(fixed.exit_code, 0) << fixed.out << fixed.err;
  EXPECT_EQ(TableOf(fixed.report, db_ + ".accounts")["chunks_checked"], 11);
  VerifyRun text = Verify(dir_, spec_.string());
  ASSERT_EQ(text.exit_code, 0) << text.out << text.err;
  EXPECT_TRUE(text.out.ends_with("\n0 differences\n")) << text.out;

  CorruptTarget();
  VerifyRun corrupt = Verify(dir_, spec_.string() + " --json");
  ASSERT_EQ(corrupt.exit_code, 1) << corrupt.out << corrupt.err;
  ExpectCorruptionReported(corrupt.report);
  // Rows read only where the checksums differ, in chunks of chunk_rows even where the chunk
  // had grown (the grown chunk is checked again at 100 rows): accounts (-inf, 100],
  // (900, 1000] and the tail after 1000; lines' first chunk.
  EXPECT_EQ(TableOf(corrupt.report, db_ + ".accounts")["chunks_compared_by_rows"], 3);
  EXPECT_EQ(TableOf(corrupt.report, db_ + ".lines")["chunks_compared_by_rows"], 1);
  // Without checksums, every row compared: the same report.
  VerifyRun row_compare = Verify(dir_, spec_.string() + " --json --row-compare");
  ASSERT_EQ(row_compare.exit_code, 1) << row_compare.out << row_compare.err;
  ExpectCorruptionReported(row_compare.report);
  EXPECT_EQ(TableOf(row_compare.report, db_ + ".accounts")["chunks_compared_by_rows"], 11);
  VerifyRun corrupt_text = Verify(dir_, spec_.string());
  EXPECT_EQ(corrupt_text.exit_code, 1);
  EXPECT_NE(corrupt_text.out.find("different  id=7  owner: source owner 7, target mallory\n"),
            std::string::npos)
      << corrupt_text.out;
  EXPECT_TRUE(corrupt_text.out.ends_with("\n10 differences\n")) << corrupt_text.out;

  // --tables narrows the check to the matching tables.
  VerifyRun lines_only = Verify(dir_, spec_.string() + " --json --tables '*.lines'");
  ASSERT_EQ(lines_only.exit_code, 1) << lines_only.out << lines_only.err;
  EXPECT_EQ(lines_only.report["tables"].size(), 1u);
  EXPECT_EQ(lines_only.report["differences"], 2);
}

// --repair needs the change log's capture: with `cutover run` following the source, the
// corrupted target is mended (the differing chunks sent again, the extra rows deleted), first
// on a quiet source (exactly the 10 differences), then while a write workload runs (the
// watermark window keeps a row that changes meanwhile from being overwritten by its older
// read): once the workload stops and CDC catches up, a plain verify finds 0 differences.
TEST_F(VerifyMariaDbTest, RepairMendsTheTargetThroughTheRunningCapture) {
  runtest::CutoverProcess run("run " + spec_.string() + " --status-every 1", "", dir_ / "run.out");
  ASSERT_TRUE(runtest::WaitForCdc(run)) << run.Output();

  CorruptTarget();
  VerifyRun repaired = Verify(dir_, spec_.string() + " --json --repair --delete-extra");
  ASSERT_EQ(repaired.exit_code, 0) << repaired.out << repaired.err << run.Output();
  EXPECT_EQ(repaired.report["differences"], 0) << repaired.out;
  EXPECT_EQ(repaired.report["repair"]["differences_before"], 10) << repaired.out;
  EXPECT_EQ(repaired.report["repair"]["deleted"], 4) << repaired.out;  // ids 0, 5000, 6000; (5,7)
  EXPECT_EQ(repaired.report["repair"]["left_to_cdc"], 0) << repaired.out;

  runtest::Workload workload(testing::MariaDbSource(), db_, kRows);
  workload.Start(5ms);
  std::this_thread::sleep_for(1s);
  std::string accounts = target_db_ + ".accounts";
  copytest::Exec(*target_, "UPDATE " + accounts + " SET owner = 'mallory' WHERE id <= 300");
  copytest::Exec(*target_, "DELETE FROM " + accounts + " WHERE id BETWEEN 400 AND 450");
  copytest::Exec(*target_,
                 "INSERT INTO " + accounts + " VALUES (900000, 'ghost', 1, '2024-01-01', NULL)");
  copytest::Exec(*target_, "UPDATE " + target_db_ + ".`lines` SET qty = 77 WHERE order_id < 100");
  VerifyRun live = Verify(dir_, spec_.string() + " --json --repair --delete-extra");
  // Under live writes the verify after the repair re-checks what changes in flight make
  // differ: every difference is mended.
  EXPECT_EQ(live.exit_code, 0) << live.out << live.err;
  EXPECT_GT(live.report["repair"]["resent"].get<int64_t>(), 300) << live.out;
  std::this_thread::sleep_for(1s);
  workload.Stop();
  EXPECT_GT(workload.transactions(), 50);
  EXPECT_EQ(workload.failures(), 0);
  VerifyRun after;
  for (int attempt = 0; attempt < 30; ++attempt) {
    std::this_thread::sleep_for(1s);
    after = Verify(dir_, spec_.string() + " --json --restart");
    if (after.exit_code == 0) break;
  }
  EXPECT_EQ(after.exit_code, 0) << after.out << after.err;
  run.Signal(SIGTERM);
  int code = 0;
  ASSERT_TRUE(run.WaitFor(30s, &code)) << run.Output();
  EXPECT_EQ(code, 0) << run.Output();

  // Without a running `cutover run` (its last status is over 5 s old) there is no capture to
  // carry the rows: refused, nothing changed.
  copytest::Exec(*target_, "UPDATE " + accounts + " SET owner = 'mallory'");
  std::this_thread::sleep_for(5500ms);
  VerifyRun refused = Verify(dir_, spec_.string() + " --repair");
  EXPECT_EQ(refused.exit_code, 2) << refused.out << refused.err;
  EXPECT_NE(refused.err.find("start `cutover run` for this spec"), std::string::npos)
      << refused.err;
}

// Verify over and over while `cutover run` applies a live workload: changes in flight make
// chunks differ all the time (a verify without the re-check reports them), yet every verify
// reports exactly the one row corrupted on purpose, and nothing else, for several minutes.
TEST_F(VerifyMariaDbTest, LiveWorkloadGivesNoFalseReports) {
  copytest::Exec(*source_, "CREATE TABLE " + db_ + ".quiet (id INT PRIMARY KEY, v VARCHAR(20))");
  copytest::Exec(*source_, "INSERT INTO " + db_ + ".quiet SELECT seq, CONCAT('quiet ', seq) FROM " +
                               db_ + ".seq_1_to_50");
  runtest::CutoverProcess run("run " + spec_.string() + " --status-every 1", "", dir_ / "run.out");
  ASSERT_TRUE(runtest::WaitForCdc(run)) << run.Output();
  copytest::Exec(*target_, "UPDATE " + target_db_ + ".quiet SET v = 'bad' WHERE id = 7");

  runtest::Workload workload(testing::MariaDbSource(), db_, kRows);
  workload.Start(5ms);
  std::this_thread::sleep_for(2s);
  // Without the re-check the changes in flight show (a few tries: a verify could in principle
  // fall between changes).
  int64_t unchecked_differences = 0;
  for (int attempt = 0; attempt < 3 && unchecked_differences <= 1; ++attempt) {
    VerifyRun unchecked = Verify(dir_, spec_.string() + " --json --no-recheck");
    ASSERT_EQ(unchecked.exit_code, 1) << unchecked.out << unchecked.err;
    unchecked_differences = unchecked.report["differences"].get<int64_t>();
  }
  EXPECT_GT(unchecked_differences, 1);

  const char* seconds_env = std::getenv("CUTOVER_TEST_LIVE_VERIFY_SECONDS");
  auto duration = std::chrono::seconds(seconds_env != nullptr ? std::atoi(seconds_env) : 90);
  auto deadline = std::chrono::steady_clock::now() + duration;
  int verifies = 0;
  int64_t settled = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    VerifyRun live = Verify(dir_, spec_.string() + " --json");
    ++verifies;
    ASSERT_EQ(live.exit_code, 1) << live.out << live.err;
    ASSERT_EQ(live.report["differences"], 1) << live.out;
    EXPECT_TRUE(live.report["live"].get<bool>()) << live.out;
    EXPECT_EQ(Listed(TableOf(live.report, db_ + ".quiet")),
              (std::set<std::string>{"different id=7 v \"quiet 7\" \"bad\""}))
        << live.out;
    for (const json& table : live.report["tables"]) {
      settled += table["settled"].get<int64_t>();
      EXPECT_EQ(table["unsettled"], 0) << live.out;
    }
  }
  workload.Stop();
  EXPECT_GT(workload.transactions(), 1000);
  EXPECT_EQ(workload.failures(), 0);
  EXPECT_GE(verifies, 3);
  EXPECT_GT(settled, 0);  // differences the re-check put down to changes in flight
  std::printf(
      "%d live verifies in %lld s, %lld differences settled by re-checks, %d "
      "transactions\n",
      verifies, static_cast<long long>(duration.count()), static_cast<long long>(settled),
      workload.transactions());

  copytest::Exec(*target_, "UPDATE " + target_db_ + ".quiet SET v = 'quiet 7' WHERE id = 7");
  VerifyRun after = Verify(dir_, spec_.string() + " --json");
  EXPECT_EQ(after.exit_code, 0) << after.out << after.err;
  run.Signal(SIGTERM);
  int code = 0;
  ASSERT_TRUE(run.WaitFor(30s, &code)) << run.Output();
  EXPECT_EQ(code, 0) << run.Output();
}

// --continuous re-verifies the keys `cutover run` applies. The target tampers with every row
// the applier writes whose id ends in 3 (an applier bug, played by triggers): exactly those
// keys are reported, under a live workload, and nothing else.
TEST_F(VerifyMariaDbTest, ContinuousModeFindsWhatTheApplierGotWrongAndNothingElse) {
  runtest::CutoverProcess run("run " + spec_.string() + " --status-every 1", "", dir_ / "run.out");
  ASSERT_TRUE(runtest::WaitForCdc(run)) << run.Output();
  for (const char* when : {"INSERT", "UPDATE"}) {
    copytest::Exec(*target_, "CREATE TRIGGER " + target_db_ + ".tamper_" + when + " BEFORE " +
                                 when + " ON " + target_db_ +
                                 ".accounts FOR EACH ROW SET NEW.note = IF(NEW.id % 10 = 3, "
                                 "'tampered', NEW.note)");
  }
  runtest::Workload workload(testing::MariaDbSource(), db_, kRows);
  workload.Start(5ms);
  VerifyRun continuous =
      Verify(dir_, spec_.string() + " --json --continuous --sample 1 --for 30 --report-every 5");
  workload.Stop();
  EXPECT_EQ(workload.failures(), 0);
  ASSERT_EQ(continuous.exit_code, 1) << continuous.out << continuous.err;
  const json& report = continuous.report;
  EXPECT_TRUE(report["continuous"].get<bool>()) << continuous.out;
  EXPECT_GE(report["seconds"].get<int64_t>(), 30);
  EXPECT_EQ(report["keys_dropped"], 0);
  const json& accounts = TableOf(report, db_ + ".accounts");
  EXPECT_GT(accounts["rows"].get<int64_t>(), 300) << continuous.out;  // keys checked
  EXPECT_GT(accounts["different"].get<int64_t>(), 5) << continuous.out;
  EXPECT_EQ(accounts["missing"], 0) << continuous.out;
  EXPECT_EQ(accounts["extra"], 0) << continuous.out;
  EXPECT_EQ(accounts["unsettled"], 0) << continuous.out;
  for (const json& difference : accounts["differences"]) {
    std::string key = difference["key"].get<std::string>();
    EXPECT_EQ(key.back(), '3') << difference.dump();
    EXPECT_EQ(difference["column"], "note") << difference.dump();
    EXPECT_EQ(difference["target"], "tampered") << difference.dump();
  }
  const json& lines = TableOf(report, db_ + ".lines");
  EXPECT_GT(lines["rows"].get<int64_t>(), 300) << continuous.out;
  EXPECT_EQ(lines["missing"].get<int64_t>() + lines["extra"].get<int64_t>() +
                lines["different"].get<int64_t>(),
            0)
      << continuous.out;
  EXPECT_NE(continuous.err.find("verify --continuous: "), std::string::npos) << continuous.err;
  for (const char* when : {"INSERT", "UPDATE"}) {
    copytest::Exec(*target_, "DROP TRIGGER " + target_db_ + ".tamper_" + when);
  }
  // Without a running `cutover run` there is nothing to follow.
  run.Signal(SIGTERM);
  int code = 0;
  ASSERT_TRUE(run.WaitFor(30s, &code)) << run.Output();
  std::this_thread::sleep_for(5500ms);
  VerifyRun refused = Verify(dir_, spec_.string() + " --continuous --for 5");
  EXPECT_EQ(refused.exit_code, 2) << refused.out << refused.err;
  EXPECT_NE(refused.err.find("--continuous re-verifies the keys `cutover run` applies"),
            std::string::npos)
      << refused.err;
}

int64_t UnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST_F(VerifyMariaDbTest, KilledVerifyContinuesAfterItsLastRecordedChunk) {
  Copy();
  CorruptTarget();
  // Fixed 100-row chunks (--chunk-time 0), so chunk counts are known.
  // Killed right after its 3rd chunk was recorded (accounts' keys 1..300).
  VerifyRun killed = Verify(dir_, spec_.string() + " --json --chunk-time 0",
                            "CUTOVER_TEST_PAUSE_AT=verify_chunk_recorded:3:kill");
  ASSERT_EQ(killed.signal, SIGKILL) << killed.exit_code << killed.out << killed.err;

  int64_t resumed_at_ms = UnixMs();
  VerifyRun resumed = Verify(dir_, spec_.string() + " --json --chunk-time 0");
  // Its start is the first part's (what the target_reads guard rail looks at).
  EXPECT_LT(resumed.report["started_at_ms"].get<int64_t>(), resumed_at_ms);
  EXPECT_GE(resumed.report["finished_at_ms"].get<int64_t>(), resumed_at_ms);
  ASSERT_EQ(resumed.exit_code, 1) << resumed.out << resumed.err;
  EXPECT_EQ(resumed.report["resumed"], true);
  const json& accounts = TableOf(resumed.report, db_ + ".accounts");
  EXPECT_EQ(accounts["chunks"], 11);
  EXPECT_EQ(accounts["chunks_checked"], 8);  // not the 3 finished before the kill
  EXPECT_EQ(TableOf(resumed.report, db_ + ".lines")["chunks_checked"], 11);
  ExpectCorruptionReported(resumed.report);  // counts of the first run kept

  // A finished verify starts over; --restart drops a stopped one's progress.
  int64_t again_at_ms = UnixMs();
  VerifyRun again = Verify(dir_, spec_.string() + " --json --chunk-time 0");
  EXPECT_GE(again.report["started_at_ms"].get<int64_t>(), again_at_ms);
  EXPECT_EQ(again.report["resumed"], false);
  EXPECT_EQ(TableOf(again.report, db_ + ".accounts")["chunks_checked"], 11);
  ExpectCorruptionReported(again.report);
  VerifyRun killed_again = Verify(dir_, spec_.string() + " --json --chunk-time 0",
                                  "CUTOVER_TEST_PAUSE_AT=verify_chunk_recorded:5:kill");
  ASSERT_EQ(killed_again.signal, SIGKILL) << killed_again.out << killed_again.err;
  VerifyRun restarted = Verify(dir_, spec_.string() + " --json --chunk-time 0 --restart");
  EXPECT_EQ(restarted.report["resumed"], false);
  EXPECT_EQ(TableOf(restarted.report, db_ + ".accounts")["chunks_checked"], 11);
  ExpectCorruptionReported(restarted.report);
}

// Every column type with edge values, a composite key in a case-insensitive collation, a
// binary key, a row filter with a column subset, a unique-index key: a faithful copy is equal
// through the checksums and row by row.
TEST_F(VerifyMariaDbTest, EveryTypeOfTheCopyTestsIsEqual) {
  copytest::CreateSourceSchema(*source_, db_);
  copytest::WriteFile(
      spec_, copytest::CopySpec("verify-test", testing::MariaDbSource(),
                                copytest::MariaDbTargetYaml(testing::MariaDbTarget(), target_db_),
                                copytest::SourceTablesYaml(db_), (dir_ / "state").string(),
                                copytest::SmallChunks()));
  Copy();
  for (const char* mode : {"", " --row-compare"}) {
    VerifyRun run = Verify(dir_, spec_.string() + " --json" + mode);
    ASSERT_EQ(run.exit_code, 0) << mode << run.out << run.err;
    EXPECT_EQ(TableOf(run.report, db_ + ".filtered")["rows"], 667) << mode;
    EXPECT_EQ(TableOf(run.report, db_ + ".composite")["rows"], 3000) << mode;
    EXPECT_EQ(TableOf(run.report, db_ + ".types")["rows"], 3) << mode;
  }
  // The copy tests' INSERT writes 'caf\\xE9', which MariaDB stores as the text "cafxE9".
  copytest::Exec(*target_, "UPDATE " + target_db_ + ".types SET l1 = 'cafe' WHERE id = 1");
  copytest::Exec(*target_, "UPDATE " + target_db_ + ".binkey SET v = 0 WHERE code = X''");
  VerifyRun run = Verify(dir_, spec_.string() + " --json");
  ASSERT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_EQ(run.report["differences"], 2);
  EXPECT_EQ(Listed(TableOf(run.report, db_ + ".types")),
            (std::set<std::string>{"different id=1 l1 \"cafxE9\" \"cafe\""}));
  EXPECT_EQ(Listed(TableOf(run.report, db_ + ".binkey")),
            (std::set<std::string>{"different code=0x v \"-3\" \"0\""}));
}

TEST_F(VerifyMariaDbTest, UnreachableTargetExitsTwo) {
  Copy();
  std::string spec_text = ReadAll(spec_);
  std::string port = std::to_string(testing::MariaDbTarget().port);
  spec_text.replace(spec_text.find("port: " + port), 6 + port.size(), "port: 1");
  std::filesystem::path down = dir_ / "down.yaml";
  copytest::WriteFile(down, spec_text);
  VerifyRun run = Verify(dir_, down.string());
  EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
  EXPECT_NE(run.err.find("cutover verify: "), std::string::npos) << run.err;
  EXPECT_EQ(run.out, "");
}

class VerifyDynamoDbTest : public VerifyTest {
 protected:
  // Deletes the table and waits until it is gone: dynalite deletes asynchronously, and the next
  // test's copy (same table name) must not find it half there.
  void DropTable() {
    dynamodb::DeleteTable(*client_, table_).IgnoreError();  // may not exist
    for (int attempt = 0; attempt < 100; ++attempt) {
      if (!dynamodb::DescribeTable(*client_, table_).ok()) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  void SetUp() override {
    VerifyTest::SetUp();
    ASSERT_TRUE(testing::EnsureServer("dynalite"));
    table_ = "verify_" + std::to_string(getpid());
    DynamoDbSpec dynamodb;
    dynamodb.endpoint = testing::DynaliteEndpoint();
    dynamodb.access_key_id = Secret{"test", testing::Dynalite().user};
    dynamodb.secret_access_key = Secret{"test", testing::Dynalite().password};
    client_ = dynamodb::Client::Open(dynamodb).value();
    DropTable();
    std::filesystem::path mapping = dir_ / "mapping.yaml";
    copytest::WriteFile(mapping,
                        "tables:\n  - {name: " + table_ +
                            ", partition_key: pk, sort_key: sk}\nsources:\n  " + db_ +
                            ".accounts:\n    table: " + table_ +
                            "\n    pk: \"ACCOUNT#{id}\"\n    sk: \"PROFILE\"\n    rename: {owner: "
                            "holder}\n    computed: {kind: account}\n  " +
                            db_ + ".lines:\n    table: " + table_ +
                            "\n    pk: \"ORDER#{order_id}\"\n    sk: \"LINE#{line}\"\n"
                            "    exclude: [order_id]\n");
    std::string target =
        "target:\n  kind: dynamodb\n  dynamodb:\n    endpoint: " + testing::DynaliteEndpoint() +
        "\n    access_key_id_env: DYN_KEY\n    secret_access_key_env: DYN_SECRET\n";
    copytest::WriteFile(
        spec_, copytest::CopySpec("verify-dynamodb", testing::MariaDbSource(), target,
                                  "  - match: \"" + db_ + ".*\"\n", (dir_ / "state").string(),
                                  "mapping: " + mapping.string() +
                                      "\nparallelism: {copy_workers: 2, "
                                      "chunk_rows: 100}\n"));
  }
  void TearDown() override {
    if (!(HasFailure() && std::getenv("CUTOVER_TEST_KEEP") != nullptr) && client_) {
      DropTable();
    }
    VerifyTest::TearDown();
  }

  static std::string KeysEnv() {
    return "DYN_KEY=" + testing::Dynalite().user + " DYN_SECRET=" + testing::Dynalite().password;
  }
  static json Key(const std::string& pk, const std::string& sk) {
    return {{"pk", {{"S", pk}}}, {"sk", {{"S", sk}}}};
  }
  static std::string KeyText(const std::string& pk, const std::string& sk) {
    return Key(pk, sk).dump();
  }

  // An attribute changed, an item deleted, an extra item, an item moved to another key.
  void CorruptTarget() {
    ASSERT_TRUE(dynamodb::UpdateItem(*client_, table_,
                                     {{"Key", Key("ACCOUNT#7", "PROFILE")},
                                      {"UpdateExpression", "SET holder = :v"},
                                      {"ExpressionAttributeValues", {{":v", {{"S", "mallory"}}}}}})
                    .ok());
    ASSERT_TRUE(dynamodb::DeleteItem(*client_, table_, Key("ACCOUNT#10", "PROFILE")).ok());
    json extra = Key("ACCOUNT#5000", "PROFILE");
    extra["holder"] = {{"S", "nobody"}};
    ASSERT_TRUE(dynamodb::PutItem(*client_, table_, extra).ok());
    std::vector<json> moved =
        dynamodb::BatchGet(*client_, table_, {Key("ORDER#3", "LINE#1")}).value();
    ASSERT_EQ(moved.size(), 1u);
    ASSERT_TRUE(dynamodb::DeleteItem(*client_, table_, Key("ORDER#3", "LINE#1")).ok());
    moved[0]["pk"] = {{"S", "ORDER#3X"}};
    ASSERT_TRUE(dynamodb::PutItem(*client_, table_, moved[0]).ok());
  }

  void ExpectCorruptionReported(const json& report) {
    EXPECT_EQ(report["differences"], 5) << report.dump(2);
    const json& accounts = TableOf(report, db_ + ".accounts");
    EXPECT_EQ(accounts["rows"], kRows);
    EXPECT_EQ(Listed(accounts),
              (std::set<std::string>{"missing " + KeyText("ACCOUNT#10", "PROFILE"),
                                     "different " + KeyText("ACCOUNT#7", "PROFILE") +
                                         R"( holder "{\"S\":\"owner 7\"}" "{\"S\":\"mallory\"}")"}))
        << accounts.dump(2);
    const json& lines = TableOf(report, db_ + ".lines");
    EXPECT_EQ(Listed(lines), (std::set<std::string>{"missing " + KeyText("ORDER#3", "LINE#1")}))
        << lines.dump(2);
    const json& scan = TableOf(report, table_);
    EXPECT_EQ(scan["scan"], true);
    EXPECT_EQ(scan["rows"], 2 * kRows);  // items: -1 deleted, +1 extra, 1 moved
    EXPECT_EQ(scan["extra"], 2);
    EXPECT_EQ(Listed(scan), (std::set<std::string>{"extra " + KeyText("ACCOUNT#5000", "PROFILE"),
                                                   "extra " + KeyText("ORDER#3X", "LINE#1")}))
        << scan.dump(2);
  }

  std::string table_;
  std::unique_ptr<dynamodb::Client> client_;
};

// DECIMAL balance (1.25 * id, e.g. "12.50") reads back from DynamoDB as "12.5": equal.
TEST_F(VerifyDynamoDbTest, ReportsExactlyTheCorruptedItems) {
  Copy(KeysEnv());
  VerifyRun clean = Verify(dir_, spec_.string() + " --json", KeysEnv());
  ASSERT_EQ(clean.exit_code, 0) << clean.out << clean.err;
  EXPECT_EQ(clean.report["differences"], 0) << clean.out;
  EXPECT_EQ(TableOf(clean.report, db_ + ".accounts")["rows"], kRows);
  EXPECT_EQ(TableOf(clean.report, table_)["rows"], 2 * kRows);
  VerifyRun text = Verify(dir_, spec_.string(), KeysEnv());
  ASSERT_EQ(text.exit_code, 0) << text.out << text.err;
  EXPECT_TRUE(text.out.ends_with("\n0 differences\n")) << text.out;

  CorruptTarget();
  VerifyRun corrupt = Verify(dir_, spec_.string() + " --json", KeysEnv());
  ASSERT_EQ(corrupt.exit_code, 1) << corrupt.out << corrupt.err;
  ExpectCorruptionReported(corrupt.report);
}

// The extra-item scan after a resume still knows the items of the chunks checked before the
// kill (they are not extra).
TEST_F(VerifyDynamoDbTest, KilledVerifyContinuesAndFindsOnlyTheRealExtras) {
  Copy(KeysEnv());
  CorruptTarget();
  VerifyRun killed = Verify(dir_, spec_.string() + " --json",
                            KeysEnv() + " CUTOVER_TEST_PAUSE_AT=verify_chunk_recorded:13:kill");
  ASSERT_EQ(killed.signal, SIGKILL) << killed.exit_code << killed.out << killed.err;
  VerifyRun resumed = Verify(dir_, spec_.string() + " --json", KeysEnv());
  ASSERT_EQ(resumed.exit_code, 1) << resumed.out << resumed.err;
  EXPECT_EQ(resumed.report["resumed"], true);
  EXPECT_EQ(TableOf(resumed.report, db_ + ".accounts")["chunks_checked"], 0);
  EXPECT_EQ(TableOf(resumed.report, db_ + ".lines")["chunks_checked"], 9);
  ExpectCorruptionReported(resumed.report);
}

// Two source tables share items (`shared: true`): each checks only its own attributes, and
// that its NULL columns are absent from the item.
TEST_F(VerifyDynamoDbTest, SharedItemsCheckEachSourcesOwnAttributes) {
  copytest::Exec(*source_,
                 "CREATE TABLE " + db_ + ".users (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL)");
  copytest::Exec(*source_, "CREATE TABLE " + db_ +
                               ".profiles (user_id INT PRIMARY KEY, bio VARCHAR(40) NULL)");
  copytest::Exec(*source_, "INSERT INTO " + db_ + ".users SELECT seq, CONCAT('user ', seq) FROM " +
                               db_ + ".seq_1_to_300");
  copytest::Exec(*source_, "INSERT INTO " + db_ +
                               ".profiles SELECT seq, IF(seq % 5 = 0, NULL, CONCAT('bio ', seq)) "
                               "FROM " +
                               db_ + ".seq_100_to_400");
  std::string spec_text = ReadAll(spec_);
  std::filesystem::path mapping = dir_ / "mapping.yaml";
  copytest::WriteFile(
      mapping, "tables:\n  - {name: " + table_ +
                   ", partition_key: pk, sort_key: sk}\nsources:\n  " + db_ + ".users: {table: " +
                   table_ + ", pk: \"U#{id}\", sk: \"U\", shared: true, include: [name]}\n  " +
                   db_ + ".profiles: {table: " + table_ +
                   ", pk: \"U#{user_id}\", sk: \"U\", shared: true, include: "
                   "[bio]}\n");
  std::string tables = "  - match: \"" + db_ + ".*\"\n";
  spec_text.replace(spec_text.find(tables), tables.size(),
                    "  - match: " + db_ + ".users\n  - match: " + db_ + ".profiles\n");
  copytest::WriteFile(spec_, spec_text);
  Copy(KeysEnv());
  VerifyRun clean = Verify(dir_, spec_.string() + " --json", KeysEnv());
  ASSERT_EQ(clean.exit_code, 0) << clean.out << clean.err;
  EXPECT_EQ(TableOf(clean.report, table_)["rows"], 400);  // users 1..300, profiles 100..400

  // U#7 has no profile row, so no source row says anything about its bio (not reported).
  // U#121's bio changed; U#200's bio is NULL in the source but set in DynamoDB.
  for (const char* key : {"U#7", "U#121", "U#200"}) {
    ASSERT_TRUE(dynamodb::UpdateItem(*client_, table_,
                                     {{"Key", Key(key, "U")},
                                      {"UpdateExpression", "SET bio = :v"},
                                      {"ExpressionAttributeValues", {{":v", {{"S", "forged"}}}}}})
                    .ok());
  }
  VerifyRun corrupt = Verify(dir_, spec_.string() + " --json", KeysEnv());
  ASSERT_EQ(corrupt.exit_code, 1) << corrupt.out << corrupt.err;
  EXPECT_EQ(corrupt.report["differences"], 2) << corrupt.out;
  EXPECT_EQ(Listed(TableOf(corrupt.report, db_ + ".profiles")),
            (std::set<std::string>{
                "different " + KeyText("U#121", "U") +
                    R"( bio "{\"S\":\"bio 121\"}" "{\"S\":\"forged\"}")",
                "different " + KeyText("U#200", "U") + R"( bio null "{\"S\":\"forged\"}")"}))
      << corrupt.out;
}

TEST_F(VerifyDynamoDbTest, UnreachableTargetExitsTwo) {
  std::string spec_text = ReadAll(spec_);
  std::string endpoint = testing::DynaliteEndpoint();
  spec_text.replace(spec_text.find(endpoint), endpoint.size(), "http://127.0.0.1:1");
  copytest::WriteFile(spec_, spec_text);
  VerifyRun run = Verify(dir_, spec_.string(), KeysEnv());
  EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
  EXPECT_NE(run.err.find("cutover verify: "), std::string::npos) << run.err;
}

// --repair on DynamoDB with `cutover run` following the source. Missing and changed items are
// sent again through the change log; extra items (no source row produces their key: one put
// there, one left by a key change, one with every kind of attribute) are only reported without
// --delete-extra, and deleted with it.
TEST_F(VerifyDynamoDbTest, RepairMendsItemsAndDeletesExtrasOnlyWithDeleteExtra) {
  runtest::CutoverProcess run("run " + spec_.string() + " --status-every 1", KeysEnv(),
                              dir_ / "run.out");
  ASSERT_TRUE(runtest::WaitForCdc(run)) << run.Output();

  CorruptTarget();  // ACCOUNT#7 changed, ACCOUNT#10 deleted, ACCOUNT#5000 extra, ORDER#3 moved
  ASSERT_TRUE(dynamodb::DeleteItem(*client_, table_, Key("ACCOUNT#11", "PROFILE")).ok());
  ASSERT_TRUE(dynamodb::DeleteItem(*client_, table_, Key("ORDER#200", "LINE#2")).ok());
  json orphan = Key("ORPHAN#1", "X");
  orphan["n"] = {{"N", "1.50"}};
  orphan["tags"] = {{"SS", {"b", "a"}}};
  orphan["doc"] = {{"M", {{"a", {{"N", "1"}}}, {"b", {{"L", {{{"S", "x"}}, {{"BOOL", true}}}}}}}}};
  orphan["none"] = {{"NULL", true}};
  ASSERT_TRUE(dynamodb::PutItem(*client_, table_, orphan).ok());
  const std::set<std::string> extras = {"extra " + KeyText("ACCOUNT#5000", "PROFILE"),
                                        "extra " + KeyText("ORDER#3X", "LINE#1"),
                                        "extra " + KeyText("ORPHAN#1", "X")};

  VerifyRun corrupt = Verify(dir_, spec_.string() + " --json", KeysEnv());
  ASSERT_EQ(corrupt.exit_code, 1) << corrupt.out << corrupt.err;
  EXPECT_EQ(corrupt.report["differences"], 8) << corrupt.out;
  EXPECT_EQ(Listed(TableOf(corrupt.report, db_ + ".accounts")),
            (std::set<std::string>{"missing " + KeyText("ACCOUNT#10", "PROFILE"),
                                   "missing " + KeyText("ACCOUNT#11", "PROFILE"),
                                   "different " + KeyText("ACCOUNT#7", "PROFILE") +
                                       R"( holder "{\"S\":\"owner 7\"}" "{\"S\":\"mallory\"}")"}))
      << corrupt.out;
  EXPECT_EQ(Listed(TableOf(corrupt.report, db_ + ".lines")),
            (std::set<std::string>{"missing " + KeyText("ORDER#3", "LINE#1"),
                                   "missing " + KeyText("ORDER#200", "LINE#2")}))
      << corrupt.out;
  EXPECT_EQ(Listed(TableOf(corrupt.report, table_)), extras) << corrupt.out;

  // Without --delete-extra: the chunks holding the missing and changed items are sent again
  // (accounts 1..100; lines' first chunk and the one holding order 200 line 2); the extra
  // items stay, and are all the second verify finds.
  VerifyRun mended = Verify(dir_, spec_.string() + " --json --repair", KeysEnv());
  ASSERT_EQ(mended.exit_code, 1) << mended.out << mended.err << run.Output();
  const json& repair = mended.report["repair"];
  EXPECT_EQ(repair["differences_before"], 8) << mended.out;
  EXPECT_EQ(repair["ranges"], 3) << mended.out;
  EXPECT_EQ(repair["resent"], 300) << mended.out;
  EXPECT_EQ(repair["deleted"], 0) << mended.out;
  EXPECT_EQ(repair["left_to_cdc"], 0) << mended.out;
  EXPECT_EQ(mended.report["differences"], 3) << mended.out;
  EXPECT_EQ(TableOf(mended.report, db_ + ".accounts")["differences"], json::array());
  EXPECT_EQ(TableOf(mended.report, db_ + ".lines")["differences"], json::array());
  EXPECT_EQ(Listed(TableOf(mended.report, table_)), extras) << mended.out;

  // With --delete-extra: the three extra items deleted (each still as the scan read it).
  VerifyRun cleaned = Verify(dir_, spec_.string() + " --json --repair --delete-extra", KeysEnv());
  ASSERT_EQ(cleaned.exit_code, 0) << cleaned.out << cleaned.err << run.Output();
  EXPECT_EQ(cleaned.report["differences"], 0) << cleaned.out;
  EXPECT_EQ(cleaned.report["repair"]["differences_before"], 3) << cleaned.out;
  EXPECT_EQ(cleaned.report["repair"]["ranges"], 0) << cleaned.out;
  EXPECT_EQ(cleaned.report["repair"]["resent"], 0) << cleaned.out;
  EXPECT_EQ(cleaned.report["repair"]["deleted"], 3) << cleaned.out;
  EXPECT_EQ(cleaned.report["repair"]["left_to_cdc"], 0) << cleaned.out;
  EXPECT_EQ(dynamodb::BatchGet(
                *client_, table_,
                {Key("ACCOUNT#5000", "PROFILE"), Key("ORDER#3X", "LINE#1"), Key("ORPHAN#1", "X")})
                .value()
                .size(),
            0u);
  EXPECT_EQ(dynamodb::BatchGet(*client_, table_,
                               {Key("ACCOUNT#7", "PROFILE"), Key("ACCOUNT#10", "PROFILE"),
                                Key("ORDER#3", "LINE#1"), Key("ORDER#200", "LINE#2")})
                .value()
                .size(),
            4u);

  VerifyRun plain = Verify(dir_, spec_.string(), KeysEnv());
  EXPECT_EQ(plain.exit_code, 0) << plain.out << plain.err;
  EXPECT_TRUE(plain.out.ends_with("\n0 differences\n")) << plain.out;
  run.Signal(SIGTERM);
  int code = 0;
  ASSERT_TRUE(run.WaitFor(30s, &code)) << run.Output();
  EXPECT_EQ(code, 0) << run.Output();
}

// The condition that keeps the repair's delete of an extra item safe under live writes: the
// item is deleted only while every attribute the scan read still has that value (numbers by
// value, sets without order, maps and lists whole); changed or gone, it is left.
TEST_F(VerifyDynamoDbTest, ExtraItemIsDeletedOnlyWhileUnchanged) {
  Copy(KeysEnv());
  json seen = Key("ORPHAN#1", "X");
  seen["n"] = {{"N", "1.5"}};
  seen["tags"] = {{"SS", {"a", "b"}}};
  seen["doc"] = {{"M", {{"a", {{"N", "1"}}}, {"b", {{"L", {{{"S", "x"}}, {{"BOOL", true}}}}}}}}};
  json stored = seen;
  stored["n"] = {{"N", "1.50"}};
  stored["tags"] = {{"SS", {"b", "a"}}};
  auto present = [&] {
    return dynamodb::BatchGet(*client_, table_, {Key("ORPHAN#1", "X")}).value().size();
  };

  for (const char* change : {"n", "doc", "grown", "removed"}) {
    json changed = stored;
    if (std::string(change) == "n") changed["n"] = {{"N", "2"}};
    if (std::string(change) == "doc") changed["doc"]["M"]["b"]["L"][1] = {{"BOOL", false}};
    if (std::string(change) == "grown") changed["doc"]["M"]["c"] = {{"S", "new"}};
    if (std::string(change) == "removed") changed.erase("tags");
    ASSERT_TRUE(dynamodb::PutItem(*client_, table_, changed).ok());
    Result<bool> deleted =
        dynamodb::DeleteItemIfUnchanged(*client_, table_, Key("ORPHAN#1", "X"), seen);
    ASSERT_TRUE(deleted.ok()) << change << ": " << deleted.status().ToString();
    EXPECT_FALSE(*deleted) << change;
    EXPECT_EQ(present(), 1u) << change;
  }

  ASSERT_TRUE(dynamodb::PutItem(*client_, table_, stored).ok());
  Result<bool> deleted =
      dynamodb::DeleteItemIfUnchanged(*client_, table_, Key("ORPHAN#1", "X"), seen);
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_TRUE(*deleted);
  EXPECT_EQ(present(), 0u);
  // Gone: nothing to delete, not an error.
  deleted = dynamodb::DeleteItemIfUnchanged(*client_, table_, Key("ORPHAN#1", "X"), seen);
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_FALSE(*deleted);
}

// MariaDB -> DynamoDB under a live workload (inserts, updates, key changes, deletes of both
// tables): verify after verify reports exactly the one extra item planted in the target, and
// nothing the changes in flight make differ: items of rows inserted or deleted during a
// verify are settled by the re-checks, the scan's included.
TEST_F(VerifyDynamoDbTest, LiveWorkloadGivesNoFalseReports) {
  runtest::CutoverProcess run("run " + spec_.string() + " --status-every 1", KeysEnv(),
                              dir_ / "run.out");
  ASSERT_TRUE(runtest::WaitForCdc(run)) << run.Output();
  json planted = Key("ACCOUNT#900000", "PROFILE");  // the workload's ids never get there
  planted["holder"] = {{"S", "nobody"}};
  ASSERT_TRUE(dynamodb::PutItem(*client_, table_, planted).ok());

  runtest::Workload workload(testing::MariaDbSource(), db_, kRows);
  workload.Start(10ms);
  const char* seconds_env = std::getenv("CUTOVER_TEST_LIVE_VERIFY_SECONDS");
  auto duration = std::chrono::seconds((seconds_env != nullptr ? std::atoi(seconds_env) : 90) / 2);
  auto deadline = std::chrono::steady_clock::now() + duration;
  int verifies = 0;
  int64_t settled = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    VerifyRun live = Verify(dir_, spec_.string() + " --json", KeysEnv());
    ++verifies;
    ASSERT_EQ(live.exit_code, 1) << live.out << live.err;
    ASSERT_EQ(live.report["differences"], 1) << live.out;
    for (const json& table : live.report["tables"]) {
      settled += table["settled"].get<int64_t>();
      EXPECT_EQ(table["unsettled"], 0) << live.out;
      if (table["scan"].get<bool>()) {
        EXPECT_EQ(Listed(table),
                  (std::set<std::string>{"extra " + KeyText("ACCOUNT#900000", "PROFILE")}))
            << live.out;
      }
    }
  }
  workload.Stop();
  EXPECT_GT(workload.transactions(), 300);
  EXPECT_EQ(workload.failures(), 0);
  EXPECT_GE(verifies, 2);
  EXPECT_GT(settled, 0);
  std::printf("%d live DynamoDB verifies in %lld s, %lld differences settled, %d transactions\n",
              verifies, static_cast<long long>(duration.count()), static_cast<long long>(settled),
              workload.transactions());
  run.Signal(SIGTERM);
  int code = 0;
  ASSERT_TRUE(run.WaitFor(30s, &code)) << run.Output();
  EXPECT_EQ(code, 0) << run.Output();
}

}  // namespace
}  // namespace cutover
