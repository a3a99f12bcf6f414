// Partial row images (PostgreSQL's unchanged TOAST values, docs/design.md "Partial row images")
// through each applier against its real target (MariaDB, PostgreSQL 15, dynalite): a value a
// change does not carry is never written as NULL; a row that is not there is not made up.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include "cutover/apply.h"
#include "cutover/mapping.h"

#include "db/mysql/connection.h"
#include "db/postgres/connection.h"
#include "dynamodb_support.h"
#include "sink/common/test_support.h"
#include "sink/dynamodb/applier.h"
#include "sink/mysql/applier.h"
#include "sink/postgres/applier.h"
#include "support/connection_spec.h"
#include "support/servers.h"

namespace cutover::testing {
namespace {

const std::string kTable = "partial_" + std::to_string(getpid());
// A value PostgreSQL stores out of line (TOAST): 200 KB.
const std::string kBig(200 * 1024, 'b');
const std::string kBig2 = std::string(150 * 1024, 'c') + "2";

using sink::testing::Documents;

Row Doc(int64_t id, std::optional<int64_t> n, std::optional<std::string> doc) {
  return sink::testing::Document(id, n, std::move(doc));
}

Row OldKey(int64_t id) { return Doc(id, std::nullopt, std::nullopt); }

LoggedChange Logged(ChangeOp op, std::optional<Row> before, std::optional<Row> after) {
  static uint64_t offset = 0;
  LoggedChange logged;
  logged.change.table = TableId{"shop", "docs"};
  logged.change.op = op;
  logged.change.schema = Documents();
  logged.change.before = std::move(before);
  logged.change.after = std::move(after);
  logged.offset = ++offset;
  return logged;
}

LoggedChange Insert(Row row) { return Logged(ChangeOp::kInsert, std::nullopt, std::move(row)); }
// An update as pgoutput gives it under REPLICA IDENTITY DEFAULT: no old row unless the key
// changed, then the old key alone.
LoggedChange Update(Row after) { return Logged(ChangeOp::kUpdate, std::nullopt, std::move(after)); }
LoggedChange KeyChange(int64_t from, Row after) {
  return Logged(ChangeOp::kUpdate, OldKey(from), std::move(after));
}

// id -> "n=<n> doc=<the value's size and last character>", or what the target reads.
using Rows = std::map<int64_t, std::string>;
std::string Describe(int64_t n, const std::optional<std::string>& doc) {
  if (!doc) return "n=" + std::to_string(n) + " doc=NULL";
  return "n=" + std::to_string(n) + " doc=" + std::to_string(doc->size()) + ":" + doc->back();
}

// The batches every target gets, and what each leaves.
struct Step {
  std::string what;
  std::vector<LoggedChange> batch;
  Rows expected;
};

std::vector<Step> Steps() {
  std::vector<Step> steps;
  steps.push_back({"rows with large values",
                   {Insert(Doc(1, 1, kBig)), Insert(Doc(2, 1, kBig2)), Insert(Doc(5, 1, "five")),
                    Insert(Doc(6, 1, "six"))},
                   {{1, Describe(1, kBig)},
                    {2, Describe(1, kBig2)},
                    {5, Describe(1, "five")},
                    {6, Describe(1, "six")}}});
  steps.push_back(
      {"a partial update leaves the large value as it is; one of a missing key "
       "writes nothing",
       {Update(Doc(1, 2, std::nullopt)), Update(Doc(9, 2, std::nullopt))},
       {{1, Describe(2, kBig)},
        {2, Describe(1, kBig2)},
        {5, Describe(1, "five")},
        {6, Describe(1, "six")}}});
  steps.push_back(
      {"a partial key change moves the row with its large value; onto a key that "
       "exists (a later state) it removes the old row; from a missing key nothing",
       {KeyChange(2, Doc(3, 3, std::nullopt)), KeyChange(5, Doc(1, 7, std::nullopt)),
        KeyChange(8, Doc(4, 4, std::nullopt))},
       {{1, Describe(2, kBig)}, {3, Describe(3, kBig2)}, {6, Describe(1, "six")}}});
  steps.push_back(
      {"an insert and a partial update of it in one batch give the whole row; a "
       "partial update after a full one too",
       {Insert(Doc(7, 1, "seven")), Update(Doc(7, 2, std::nullopt)), Update(Doc(6, 5, "new six")),
        Update(Doc(6, 6, std::nullopt))},
       {{1, Describe(2, kBig)},
        {3, Describe(3, kBig2)},
        {6, Describe(6, "new six")},
        {7, Describe(2, "seven")}}});
  return steps;
}

TargetTablePlan Plan(const std::string& target_schema) {
  TargetTablePlan plan;
  plan.source = TableId{"shop", "docs"};
  plan.target = TableId{target_schema, kTable};
  plan.schema = *Documents();
  return plan;
}

// Runs every step through lane 0 of `appliers`, comparing the table (`read`) after each.
void RunSteps(Appliers& appliers, const std::function<Rows()>& read) {
  Result<std::unique_ptr<ChangeApplier>> lane = appliers.OpenLane(0, 1);
  ASSERT_TRUE(lane.ok()) << lane.status().ToString();
  uint64_t checkpoint = 0;
  for (Step& step : Steps()) {
    if (appliers.mapper() != nullptr) {
      for (LoggedChange& logged : step.batch) {
        Result<std::shared_ptr<const MappedChange>> mapped = appliers.mapper()->Map(logged.change);
        ASSERT_TRUE(mapped.ok()) << mapped.status().ToString();
        logged.mapped = *mapped;
      }
    }
    ASSERT_EQ((*lane)->Apply(step.batch, ++checkpoint).ToString(), "OK") << step.what;
    EXPECT_EQ(read(), step.expected) << step.what;
  }
  Result<std::optional<uint64_t>> stored = (*lane)->LoadCheckpoint();
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_EQ(*stored, std::optional<uint64_t>(checkpoint));
}

Spec SqlSpec(TargetKind kind, const ServerInfo& server) {
  Spec spec;
  spec.name = kTable;
  spec.target.kind = kind;
  spec.target.connection = ConnectionFor(server, server.database);
  return spec;
}

// Runs the steps into the SQL table `table` made by `create` on `connection` (a MariaDB or a
// PostgreSQL connection: both read rows as optional texts).
template <typename Connection>
void RunSqlSteps(Connection& connection, Appliers& appliers, const std::string& table,
                 const std::string& create) {
  ASSERT_TRUE(connection.Execute("DROP TABLE IF EXISTS " + table).ok());
  ASSERT_TRUE(connection.Execute(create).ok());
  RunSteps(appliers, [&] {
    Rows rows;
    auto result = connection.Query("SELECT id, n, doc FROM " + table);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    if (!result.ok()) return rows;
    for (const auto& row : result->rows) {
      rows[std::stoll(*row[0])] = Describe(std::stoll(*row[1]), row[2]);
    }
    return rows;
  });
  ASSERT_TRUE(connection.Execute("DROP TABLE " + table).ok());
}

TEST(PartialImagesTest, MariaDbTarget) {
  ASSERT_TRUE(EnsureServer("mariadb-target"));
  ServerInfo server = MariaDbTarget();
  Spec spec = SqlSpec(TargetKind::kMariaDB, server);
  auto connection = mysql::Connection::Open(spec.target.connection).value();
  std::vector<TargetTablePlan> plans = {Plan(server.database)};
  std::unique_ptr<Appliers> appliers = mysql::MysqlAppliers(spec, plans);
  RunSqlSteps(*connection, *appliers, kTable,
              "CREATE TABLE " + kTable + " (id BIGINT PRIMARY KEY, n INT NOT NULL, doc LONGTEXT)");
}

TEST(PartialImagesTest, PostgresTarget) {
  ASSERT_TRUE(EnsureServer("postgres-target"));
  Spec spec = SqlSpec(TargetKind::kPostgres, PostgresTarget());
  auto connection = postgres::Connection::Open(spec.target.connection).value();
  std::vector<TargetTablePlan> plans = {Plan("public")};
  std::unique_ptr<Appliers> appliers = postgres::PostgresAppliers(spec, plans);
  RunSqlSteps(
      *connection, *appliers, "public." + kTable,
      "CREATE TABLE public." + kTable + " (id bigint PRIMARY KEY, n integer NOT NULL, doc text)");
}

TEST(PartialImagesTest, DynamoDbTarget) {
  ASSERT_TRUE(EnsureServer("dynalite"));
  const std::string mapping_yaml =
      "tables:\n  - name: " + kTable +
      "\n    partition_key: pk\nsources:\n  shop.docs:\n    table: " + kTable +
      "\n    pk: \"DOC#{id}\"\n";
  Spec spec = DynaliteSpec(mapping_yaml, DynaliteEndpoint());
  spec.name = kTable;
  spec.state_dir = std::filesystem::temp_directory_path() / ("cutover_" + kTable);
  std::filesystem::remove_all(spec.state_dir);
  std::filesystem::create_directories(spec.state_dir);
  Mapping mapping = Mapping::Parse(mapping_yaml, "mapping.yaml").value();
  std::unique_ptr<dynamodb::Client> client = DynaliteClient();
  DropTableAndWait(*client, kTable);
  ASSERT_EQ(dynamodb::CreateTable(*client, mapping.tables()[0], dynamodb::CreateTableOptions{})
                .ToString(),
            "OK");
  ASSERT_TRUE(dynamodb::WaitActive(*client, kTable, std::chrono::seconds(30)).ok());
  std::vector<TargetTablePlan> plans = {Plan("")};
  auto appliers = dynamodb::OpenDynamoDbAppliers(spec, mapping, plans, nullptr);
  ASSERT_TRUE(appliers.ok()) << appliers.status().ToString();
  RunSteps(**appliers, [&] {
    Rows rows;
    Result<std::vector<nlohmann::json>> items = dynamodb::ParallelScan(*client, kTable, 1);
    EXPECT_TRUE(items.ok()) << items.status().ToString();
    if (!items.ok()) return rows;
    for (const nlohmann::json& item : *items) {
      std::optional<std::string> doc;
      if (item.contains("doc")) doc = item["doc"]["S"].get<std::string>();
      rows[std::stoll(item["id"]["N"].get<std::string>())] =
          Describe(std::stoll(item["n"]["N"].get<std::string>()), doc);
    }
    return rows;
  });
  DropTableAndWait(*client, kTable);
  std::filesystem::remove_all(spec.state_dir);
}

}  // namespace
}  // namespace cutover::testing
