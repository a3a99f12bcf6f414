// Tests valid specs: defaults, every field, secrets, relative paths, examples, table selection.
#include "cutover/spec.h"

#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "tests/support/paths.h"

namespace cutover {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

std::optional<std::string> FakeEnv(const std::string& name) {
  static const std::map<std::string, std::string> kEnv = {
      {"CUTOVER_SOURCE_PASSWORD", "source-pw"},
      {"CUTOVER_TARGET_PASSWORD", "target-pw"},
      {"CUTOVER_KAFKA_PASSWORD", "kafka-pw"},
      {"CUTOVER_CONTROL_TOKEN", "control-token"},
      {"AWS_KEY_ID", "AKIDEXAMPLE"},
      {"AWS_SECRET", "wJalrXUtnFEMI"},
  };
  auto found = kEnv.find(name);
  if (found == kEnv.end()) return std::nullopt;
  return found->second;
}

const LoadOptions kOptions{&FakeEnv};

// A fresh directory under the system temp dir, removed with its contents at the end.
class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() /
            ("cutover_spec_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path Write(const std::string& name, const std::string& text) const {
    std::filesystem::path file = path_ / name;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << text;
    return file;
  }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

constexpr char kMinimal[] =
    "name: shop\n"
    "source: {kind: mariadb, user: cutover}\n"
    "target: {kind: postgres, user: cutover, database: shop}\n"
    "tables: [{match: shop.*}]\n";

Spec MustParse(const std::string& yaml, const std::filesystem::path& origin = "/specs/spec.yaml") {
  Result<Spec> spec = ParseSpec(yaml, origin, kOptions);
  EXPECT_TRUE(spec.ok()) << spec.status().ToString();
  return spec.ok() ? *std::move(spec) : Spec{};
}

TEST(SpecTest, MinimalSpecGetsEveryDefault) {
  Spec spec = MustParse(kMinimal);
  EXPECT_EQ(spec.name, "shop");
  EXPECT_EQ(spec.file, "/specs/spec.yaml");
  EXPECT_EQ(spec.source.kind, SourceKind::kMariaDB);
  EXPECT_EQ(spec.source.connection.host, "127.0.0.1");
  EXPECT_EQ(spec.source.connection.port, 3306);
  EXPECT_EQ(spec.source.connection.user, "cutover");
  EXPECT_TRUE(spec.source.connection.password.empty());
  EXPECT_EQ(spec.source.connection.database, "");
  EXPECT_EQ(spec.source.connection.tls.mode, TlsSpec::Mode::kPrefer);
  EXPECT_EQ(spec.source.connection.tls.ca_file, "");
  EXPECT_EQ(spec.source.connection.connect_timeout, seconds(10));
  EXPECT_EQ(spec.source.server_id, 2823282857u);  // FNV-1a("shop") | 0x80000000
  EXPECT_EQ(spec.source.slot, "");
  EXPECT_EQ(spec.source.publication, "");
  EXPECT_EQ(spec.target.kind, TargetKind::kPostgres);
  EXPECT_EQ(spec.target.connection.port, 5432);
  EXPECT_EQ(spec.target.existing_tables, TargetSpec::ExistingTable::kCreate);
  ASSERT_EQ(spec.tables.size(), 1u);
  EXPECT_EQ(spec.tables[0].match, "shop.*");
  EXPECT_TRUE(spec.tables[0].exclude.empty());
  EXPECT_EQ(spec.tables[0].filter, "");
  EXPECT_TRUE(spec.tables[0].columns.empty());
  EXPECT_EQ(spec.tables[0].rename, "");
  EXPECT_EQ(spec.tables[0].ddl, DdlPolicy::kFollow);  // the default
  EXPECT_TRUE(spec.mapping.empty());
  EXPECT_EQ(spec.change_log.kind, ChangeLogSpec::Kind::kLocal);
  EXPECT_EQ(spec.change_log.segment_bytes, 64ull << 20);
  EXPECT_EQ(spec.change_log.retention_bytes, 0u);
  EXPECT_EQ(spec.change_log.retention_age, seconds(0));
  EXPECT_EQ(spec.change_log.fsync_interval, milliseconds(100));
  EXPECT_EQ(spec.parallelism.copy_workers, 4);
  EXPECT_EQ(spec.parallelism.chunk_rows, 10000);
  EXPECT_EQ(spec.parallelism.chunk_time, milliseconds(500));
  EXPECT_EQ(spec.parallelism.apply_lanes, 8);
  EXPECT_EQ(spec.parallelism.index_builders, 2);
  EXPECT_EQ(spec.throttle.copy_rows_per_second, 0);
  EXPECT_EQ(spec.throttle.apply_rows_per_second, 0);
  EXPECT_EQ(spec.throttle.max_load_threads_running, 0);
  EXPECT_EQ(spec.state_dir, "/specs/.cutover/shop");
  EXPECT_TRUE(spec.control.enabled);
  EXPECT_EQ(spec.control.listen, "127.0.0.1:7878");
  EXPECT_TRUE(spec.control.token.empty());
}

TEST(SpecTest, PostgresSourceDefaultsSlotAndPublicationFromName) {
  Spec spec = MustParse(
      "name: app-to-maria\n"
      "source: {kind: postgres, user: cutover, database: app}\n"
      "target: {kind: mariadb, user: cutover}\n"
      "tables: [public.*]\n");
  EXPECT_EQ(spec.source.connection.port, 5432);
  EXPECT_EQ(spec.source.slot, "cutover_app_to_maria");
  EXPECT_EQ(spec.source.publication, "cutover_app_to_maria");
  EXPECT_EQ(spec.source.value_format, SourceSpec::ValueFormat::kAuto);
  EXPECT_EQ(spec.source.server_id, 0u);
  EXPECT_EQ(spec.target.connection.port, 3306);
  ASSERT_EQ(spec.tables.size(), 1u);
  EXPECT_EQ(spec.tables[0].match, "public.*");
}

TEST(SpecTest, KafkaTopicsDefaultFromName) {
  Spec spec = MustParse(
      "name: orders-out\n"
      "source: {kind: mysql, user: cutover}\n"
      "target: {kind: kafka, kafka: {brokers: \"k1:9092\"}}\n"
      "tables: [{match: shop.orders}]\n"
      "change_log: {kind: kafka, kafka: {brokers: [\"k1:9092\", \"k2:9093\"]}}\n");
  EXPECT_EQ(spec.target.kafka.topic, "");  // one topic per table
  EXPECT_EQ(spec.target.kafka.topic_prefix, "orders-out");
  EXPECT_TRUE(spec.target.kafka.schemas);
  EXPECT_EQ(spec.target.kafka.replication_factor, -1);
  EXPECT_EQ(spec.target.kafka.partitions, 12);
  EXPECT_EQ(spec.change_log.kafka.brokers, "k1:9092,k2:9093");
  EXPECT_EQ(spec.change_log.kafka.topic, "cutover.orders-out.log");
  EXPECT_EQ(spec.target.connection.port, 0);  // not a SQL target: no connection
}

TEST(SpecTest, KafkaTargetOnlyFields) {
  Spec spec = MustParse(
      "name: orders-out\n"
      "source: {kind: mysql, user: cutover}\n"
      "target: {kind: kafka, kafka: {brokers: \"k1:9092\", topic_prefix: dbserver1, "
      "replication_factor: 3, schemas: false}}\n"
      "tables: [{match: shop.orders}]\n");
  EXPECT_EQ(spec.target.kafka.topic_prefix, "dbserver1");
  EXPECT_EQ(spec.target.kafka.replication_factor, 3);
  EXPECT_FALSE(spec.target.kafka.schemas);
}

TEST(SpecTest, DerivedServerIdIsStableNonZeroAndHigh) {
  EXPECT_EQ(DeriveServerId("shop"), 2823282857u);
  EXPECT_EQ(DeriveServerId("shop"), DeriveServerId("shop"));
  EXPECT_NE(DeriveServerId("shop"), DeriveServerId("shop2"));
  EXPECT_GE(DeriveServerId(""), 0x80000000u);
  Spec spec = MustParse(std::string(kMinimal) + "");
  EXPECT_EQ(spec.source.server_id, DeriveServerId("shop"));
}

TEST(SpecTest, ReadsEveryFieldOfSqlEndpoints) {
  TempDir dir;
  dir.Write("tls/ca.pem", "ca");
  dir.Write("tls/client.pem", "cert");
  dir.Write("tls/client.key", "key");
  dir.Write("secrets/target-pw", "target-secret\n");
  std::filesystem::path file = dir.Write("spec.yaml", R"(
name: every-field
source:
  kind: mysql
  host: src.internal
  port: 3307
  user: reader
  password_env: CUTOVER_SOURCE_PASSWORD
  database: shop
  tls: {mode: verify_full, ca_file: tls/ca.pem, cert_file: tls/client.pem, key_file: tls/client.key}
  connect_timeout: 2m
  server_id: 4242
target:
  kind: mariadb
  host: dst.internal
  port: 3308
  user: writer
  password_file: secrets/target-pw
  database: shop_new
  tls: {mode: disable}
  connect_timeout: 45s
  existing_tables: truncate
tables:
  - match: shop.order?
    exclude: [shop.orders_old, "shop.tmp_*"]
    filter: "id > 100"
    columns: [id, total]
    rename: orders_v2
    ddl: stop
mapping: maps/shop.yaml
change_log:
  kind: local
  segment_size: 1GiB
  retention_size: 10GiB
  retention_age: 24h
  fsync_interval: 250ms
parallelism:
  copy_workers: 16
  chunk_rows: 50000
  chunk_time: 2s
  apply_lanes: 32
  index_builders: 8
throttle: {copy_rows_per_second: 1000, apply_rows_per_second: 2000, max_load: {threads_running: 25}, replicas: ["10.0.0.7:3306"], max_replica_lag: 1500ms, target_max_load: 40, target_max_commit_latency: 250ms}
state_dir: ../state
control: {enabled: false, listen: "[::1]:9000", token_env: CUTOVER_CONTROL_TOKEN}
)");
  Result<Spec> loaded = LoadSpec(file, kOptions);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  const Spec& spec = *loaded;
  const std::filesystem::path base = dir.path();
  EXPECT_EQ(spec.file, file);
  EXPECT_EQ(spec.source.kind, SourceKind::kMySQL);
  const ConnectionSpec& source = spec.source.connection;
  EXPECT_EQ(source.host, "src.internal");
  EXPECT_EQ(source.port, 3307);
  EXPECT_EQ(source.user, "reader");
  EXPECT_EQ(source.password.origin, "env CUTOVER_SOURCE_PASSWORD");
  EXPECT_EQ(source.password.value, "source-pw");
  EXPECT_EQ(source.database, "shop");
  EXPECT_EQ(source.tls.mode, TlsSpec::Mode::kVerifyFull);
  EXPECT_EQ(source.tls.ca_file, (base / "tls/ca.pem").string());
  EXPECT_EQ(source.tls.cert_file, (base / "tls/client.pem").string());
  EXPECT_EQ(source.tls.key_file, (base / "tls/client.key").string());
  EXPECT_EQ(source.connect_timeout, seconds(120));
  EXPECT_EQ(spec.source.server_id, 4242u);
  EXPECT_EQ(spec.target.kind, TargetKind::kMariaDB);
  const ConnectionSpec& target = spec.target.connection;
  EXPECT_EQ(target.host, "dst.internal");
  EXPECT_EQ(target.port, 3308);
  EXPECT_EQ(target.user, "writer");
  EXPECT_EQ(target.password.origin, "file " + (base / "secrets/target-pw").string());
  EXPECT_EQ(target.password.value, "target-secret");
  EXPECT_EQ(target.database, "shop_new");
  EXPECT_EQ(target.tls.mode, TlsSpec::Mode::kDisable);
  EXPECT_EQ(target.connect_timeout, seconds(45));
  EXPECT_EQ(spec.target.existing_tables, TargetSpec::ExistingTable::kTruncate);
  ASSERT_EQ(spec.tables.size(), 1u);
  const TableRule& rule = spec.tables[0];
  EXPECT_EQ(rule.match, "shop.order?");
  EXPECT_EQ(rule.exclude, (std::vector<std::string>{"shop.orders_old", "shop.tmp_*"}));
  EXPECT_EQ(rule.filter, "(`id` > 100)");  // the filter language, rendered as SQL
  EXPECT_EQ(rule.columns, (std::vector<std::string>{"id", "total"}));
  EXPECT_EQ(rule.rename, "orders_v2");
  EXPECT_EQ(rule.ddl, DdlPolicy::kStop);
  EXPECT_EQ(spec.mapping, base / "maps/shop.yaml");
  EXPECT_EQ(spec.change_log.kind, ChangeLogSpec::Kind::kLocal);
  EXPECT_EQ(spec.change_log.segment_bytes, 1ull << 30);
  EXPECT_EQ(spec.change_log.retention_bytes, 10ull << 30);
  EXPECT_EQ(spec.change_log.retention_age, seconds(86400));
  EXPECT_EQ(spec.change_log.fsync_interval, milliseconds(250));
  EXPECT_EQ(spec.parallelism.copy_workers, 16);
  EXPECT_EQ(spec.parallelism.chunk_rows, 50000);
  EXPECT_EQ(spec.parallelism.chunk_time, milliseconds(2000));
  EXPECT_EQ(spec.parallelism.apply_lanes, 32);
  EXPECT_EQ(spec.parallelism.index_builders, 8);
  EXPECT_EQ(spec.throttle.copy_rows_per_second, 1000);
  EXPECT_EQ(spec.throttle.apply_rows_per_second, 2000);
  EXPECT_EQ(spec.throttle.max_load_threads_running, 25);
  EXPECT_EQ(spec.throttle.replicas, std::vector<std::string>{"10.0.0.7:3306"});
  EXPECT_EQ(spec.throttle.max_replica_lag, milliseconds(1500));
  EXPECT_EQ(spec.throttle.target_max_load, 40);
  EXPECT_EQ(spec.throttle.target_max_commit_latency, milliseconds(250));
  EXPECT_EQ(spec.state_dir, base.parent_path() / "state");
  EXPECT_FALSE(spec.control.enabled);
  EXPECT_EQ(spec.control.listen, "[::1]:9000");
  EXPECT_EQ(spec.control.token.origin, "env CUTOVER_CONTROL_TOKEN");
  EXPECT_EQ(spec.control.token.value, "control-token");
}

TEST(SpecTest, ReadsEveryFieldOfDynamoDb) {
  Spec spec = MustParse(R"(
name: to-dynamo
source: {kind: mariadb, user: cutover}
target:
  kind: dynamodb
  existing_tables: keep
  dynamodb:
    region: eu-west-2
    endpoint: http://127.0.0.1:18000
    access_key_id_env: AWS_KEY_ID
    secret_access_key_env: AWS_SECRET
    billing: provisioned
    read_capacity: 50
    write_capacity: 500
tables: [{match: "*"}]
)");
  EXPECT_EQ(spec.target.kind, TargetKind::kDynamoDB);
  EXPECT_EQ(spec.target.existing_tables, TargetSpec::ExistingTable::kKeep);
  const DynamoDbSpec& dynamodb = spec.target.dynamodb;
  EXPECT_EQ(dynamodb.region, "eu-west-2");
  EXPECT_EQ(dynamodb.endpoint, "http://127.0.0.1:18000");
  EXPECT_EQ(dynamodb.access_key_id.origin, "env AWS_KEY_ID");
  EXPECT_EQ(dynamodb.access_key_id.value, "AKIDEXAMPLE");
  EXPECT_EQ(dynamodb.secret_access_key.value, "wJalrXUtnFEMI");
  EXPECT_EQ(dynamodb.profile, "");
  EXPECT_EQ(dynamodb.billing, DynamoDbSpec::Billing::kProvisioned);
  EXPECT_EQ(dynamodb.read_capacity, 50);
  EXPECT_EQ(dynamodb.write_capacity, 500);
}

TEST(SpecTest, DynamoDbDefaultsAndProfile) {
  Spec spec = MustParse(
      "name: to-dynamo\nsource: {kind: mariadb, user: cutover}\n"
      "target: {kind: dynamodb, dynamodb: {profile: migration}}\ntables: [\"*\"]\n");
  EXPECT_EQ(spec.target.dynamodb.region, "us-east-1");
  EXPECT_EQ(spec.target.dynamodb.endpoint, "");
  EXPECT_TRUE(spec.target.dynamodb.access_key_id.empty());
  EXPECT_EQ(spec.target.dynamodb.profile, "migration");
  EXPECT_EQ(spec.target.dynamodb.billing, DynamoDbSpec::Billing::kOnDemand);
  EXPECT_EQ(spec.target.existing_tables, TargetSpec::ExistingTable::kCreate);
}

TEST(SpecTest, ReadsEveryFieldOfKafka) {
  TempDir dir;
  dir.Write("ca.pem", "ca");
  std::filesystem::path file = dir.Write("spec.yaml", R"(
name: to-kafka
source: {kind: postgres, user: cutover, database: app, slot: my_slot, publication: my_pub,
         value_format: text}
target:
  kind: kafka
  kafka:
    brokers: "k1:9092, k2:9092"
    topic: app.changes
    partitions: 6
    tls: {mode: require, ca_file: ca.pem}
    sasl_mechanism: SCRAM-SHA-256
    sasl_user: app
    sasl_password_env: CUTOVER_KAFKA_PASSWORD
tables: [{match: public.*}]
)");
  Result<Spec> spec = LoadSpec(file, kOptions);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->source.slot, "my_slot");
  EXPECT_EQ(spec->source.publication, "my_pub");
  EXPECT_EQ(spec->source.value_format, SourceSpec::ValueFormat::kText);
  const KafkaSpec& kafka = spec->target.kafka;
  EXPECT_EQ(kafka.brokers, "k1:9092,k2:9092");
  EXPECT_EQ(kafka.topic, "app.changes");
  EXPECT_EQ(kafka.partitions, 6);
  EXPECT_EQ(kafka.tls.mode, TlsSpec::Mode::kRequire);
  EXPECT_EQ(kafka.tls.ca_file, (dir.path() / "ca.pem").string());
  EXPECT_EQ(kafka.sasl_mechanism, "SCRAM-SHA-256");
  EXPECT_EQ(kafka.sasl_user, "app");
  EXPECT_EQ(kafka.sasl_password.origin, "env CUTOVER_KAFKA_PASSWORD");
  EXPECT_EQ(kafka.sasl_password.value, "kafka-pw");
}

TEST(SpecTest, SecretFileDropsTrailingNewlinesOnly) {
  TempDir dir;
  dir.Write("pw", " spaced secret \r\n\n");
  Spec spec = MustParse(
      "name: shop\nsource: {kind: mariadb, user: cutover, password_file: pw}\n"
      "target: {kind: postgres, user: cutover, database: shop}\ntables: [shop.*]\n",
      dir.path() / "spec.yaml");
  EXPECT_EQ(spec.source.connection.password.value, " spaced secret ");
  EXPECT_EQ(spec.source.connection.password.origin, "file " + (dir.path() / "pw").string());
}

TEST(SpecTest, SecretFileThatIsEmptyOrADirectoryIsAnError) {
  TempDir dir;
  dir.Write("empty", "\n");
  std::filesystem::create_directories(dir.path() / "folder");
  const std::string yaml =
      "name: shop\nsource: {kind: mariadb, user: cutover, password_file: empty}\n"
      "target: {kind: postgres, user: cutover, database: shop, password_file: folder}\n"
      "tables: [shop.*]\n";
  const std::string origin = (dir.path() / "spec.yaml").string();
  Result<Spec> spec = ParseSpec(yaml, origin, kOptions);
  ASSERT_FALSE(spec.ok());
  const std::string base = dir.path().string();
  EXPECT_EQ(spec.status().message(),
            origin + ": source.password_file: " + base +
                "/empty is empty; write the secret into it\n" + origin +
                ": target.password_file: cannot read " + base +
                "/folder: it is a directory; create the file or fix the path (a relative path "
                "starts at the spec file's directory)");
}

TEST(SpecTest, ProcessEnvironmentIsTheDefault) {
  ASSERT_EQ(::setenv("CUTOVER_SPEC_TEST_PW", "from-process", 1), 0);
  Result<Spec> spec = ParseSpec(
      "name: shop\nsource: {kind: mariadb, user: cutover, password_env: CUTOVER_SPEC_TEST_PW}\n"
      "target: {kind: postgres, user: cutover, database: shop}\ntables: [shop.*]\n",
      "/specs/spec.yaml");
  ::unsetenv("CUTOVER_SPEC_TEST_PW");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->source.connection.password.value, "from-process");
}

TEST(SpecTest, RelativePathsResolveAgainstTheSpecDirectory) {
  Spec spec = MustParse(std::string(kMinimal) + "mapping: ../maps/./m.yaml\nstate_dir: run/state\n",
                        "/srv/migrations/shop/spec.yaml");
  EXPECT_EQ(spec.mapping, "/srv/migrations/maps/m.yaml");
  EXPECT_EQ(spec.state_dir, "/srv/migrations/shop/run/state");
  Spec absolute = MustParse(std::string(kMinimal) + "mapping: /etc/m.yaml\n", "/x/spec.yaml");
  EXPECT_EQ(absolute.mapping, "/etc/m.yaml");
  EXPECT_EQ(absolute.state_dir, "/x/.cutover/shop");
}

TEST(SpecTest, RelativeOriginResolvesAgainstTheWorkingDirectory) {
  Spec spec = MustParse(kMinimal, "conf/spec.yaml");
  const std::filesystem::path cwd = std::filesystem::current_path();
  EXPECT_EQ(spec.file, (cwd / "conf/spec.yaml").lexically_normal());
  EXPECT_EQ(spec.state_dir, (cwd / "conf/.cutover/shop").lexically_normal());
}

TEST(SpecTest, LoopbackListenNeedsNoTokenAndPublicListenTakesOne) {
  for (const char* listen : {"127.0.0.1:0", "localhost:7878", "[::1]:7878", "127.1.2.3:80"}) {
    Spec spec = MustParse(std::string(kMinimal) + "control: {listen: \"" + listen + "\"}\n");
    EXPECT_EQ(spec.control.listen, listen);
  }
  Spec disabled =
      MustParse(std::string(kMinimal) + "control: {enabled: false, listen: \"0.0.0.0:80\"}\n");
  EXPECT_FALSE(disabled.control.enabled);
  Spec with_token =
      MustParse(std::string(kMinimal) +
                "control: {listen: \"0.0.0.0:80\", token_env: CUTOVER_CONTROL_TOKEN}\n");
  EXPECT_EQ(with_token.control.token.value, "control-token");
}

TEST(SpecTest, ControlGroupsAndGuards) {
  Spec none = MustParse(kMinimal);
  EXPECT_FALSE(none.control.present);
  EXPECT_TRUE(none.control.groups.empty());
  EXPECT_EQ(none.control.max_lag, std::chrono::seconds(5));
  Spec spec = MustParse(std::string(kMinimal) +
                        "control:\n"
                        "  groups:\n"
                        "    orders: [\"shop.orders\", \"shop.order_items\"]\n"
                        "    users: [\"shop.user*\"]\n"
                        "  guards: {max_lag: 1500ms}\n");
  EXPECT_TRUE(spec.control.present);
  ASSERT_EQ(spec.control.groups.size(), 2u);
  EXPECT_EQ(spec.control.groups[0].name, "orders");
  EXPECT_EQ(spec.control.groups[0].tables,
            (std::vector<std::string>{"shop.orders", "shop.order_items"}));
  EXPECT_EQ(spec.control.groups[1].name, "users");
  EXPECT_EQ(spec.control.max_lag, std::chrono::milliseconds(1500));
  EXPECT_TRUE(MustParse(std::string(kMinimal) + "control:\n").control.present);
}

TEST(SpecTest, NullSectionsMeanDefaults) {
  Spec spec = MustParse(std::string(kMinimal) + "parallelism:\ncontrol: ~\n");
  EXPECT_EQ(spec.parallelism.copy_workers, 4);
  EXPECT_TRUE(spec.control.enabled);
}

TEST(SpecTest, EveryExampleParses) {
  const std::filesystem::path examples = std::filesystem::path(testing::CheckoutDir()) / "examples";
  int parsed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(examples)) {
    const std::string file_name = entry.path().filename().string();
    // Mapping files beside the specs (`*.mapping.yaml`) are not specs.
    if (entry.path().extension() != ".yaml" || file_name.ends_with(".mapping.yaml")) continue;
    Result<Spec> spec = LoadSpec(entry.path(), kOptions);
    EXPECT_TRUE(spec.ok()) << entry.path() << ": " << spec.status().ToString();
    ++parsed;
  }
  EXPECT_GE(parsed, 3);
}

TEST(SpecTest, ExamplesSayWhatTheyMean) {
  const std::filesystem::path examples = std::filesystem::path(testing::CheckoutDir()) / "examples";
  Result<Spec> dynamo = LoadSpec(examples / "mariadb-to-dynamodb.yaml", kOptions);
  ASSERT_TRUE(dynamo.ok()) << dynamo.status().ToString();
  EXPECT_EQ(dynamo->target.kind, TargetKind::kDynamoDB);
  EXPECT_EQ(dynamo->target.dynamodb.write_capacity, 2000);
  EXPECT_EQ(SelectTable(*dynamo, "shop", "customers"), &dynamo->tables[1]);
  EXPECT_EQ(SelectTable(*dynamo, "shop", "audit_log"), nullptr);
  Result<Spec> billing = LoadSpec(examples / "mariadb-to-postgres.yaml", kOptions);
  ASSERT_TRUE(billing.ok()) << billing.status().ToString();
  EXPECT_EQ(billing->change_log.kafka.brokers,
            "kafka1.internal:9092,kafka2.internal:9092,kafka3.internal:9092");
  EXPECT_EQ(billing->source.server_id, 4000123u);
  Result<Spec> app = LoadSpec(examples / "postgres-to-mariadb.yaml", kOptions);
  ASSERT_TRUE(app.ok()) << app.status().ToString();
  EXPECT_EQ(app->source.slot, "cutover_app");
  EXPECT_EQ(app->state_dir, "/var/lib/cutover/app");
  EXPECT_EQ(app->control.token.origin, "env CUTOVER_CONTROL_TOKEN");
}

// The first ```yaml block after `heading` in docs/spec.md.
std::string DocsYamlBlock(const std::string& heading) {
  std::ifstream in(std::filesystem::path(testing::CheckoutDir()) / "docs/spec.md");
  std::stringstream text;
  text << in.rdbuf();
  const std::string doc = text.str();
  size_t start = doc.find("```yaml\n", doc.find(heading));
  if (start == std::string::npos) return "";
  start += 8;
  return doc.substr(start, doc.find("```", start) - start);
}

TEST(SpecTest, DocsFullExampleParsesWithTheValuesItStates) {
  const std::string yaml = DocsYamlBlock("## A full example");
  ASSERT_FALSE(yaml.empty());
  Spec spec = MustParse(yaml, "/srv/specs/spec.yaml");
  EXPECT_EQ(spec.name, "shop-to-postgres");
  EXPECT_EQ(spec.source.connection.tls.mode, TlsSpec::Mode::kVerifyFull);
  EXPECT_EQ(spec.source.server_id, DeriveServerId("shop-to-postgres"));
  EXPECT_EQ(spec.target.connection.password.value, "target-pw");
  ASSERT_EQ(spec.tables.size(), 3u);
  EXPECT_EQ(spec.tables[0].rename, "orders_2021");
  EXPECT_EQ(spec.mapping, "/srv/specs/shop.mapping.yaml");
  EXPECT_EQ(spec.change_log.segment_bytes, 128ull << 20);
  EXPECT_EQ(spec.parallelism.index_builders, 4);
  EXPECT_EQ(spec.throttle.max_load_threads_running, 25);
  EXPECT_EQ(spec.control.token.value, "control-token");
}

TEST(SpecTest, DocsTableSelectionExampleSelectsAsDocumented) {
  const std::string tables = DocsYamlBlock("## Table selection");
  ASSERT_FALSE(tables.empty());
  Spec spec = MustParse(std::string("name: shop\nsource: {kind: mariadb, user: cutover}\n"
                                    "target: {kind: postgres, user: cutover, database: shop}\n") +
                        tables);
  ASSERT_EQ(spec.tables.size(), 4u);
  EXPECT_EQ(SelectTable(spec, "shop", "orders"), &spec.tables[0]);
  EXPECT_EQ(SelectTable(spec, "shop", "customers"), &spec.tables[1]);
  EXPECT_EQ(SelectTable(spec, "shop", "tmp_keep"), &spec.tables[2]);
  EXPECT_EQ(SelectTable(spec, "shop", "tmp_other"), nullptr);
  EXPECT_EQ(SelectTable(spec, "shop", "audit"), &spec.tables[1]);
  EXPECT_EQ(SelectTable(spec, "crm", "audit"), &spec.tables[3]);
}

TEST(SelectTableTest, FirstMatchingEntryWinsAndExcludesPassToLaterEntries) {
  Spec spec = MustParse(R"(
name: shop
source: {kind: mariadb, user: cutover}
target: {kind: postgres, user: cutover, database: shop}
tables:
  - match: shop.orders
    filter: "id > 10"
  - match: "shop.*"
    exclude: ["shop.tmp_*", "shop.orders_?"]
  - match: "shop.tmp_keep"
    rename: kept
  - match: "*.audit"
)");
  ASSERT_EQ(spec.tables.size(), 4u);
  EXPECT_EQ(SelectTable(spec, "shop", "orders"), &spec.tables[0]);
  EXPECT_EQ(SelectTable(spec, "shop", "customers"), &spec.tables[1]);
  EXPECT_EQ(SelectTable(spec, "shop", "audit"), &spec.tables[1]);
  EXPECT_EQ(SelectTable(spec, "shop", "tmp_keep"), &spec.tables[2]);
  EXPECT_EQ(SelectTable(spec, "shop", "tmp_drop"), nullptr);
  EXPECT_EQ(SelectTable(spec, "shop", "orders_1"), nullptr);
  EXPECT_EQ(SelectTable(spec, "shop", "orders_10"), &spec.tables[1]);
  EXPECT_EQ(SelectTable(spec, "crm", "audit"), &spec.tables[3]);
  EXPECT_EQ(SelectTable(spec, "crm", "users"), nullptr);
  EXPECT_EQ(SelectTable(spec, "Shop", "orders"), nullptr);  // case-sensitive
}

TEST(GlobMatchTest, StarAndQuestionMark) {
  EXPECT_TRUE(GlobMatch("*", ""));
  EXPECT_TRUE(GlobMatch("*", "shop.orders"));
  EXPECT_TRUE(GlobMatch("shop.*", "shop.orders"));
  EXPECT_TRUE(GlobMatch("shop.*", "shop."));
  EXPECT_FALSE(GlobMatch("shop.*", "shopx.orders"));
  EXPECT_TRUE(GlobMatch("*.orders", "a.b.orders"));
  EXPECT_TRUE(GlobMatch("s?op.*s", "shop.orders"));
  EXPECT_FALSE(GlobMatch("s?op.*s", "sop.orders"));
  EXPECT_TRUE(GlobMatch("*o*o*", "foo"));
  EXPECT_FALSE(GlobMatch("*o*o*o", "foo"));
  EXPECT_TRUE(GlobMatch("a**b", "ab"));
  EXPECT_TRUE(GlobMatch("*ab", "aab"));
  EXPECT_FALSE(GlobMatch("", "a"));
  EXPECT_TRUE(GlobMatch("", ""));
  EXPECT_FALSE(GlobMatch("shop.orders", "shop.orders2"));
  EXPECT_FALSE(GlobMatch("?", ""));
}

// The check of a glob given outside a spec (`tail --tables`, `verify --tables`): the spec's
// texts, without a field path.
TEST(GlobMatchTest, CheckGlobSaysWhatIsWrongAndWhatToWrite) {
  EXPECT_TRUE(CheckGlob("shop.*").ok());
  EXPECT_TRUE(CheckGlob("*orders").ok());
  EXPECT_EQ(CheckGlob("[x").ToString(),
            "InvalidArgument: '[x' uses '[', which is not supported; use * (any run of "
            "characters) and ? (one character)");
  EXPECT_EQ(CheckGlob("orders").ToString(),
            "InvalidArgument: 'orders' has no '.'; a pattern matches schema.table, e.g. "
            "*.orders or shop.orders");
  EXPECT_EQ(CheckGlob("").ToString(),
            "InvalidArgument: empty pattern; write a glob on schema.table such as shop.* or "
            "*.orders");
}

TEST(UnitsTest, ParsesSizes) {
  EXPECT_EQ(*ParseSize("0"), 0u);
  EXPECT_EQ(*ParseSize("4096"), 4096u);
  EXPECT_EQ(*ParseSize("10B"), 10u);
  EXPECT_EQ(*ParseSize("512KiB"), 512u << 10);
  EXPECT_EQ(*ParseSize("64MiB"), 64u << 20);
  EXPECT_EQ(*ParseSize("64 mib"), 64u << 20);
  EXPECT_EQ(*ParseSize("1GiB"), 1ull << 30);
  EXPECT_EQ(*ParseSize("2TiB"), 2ull << 40);
  EXPECT_EQ(*ParseSize("16777215TiB"), 16777215ull << 40);
  for (const char* bad :
       {"", "MiB", "64MB", "1.5GiB", "-1", "64 MiB extra", "16777216TiB", "99999999999999999999"}) {
    Result<uint64_t> size = ParseSize(bad);
    ASSERT_FALSE(size.ok()) << bad;
    EXPECT_EQ(size.status().message(),
              fmt::format("'{}' is not a size; use a byte count or a whole number with B, KiB, "
                          "MiB, GiB or TiB, e.g. 64MiB",
                          bad));
  }
}

TEST(UnitsTest, ParsesDurations) {
  EXPECT_EQ(*ParseDuration("0"), milliseconds(0));
  EXPECT_EQ(*ParseDuration("100ms"), milliseconds(100));
  EXPECT_EQ(*ParseDuration("30s"), milliseconds(30000));
  EXPECT_EQ(*ParseDuration("5m"), milliseconds(300000));
  EXPECT_EQ(*ParseDuration("24h"), milliseconds(86400000));
  EXPECT_EQ(*ParseDuration("1h30m"), milliseconds(5400000));
  EXPECT_EQ(*ParseDuration(" 2s500ms "), milliseconds(2500));
  for (const char* bad :
       {"", "100", "1d", "1.5s", "s", "-5s", "10 s", "1h 30m", "9999999999999999999h"}) {
    Result<milliseconds> duration = ParseDuration(bad);
    ASSERT_FALSE(duration.ok()) << bad;
    EXPECT_EQ(duration.status().message(),
              fmt::format("'{}' is not a duration; use whole numbers with ms, s, m or h, e.g. "
                          "500ms, 30s, 5m, 24h or 1h30m",
                          bad));
  }
}

TEST(UnitsTest, SpecAcceptsPlainBytesAndCompoundDurations) {
  Spec spec = MustParse(std::string(kMinimal) +
                        "change_log: {segment_size: 1048576, retention_age: 1h30m}\n"
                        "throttle: {max_replica_lag: 0}\n");
  EXPECT_EQ(spec.change_log.segment_bytes, 1u << 20);
  EXPECT_EQ(spec.change_log.retention_age, seconds(5400));
  EXPECT_EQ(spec.throttle.max_replica_lag, milliseconds(0));
}

TEST(NamesTest, EnumNames) {
  EXPECT_EQ(SourceKindName(SourceKind::kMariaDB), "mariadb");
  EXPECT_EQ(SourceKindName(SourceKind::kMySQL), "mysql");
  EXPECT_EQ(SourceKindName(SourceKind::kPostgres), "postgres");
  EXPECT_EQ(TargetKindName(TargetKind::kMariaDB), "mariadb");
  EXPECT_EQ(TargetKindName(TargetKind::kMySQL), "mysql");
  EXPECT_EQ(TargetKindName(TargetKind::kPostgres), "postgres");
  EXPECT_EQ(TargetKindName(TargetKind::kDynamoDB), "dynamodb");
  EXPECT_EQ(TargetKindName(TargetKind::kKafka), "kafka");
  EXPECT_EQ(TlsModeName(TlsSpec::Mode::kDisable), "disable");
  EXPECT_EQ(TlsModeName(TlsSpec::Mode::kPrefer), "prefer");
  EXPECT_EQ(TlsModeName(TlsSpec::Mode::kRequire), "require");
  EXPECT_EQ(TlsModeName(TlsSpec::Mode::kVerifyCa), "verify_ca");
  EXPECT_EQ(TlsModeName(TlsSpec::Mode::kVerifyFull), "verify_full");
}

}  // namespace
}  // namespace cutover
