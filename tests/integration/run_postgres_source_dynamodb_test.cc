// `cutover run` from a PostgreSQL source into DynamoDB (dynalite), end to end on a real
// PostgreSQL 15, under the live workload of run_postgres_source_test (inserts, updates that leave
// the large TOASTed body unchanged, updates that change it, key changes that leave it unchanged,
// deletes, multi-row transactions), `cutover run` killed with SIGKILL during the copy, in CDC, at named points
// and at random, and run again. It ends with every item equal to its source row as
// docs/type-mapping.md maps it (computed here from the source by SQL, not through cutover's
// mapping), and no body missing from an item whose row has one.
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "postgres_source_dynamodb_support.h"
#include "run_support.h"

namespace cutover {
namespace {

using namespace std::chrono_literals;
using namespace pgsource;
using nlohmann::json;

class RunPostgresSourceDynamoDbTest : public PostgresSourceDynamoDbTest {
 protected:
  RunPostgresSourceDynamoDbTest() : PostgresSourceDynamoDbTest("pgdyn") {}

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(PostgresSourceDynamoDbTest::SetUp());
    const std::string s = "  " + schema_ + ".";
    ASSERT_NO_FATAL_FAILURE(UseDynamoDbTarget(
        s + "docs: {table: " + schema_ + ", pk: \"DOC#{id}\", sk: \"DOC\"}\n" + s +
            "lines: {table: " + schema_ + ", pk: \"ORDER#{order_id}\", sk: \"LINE#{line}\"}\n",
        "parallelism: {copy_workers: 2, chunk_rows: 100, apply_lanes: 4}\n"
        "throttle: {copy_rows_per_second: 1500}\n"));
  }

  std::unique_ptr<runtest::CutoverProcess> StartRun(const std::string& env = "") {
    return std::make_unique<runtest::CutoverProcess>("run " + spec_.string() + " --status-every 1",
                                                     DynamoDbEnv() + " " + env, dir_ / "run.out");
  }

  // The items the source rows make by docs/type-mapping.md's default rules, canonical, by
  // "pk|sk": bigint, integer and numeric as N, text as S, timestamptz as S ISO in UTC with `Z`,
  // NULL omitted; every column also an attribute.
  std::map<std::string, json> ExpectedItems() {
    std::map<std::string, json> items;
    auto add = [&](json item) {
      std::string key =
          item["pk"]["S"].get<std::string>() + "|" + item["sk"]["S"].get<std::string>();
      items[key] = CanonicalItem(item);
    };
    for (const std::vector<std::string>& cells :
         PgCells(*source_,
                 "SELECT id, title, body, n, to_char(updated AT TIME ZONE 'UTC', "
                 "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), price FROM " +
                     schema_ + ".docs")) {
      json item = {{"pk", {{"S", "DOC#" + cells[0]}}}, {"sk", {{"S", "DOC"}}},
                   {"id", {{"N", cells[0]}}},          {"title", {{"S", cells[1]}}},
                   {"n", {{"N", cells[3]}}},           {"updated", {{"S", cells[4]}}}};
      if (cells[2] != "NULL") item["body"] = {{"S", cells[2]}};
      if (cells[5] != "NULL") item["price"] = {{"N", cells[5]}};
      add(item);
    }
    for (const std::vector<std::string>& cells :
         PgCells(*source_, "SELECT order_id, line, sku, qty FROM " + schema_ + ".lines")) {
      add({{"pk", {{"S", "ORDER#" + cells[0]}}},
           {"sk", {{"S", "LINE#" + cells[1]}}},
           {"order_id", {{"N", cells[0]}}},
           {"line", {{"N", cells[1]}}},
           {"sku", {{"S", cells[2]}}},
           {"qty", {{"N", cells[3]}}}});
    }
    return items;
  }
  // Polls (at most `timeout`) until the items equal the source rows, then asserts it.
  void ExpectItemsEqualSource(std::chrono::seconds timeout, const std::string& context) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (ExpectedItems() != Items() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(500ms);
    }
    std::map<std::string, json> expected = ExpectedItems();
    std::map<std::string, json> actual = Items();
    EXPECT_EQ(actual.size(), expected.size());
    EXPECT_TRUE(actual == expected) << "items differ:\n" << ItemsDiff(expected, actual) << context;
  }

  // No doc item lacks a body its row has, nor holds an empty or placeholder one: every body
  // attribute is the full text (kDocs bodies of 3,200 characters and more).
  void ExpectNoBodyLost() {
    std::map<std::string, std::string> source_bodies;
    for (const std::vector<std::string>& cells :
         PgCells(*source_,
                 "SELECT id, length(body) FROM " + schema_ + ".docs WHERE body IS NOT NULL")) {
      source_bodies["DOC#" + cells[0]] = cells[1];
    }
    int lost = 0;
    std::string examples;
    for (const auto& [key, item] : Items()) {
      const std::string pk = key.substr(0, key.find('|'));
      auto source = source_bodies.find(pk);
      if (source == source_bodies.end()) continue;
      const std::string length = item.contains("body")
                                     ? std::to_string(item["body"]["S"].get<std::string>().size())
                                     : "missing";
      if (length != source->second && lost++ < 5) {
        examples += "  " + pk + ": body " + length + ", source " + source->second + "\n";
      }
    }
    EXPECT_EQ(lost, 0) << examples;
  }
};

TEST_F(RunPostgresSourceDynamoDbTest, UnderLoadKilledAndResumedEveryItemEqualsItsRow) {
  PgWorkload workload(testing::PostgresSource(), schema_);
  workload.Start(5ms);
  auto run = RunKilledAndResumedUnderLoad(
      workload, [this](const std::string& env) { return StartRun(env); },
      {"after_write:3:kill", "capture_appended:25:kill", "apply_before:4:kill",
       "apply_after:6:kill"});
  if (HasFatalFailure()) return;
  ExpectItemsEqualSource(90s, run->Output());
  ExpectNoBodyLost();
  runtest::StopRun(*run);
}

}  // namespace
}  // namespace cutover
