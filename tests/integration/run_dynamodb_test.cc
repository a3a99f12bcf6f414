// `cutover run` MariaDB -> DynamoDB (dynalite) end to end: the run tests' live write workload
// (inserts, updates including primary-key changes, deletes, multi-row transactions) through
// copy and CDC, uninterrupted and killed with SIGKILL at several points; items keyed by a
// non-key column, which different source rows write in turn; items two tables share; and the
// applier's routing keys and lane checkpoints. Each end-to-end test ends with every DynamoDB item
// equal to the source rows mapped through the same Mapping code.
#include <nlohmann/json.hpp>
#include <set>

#include <gtest/gtest.h>

#include "cutover/state_store.h"

#include "dynamodb_support.h"
#include "kafka_support.h"
#include "run_support.h"
#include "sink/dynamodb/applier.h"
#include "source/mysql/snapshot_reader.h"
#include "source/mysql/snapshot_schema.h"

namespace cutover {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr int kRows = 3000;

class RunDynamoDbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::EnsureServer("mariadb-source"));
    ASSERT_TRUE(testing::EnsureServer("dynalite"));
    source_ = copytest::Connect(testing::MariaDbSource());
    ASSERT_NE(source_, nullptr);
    db_ = "run_dyn_" + std::to_string(getpid());
    table_ = "run_dyn_" + std::to_string(getpid());
    dir_ = copytest::MakeTempDir("cutover_run_dynamodb");
    client_ = testing::DynaliteClient();
    ASSERT_NE(client_, nullptr);
    testing::DropTableAndWait(*client_, table_);
  }
  void TearDown() override {
    if (HasFailure() && std::getenv("CUTOVER_TEST_KEEP") != nullptr) return;  // to investigate
    if (source_) copytest::Exec(*source_, "DROP DATABASE IF EXISTS " + db_);
    if (client_) testing::DropTableAndWait(*client_, table_);
    std::filesystem::remove_all(dir_);
  }

  // The spec and the mapping: every selected table of db_ into one DynamoDB table (pk, sk).
  void WriteSpec(const std::string& sources_yaml, const std::string& extra_yaml = "",
                 const std::string& tables_yaml = "") {
    std::filesystem::path mapping = dir_ / "mapping.yaml";
    copytest::WriteFile(mapping, "tables:\n  - {name: " + table_ +
                                     ", partition_key: pk, sort_key: sk}\nsources:\n" +
                                     sources_yaml);
    std::string target =
        "target:\n  kind: dynamodb\n  dynamodb:\n    endpoint: " + testing::DynaliteEndpoint() +
        "\n    access_key_id_env: DYN_KEY\n    secret_access_key_env: DYN_SECRET\n";
    // A throttled copy (about 3 s for 6,000 rows) so the workload overlaps it.
    copytest::WriteFile(
        spec_, copytest::CopySpec("run-dynamodb", testing::MariaDbSource(), target,
                                  tables_yaml + "  - match: \"" + db_ + ".*\"\n",
                                  (dir_ / "state").string(),
                                  "mapping: " + mapping.string() +
                                      "\nparallelism: {copy_workers: 2, chunk_rows: 200, "
                                      "apply_lanes: 4}\nthrottle: {copy_rows_per_second: 2000}\n" +
                                      extra_yaml));
    mapping_ = std::make_unique<Mapping>(Mapping::Load(mapping).value());
  }

  // The workload's tables: accounts (key id) and lines (key order_id, line) share the table.
  void WriteWorkloadSpec(const std::string& extra_yaml = "", const std::string& tables_yaml = "") {
    WriteSpec(
        "  " + db_ + ".accounts:\n    table: " + table_ +
            "\n    pk: \"ACCOUNT#{id}\"\n    sk: \"PROFILE\"\n    rename: {owner: holder}\n"
            "    computed: {kind: account}\n  " +
            db_ + ".lines:\n    table: " + table_ +
            "\n    pk: \"ORDER#{order_id}\"\n    sk: \"LINE#{line}\"\n    exclude: [order_id]\n",
        extra_yaml, tables_yaml);
  }

  // The spec reads the AWS keys for dynalite from these variables.
  static std::string KeysEnv() {
    return "DYN_KEY=" + testing::Dynalite().user + " DYN_SECRET=" + testing::Dynalite().password;
  }

  std::unique_ptr<runtest::CutoverProcess> StartRun(const std::string& env = "",
                                                    const std::string& command = "run",
                                                    const char* output = "run.out") {
    return std::make_unique<runtest::CutoverProcess>(
        command + " " + spec_.string() + " --status-every 1", KeysEnv() + " " + env, dir_ / output);
  }

  // The items the source rows of `tables` make through the mapping, canonical, by item key. A
  // shared item holds its key and the attributes every source row writing it sets.
  std::map<std::string, json> ExpectedItems(const std::vector<std::string>& tables) {
    std::map<std::string, json> merged;  // by the key's JSON
    for (const std::string& name : tables) {
      TableSchema schema = mysql::LoadTableSchema(*source_, TableId{db_, name}).value();
      mysql::ChunkSelect select;
      select.limit = 1000000;
      if (filters_.contains(name)) select.filter = filters_[name];
      mysql::ChunkRows rows = mysql::ReadChunk(*source_, schema, select).value();
      for (const Row& row : rows.rows) {
        Result<std::vector<ItemOp>> ops = mapping_->MapRow(schema, row);
        EXPECT_TRUE(ops.ok()) << ops.status().ToString();
        if (!ops.ok()) continue;
        for (const ItemOp& op : *ops) {
          json& item = merged.try_emplace(op.key.dump(), op.key).first->second;
          item.update(op.item);  // a put's item holds the key too
        }
      }
    }
    std::vector<json> items;
    for (const auto& [key, item] : merged) items.push_back(CanonicalItem(item));
    return testing::ByKey(items, {"pk", "sk"});
  }

  std::map<std::string, json> ActualItems() {
    Result<std::vector<json>> items = dynamodb::ParallelScan(*client_, table_, 4);
    // Not created yet: no items (the comparison fails if the source has rows).
    if (items.status().code() == StatusCode::kNotFound) return {};
    EXPECT_TRUE(items.ok()) << items.status().ToString();
    std::vector<json> canonical;
    if (items.ok()) {
      for (const json& item : *items) canonical.push_back(CanonicalItem(item));
    }
    return testing::ByKey(canonical, {"pk", "sk"});
  }

  // The first items only one side has or that differ.
  static std::string Diff(const std::map<std::string, json>& expected,
                          const std::map<std::string, json>& actual) {
    std::string out;
    int shown = 0;
    for (const auto& [key, item] : expected) {
      auto found = actual.find(key);
      if (found == actual.end()) {
        if (shown++ < 5) out += "  source only: " + item.dump() + "\n";
      } else if (found->second != item && shown++ < 10) {
        out += "  differs: " + item.dump() + "\n     item: " + found->second.dump() + "\n";
      }
    }
    for (const auto& [key, item] : actual) {
      if (!expected.contains(key) && shown++ < 15) out += "  target only: " + item.dump() + "\n";
    }
    return out;
  }

  // Polls until the DynamoDB items equal the mapped source rows (the writes have stopped), at
  // most `timeout`; then asserts they are equal, item by item.
  void ExpectItemsCatchUp(const std::vector<std::string>& tables, std::chrono::seconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (ExpectedItems(tables) != ActualItems() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(500ms);
    }
    std::map<std::string, json> expected = ExpectedItems(tables);
    std::map<std::string, json> actual = ActualItems();
    EXPECT_EQ(actual.size(), expected.size());
    EXPECT_TRUE(actual == expected) << "items differ:\n" << Diff(expected, actual);
  }

  // `cutover status --json` from another process; null when it fails (before the run created
  // its state store) or prints no JSON.
  json StatusJson() {
    runtest::CutoverProcess status("status " + spec_.string() + " --json", KeysEnv(),
                                   dir_ / "status.out");
    int code = status.Wait();
    json report =
        code == 0 ? json::parse(status.Output(), nullptr, /*allow_exceptions=*/false) : json();
    std::filesystem::remove(dir_ / "status.out");
    return report.is_discarded() ? json() : report;
  }

  // Waits (at most 30 s) until the run is past the copy and applying changes, so what the test
  // writes next reaches DynamoDB through CDC, not through the copy.
  void WaitForCdc() {
    auto deadline = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < deadline) {
      json report = StatusJson();
      if (report.is_object() && report.value("phase", "") == "cdc") return;
      std::this_thread::sleep_for(200ms);
    }
    ADD_FAILURE() << "the run did not reach cdc";
  }

  // Polls `cutover status --json` (at most 30 s) until table `name` of db_ is stopped by a
  // schema change; its reason, or "" if it never was.
  std::string StoppedReason(const std::string& name) {
    auto deadline = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < deadline) {
      json report = StatusJson();
      for (const json& record : report.value("schema_changes", json::array())) {
        if (record.value("table", "") == db_ + "." + name && record.value("held", false)) {
          return record.value("reason", "");
        }
      }
      std::this_thread::sleep_for(300ms);
    }
    return "";
  }

  // Changes applied by the running `cutover run`, as its last status record (every second) says.
  uint64_t AppliedChanges() {
    std::this_thread::sleep_for(1500ms);  // the next status record
    json report = StatusJson();
    return report.is_object() ? report["cdc"].value("applied_changes", uint64_t{0}) : 0;
  }

  // Stops a run with SIGTERM: it must exit 0 soon.
  void StopRun(runtest::CutoverProcess& run) {
    run.Signal(SIGTERM);
    int code = 0;
    ASSERT_TRUE(run.WaitFor(30s, &code)) << run.Output();
    EXPECT_EQ(code, 0) << run.Output();
  }

  std::unique_ptr<mysql::Connection> source_;
  std::unique_ptr<dynamodb::Client> client_;
  std::unique_ptr<Mapping> mapping_;
  std::map<std::string, std::string> filters_;  // source table -> its row filter (as SQL)
  std::string db_;
  std::string table_;  // the DynamoDB table
  std::filesystem::path dir_;
  std::filesystem::path spec_ = "/nonexistent";
};

TEST_F(RunDynamoDbTest, LiveWorkloadThroughCopyAndCdcEndsEqual) {
  spec_ = dir_ / "spec.yaml";
  runtest::CreateWorkloadSchema(*source_, db_, kRows);
  WriteWorkloadSpec();
  runtest::Workload workload(testing::MariaDbSource(), db_, kRows);
  workload.Start(5ms);
  auto run = StartRun();
  std::this_thread::sleep_for(8s);
  workload.Stop();
  EXPECT_GT(workload.transactions(), 200);
  EXPECT_EQ(workload.failures(), 0);
  ExpectItemsCatchUp({"accounts", "lines"}, 60s);
  json report = StatusJson();
  EXPECT_EQ(report["phase"], "cdc") << report.dump();
  EXPECT_EQ(report["tables"].size(), 2u);
  StopRun(*run);
  EXPECT_NE(run->Output().find("cdc: cdc, lag"), std::string::npos) << run->Output();
  // Every lane recorded its checkpoint in the state store, with the lane count.
  auto state = StateStore::Open(dir_ / "state").value();
  std::map<std::string, uint64_t> offsets = state->ListOffsets().value();
  for (int lane = 0; lane < 4; ++lane) {
    std::string name = "apply.run-dynamodb.lane." + std::to_string(lane);
    EXPECT_TRUE(offsets.contains(name)) << name;
    EXPECT_EQ(state->GetMeta(name + ".lanes").value(), std::optional<std::string>("4"));
  }
}

// A row filter into DynamoDB: accounts whose balance is in a range and whose note is NULL or
// unchanged; the workload's updates move rows out of it (notes rewritten, balances crossing the
// bound, keys changing) while new rows stay out. The items are exactly those of the rows the
// filter keeps, and of every line.
TEST_F(RunDynamoDbTest, RowFilterHoldsThroughCdc) {
  spec_ = dir_ / "spec.yaml";
  runtest::CreateWorkloadSchema(*source_, db_, kRows);
  const std::string filter =
      "balance BETWEEN 1000 AND 3000 AND (note IS NULL OR note LIKE 'note%')";
  filters_["accounts"] = filter;
  WriteWorkloadSpec("", "  - match: " + db_ + ".accounts\n    filter: \"" + filter + "\"\n");
  runtest::Workload workload(testing::MariaDbSource(), db_, kRows);
  workload.Start(5ms);
  auto run = StartRun();
  std::this_thread::sleep_for(8s);
  workload.Stop();
  EXPECT_GT(workload.transactions(), 200);
  EXPECT_EQ(workload.failures(), 0);
  ExpectItemsCatchUp({"accounts", "lines"}, 60s);
  std::vector<std::string> kept = copytest::Lines(
      *source_, "SELECT COUNT(*) FROM " + db_ + ".accounts WHERE " + filter);
  std::vector<std::string> all =
      copytest::Lines(*source_, "SELECT COUNT(*) FROM " + db_ + ".accounts");
  EXPECT_LT(std::stoi(kept.at(0)), std::stoi(all.at(0))) << "the filter keeps every row";
  EXPECT_GT(std::stoi(kept.at(0)), 100);
  StopRun(*run);
}

// kill -9 during the copy, right after a transaction reached the log, before a lane batch was
// written, right after a batch and its checkpoint were recorded, and at a random moment of CDC;
// each time the next run resumes. The workload never stops meanwhile.
TEST_F(RunDynamoDbTest, KilledAtSeveralPointsResumesToEqual) {
  spec_ = dir_ / "spec.yaml";
  runtest::CreateWorkloadSchema(*source_, db_, kRows);
  WriteWorkloadSpec();
  runtest::Workload workload(testing::MariaDbSource(), db_, kRows);
  workload.Start(5ms);
  runtest::KillAtEachPointThenAtRandom([this](const std::string& env) { return StartRun(env); },
                                       {"after_record:4:kill", "capture_appended:30:kill",
                                        "apply_before:8:kill", "apply_after:5:kill"});
  if (HasFatalFailure()) return;
  auto run = StartRun();
  std::this_thread::sleep_for(2s);
  workload.Stop();
  EXPECT_EQ(workload.failures(), 0);
  ExpectItemsCatchUp({"accounts", "lines"}, 60s);
  StopRun(*run);
}

// Items keyed by a unique non-key column: a row gives its handle up and another row takes it,
// and a row changes its primary key but keeps its handle. Different source keys then write one
// item one after the other; routed by source key, the lanes could reorder those writes (the
// new owner's put before the old owner's delete: the item lost).
TEST_F(RunDynamoDbTest, ItemWrittenByDifferentSourceRowsKeepsTheirOrder) {
  spec_ = dir_ / "spec.yaml";
  copytest::Exec(*source_, "DROP DATABASE IF EXISTS " + db_);
  copytest::Exec(*source_, "CREATE DATABASE " + db_);
  copytest::Exec(*source_, "CREATE TABLE " + db_ +
                               ".handles (id INT PRIMARY KEY, handle VARCHAR(20) NOT NULL, "
                               "v INT NOT NULL, UNIQUE KEY u_handle (handle))");
  copytest::Exec(*source_, "INSERT INTO " + db_ + ".handles SELECT seq, CONCAT('h', seq), 0 FROM " +
                               db_ + ".seq_1_to_200");
  WriteSpec("  " + db_ + ".handles: {table: " + table_ + ", pk: \"HANDLE#{handle}\", sk: \"H\"}\n");
  auto run = StartRun();
  WaitForCdc();
  int next_id = 1000;
  for (int round = 0; round < 400; ++round) {
    int id = 1 + round % 200;
    std::string handles = db_ + ".handles";
    // Row `id` gives its handle up; a new row takes it; the new row changes its key.
    copytest::Exec(*source_, fmt::format("UPDATE {} SET handle = CONCAT(handle, 'x'), v = v + 1 "
                                         "WHERE id = {}",
                                         handles, id));
    copytest::Exec(*source_, fmt::format("INSERT INTO {} SELECT {}, LEFT(handle, LENGTH(handle) - "
                                         "1), {} FROM {} WHERE id = {}",
                                         handles, next_id, round, handles, id));
    copytest::Exec(*source_, fmt::format("UPDATE {} SET id = {} WHERE id = {}", handles,
                                         next_id + 1, next_id));
    copytest::Exec(*source_, fmt::format("DELETE FROM {} WHERE id = {}", handles, next_id + 1));
    copytest::Exec(*source_, fmt::format("UPDATE {} SET handle = LEFT(handle, LENGTH(handle) - 1) "
                                         "WHERE id = {}",
                                         handles, id));
    next_id += 2;
  }
  ExpectItemsCatchUp({"handles"}, 60s);
  EXPECT_EQ(ExpectedItems({"handles"}).size(), 200u);
  EXPECT_GE(AppliedChanges(), 2000u) << "the statements went through CDC";
  StopRun(*run);
}

// Two source tables share items (`shared: true`): each sets and removes only its own attributes,
// an item moves when its key column changes, and an item is deleted once neither table has a
// row for it. The writes of both tables to one item go through one lane, in log order.
TEST_F(RunDynamoDbTest, SharedItemsOfTwoTablesEndEqual) {
  spec_ = dir_ / "spec.yaml";
  copytest::Exec(*source_, "DROP DATABASE IF EXISTS " + db_);
  copytest::Exec(*source_, "CREATE DATABASE " + db_);
  copytest::Exec(*source_, "CREATE TABLE " + db_ +
                               ".users (id INT PRIMARY KEY, email VARCHAR(40) NOT NULL, name "
                               "VARCHAR(40) NULL, UNIQUE KEY u_email (email))");
  copytest::Exec(*source_, "CREATE TABLE " + db_ +
                               ".profiles (id INT PRIMARY KEY, user_email VARCHAR(40) NOT NULL, "
                               "bio VARCHAR(40) NULL, UNIQUE KEY u_email (user_email))");
  copytest::Exec(*source_, "INSERT INTO " + db_ +
                               ".users SELECT seq, CONCAT('e', seq), CONCAT('n', seq) FROM " + db_ +
                               ".seq_1_to_60");
  copytest::Exec(*source_, "INSERT INTO " + db_ +
                               ".profiles SELECT seq, CONCAT('e', seq), CONCAT('b', seq) FROM " +
                               db_ + ".seq_1_to_40");
  WriteSpec("  " + db_ + ".users: {table: " + table_ +
            ", pk: \"U#{email}\", sk: \"U\", shared: true, include: [id, name]}\n  " + db_ +
            ".profiles: {table: " + table_ +
            ", pk: \"U#{user_email}\", sk: \"U\", shared: true, include: [bio]}\n");
  auto run = StartRun();
  WaitForCdc();
  std::string users = db_ + ".users";
  std::string profiles = db_ + ".profiles";
  for (int round = 0; round < 200; ++round) {
    int id = 1 + round % 60;
    copytest::Exec(*source_, fmt::format("UPDATE {} SET name = IF(name IS NULL, 'r{}', NULL) "
                                         "WHERE id = {}",
                                         users, round, id));
    copytest::Exec(*source_, fmt::format("INSERT INTO {} VALUES ({}, 'e{}', 'p{}') ON DUPLICATE "
                                         "KEY UPDATE bio = IF(bio IS NULL, 'q{}', NULL)",
                                         profiles, id, id, round, round));
    // The user's part moves to another item and back; the profile's part stays.
    copytest::Exec(
        *source_, fmt::format("UPDATE {} SET email = CONCAT(email, 'x') WHERE id = {}", users, id));
    copytest::Exec(*source_, fmt::format("UPDATE {} SET email = LEFT(email, LENGTH(email) - 1) "
                                         "WHERE id = {}",
                                         users, id));
    if (round % 3 == 0) {
      copytest::Exec(*source_, fmt::format("DELETE FROM {} WHERE id = {}", users, id));
    }
    if (round % 3 == 1) {
      copytest::Exec(*source_,
                     fmt::format("INSERT IGNORE INTO {} VALUES ({}, 'e{}', NULL)", users, id, id));
    }
    if (round % 5 == 0) {
      copytest::Exec(*source_, fmt::format("DELETE FROM {} WHERE id = {}", profiles, id));
    }
  }
  ExpectItemsCatchUp({"users", "profiles"}, 60s);
  EXPECT_GE(AppliedChanges(), 1000u) << "the statements went through CDC";
  StopRun(*run);
}

// The routing keys the appliers' mapper gives the reader: the item (DynamoDB table and key), whatever the
// source table or key; for a table a Lua hook writes, the table alone. And the lane checkpoints
// in the state store: own with the same lane count, the oldest of all after a change of lane
// count, from the start for a lane that never recorded one, per migration name.
TEST_F(RunDynamoDbTest, RoutingKeysAndLaneCheckpoints) {
  std::filesystem::path lua = dir_ / "hook.lua";
  copytest::WriteFile(lua,
                      "function transform(t, row) return {{pk = 'L#' .. row.id, sk = 'A'},"
                      " {pk = 'L#' .. row.id, sk = 'B'}} end\n");
  std::filesystem::path mapping = dir_ / "mapping.yaml";
  copytest::WriteFile(mapping, R"x(
tables:
  - {name: items, partition_key: pk, sort_key: sk}
  - {name: hooked, partition_key: pk, sort_key: sk}
sources:
  app.users: {table: items, pk: "U#{email}", sk: "U", shared: true, include: [name]}
  app.profiles: {table: items, pk: "U#{user_email}", sk: "U", shared: true, include: [bio]}
  app.logs: {table: hooked, pk: "L#{id}", sk: "A", lua: hook.lua}
  app.notes: {table: hooked, pk: "N#{id}", sk: "N"}
)x");
  Spec spec = testing::DynaliteSpec("", testing::DynaliteEndpoint());
  spec.name = "routing";
  spec.mapping = mapping;
  spec.state_dir = dir_ / "state";
  std::vector<TargetTablePlan> plans;
  for (const char* table : {"users", "profiles", "logs", "notes"}) {
    TargetTablePlan plan;
    plan.source = TableId{"app", table};
    plans.push_back(plan);
  }
  Mapping mapping_rules = Mapping::Load(mapping).value();
  std::unique_ptr<Appliers> appliers =
      dynamodb::OpenDynamoDbAppliers(spec, mapping_rules, plans, nullptr).value();
  const ChangeMapper* mapper = appliers->mapper();
  ASSERT_NE(mapper, nullptr);

  SampleRows users = testing::Rows(
      R"x({"table":"app.users","columns":{"id":"int","email":"text","name":"text"},)x"
      R"x("rows":[{"id":1,"email":"a@x","name":"Ann"},{"id":2,"email":"a@x","name":"Bo"},)x"
      R"x({"id":1,"email":"b@x","name":"Ann"}]})x");
  SampleRows profiles = testing::Rows(
      R"x({"table":"app.profiles","columns":{"id":"int","user_email":"text","bio":"text"},)x"
      R"x("rows":[{"id":9,"user_email":"a@x","bio":"hi"}]})x");
  SampleRows logs =
      testing::Rows(R"x({"table":"app.logs","columns":{"id":"int"},"rows":[{"id":1},{"id":2}]})x");
  SampleRows notes =
      testing::Rows(R"x({"table":"app.notes","columns":{"id":"int"},"rows":[{"id":1}]})x");
  auto key = [&](const SampleRows& sample, size_t row) {
    Result<std::string> routed = mapper->RoutingKey(sample.schema, sample.rows[row]);
    EXPECT_TRUE(routed.ok()) << routed.status().ToString();
    return routed.ok() ? *routed : std::string();
  };
  std::string item_a = std::string("items") + '\0' + R"x({"pk":{"S":"U#a@x"},"sk":{"S":"U"}})x";
  EXPECT_EQ(key(users, 0), item_a);
  EXPECT_EQ(key(users, 1), item_a) << "another source key, the same item";
  EXPECT_EQ(key(profiles, 0), item_a) << "another source table, the same shared item";
  EXPECT_NE(key(users, 2), item_a) << "the same source key, another item";
  EXPECT_EQ(key(logs, 0), "hooked");
  EXPECT_EQ(key(logs, 1), "hooked");
  EXPECT_EQ(key(notes, 0), "hooked") << "a table a Lua hook writes goes by the table";

  std::vector<std::unique_ptr<Spec>> specs;  // each outlives its appliers
  std::vector<std::unique_ptr<Appliers>> opened;
  auto open = [&](const std::string& name, int lane, int lanes) {
    specs.push_back(std::make_unique<Spec>(spec));
    specs.back()->name = name;
    opened.push_back(dynamodb::OpenDynamoDbAppliers(*specs.back(), mapping_rules, plans, nullptr).value());
    return opened.back()->OpenLane(lane, lanes).value();
  };
  auto checkpoint = [&](const std::string& name, int lane, int lanes) {
    Result<std::optional<uint64_t>> loaded = open(name, lane, lanes)->LoadCheckpoint();
    EXPECT_TRUE(loaded.ok()) << loaded.status().ToString();
    return loaded.ok() ? *loaded : std::optional<uint64_t>(999);
  };
  EXPECT_EQ(checkpoint("routing", 0, 2), std::nullopt) << "nothing recorded yet";
  ASSERT_EQ(open("routing", 0, 2)->Apply({}, 100).ToString(), "OK");
  EXPECT_EQ(checkpoint("routing", 0, 2), std::optional<uint64_t>(100));
  EXPECT_EQ(checkpoint("routing", 1, 2), std::optional<uint64_t>(0)) << "lane 1 never recorded";
  ASSERT_EQ(open("routing", 1, 2)->Apply({}, 60).ToString(), "OK");
  EXPECT_EQ(checkpoint("routing", 0, 2), std::optional<uint64_t>(100));
  EXPECT_EQ(checkpoint("routing", 1, 2), std::optional<uint64_t>(60));
  EXPECT_EQ(checkpoint("routing", 0, 3), std::optional<uint64_t>(60)) << "3 lanes: the oldest";
  EXPECT_EQ(checkpoint("routing", 2, 3), std::optional<uint64_t>(60));
  EXPECT_EQ(checkpoint("routing", 0, 1), std::optional<uint64_t>(60)) << "1 lane: the oldest";
  EXPECT_EQ(checkpoint("routing.lane.0", 0, 2), std::nullopt) << "another migration's name";
  ASSERT_EQ(open("routing-2", 0, 2)->Apply({}, 5).ToString(), "OK");
  ASSERT_EQ(open("routing.lane.1", 0, 2)->Apply({}, 7).ToString(), "OK");
  EXPECT_EQ(checkpoint("routing", 0, 2), std::optional<uint64_t>(100)) << "per migration name";
  EXPECT_EQ(checkpoint("routing", 1, 2), std::optional<uint64_t>(60)) << "per migration name";
}

}  // namespace
}  // namespace cutover

namespace cutover {
namespace {

// The same pipeline with the Kafka change log (mock cluster: 3 brokers, 8 partitions) and two
// appliers, `cutover run` and `cutover apply`; `cutover run` is killed with SIGKILL once during
// CDC and started again. The log is partitioned by the item key (the mapping's pk and sk), so
// the changes of one item stay in order across the two processes.
TEST_F(RunDynamoDbTest, KafkaLogWithTwoAppliersEndsEqual) {
  testing::MockKafka kafka(3);
  kafka.CreateTopic("cutover.run-dynamodb.log", 8, 3);
  kafka.CreateTopic("cutover.run-dynamodb.log.control", 1, 3);
  spec_ = dir_ / "spec.yaml";
  runtest::CreateWorkloadSchema(*source_, db_, kRows);
  WriteWorkloadSpec("change_log:\n  kind: kafka\n  kafka: {brokers: \"" + kafka.bootstraps() +
                    "\", partitions: 8}\n");
  runtest::Workload workload(testing::MariaDbSource(), db_, kRows);
  workload.Start(5ms);
  auto second = StartRun("", "apply", "apply.out");
  auto run = StartRun();
  WaitForCdc();
  std::this_thread::sleep_for(3s);
  run->Signal(SIGKILL);
  EXPECT_EQ(run->Wait(), -SIGKILL);
  run = StartRun();
  std::this_thread::sleep_for(4s);
  workload.Stop();
  EXPECT_GT(workload.transactions(), 200);
  EXPECT_EQ(workload.failures(), 0);
  ExpectItemsCatchUp({"accounts", "lines"}, 90s);
  StopRun(*run);
  StopRun(*second);
  EXPECT_GT(testing::MostAppliedPerSecond(second->Output()), 0) << second->Output();
}

// Schema changes into DynamoDB (docs/ddl.md): a nullable column added under the workload
// becomes an attribute of the items written after (the items before lack it, as NULL would);
// a column added with a default, and a dropped column, stop only their table (the other goes
// on) until `cutover ddl resume --recopy` writes its items again.
TEST_F(RunDynamoDbTest, SchemaChangesAreFollowedOrStopOnlyTheirTable) {
  spec_ = dir_ / "spec.yaml";
  runtest::CreateWorkloadSchema(*source_, db_, 1000);
  WriteWorkloadSpec();
  runtest::Workload workload(testing::MariaDbSource(), db_, 1000);
  auto run = StartRun();
  WaitForCdc();
  workload.Start(5ms);
  std::this_thread::sleep_for(1s);
  copytest::Exec(*source_, "ALTER TABLE " + db_ + ".accounts ADD COLUMN tier INT NULL");
  copytest::Exec(*source_, "UPDATE " + db_ + ".accounts SET tier = id % 5 WHERE id % 10 = 0");
  std::this_thread::sleep_for(2s);
  workload.Stop();
  EXPECT_LE(workload.failures(), 3);  // a copying ALTER may abort one (rolled back)
  ExpectItemsCatchUp({"accounts", "lines"}, 60s);
  auto cutover = [&](const std::string& args, int* code) {
    runtest::CutoverProcess process(args, KeysEnv(), dir_ / "cli.out");
    *code = process.Wait();
    std::string output = process.Output();
    std::filesystem::remove(dir_ / "cli.out");
    return output;
  };
  // Items written before lack the new attribute, which only NULL may: held until re-copied.
  copytest::Exec(*source_, "ALTER TABLE " + db_ + ".`lines` ADD COLUMN flag INT NOT NULL "
                           "DEFAULT 1");
  copytest::Exec(*source_, "UPDATE " + db_ + ".`lines` SET flag = 2 WHERE line = 0");
  std::string reason = StoppedReason("lines");
  EXPECT_NE(reason.find("column flag was added to " + db_ + ".lines and its existing rows got "
                        "DEFAULT 1, which the items written before lack"),
            std::string::npos)
      << reason;
  // accounts goes on.
  copytest::Exec(*source_, "UPDATE " + db_ + ".accounts SET tier = 9 WHERE id <= 20");
  auto accounts_only = [](std::map<std::string, json> items) {
    std::erase_if(items, [](const auto& entry) {
      return entry.second["pk"].dump().find("ACCOUNT#") == std::string::npos;
    });
    return items;
  };
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (accounts_only(ActualItems()) != ExpectedItems({"accounts"}) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(300ms);
  }
  EXPECT_TRUE(accounts_only(ActualItems()) == ExpectedItems({"accounts"}));
  int code = 0;
  std::string resumed =
      cutover("ddl resume " + spec_.string() + " " + db_ + ".lines --recopy", &code);
  EXPECT_EQ(code, 0) << resumed << run->Output();
  ExpectItemsCatchUp({"accounts", "lines"}, 60s);
  // A dropped column: held, then re-copied (each item is put whole: the attribute goes).
  copytest::Exec(*source_, "ALTER TABLE " + db_ + ".accounts DROP COLUMN note");
  copytest::Exec(*source_, "UPDATE " + db_ + ".accounts SET balance = 1 WHERE id <= 5");
  reason = StoppedReason("accounts");
  EXPECT_NE(reason.find("column note of " + db_ + ".accounts was dropped on the source"),
            std::string::npos)
      << reason;
  resumed = cutover("ddl resume " + spec_.string() + " " + db_ + ".accounts --recopy", &code);
  EXPECT_EQ(code, 0) << resumed << run->Output();
  ExpectItemsCatchUp({"accounts", "lines"}, 60s);
  std::string verify = cutover("verify " + spec_.string(), &code);
  EXPECT_EQ(code, 0) << verify;
  StopRun(*run);
}

// Into DynamoDB: TRUNCATE of a table whose DynamoDB table is its own deletes its items (then the
// inserts after it arrive); a table created on the source that the mapping maps is copied while
// CDC runs and followed; a new primary key stops only its table until --recopy; a TRUNCATE of a
// table that shares its DynamoDB table stops only it; `replay --from 0` into empty DynamoDB
// tables follows the same history.
TEST_F(RunDynamoDbTest, TruncateKeyChangeNewTableAndReplay) {
  spec_ = dir_ / "spec.yaml";
  const std::string own = table_ + "_own";
  testing::DropTableAndWait(*client_, own);
  copytest::Exec(*source_, "DROP DATABASE IF EXISTS " + db_);
  copytest::Exec(*source_, "CREATE DATABASE " + db_);
  copytest::Exec(*source_, "CREATE TABLE " + db_ + ".solo (id INT PRIMARY KEY, v INT NOT NULL)");
  copytest::Exec(*source_, "INSERT INTO " + db_ + ".solo SELECT seq, seq FROM " + db_ +
                               ".seq_1_to_200");
  copytest::Exec(*source_, "CREATE TABLE " + db_ + ".shared (id INT PRIMARY KEY, v INT NOT NULL)");
  copytest::Exec(*source_, "INSERT INTO " + db_ + ".shared SELECT seq, seq FROM " + db_ +
                               ".seq_1_to_100");
  copytest::Exec(*source_, "CREATE TABLE " + db_ +
                               ".keyed (id INT PRIMARY KEY, part INT NOT NULL, v INT NOT NULL)");
  copytest::Exec(*source_, "INSERT INTO " + db_ + ".keyed SELECT seq, 0, seq FROM " + db_ +
                               ".seq_1_to_100");
  // The mapping of `table` and `solo_table` (the replay below writes others).
  auto mapping_yaml = [&](const std::string& table, const std::string& solo_table) {
    return "tables:\n  - {name: " + table + ", partition_key: pk, sort_key: sk}\n  - {name: " +
           solo_table + ", partition_key: pk}\nsources:\n  " + db_ + ".solo:\n    table: " +
           solo_table + "\n    pk: \"SOLO#{id}\"\n  " + db_ + ".shared:\n    table: " + table +
           "\n    pk: \"SHARED#{id}\"\n    sk: \"S\"\n  " + db_ + ".fresh:\n    table: " + table +
           "\n    pk: \"FRESH#{id}\"\n    sk: \"F\"\n  " + db_ + ".keyed:\n    table: " + table +
           "\n    pk: \"KEYED#{id}\"\n    sk: \"P#{part}\"\n";
  };
  std::filesystem::path mapping = dir_ / "mapping.yaml";
  copytest::WriteFile(mapping, mapping_yaml(table_, own));
  std::string target = "target:\n  kind: dynamodb\n  dynamodb:\n    endpoint: " +
                       testing::DynaliteEndpoint() +
                       "\n    access_key_id_env: DYN_KEY\n    secret_access_key_env: DYN_SECRET\n";
  copytest::WriteFile(spec_, copytest::CopySpec("run-dynamodb-ddl", testing::MariaDbSource(),
                                                target, "  - match: \"" + db_ + ".*\"\n",
                                                (dir_ / "state").string(),
                                                "mapping: " + mapping.string() +
                                                    "\nchange_log: {retention_size: 1GiB}\n"));
  mapping_ = std::make_unique<Mapping>(Mapping::Load(mapping).value());
  auto run = StartRun();
  WaitForCdc();
  auto own_items = [&] {
    Result<std::vector<json>> items = dynamodb::ParallelScan(*client_, own, 2);
    std::set<std::string> keys;
    if (items.ok()) {
      for (const json& item : *items) keys.insert(item["pk"]["S"].get<std::string>());
    }
    return keys;
  };
  EXPECT_EQ(own_items().size(), 200u);
  copytest::Exec(*source_, "TRUNCATE TABLE " + db_ + ".solo");
  copytest::Exec(*source_, "INSERT INTO " + db_ + ".solo VALUES (7, 7), (8, 8)");
  std::set<std::string> want = {"SOLO#7", "SOLO#8"};
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (own_items() != want && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(300ms);
  }
  EXPECT_EQ(own_items(), want);
  // A new table the spec selects and the mapping maps: copied, then followed.
  copytest::Exec(*source_, "CREATE TABLE " + db_ + ".fresh (id INT PRIMARY KEY, v INT NOT NULL)");
  copytest::Exec(*source_, "INSERT INTO " + db_ + ".fresh SELECT seq, seq FROM " + db_ +
                               ".seq_1_to_300");
  std::this_thread::sleep_for(2s);
  copytest::Exec(*source_, "UPDATE " + db_ + ".fresh SET v = 0 WHERE id <= 10");
  ExpectItemsCatchUp({"shared", "fresh", "keyed"}, 60s);
  // A new primary key stops only keyed; a re-copy with the mapping as it is (its item key
  // already names both columns) ends equal.
  copytest::Exec(*source_, "ALTER TABLE " + db_ + ".keyed DROP PRIMARY KEY, ADD PRIMARY KEY (id, "
                                                  "part)");
  copytest::Exec(*source_, "INSERT INTO " + db_ + ".keyed VALUES (1, 9, 1), (2, 9, 2)");
  std::string key_reason = StoppedReason("keyed");
  EXPECT_NE(key_reason.find("the primary key of " + db_ + ".keyed changed on the source"),
            std::string::npos)
      << key_reason;
  {
    runtest::CutoverProcess resume("ddl resume " + spec_.string() + " " + db_ + ".keyed --recopy",
                                   KeysEnv(), dir_ / "resume.out");
    EXPECT_EQ(resume.Wait(), 0) << resume.Output() << run->Output();
  }
  ExpectItemsCatchUp({"shared", "fresh", "keyed"}, 60s);
  // The shared table's truncate cannot delete only its items: it stops, saying so.
  copytest::Exec(*source_, "TRUNCATE TABLE " + db_ + ".shared");
  std::string reason = StoppedReason("shared");
  EXPECT_NE(reason.find(db_ + ".shared was truncated on the source, and DynamoDB table " + table_ +
                        " also holds"),
            std::string::npos)
      << reason;
  StopRun(*run);

  // Replay from the log's start (after the copy) into two empty DynamoDB tables: across the
  // truncate, the new table and the key change, the tables the log holds whole come out equal
  // (shared's copied rows are not in the log, and its truncate stops it there too).
  const std::string replayed = table_ + "_r";
  const std::string replayed_own = own + "_r";
  testing::DropTableAndWait(*client_, replayed);
  testing::DropTableAndWait(*client_, replayed_own);
  std::filesystem::path second_mapping = dir_ / "mapping2.yaml";
  copytest::WriteFile(second_mapping, mapping_yaml(replayed, replayed_own));
  std::filesystem::path second = dir_ / "second.yaml";
  copytest::WriteFile(second, copytest::CopySpec("run-dynamodb-ddl-replay",
                                                 testing::MariaDbSource(), target,
                                                 "  - match: \"" + db_ + ".*\"\n",
                                                 (dir_ / "state2").string(),
                                                 "mapping: " + second_mapping.string() + "\n"));
  {
    runtest::CutoverProcess replay("replay " + spec_.string() + " --from 0 --target " +
                                       second.string(),
                                   KeysEnv(), dir_ / "replay.out");
    ASSERT_EQ(replay.Wait(), 0) << replay.Output();
  }
  const std::string original_table = table_;
  table_ = replayed;
  mapping_ = std::make_unique<Mapping>(Mapping::Load(second_mapping).value());
  ExpectItemsCatchUp({"fresh", "keyed"}, 10s);
  table_ = original_table;
  Result<std::vector<json>> solo = dynamodb::ParallelScan(*client_, replayed_own, 2);
  ASSERT_TRUE(solo.ok()) << solo.status().ToString();
  std::set<std::string> solo_keys;
  for (const json& item : *solo) solo_keys.insert(item["pk"]["S"].get<std::string>());
  EXPECT_EQ(solo_keys, want);
  testing::DropTableAndWait(*client_, replayed);
  testing::DropTableAndWait(*client_, replayed_own);
  testing::DropTableAndWait(*client_, own);
}

}  // namespace
}  // namespace cutover
