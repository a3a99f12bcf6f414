// `cutover verify` and `cutover verify --repair` from a PostgreSQL source, on real servers, while
// `cutover run` follows the slot and a workload writes to the source (postgres_source_support.h):
// into a PostgreSQL target (checksums computed alike on both servers) and into a MariaDB target
// (row by row, each value compared as the mapping stores it), into DynamoDB and into Kafka
// (its topics read as a consumer does). Differences planted in the target
// in tables the workload does not touch are reported with exact counts; --repair sends the
// chunks again inside watermark windows that travel through the slot as logical messages; the
// verify after it finds nothing, and every table is then equal to the source by an independent
// comparison (text on both servers), with no trace of the watermarks on the target.
#include <algorithm>
#include <atomic>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "kafka_support.h"
#include "postgres_source_dynamodb_support.h"
#include "run_support.h"
#include "sink/dynamodb/operations.h"
#include "support/postgres_types.h"
#include "verify_support.h"

namespace cutover {
namespace {

using copytest::Lines;
using namespace std::chrono_literals;
using namespace pgsource;
using verifytest::EntryOf;
using verifytest::json;
using verifytest::Listed;
using verifytest::Verify;
using verifytest::VerifyRun;

constexpr int kQuiet = 300;
constexpr int kNamed = 50;
constexpr const char* kParallelism =
    "parallelism: {copy_workers: 2, chunk_rows: 100, apply_lanes: 4}\n";

class VerifyPostgresSourceTest : public PostgresSourceDynamoDbTest {
 protected:
  VerifyPostgresSourceTest() : PostgresSourceDynamoDbTest("pgvs") {}

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(PostgresSourceDynamoDbTest::SetUp());
    // Tables the workload does not touch: their planted differences are counted exactly.
    PgExec(*source_,
           fmt::format("CREATE TABLE {0}.quiet (id bigint PRIMARY KEY, amount numeric, at "
                       "timestamptz(3), flag boolean, tag uuid, doc jsonb, label text, span "
                       "interval, tags text[], pad char(6));"
                       "INSERT INTO {0}.quiet SELECT i, i * 1.25, timestamptz '2024-01-01 "
                       "00:00:00+00' + i * interval '61.123 seconds', i % 2 = 0, "
                       "md5(i::text)::uuid, jsonb_build_object('i', i, 'name', 'n' || i), "
                       "CASE WHEN i % 9 = 0 THEN NULL ELSE 'label ' || i END, i * interval '1 "
                       "hour 2 minutes', ARRAY['a' || i, 'b c'], 'p' || (i % 10) FROM "
                       "generate_series(1, {1}) i;"
                       "CREATE TABLE {0}.named (name text PRIMARY KEY, score integer);"
                       "INSERT INTO {0}.named SELECT 'name-' || lpad(i::text, 3, '0'), i FROM "
                       "generate_series(1, {2}) i",
                       schema_, kQuiet, kNamed));
  }

  void TargetExec(const std::string& sql) {
    if (pg_target_) {
      PgExec(*pg_target_, sql);
    } else {
      copytest::Exec(*maria_target_, sql);
    }
  }

  // Every row of `table` as text in key order, spelled alike on both servers (independent of
  // cutover's reading and comparing).
  std::string SourceSelect(const std::string& table) const {
    const std::string from = " FROM " + schema_ + "." + table;
    if (table == "docs") {
      return "SELECT id, title, md5(body), length(body), n, to_char(updated AT TIME ZONE 'UTC', "
             "'YYYY-MM-DD HH24:MI:SS.US'), price" +
             from + " ORDER BY id";
    }
    if (table == "lines") return "SELECT order_id, line, sku, qty" + from + " ORDER BY 1, 2";
    if (table == "named") return "SELECT name, score" + from + " ORDER BY name";
    return "SELECT id, trim_scale(amount), to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD "
           "HH24:MI:SS.US'), flag::int, tag, doc::text, label, span, tags::text, pad" +
           from + " ORDER BY id";
  }
  std::vector<std::string> SourceRows(const std::string& table) {
    return PgLines(*source_, SourceSelect(table));
  }
  std::vector<std::string> TargetRows(const std::string& table) {
    if (pg_target_) return PgLines(*pg_target_, SourceSelect(table));
    const std::string from = " FROM " + schema_ + "." + table;
    if (table == "docs") {
      return Lines(*maria_target_,
                   "SELECT id, title, MD5(body), CHAR_LENGTH(body), n, DATE_FORMAT(updated, "
                   "'%Y-%m-%d %H:%i:%s.%f'), price" +
                       from + " ORDER BY id");
    }
    if (table == "lines") return Lines(*maria_target_, "SELECT order_id, line, sku, qty" + from + " ORDER BY 1, 2");
    if (table == "named") return Lines(*maria_target_, "SELECT name, score" + from + " ORDER BY name");
    return Lines(*maria_target_,
                 "SELECT id, TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM amount)), "
                 "DATE_FORMAT(at, '%Y-%m-%d %H:%i:%s.%f'), flag, tag, doc, label, span, tags, pad" +
                     from + " ORDER BY id");
  }

  // Waits until every table is equal on both servers, then expects it.
  void ExpectEqual(std::chrono::seconds timeout, const std::string& context) {
    const std::vector<std::string> tables = {"docs", "lines", "quiet", "named"};
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    auto all_equal = [&] {
      for (const std::string& table : tables) {
        if (SourceRows(table) != TargetRows(table)) return false;
      }
      return true;
    };
    while (!all_equal() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(300ms);
    }
    for (const std::string& table : tables) {
      std::vector<std::string> source_rows = SourceRows(table);
      std::vector<std::string> target_rows = TargetRows(table);
      EXPECT_TRUE(source_rows == target_rows)
          << table << " differs\n"
          << runtest::RowsDiff(source_rows, target_rows) << context;
    }
  }

  // The scenario on either target: run to CDC with the workload going, a clean verify, planted
  // differences found with exact counts, a repair under the workload, then equality.
  void VerifyAndRepairUnderLoad() {
    runtest::CutoverProcess run("run " + spec_.string() + " --status-every 1", "",
                                dir_ / "run.out");
    ASSERT_TRUE(runtest::WaitForCdc(run, 60s)) << run.Output();
    PgWorkload workload(testing::PostgresSource(), schema_);
    workload.Start(10ms);

    VerifyRun clean = Verify(dir_, spec_.string() + " --json");
    ASSERT_EQ(clean.exit_code, 0) << clean.out << clean.err << run.Output();
    EXPECT_EQ(clean.report["differences"], 0) << clean.out;
    EXPECT_EQ(clean.report["live"], true) << clean.out;
    EXPECT_EQ(EntryOf(clean.report, schema_ + ".quiet")["rows"], kQuiet);
    EXPECT_EQ(EntryOf(clean.report, schema_ + ".named")["rows"], kNamed);

    const std::string quiet = schema_ + ".quiet";
    const std::string named = schema_ + ".named";
    TargetExec("DELETE FROM " + quiet + " WHERE id IN (10, 20)");
    TargetExec("UPDATE " + quiet + " SET amount = amount + 0.01 WHERE id = 30");
    TargetExec("UPDATE " + quiet + " SET label = NULL WHERE id = 40");
    TargetExec("UPDATE " + quiet + " SET tags = '{x}' WHERE id = 50");
    TargetExec("INSERT INTO " + quiet + " (id, amount) VALUES (0, 1), (100000, 2)");
    TargetExec("UPDATE " + named + " SET score = -1 WHERE name = 'name-007'");
    TargetExec("DELETE FROM " + named + " WHERE name = 'name-008'");
    // Extra rows in the text-keyed table (between keys and after the last): found by the scan
    // after the table, and deleted by --delete-extra through the slot's watermark window.
    TargetExec("INSERT INTO " + named + " VALUES ('name-0075', 1), ('zz-extra', 2)");
    // And rows of a table the workload writes to (counted only by the repair's result).
    TargetExec("UPDATE " + schema_ + ".lines SET sku = 'damaged' WHERE order_id > 150");
    TargetExec("DELETE FROM " + schema_ + ".docs WHERE id BETWEEN 300 AND 310");

    VerifyRun found = Verify(dir_, spec_.string() + " --json");
    ASSERT_EQ(found.exit_code, 1) << found.out << found.err << run.Output();
    const json& quiet_entry = EntryOf(found.report, quiet);
    EXPECT_EQ(quiet_entry["missing"], 2) << quiet_entry;
    EXPECT_EQ(quiet_entry["extra"], 2) << quiet_entry;
    EXPECT_EQ(quiet_entry["different"], 3) << quiet_entry;
    std::set<std::string> listed = Listed(quiet_entry);
    EXPECT_TRUE(listed.contains("missing id=10")) << quiet_entry;
    EXPECT_TRUE(listed.contains("extra id=100000")) << quiet_entry;
    EXPECT_TRUE(std::any_of(listed.begin(), listed.end(), [](const std::string& line) {
      return line.starts_with("different id=40 label \"label 40\" ");
    })) << quiet_entry;
    const json& named_entry = EntryOf(found.report, named);
    EXPECT_EQ(named_entry["missing"], 1) << named_entry;
    EXPECT_EQ(named_entry["different"], 1) << named_entry;
    const json& named_scan = EntryOf(found.report, named, true);
    EXPECT_EQ(Listed(named_scan),
              (std::set<std::string>{"extra name=name-0075", "extra name=zz-extra"}))
        << named_scan;

    VerifyRun repaired = Verify(dir_, spec_.string() + " --json --repair --delete-extra");
    ASSERT_EQ(repaired.exit_code, 0) << repaired.out << repaired.err << run.Output();
    EXPECT_EQ(repaired.report["differences"], 0) << repaired.out;
    EXPECT_GE(repaired.report["repair"]["deleted"], 4) << repaired.out;

    // Continuous mode: every key the run applies meanwhile is read again through the source
    // and compared; none differs.
    VerifyRun continuous = Verify(dir_, spec_.string() + " --json --continuous --sample 1 --for 8");
    ASSERT_EQ(continuous.exit_code, 0) << continuous.out << continuous.err;
    int64_t checked = 0;
    for (const json& entry : continuous.report["tables"]) checked += entry["rows"].get<int64_t>();
    EXPECT_GT(checked, 20) << continuous.out;
    EXPECT_EQ(continuous.report["differences"], 0) << continuous.out;

    workload.Stop();
    EXPECT_GT(workload.transactions(), 50);
    EXPECT_EQ(workload.failures(), 0);
    ExpectEqual(60s, run.Output());
    VerifyRun quiet_end = Verify(dir_, spec_.string() + " --json");
    EXPECT_EQ(quiet_end.exit_code, 0) << quiet_end.out << quiet_end.err;
    last_report_ = quiet_end.report;
    runtest::StopRun(run);
  }

  json last_report_;  // the verify after the workload stopped
};

TEST_F(VerifyPostgresSourceTest, IntoPostgresFindsExactlyThePlantedDifferencesAndRepairsThem) {
  ASSERT_NO_FATAL_FAILURE(UsePostgresTarget(kParallelism));
  ASSERT_NO_FATAL_FAILURE(VerifyAndRepairUnderLoad());
  // Equal tables keyed by numbers are settled by the checksums alone.
  for (const char* table : {".docs", ".lines", ".quiet"}) {
    EXPECT_EQ(EntryOf(last_report_, schema_ + table)["chunks_compared_by_rows"], 0)
        << last_report_.dump();
  }
  EXPECT_EQ(PgLines(*pg_target_,
                    "SELECT count(*) FROM information_schema.tables WHERE table_name = "
                    "'cutover_watermarks'"),
            std::vector<std::string>{"0"});
}

// The table of every type with edge values (tests/support/postgres_types.h: NaN, infinities,
// BC dates, -0, nested arrays, an enum, domains, ranges, ...), copied into PostgreSQL: equal by
// the checksums and row by row; a value changed on the target in each of two columns (a
// numeric's scale, '' for NULL) is found by its chunk's checksum and named by the row compare.
TEST_F(VerifyPostgresSourceTest, EveryTypeIsEqualInPostgresAndEachChangeIsFound) {
  PgExec(*source_, testing::PostgresTypesSql(schema_, false));
  ASSERT_NO_FATAL_FAILURE(UsePostgresTarget(kParallelism));
  VerifyRun copied = verifytest::RunCutover(dir_, "copy " + spec_.string());
  ASSERT_EQ(copied.exit_code, 0) << copied.out << copied.err;
  const std::string types = schema_ + ".types";
  VerifyRun by_checksums = Verify(dir_, spec_.string() + " --json");
  ASSERT_EQ(by_checksums.exit_code, 0) << by_checksums.out << by_checksums.err;
  EXPECT_EQ(EntryOf(by_checksums.report, types)["rows"], 4);
  EXPECT_EQ(EntryOf(by_checksums.report, types)["chunks_compared_by_rows"], 0);
  VerifyRun by_rows = Verify(dir_, spec_.string() + " --json --row-compare");
  ASSERT_EQ(by_rows.exit_code, 0) << by_rows.out << by_rows.err;
  EXPECT_EQ(EntryOf(by_rows.report, types)["chunks_compared_by_rows"], 1);

  PgExec(*pg_target_, "UPDATE " + types + " SET c_numeric = c_numeric * 1.0 WHERE id = 3");
  PgExec(*pg_target_, "UPDATE " + types + " SET c_text = '' WHERE id = 4");
  VerifyRun found = Verify(dir_, spec_.string() + " --json");
  ASSERT_EQ(found.exit_code, 1) << found.out << found.err;
  const json& entry = EntryOf(found.report, types);
  EXPECT_EQ(entry["different"], 2) << entry;
  EXPECT_EQ(entry["chunks_compared_by_rows"], 1) << entry;
  std::set<std::string> columns;
  for (const json& difference : entry["differences"]) {
    columns.insert(difference["key"].get<std::string>() + " " +
                   difference["column"].get<std::string>());
  }
  EXPECT_EQ(columns, (std::set<std::string>{"id=3 c_numeric", "id=4 c_text"}));
}

// The source session the checksums run in, terminated on the server in the middle of a verify
// (as a restart or a failover would end it): the verify opens it again, with the session
// settings that fix how values are spelled (timestamptz in UTC, intervals, floats, bytea), and
// computes that chunk's checksums once more, so the chunk is not reported and not read row by
// row; every chunk of the table is settled by checksums.
TEST_F(VerifyPostgresSourceTest, ALostChecksumSessionIsOpenedAgainWithItsSettings) {
  PgExec(*source_, fmt::format("CREATE TABLE {0}.spelled (id bigint PRIMARY KEY, at timestamptz, "
                               "span interval, v double precision, b bytea);"
                               "INSERT INTO {0}.spelled SELECT i, timestamptz '2024-01-01 "
                               "00:00:00+00' + i * interval '1.5 seconds', i * interval '61 "
                               "minutes', 1.0 / i, decode(md5(i::text), 'hex') FROM "
                               "generate_series(1, 20000) i",
                               schema_));
  ASSERT_NO_FATAL_FAILURE(UsePostgresTarget(kParallelism));
  VerifyRun copied = verifytest::RunCutover(dir_, "copy " + spec_.string());
  ASSERT_EQ(copied.exit_code, 0) << copied.out << copied.err;

  // Terminates the first session on the source that computed a checksum (its last query has
  // bit_xor), once.
  std::atomic<bool> terminated{false};
  std::thread killer([&] {
    std::unique_ptr<postgres::Connection> admin = ConnectPg(testing::PostgresSource());
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (admin && !terminated && std::chrono::steady_clock::now() < deadline) {
      Result<postgres::QueryResult> killed = admin->Query(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE "
          "'%bit_xor%' AND query LIKE '%" +
          schema_ + "%spelled%' AND pid <> pg_backend_pid()");
      if (killed.ok() && !killed->rows.empty()) terminated = true;
      std::this_thread::sleep_for(20ms);
    }
  });
  VerifyRun verified = Verify(dir_, spec_.string() + " --json --tables '" + schema_ +
                                        ".spelled' --chunk-rows 20 "
                                        "--chunk-time 0");
  killer.join();
  ASSERT_TRUE(terminated) << "the verify's checksum session was never seen\n" << verified.err;
  ASSERT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  EXPECT_NE(verified.err.find("the checksum session was lost"), std::string::npos) << verified.err;
  const json& entry = EntryOf(verified.report, schema_ + ".spelled");
  EXPECT_EQ(entry["rows"], 20000) << entry;
  EXPECT_EQ(entry["chunks_compared_by_rows"], 0) << entry;
  EXPECT_EQ(verified.report["differences"], 0) << verified.out;
}

TEST_F(VerifyPostgresSourceTest, IntoMariaDbFindsExactlyThePlantedDifferencesAndRepairsThem) {
  ASSERT_NO_FATAL_FAILURE(UseMariaDbTarget(kParallelism));
  ASSERT_NO_FATAL_FAILURE(VerifyAndRepairUnderLoad());
  EXPECT_EQ(Lines(*maria_target_,
                  "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = "
                  "'cutover_watermarks'"),
            std::vector<std::string>{"0"});
}

}  // namespace
}  // namespace cutover

namespace cutover {
namespace {

// Into DynamoDB (one table, every source table mapped to its own key prefix): a clean verify
// while the workload runs, planted differences (items deleted, attributes changed, an extra
// item) counted exactly, repaired under the workload, and then each row of the quiet tables
// read back as its item.
class VerifyPostgresSourceDynamoDbTest : public VerifyPostgresSourceTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(VerifyPostgresSourceTest::SetUp());
    const std::string s = "  " + schema_ + ".";
    const std::string table = schema_;
    ASSERT_NO_FATAL_FAILURE(UseDynamoDbTarget(
        s + "docs: {table: " + table + ", pk: \"DOC#{id}\", sk: \"DOC\"}\n" + s +
            "lines: {table: " + table + ", pk: \"ORDER#{order_id}\", sk: \"LINE#{line}\"}\n" + s +
            "quiet: {table: " + table + ", pk: \"QUIET#{id}\", sk: \"Q\"}\n" + s +
            "named: {table: " + table + ", pk: \"NAME#{name}\", sk: \"N\"}\n",
        kParallelism));
  }

  static std::string Env() { return DynamoDbEnv(); }
  static json Key(const std::string& pk, const std::string& sk) {
    return {{"pk", {{"S", pk}}}, {"sk", {{"S", sk}}}};
  }
  void Set(const std::string& pk, const std::string& sk, const std::string& attribute,
           const json& value) {
    ASSERT_TRUE(dynamodb::UpdateItem(*client_, table_,
                                     {{"Key", Key(pk, sk)},
                                      {"UpdateExpression", "SET #a = :v"},
                                      {"ExpressionAttributeNames", {{"#a", attribute}}},
                                      {"ExpressionAttributeValues", {{":v", value}}}})
                    .ok());
  }

  // The items of the quiet tables as "pk attribute value" lines, and the same lines from the
  // source rows: label (S, absent for NULL) and amount (N by value) of quiet, score of named.
  std::vector<std::string> ItemLines() {
    std::vector<json> items = dynamodb::ParallelScan(*client_, table_, 2).value();
    std::vector<std::string> lines;
    for (const json& item : items) {
      std::string pk = item["pk"]["S"];
      if (pk.starts_with("QUIET#")) {
        lines.push_back(pk + " amount " + item["amount"]["N"].get<std::string>());
        if (item.contains("label"))
          lines.push_back(pk + " label " + item["label"]["S"].get<std::string>());
      } else if (pk.starts_with("NAME#")) {
        lines.push_back(pk + " score " + item["score"]["N"].get<std::string>());
      }
    }
    std::sort(lines.begin(), lines.end());
    return lines;
  }
  std::vector<std::string> SourceItemLines() {
    std::vector<std::string> lines;
    for (const std::vector<std::string>& parts :
         PgCells(*source_,
                 "SELECT 'QUIET#' || id, trim_scale(amount), label FROM " + schema_ + ".quiet")) {
      lines.push_back(parts[0] + " amount " + parts[1]);
      if (parts[2] != "NULL") lines.push_back(parts[0] + " label " + parts[2]);
    }
    for (const std::vector<std::string>& parts :
         PgCells(*source_, "SELECT 'NAME#' || name, score FROM " + schema_ + ".named")) {
      lines.push_back(parts[0] + " score " + parts[1]);
    }
    std::sort(lines.begin(), lines.end());
    return lines;
  }
};

TEST_F(VerifyPostgresSourceDynamoDbTest, FindsExactlyThePlantedDifferencesAndRepairsThem) {
  runtest::CutoverProcess run("run " + spec_.string() + " --status-every 1", Env(),
                              dir_ / "run.out");
  ASSERT_TRUE(runtest::WaitForCdc(run, 60s)) << run.Output();
  PgWorkload workload(testing::PostgresSource(), schema_);
  workload.Start(10ms);
  VerifyRun clean = Verify(dir_, spec_.string() + " --json", Env());
  ASSERT_EQ(clean.exit_code, 0) << clean.out << clean.err << run.Output();
  EXPECT_EQ(clean.report["differences"], 0) << clean.out;
  EXPECT_EQ(ItemLines(), SourceItemLines());

  ASSERT_TRUE(dynamodb::DeleteItem(*client_, table_, Key("QUIET#10", "Q")).ok());
  ASSERT_TRUE(dynamodb::DeleteItem(*client_, table_, Key("QUIET#20", "Q")).ok());
  Set("QUIET#30", "Q", "amount", {{"N", "99"}});
  Set("QUIET#40", "Q", "label", {{"S", "changed"}});
  Set("NAME#name-007", "N", "score", {{"N", "-1"}});
  ASSERT_TRUE(dynamodb::DeleteItem(*client_, table_, Key("NAME#name-008", "N")).ok());
  json extra = Key("QUIET#100000", "Q");
  extra["amount"] = {{"N", "1"}};
  ASSERT_TRUE(dynamodb::PutItem(*client_, table_, extra).ok());

  VerifyRun found = Verify(dir_, spec_.string() + " --json", Env());
  ASSERT_EQ(found.exit_code, 1) << found.out << found.err << run.Output();
  const json& quiet = EntryOf(found.report, schema_ + ".quiet");
  EXPECT_EQ(quiet["missing"], 2) << quiet;
  EXPECT_EQ(quiet["different"], 2) << quiet;
  const json& named = EntryOf(found.report, schema_ + ".named");
  EXPECT_EQ(named["missing"], 1) << named;
  EXPECT_EQ(named["different"], 1) << named;
  const json& scan = EntryOf(found.report, table_, true);
  EXPECT_EQ(scan["extra"], 1) << scan;
  EXPECT_EQ(found.report["differences"], 7) << found.out;

  VerifyRun repaired = Verify(dir_, spec_.string() + " --json --repair --delete-extra", Env());
  ASSERT_EQ(repaired.exit_code, 0) << repaired.out << repaired.err << run.Output();
  EXPECT_EQ(repaired.report["differences"], 0) << repaired.out;
  EXPECT_EQ(repaired.report["repair"]["deleted"], 1) << repaired.out;
  workload.Stop();
  EXPECT_EQ(workload.failures(), 0);
  EXPECT_EQ(ItemLines(), SourceItemLines());
  VerifyRun quiet_end = Verify(dir_, spec_.string() + " --json", Env());
  EXPECT_EQ(quiet_end.exit_code, 0) << quiet_end.out << quiet_end.err;
  runtest::StopRun(run);
}

}  // namespace
}  // namespace cutover

namespace cutover {
namespace {

// Into Kafka (librdkafka's mock cluster in this process, a topic per table): verify reads the
// topics as a consumer does. After `cutover copy` every table is equal; then a wrong envelope
// (a changed text), a tombstone and an envelope for a key the source lacks, produced after the
// last records of their keys, are reported exactly, by key and column; --repair is refused.
class VerifyPostgresSourceKafkaTest : public VerifyPostgresSourceTest {
 protected:
  static constexpr int kPartitions = 2;

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(VerifyPostgresSourceTest::SetUp());
    kafka_ = std::make_unique<testing::MockKafka>(1);
    for (const char* table : {"docs", "lines", "quiet", "named"}) {
      kafka_->CreateTopic(Topic(table), kPartitions, 1);
    }
    WriteSpec("target:\n  kind: kafka\n  kafka: {brokers: \"" + kafka_->bootstraps() +
                  "\", partitions: " + std::to_string(kPartitions) + "}\n",
              kParallelism);
  }

  std::string Topic(const std::string& table) const {
    return migration_ + "." + schema_ + "." + table;
  }

  // The last record of the key whose payload has `field` = `value` in `table`'s topic.
  testing::KafkaRecord LastRecord(const std::string& table, const std::string& field,
                                  const json& value) {
    testing::KafkaRecord last;
    for (testing::KafkaRecord& record :
         testing::ConsumeTopic(kafka_->bootstraps(), Topic(table), kPartitions)) {
      if (!record.key) continue;
      json key = json::parse(*record.key);
      if (key.contains("payload")) key = key["payload"];
      if (key[field] == value) last = std::move(record);
    }
    EXPECT_TRUE(last.key.has_value()) << "no record of " << field << " " << value.dump();
    return last;
  }

  std::unique_ptr<testing::MockKafka> kafka_;
};

TEST_F(VerifyPostgresSourceKafkaTest, VerifiesTheTopicsAndFindsEachPlantedDifference) {
  VerifyRun copied = verifytest::RunCutover(dir_, "copy " + spec_.string());
  ASSERT_EQ(copied.exit_code, 0) << copied.out << copied.err;
  VerifyRun clean = Verify(dir_, spec_.string() + " --json");
  ASSERT_EQ(clean.exit_code, 0) << clean.out << clean.err;
  EXPECT_EQ(clean.report["differences"], 0) << clean.out;
  EXPECT_EQ(EntryOf(clean.report, schema_ + ".quiet")["rows"], kQuiet);
  EXPECT_EQ(EntryOf(clean.report, schema_ + ".named")["rows"], kNamed);

  // quiet id=40: its label changed in a new envelope; named 'name-008': a tombstone; a copy of
  // 'name-009''s envelope under the key 'name-999', which no source row has.
  testing::KafkaRecord changed = LastRecord("quiet", "id", 40);
  ASSERT_TRUE(changed.key && changed.value);
  json wrong = json::parse(*changed.value);
  (wrong.contains("payload") ? wrong["payload"] : wrong)["after"]["label"] = "mallory";
  testing::Produce(kafka_->bootstraps(), Topic("quiet"), changed.partition, *changed.key,
                   wrong.dump());
  testing::KafkaRecord deleted = LastRecord("named", "name", "name-008");
  ASSERT_TRUE(deleted.key);
  testing::Produce(kafka_->bootstraps(), Topic("named"), deleted.partition, *deleted.key,
                   std::nullopt);
  testing::KafkaRecord copied_row = LastRecord("named", "name", "name-009");
  ASSERT_TRUE(copied_row.key && copied_row.value);
  std::string extra_key = *copied_row.key;
  extra_key.replace(extra_key.find("name-009"), 8, "name-999");
  std::string extra_value = *copied_row.value;
  extra_value.replace(extra_value.find("name-009"), 8, "name-999");
  testing::Produce(kafka_->bootstraps(), Topic("named"), copied_row.partition, extra_key,
                   extra_value);

  VerifyRun found = Verify(dir_, spec_.string() + " --json");
  ASSERT_EQ(found.exit_code, 1) << found.out << found.err;
  EXPECT_EQ(found.report["differences"], 3) << found.out;
  const json& quiet = EntryOf(found.report, schema_ + ".quiet");
  EXPECT_EQ(Listed(quiet),
            (std::set<std::string>{"different id=40 label \"label 40\" \"mallory\""}))
      << quiet;
  const json& named = EntryOf(found.report, schema_ + ".named");
  EXPECT_EQ(Listed(named), (std::set<std::string>{"missing name=name-008", "extra name=name-999"}))
      << named;

  // A topic is not repaired: refused before anything is read, with the reason.
  VerifyRun repair = Verify(dir_, spec_.string() + " --repair");
  EXPECT_EQ(repair.exit_code, 2) << repair.out << repair.err;
  EXPECT_EQ(repair.out, "");
  EXPECT_NE(repair.err.find("--repair does not repair Kafka targets: a topic is a log its "
                            "consumers have read, and records sent again would reach them as new "
                            "events; run verify without --repair to list the differing keys"),
            std::string::npos)
      << repair.err;
}

}  // namespace
}  // namespace cutover
