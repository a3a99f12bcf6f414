// `cutover run` from a PostgreSQL source, end to end on real PostgreSQL 15 servers, under a live
// workload of its own (inserts, updates that leave a large TOASTed column unchanged, updates that
// change it, primary-key changes, deletes, multi-row transactions): the copy reads in the slot's
// exported snapshot, CDC reads the slot, and `cutover run` is killed with SIGKILL during the copy
// and during CDC and run again. Each test ends with every row equal on both sides, compared by
// text on both servers (not through cutover verify), and no TOASTed value NULL on the target.
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "db/postgres/connection.h"
#include "dynamodb_support.h"
#include "postgres_source_support.h"
#include "run_support.h"

namespace cutover {
namespace {

using namespace std::chrono_literals;

using namespace pgsource;

class RunPostgresSourceTest : public PostgresSourceTest {
 protected:
  RunPostgresSourceTest() : PostgresSourceTest("pgsrc") {}

  // The live-workload scenario: copy (throttled so the workload overlaps it, in the slot's
  // snapshot) and CDC, killed with SIGKILL during the copy (the rerun resumes it in a snapshot of
  // its own: docs/copy.md, "A resumed copy on PostgreSQL"), right after capture appended, right
  // after an applied batch, and at random (RunKilledAndResumedUnderLoad).
  void LiveWorkloadKilledAndResumed() {
    PgWorkload workload(testing::PostgresSource(), schema_);
    workload.Start(5ms);
    auto run = RunKilledAndResumedUnderLoad(
        workload, [this](const std::string& env) { return StartRun(env); },
        {"after_write:3:kill", "capture_appended:25:kill", "apply_after:6:kill"});
    if (HasFatalFailure()) return;
    ExpectConverges(60s, run->Output());
    ExpectNoBodyLost();
    runtest::StopRun(*run);
  }
};

TEST_F(RunPostgresSourceTest, ToPostgresUnderLoadKilledAndResumedEndsEqual) {
  UsePostgresTarget(
      "parallelism: {copy_workers: 2, chunk_rows: 100, apply_lanes: 4}\n"
      "throttle: {copy_rows_per_second: 1500}\n");
  ASSERT_NO_FATAL_FAILURE(LiveWorkloadKilledAndResumed());
}

TEST_F(RunPostgresSourceTest, ToMariaDbUnderLoadKilledAndResumedEndsEqual) {
  UseMariaDbTarget(
      "parallelism: {copy_workers: 2, chunk_rows: 100, apply_lanes: 4}\n"
      "throttle: {copy_rows_per_second: 1500}\n");
  ASSERT_NO_FATAL_FAILURE(LiveWorkloadKilledAndResumed());
}

// The interleaving that lost a row while a resumed copy read outside any snapshot: the first run
// dies right after recording its first chunk of docs (ids 1 to 100, read in the slot's snapshot);
// then row 50 is deleted and row 501 (not copied yet) moves to key 50 with its TOASTed body
// unchanged (pgoutput sends neither the old row nor the body). Read outside a snapshot, neither
// 50 (deleted again by CDC) nor 501 (moved away) would be on the target when CDC applied the move.
// The rerun reads docs again whole in a snapshot of its own and applies only the changes after
// it: the moved row is there, with its body.
TEST_F(RunPostgresSourceTest, AResumedCopyReadsAHalfCopiedTableAgainInASnapshotOfItsOwn) {
  UsePostgresTarget("parallelism: {copy_workers: 1, chunk_rows: 100}\n");
  {
    auto first = StartRun("CUTOVER_TEST_PAUSE_AT=after_record:1:kill");
    int code = 0;
    ASSERT_TRUE(first->WaitFor(60s, &code)) << first->Output();
    ASSERT_EQ(code, -SIGKILL) << first->Output();
  }
  PgExec(*source_, "DELETE FROM " + schema_ + ".docs WHERE id = 50; UPDATE " + schema_ +
                       ".docs SET id = 50, title = 'moved' WHERE id = 501");
  auto run = StartRun();
  ASSERT_TRUE(runtest::WaitForCdc(*run, 60s)) << run->Output();
  PgExec(*source_, "UPDATE " + schema_ + ".docs SET n = n + 1 WHERE id = 50");
  ExpectConverges(30s, run->Output());
  ExpectNoBodyLost();
  EXPECT_EQ(PgLines(*pg_target_,
                    "SELECT title, length(body) > 3000 FROM " + schema_ + ".docs WHERE id = 50"),
            std::vector<std::string>{"moved\tt"});
  EXPECT_NE(run->Output().find(schema_ + ".docs was half copied by an earlier run"),
            std::string::npos)
      << run->Output();
  runtest::StopRun(*run);
}

// The same interleaving into DynamoDB (docs and lines each into a DynamoDB table of its own, so
// the sink may empty docs' table before it is copied again): the moved row's item has its body.
TEST_F(RunPostgresSourceTest, AResumedCopyIntoDynamoDbEmptiesAndReadsAgainAHalfCopiedTable) {
  ASSERT_TRUE(testing::EnsureServer("dynalite"));
  std::unique_ptr<dynamodb::Client> client = testing::DynaliteClient();
  ASSERT_NE(client, nullptr);
  const std::string docs_table = schema_ + "_docs", lines_table = schema_ + "_lines";
  for (const std::string& table : {docs_table, lines_table}) {
    testing::DropTableAndWait(*client, table);
  }
  const std::filesystem::path mapping = dir_ / "mapping.yaml";
  copytest::WriteFile(mapping, "tables:\n  - {name: " + docs_table +
                                   ", partition_key: pk}\n  - {name: " + lines_table +
                                   ", partition_key: pk, sort_key: sk}\nsources:\n  " + schema_ +
                                   ".docs: {table: " + docs_table + ", pk: \"DOC#{id}\"}\n  " +
                                   schema_ + ".lines: {table: " + lines_table +
                                   ", pk: \"ORDER#{order_id}\", sk: \"LINE#{line}\"}\n");
  WriteSpec("target:\n  kind: dynamodb\n  dynamodb:\n    endpoint: " + testing::DynaliteEndpoint() +
                "\n    access_key_id_env: DYN_KEY\n    secret_access_key_env: DYN_SECRET\n",
            "parallelism: {copy_workers: 1, chunk_rows: 100}\nmapping: " + mapping.string() + "\n");
  const std::string env =
      "DYN_KEY=" + testing::Dynalite().user + " DYN_SECRET=" + testing::Dynalite().password;
  {
    auto first = StartRun(env + " CUTOVER_TEST_PAUSE_AT=after_record:1:kill");
    int code = 0;
    ASSERT_TRUE(first->WaitFor(60s, &code)) << first->Output();
    ASSERT_EQ(code, -SIGKILL) << first->Output();
  }
  PgExec(*source_, "DELETE FROM " + schema_ + ".docs WHERE id = 50; UPDATE " + schema_ +
                       ".docs SET id = 50, title = 'moved' WHERE id = 501");
  auto run = StartRun(env);
  ASSERT_TRUE(runtest::WaitForCdc(*run, 60s)) << run->Output();
  // Items as "id title body" (no body attribute: "-"), against the source's rows.
  std::vector<std::string> expected =
      PgLines(*source_, "SELECT id || ' ' || title || ' ' || coalesce(body, '-') FROM " + schema_ +
                            ".docs ORDER BY id");
  std::vector<std::string> items;
  for (int attempt = 0; attempt < 60; ++attempt) {
    Result<std::vector<nlohmann::json>> scanned = dynamodb::ParallelScan(*client, docs_table, 1);
    ASSERT_TRUE(scanned.ok()) << scanned.status().ToString();
    std::map<int64_t, std::string> by_id;
    for (const nlohmann::json& item : *scanned) {
      const std::string id = item.at("id").at("N").get<std::string>();
      const bool has_body = item.contains("body") && item["body"].contains("S");
      by_id[std::stoll(id)] = id + " " + item.at("title").at("S").get<std::string>() + " " +
                              (has_body ? item["body"]["S"].get<std::string>() : "-");
    }
    items.clear();
    for (auto& [id, line] : by_id) items.push_back(std::move(line));
    if (items == expected) break;
    std::this_thread::sleep_for(500ms);
  }
  EXPECT_TRUE(items == expected) << runtest::RowsDiff(expected, items) << run->Output();
  EXPECT_NE(run->Output().find(schema_ + ".docs was half copied by an earlier run"),
            std::string::npos)
      << run->Output();
  runtest::StopRun(*run);
  if (!HasFailure()) {
    for (const std::string& table : {docs_table, lines_table}) {
      testing::DropTableAndWait(*client, table);
    }
  }
}

// A partitioned table is one table on the target, and its changes, made in its partitions, reach
// it under its own name (the publication's publish_via_partition_root), a row moved from one
// partition to another included.
TEST_F(RunPostgresSourceTest, APartitionedTablesChangesArriveAsItsOwn) {
  const std::string parts = schema_ + ".parts";
  PgExec(*source_, "CREATE TABLE " + parts +
                       " (id int, region int, note text, PRIMARY KEY (id, region)) PARTITION BY "
                       "LIST (region); CREATE TABLE " +
                       parts + "_1 PARTITION OF " + parts + " FOR VALUES IN (1); CREATE TABLE " +
                       parts + "_2 PARTITION OF " + parts + " FOR VALUES IN (2); INSERT INTO " +
                       parts + " SELECT i, 1 + i % 2, 'n' || i FROM generate_series(1, 100) i");
  UsePostgresTarget("");
  auto run = StartRun();
  ASSERT_TRUE(runtest::WaitForCdc(*run, 60s)) << run->Output();
  PgExec(*source_, "INSERT INTO " + parts + " VALUES (101, 1, 'new'), (102, 2, 'new'); UPDATE " +
                       parts + " SET note = 'changed' WHERE id IN (3, 4); UPDATE " + parts +
                       " SET region = 2 WHERE id = 5; DELETE FROM " + parts + " WHERE id = 6");
  const std::string select = "SELECT id, region, note FROM " + parts + " ORDER BY id, region";
  std::vector<std::string> source_rows = PgLines(*source_, select);
  for (int i = 0; i < 100 && PgLines(*pg_target_, select) != source_rows; ++i) {
    std::this_thread::sleep_for(200ms);
  }
  EXPECT_EQ(PgLines(*pg_target_, select), source_rows) << run->Output();
  EXPECT_EQ(PgLines(*pg_target_, "SELECT count(*) FROM " + parts + " WHERE id = 5 AND region = 2"),
            std::vector<std::string>{"1"});
  runtest::StopRun(*run);
}

// The slot only ever advances to what the change log holds, and on a database whose writes are
// all to unselected tables it still advances (the keepalives' WAL end, once everything received
// is durable), so it does not hold WAL back while the migration is idle.
TEST_F(RunPostgresSourceTest, TheSlotAdvancesOnWritesElsewhere) {
  UsePostgresTarget("");
  PgExec(*source_, "CREATE TABLE " + schema_ + "_other (id int)");
  auto run = StartRun();
  ASSERT_TRUE(runtest::WaitForCdc(*run, 60s)) << run->Output();
  PgExec(*source_, "INSERT INTO " + schema_ + "_other SELECT generate_series(1, 1000)");
  ExpectSlotReachesCurrentWal();
  runtest::StopRun(*run);
  PgExec(*source_, "DROP TABLE " + schema_ + "_other");
}

// `cutover tail` on a PostgreSQL source: its own temporary slot over the migration's publication
// (created by the run), from now; an update that leaves the TOASTed body alone shows no body.
TEST_F(RunPostgresSourceTest, TailPrintsChangesWithoutTheUnchangedToastValue) {
  UsePostgresTarget("");
  {
    auto run = StartRun();
    ASSERT_TRUE(runtest::WaitForCdc(*run, 60s)) << run->Output();
    runtest::StopRun(*run);
  }
  runtest::CutoverProcess tail("tail " + spec_.string() + " --limit 2 --tables '*.docs'", "",
                               dir_ / "tail.out");
  // The temporary slot exists once tail is reading: then write.
  for (int i = 0; i < 100; ++i) {
    if (PgLines(*source_, "SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE "
                          "'cutover_tail_%' AND active")[0] == "1") {
      break;
    }
    std::this_thread::sleep_for(100ms);
  }
  PgExec(*source_, "UPDATE " + schema_ + ".lines SET qty = 0 WHERE order_id = 1");
  PgExec(*source_, "UPDATE " + schema_ + ".docs SET n = 99 WHERE id = 1");
  PgExec(*source_, "DELETE FROM " + schema_ + ".docs WHERE id = 2");
  int code = 0;
  ASSERT_TRUE(tail.WaitFor(30s, &code)) << tail.Output();
  EXPECT_EQ(code, 0) << tail.Output();
  std::vector<std::string> lines;
  std::istringstream in(tail.Output());
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("{")) lines.push_back(line);
  }
  ASSERT_EQ(lines.size(), 2u) << tail.Output();
  const std::string docs = schema_ + ".docs";
  EXPECT_NE(lines[0].find("\"table\":\"" + docs + "\",\"op\":\"update\""), std::string::npos)
      << lines[0];
  EXPECT_NE(lines[0].find("\"n\":\"99\""), std::string::npos) << lines[0];
  EXPECT_EQ(lines[0].find("\"body\""), std::string::npos) << "unchanged TOAST shown: " << lines[0];
  EXPECT_NE(lines[1].find("\"op\":\"delete\""), std::string::npos) << lines[1];
}

// A slot dropped under a stopped migration: the next run says so and what to do, instead of
// retrying or silently copying again.
TEST_F(RunPostgresSourceTest, ALostSlotIsReportedClearly) {
  UsePostgresTarget("");
  {
    auto run = StartRun();
    ASSERT_TRUE(runtest::WaitForCdc(*run, 60s)) << run->Output();
    runtest::StopRun(*run);
  }
  PgExec(*source_, "SELECT pg_drop_replication_slot('" + SlotName() + "')");
  auto run = StartRun();
  int code = 0;
  ASSERT_TRUE(run->WaitFor(60s, &code)) << run->Output();
  EXPECT_NE(code, 0);
  EXPECT_NE(run->Output().find("the source's replication slot " + SlotName() +
                               " does not exist (it was dropped): the changes made since the "
                               "copy are no longer on the source"),
            std::string::npos)
      << run->Output();
}

}  // namespace
}  // namespace cutover
