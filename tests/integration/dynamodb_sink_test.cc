// DynamoDB sink against dynalite: full load of a type-matrix table and of a two-table
// single-table design, shared items, and the applier's ordered apply of inserts, updates
// (including key changes) and deletes. Every item is compared attribute by attribute.
#include <gtest/gtest.h>
#include <unistd.h>

#include "cutover/apply.h"

#include "dynamodb_support.h"
#include "sink/dynamodb/applier.h"

namespace cutover::testing {
namespace {

using dynamodb::DynamoDbSink;
using nlohmann::json;

constexpr char kTypeMatrixMapping[] = R"x(
tables:
  - name: matrix
    partition_key: {name: id, type: N}
sources:
  test.matrix:
    table: matrix
    pk: "{id}"
    types: {flag: bool, bit1: bool, doc_text: json_string}
    computed: {kind: "row-{id}"}
)x";

// Every column type the mapping has a rule for, with edge values.
constexpr char kTypeMatrixRows[] = R"x({"table": "test.matrix",
  "columns": {"id": "bigint unsigned", "i8": "tinyint", "flag": "tinyint(1)", "i64": "bigint",
    "dec": "decimal(38,10)", "f": "float", "d": "double", "name": "varchar(50)",
    "body": "text", "raw": "varbinary(20)", "blob": "blob", "day": "date",
    "at": "datetime(6)", "ts": "timestamp(3)", "t": "time", "y": "year", "doc": "json",
    "doc_text": "json", "color": "enum('red','green')", "tags": "set('a','b','c')",
    "bit1": "bit(1)", "bits": "bit(12)"},
  "rows": [
    {"id": 18446744073709551615, "i8": -128, "flag": 1, "i64": -9223372036854775808,
     "dec": "-1234567890123456789012345678.1234567890",
     "f": 1.5, "d": 2.5e-100, "name": "Zoë ✓", "body": "",
     "raw": "0x00ff10", "blob": "0x", "day": "2024-02-29", "at": "2024-01-02 03:04:05.123456",
     "ts": "2038-01-19 03:14:07.999", "t": "-838:59:59", "y": 2155,
     "doc": {"a": [1, 2.5, "x", true, null], "b": {}}, "doc_text": {"k": 1},
     "color": "green", "tags": "a,c", "bit1": 0, "bits": 4095},
    {"id": 1, "i8": 0, "flag": 0, "i64": 0, "dec": "0.0000000000",
     "f": null, "d": null, "name": null, "body": null, "raw": null, "blob": null, "day": null,
     "at": null, "ts": null, "t": null, "y": null, "doc": null, "doc_text": null,
     "color": null, "tags": "", "bit1": 1, "bits": 0}]})x";

class DynamoDbSinkTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(EnsureServer("dynalite")); }

  std::unique_ptr<DynamoDbSink> Open(const std::string& mapping_yaml) {
    Spec spec = DynaliteSpec(mapping_yaml, DynaliteEndpoint());
    Result<std::unique_ptr<Sink>> sink = dynamodb::OpenDynamoDbSink(spec);
    EXPECT_TRUE(sink.ok()) << sink.status().ToString();
    auto* dynamo = dynamic_cast<DynamoDbSink*>(sink->release());
    for (const DynamoTable& table : dynamo->mapping().tables()) {
      dynamodb::DeleteTable(dynamo->client(), table.name).IgnoreError();  // may not exist
      for (int attempt = 0; attempt < 100; ++attempt) {
        if (!dynamodb::DescribeTable(dynamo->client(), table.name).ok()) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
    return std::unique_ptr<DynamoDbSink>(dynamo);
  }

  void Load(DynamoDbSink& sink, const SampleRows& sample) {
    Result<TargetTablePlan> plan = sink.PrepareTable(sample.schema, TableRule{}, false);
    ASSERT_TRUE(plan.ok()) << plan.status().ToString();
    auto writer = sink.OpenWriter(*plan);
    ASSERT_TRUE(writer.ok());
    ASSERT_EQ((*writer)->WriteChunk(ChunkBounds{}, sample.rows).ToString(), "OK");
    for (const Index& index : plan->deferred) {
      ASSERT_EQ(sink.BuildIndex(*plan, index).ToString(), "OK");
    }
  }

  // Applies `changes` in order through the pipeline's DynamoDB applier (one lane, checkpoint in
  // a throw-away state directory), as `cutover run` does after routing them.
  void ApplyChanges(DynamoDbSink& sink, const std::string& mapping_yaml,
                    const std::vector<Change>& changes) {
    Spec spec = DynaliteSpec(mapping_yaml, DynaliteEndpoint());
    spec.state_dir = std::filesystem::temp_directory_path() /
                     ("cutover_dynamodb_apply_" + std::to_string(getpid()));
    std::filesystem::remove_all(spec.state_dir);
    std::vector<TargetTablePlan> plans;
    for (const Change& change : changes) {
      bool known = false;
      for (const TargetTablePlan& plan : plans) known = known || plan.source == change.table;
      if (known) continue;
      TargetTablePlan plan;
      plan.source = change.table;
      plan.schema = *change.schema;
      plan.target = TableId{"", sink.mapping().TargetOf(change.table).value()};
      plans.push_back(std::move(plan));
    }
    auto appliers = dynamodb::OpenDynamoDbAppliers(spec, sink.mapping(), plans, nullptr);
    ASSERT_TRUE(appliers.ok()) << appliers.status().ToString();
    auto applier = (*appliers)->OpenLane(0, 1);
    ASSERT_TRUE(applier.ok()) << applier.status().ToString();
    std::vector<LoggedChange> logged;
    for (const Change& change : changes) {
      // Mapped once, as the reader does.
      Result<std::shared_ptr<const MappedChange>> mapped = (*appliers)->mapper()->Map(change);
      ASSERT_TRUE(mapped.ok()) << mapped.status().ToString();
      logged.push_back(LoggedChange{change, static_cast<uint64_t>(logged.size()), *mapped});
    }
    EXPECT_EQ((*applier)->Apply(logged, logged.size()).ToString(), "OK");
    std::filesystem::remove_all(spec.state_dir);
  }

  // Every item of `table`, keyed by its key attributes.
  std::map<std::string, json> Scan(DynamoDbSink& sink, const std::string& table,
                                   const std::vector<std::string>& key_names) {
    Result<std::vector<json>> items = dynamodb::ParallelScan(sink.client(), table, 4);
    EXPECT_TRUE(items.ok()) << items.status().ToString();
    return ByKey(*items, key_names);
  }

  // The items the mapping makes of `sample`, keyed like Scan().
  std::map<std::string, json> Expected(const Mapping& mapping, const SampleRows& sample,
                                       const std::vector<std::string>& key_names) {
    std::vector<json> items;
    for (const Row& row : sample.rows) {
      std::vector<ItemOp> ops = mapping.MapRow(sample.schema, row).value();
      for (const ItemOp& op : ops) items.push_back(op.item);
    }
    return ByKey(items, key_names);
  }
};

TEST_F(DynamoDbSinkTest, FullLoadOfTypeMatrix) {
  auto sink = Open(kTypeMatrixMapping);
  SampleRows sample = Rows(kTypeMatrixRows);
  Load(*sink, sample);
  std::map<std::string, json> items = Scan(*sink, "matrix", {"id"});
  ASSERT_EQ(items.size(), 2u);
  std::map<std::string, json> expected = Expected(sink->mapping(), sample, {"id"});
  for (const auto& [key, item] : expected) {
    SCOPED_TRACE(key);
    ASSERT_TRUE(items.count(key));
    ExpectSameItem(item, items[key]);
  }
  // The exact values a user relies on, written out.
  const json& max = items[R"x({"id":{"N":"18446744073709551615"}})x"];
  EXPECT_EQ(max["i64"], json({{"N", "-9223372036854775808"}}));
  EXPECT_EQ(max["flag"], json({{"BOOL", true}}));
  EXPECT_EQ(max["bit1"], json({{"BOOL", false}}));
  EXPECT_EQ(max["bits"], json({{"N", "4095"}}));
  EXPECT_EQ(max["name"], json({{"S", "Zoë ✓"}}));
  EXPECT_EQ(max["body"], json({{"S", ""}}));
  EXPECT_EQ(max["raw"], json({{"B", "AP8Q"}}));
  EXPECT_EQ(max["at"], json({{"S", "2024-01-02T03:04:05.123456"}}));
  EXPECT_EQ(max["ts"], json({{"S", "2038-01-19T03:14:07.999Z"}}));
  EXPECT_EQ(max["day"], json({{"S", "2024-02-29"}}));
  EXPECT_EQ(max["tags"], json({{"SS", {"a", "c"}}}));
  EXPECT_EQ(max["color"], json({{"S", "green"}}));
  EXPECT_EQ(max["doc_text"], json({{"S", R"x({"k":1})x"}}));
  EXPECT_EQ(max["kind"], json({{"S", "row-18446744073709551615"}}));
  EXPECT_EQ(max["doc"]["M"]["a"]["L"][1], json({{"N", "2.5"}}));
  EXPECT_EQ(max["dec"], json({{"N", "-1234567890123456789012345678.123456789"}}));
  EXPECT_EQ(CanonicalNumber(max["d"]["N"].get<std::string>()), CanonicalNumber("2.5e-100"));
  const json& zero = items[R"x({"id":{"N":"1"}})x"];
  EXPECT_FALSE(zero.contains("name")) << "NULL columns are omitted";
  EXPECT_FALSE(zero.contains("tags")) << "an empty SET has no DynamoDB string set";
  EXPECT_EQ(sink->CountRows(TableId{"", "matrix"}, true).value(), 2u);
}

constexpr char kShopMapping[] = R"x(
tables:
  - name: shop
    partition_key: pk
    sort_key: sk
    indexes:
      - {name: by_email, partition_key: email, build: with_table}
sources:
  shop.customers:
    table: shop
    pk: "CUSTOMER#{id}"
    sk: "PROFILE"
    rename: {mail: email}
    computed: {type: "customer"}
  shop.orders:
    table: shop
    pk: "CUSTOMER#{customer_id}"
    sk: "ORDER#{id}"
    exclude: [customer_id]
    computed: {type: "order"}
)x";

std::string CustomerRows(int count) {
  std::string rows;
  for (int id = 1; id <= count; ++id) {
    rows += (id > 1 ? "," : "") + std::string("{\"id\":") + std::to_string(id) + ",\"mail\":\"c" +
            std::to_string(id) + "@x.io\"}";
  }
  return R"x({"table":"shop.customers","columns":{"id":"int","mail":"varchar(80)"},"rows":[)x" +
         rows + "]}";
}

std::string OrderRows(int count) {
  std::string rows;
  for (int id = 1; id <= count; ++id) {
    rows += (id > 1 ? "," : "") + std::string("{\"id\":") + std::to_string(id) +
            ",\"customer_id\":" + std::to_string(id % 40 + 1) + ",\"total\":\"" +
            std::to_string(id) + ".05\"}";
  }
  return R"x({"table":"shop.orders","columns":{"id":"int","customer_id":"int",)x"
         R"x("total":"decimal(10,2)"},"rows":[)x" +
         rows + "]}";
}

TEST_F(DynamoDbSinkTest, FullLoadOfSingleTableDesign) {
  auto sink = Open(kShopMapping);
  SampleRows customers = Rows(CustomerRows(40));
  SampleRows orders = Rows(OrderRows(260));
  Load(*sink, customers);
  Load(*sink, orders);
  std::map<std::string, json> items = Scan(*sink, "shop", {"pk", "sk"});
  ASSERT_EQ(items.size(), 300u);
  std::map<std::string, json> expected = Expected(sink->mapping(), customers, {"pk", "sk"});
  expected.merge(Expected(sink->mapping(), orders, {"pk", "sk"}));
  ASSERT_EQ(expected.size(), 300u);
  for (const auto& [key, item] : expected) {
    SCOPED_TRACE(key);
    ExpectSameItem(item, items[key]);
  }
  EXPECT_EQ(items[R"x({"pk":{"S":"CUSTOMER#2"},"sk":{"S":"ORDER#41"}})x"].dump(),
            R"x({"id":{"N":"41"},"pk":{"S":"CUSTOMER#2"},"sk":{"S":"ORDER#41"},)x"
            R"x("total":{"N":"41.05"},"type":{"S":"order"}})x");
  // BatchGetItem reads the same items back; a missing key is simply absent.
  std::vector<json> keys;
  for (int id = 1; id <= 130; ++id) {
    keys.push_back({{"pk", {{"S", "CUSTOMER#" + std::to_string(id % 40 + 1)}}},
                    {"sk", {{"S", "ORDER#" + std::to_string(id)}}}});
  }
  keys.push_back({{"pk", {{"S", "CUSTOMER#1"}}}, {"sk", {{"S", "ORDER#999"}}}});
  std::vector<json> got = dynamodb::BatchGet(sink->client(), "shop", keys).value();
  ASSERT_EQ(got.size(), 130u);
  for (const json& item : got) {
    ExpectSameItem(expected[json{{"pk", item["pk"]}, {"sk", item["sk"]}}.dump()], item);
  }
  json description = dynamodb::DescribeTable(sink->client(), "shop").value();
  EXPECT_EQ(description["GlobalSecondaryIndexes"][0]["IndexName"], "by_email");
}

Change MakeChange(const SampleRows& sample, ChangeOp op, std::optional<size_t> before,
                  std::optional<size_t> after) {
  Change change;
  change.table = sample.schema.id;
  change.op = op;
  if (before) change.before = sample.rows[*before];
  if (after) change.after = sample.rows[*after];
  change.schema = std::make_shared<TableSchema>(sample.schema);
  return change;
}

TEST_F(DynamoDbSinkTest, ApplierAppliesInsertsUpdatesKeyChangesAndDeletesInOrder) {
  auto sink = Open(kShopMapping);
  // Row images: 0..19 orders 1..20 of customer 1; 20: order 5 moved to id 105 (key change);
  // 21: order 6 with a new total.
  std::string rows;
  for (int id = 1; id <= 20; ++id) {
    rows += std::string(id > 1 ? "," : "") + "{\"id\":" + std::to_string(id) +
            ",\"customer_id\":1,\"total\":\"1.00\"}";
  }
  rows += R"x(,{"id":105,"customer_id":1,"total":"1.00"},{"id":6,"customer_id":1,"total":"9.99"})x";
  SampleRows sample = Rows(R"x({"table":"shop.orders","columns":{"id":"int","customer_id":"int",)x"
                           R"x("total":"decimal(10,2)"},"rows":[)x" +
                           rows + "]}");
  ASSERT_TRUE(sink->PrepareTable(sample.schema, TableRule{}, false).ok());
  std::vector<Change> changes;
  for (size_t row = 0; row < 20; ++row) {
    changes.push_back(MakeChange(sample, ChangeOp::kInsert, std::nullopt, row));
  }
  changes.push_back(MakeChange(sample, ChangeOp::kUpdate, 4, 20));  // 5 -> 105
  changes.push_back(MakeChange(sample, ChangeOp::kUpdate, 5, 21));  // total of 6
  for (size_t row = 10; row < 20; ++row) {
    changes.push_back(MakeChange(sample, ChangeOp::kDelete, row, std::nullopt));
  }
  changes.push_back(MakeChange(sample, ChangeOp::kInsert, std::nullopt, 19));  // 20 comes back
  ApplyChanges(*sink, kShopMapping, changes);

  std::map<std::string, json> items = Scan(*sink, "shop", {"pk", "sk"});
  std::vector<std::string> sort_keys;
  for (const auto& [key, item] : items) sort_keys.push_back(item["sk"]["S"]);
  std::sort(sort_keys.begin(), sort_keys.end());
  EXPECT_EQ(sort_keys, (std::vector<std::string>{"ORDER#1", "ORDER#10", "ORDER#105", "ORDER#2",
                                                 "ORDER#20", "ORDER#3", "ORDER#4", "ORDER#6",
                                                 "ORDER#7", "ORDER#8", "ORDER#9"}));
  EXPECT_EQ(items[R"x({"pk":{"S":"CUSTOMER#1"},"sk":{"S":"ORDER#6"}})x"]["total"],
            json({{"N", "9.99"}}));
}

TEST_F(DynamoDbSinkTest, SharedItemKeepsEachTablesAttributes) {
  const std::string mapping = R"x(
tables: [{name: people, partition_key: pk}]
sources:
  app.users: {table: people, pk: "U#{id}", include: [id, name], shared: true}
  app.profiles: {table: people, pk: "U#{user_id}", include: [bio], shared: true}
)x";
  auto sink = Open(mapping);
  SampleRows users = Rows(
      R"x({"table":"app.users","columns":{"id":"int","name":"text"},"rows":[{"id":1,"name":"Ann"}]})x");
  SampleRows profiles = Rows(
      R"x({"table":"app.profiles","columns":{"user_id":"int","bio":"text"},"rows":[{"user_id":1,"bio":"hi"}]})x");
  Load(*sink, users);
  Load(*sink, profiles);
  std::map<std::string, json> items = Scan(*sink, "people", {"pk"});
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items.begin()->second.dump(),
            R"x({"bio":{"S":"hi"},"id":{"N":"1"},"name":{"S":"Ann"},"pk":{"S":"U#1"}})x");

  std::vector<Change> delete_user = {MakeChange(users, ChangeOp::kDelete, 0, std::nullopt)};
  ApplyChanges(*sink, mapping, delete_user);
  items = Scan(*sink, "people", {"pk"});
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items.begin()->second.dump(), R"x({"bio":{"S":"hi"},"pk":{"S":"U#1"}})x");

  std::vector<Change> delete_profile = {MakeChange(profiles, ChangeOp::kDelete, 0, std::nullopt)};
  ApplyChanges(*sink, mapping, delete_profile);
  EXPECT_TRUE(Scan(*sink, "people", {"pk"}).empty()) << "nothing left: the item is deleted";
}

TEST_F(DynamoDbSinkTest, OversizedItemNamesTableAndRow) {
  auto sink = Open(
      "tables: [{name: matrix, partition_key: {name: id, type: N}}]\n"
      "sources: {test.matrix: {table: matrix, pk: '{id}'}}");
  SampleRows sample = Rows(R"x({"table":"test.matrix","columns":{"id":"bigint unsigned",)x"
                           R"x("body":"longtext"},"rows":[{"id":7,"body":")x" +
                           std::string(410 * 1024, 'x') + "\"}]}");
  Result<TargetTablePlan> plan = sink->PrepareTable(sample.schema, TableRule{}, false);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  auto writer = sink->OpenWriter(*plan).value();
  EXPECT_EQ(writer->WriteChunk(ChunkBounds{}, sample.rows).ToString(),
            "InvalidArgument: table matrix: item for test.matrix id=7 is 419847 bytes; DynamoDB "
            "items are at most 400 KB");
}

TEST_F(DynamoDbSinkTest, ExistingTableIsAnErrorWhenCreating) {
  auto sink = Open(kTypeMatrixMapping);
  SampleRows sample = Rows(kTypeMatrixRows);
  ASSERT_TRUE(sink->PrepareTable(sample.schema, TableRule{}, false).ok());
  Spec spec = DynaliteSpec(kTypeMatrixMapping, DynaliteEndpoint());
  auto second = dynamodb::OpenDynamoDbSink(spec).value();
  EXPECT_EQ(second->PrepareTable(sample.schema, TableRule{}, false).status().ToString(),
            "AlreadyExists: DynamoDB table 'matrix' exists already; set target.existing_tables "
            "to keep or truncate, or drop the table");
  EXPECT_TRUE(second->PrepareTable(sample.schema, TableRule{}, true).ok()) << "resuming";
}

}  // namespace
}  // namespace cutover::testing
