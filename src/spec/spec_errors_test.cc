// Tests the exact text of spec errors: one line per problem, in document order, no secrets.
#include <map>
#include <string>

#include <gtest/gtest.h>

#include "cutover/spec.h"

#include "spec/spec_test_support.h"

namespace cutover {
namespace {

constexpr char kOrigin[] = "/specs/spec.yaml";
constexpr char kSecretValue[] = "hunter2-very-secret";

std::optional<std::string> FakeEnv(const std::string& name) {
  static const std::map<std::string, std::string> kEnv = {
      {"CUTOVER_SOURCE_PASSWORD", kSecretValue},
      {"CUTOVER_EMPTY", ""},
  };
  auto found = kEnv.find(name);
  if (found == kEnv.end()) return std::nullopt;
  return found->second;
}

// The valid pieces a case combines with one broken piece.
constexpr char kName[] = "name: shop\n";
constexpr char kSource[] = "source: {kind: mariadb, user: cutover}\n";
constexpr char kTarget[] = "target: {kind: postgres, user: cutover, database: shop}\n";
constexpr char kTables[] = "tables: [{match: shop.*}]\n";

std::string Valid(const std::string& extra = "") {
  return std::string(kName) + kSource + kTarget + kTables + extra;
}

struct ErrorCase {
  const char* name;
  std::string yaml;
  std::string expected;  // lines without the "<origin>: " prefix
};

// Names the case in gtest's failure output instead of dumping its bytes.
void PrintTo(const ErrorCase& error_case, std::ostream* out) { *out << error_case.name; }

std::vector<ErrorCase> Cases() {
  const std::string base = std::string(kName) + kTarget + kTables;
  return {
      {"SyntaxError", "name: shop\nsource:\n  kind: mariadb\n   user: x\n",
       "line 4, column 8: YAML syntax error: illegal map value; fix the YAML at that point "
       "(indentation, quotes, brackets)"},
      {"TabIndent", "name: shop\nsource:\n\tkind: mariadb\n",
       "line 3, column 6: YAML syntax error: illegal map value; indent with spaces: YAML does not "
       "allow tabs"},
      {"UnclosedFlow", "name: shop\ntables: [{match: shop.*}\n",
       "line 3, column 1: YAML syntax error: end of sequence flow not found; fix the YAML at that "
       "point (indentation, quotes, brackets)"},
      {"TopLevelList", "- name: shop\n",
       "top level: expected a mapping, got a list; a spec is a mapping with at least name, "
       "source, target and tables"},
      {"Empty", "# nothing yet\n",
       "top level: the spec is empty; a spec is a mapping with at least name, source, target and "
       "tables"},
      {"TwoDocuments", Valid() + "---\n" + Valid(),
       "top level: the file holds 2 YAML documents; a spec is a single document, remove the '---' "
       "separators"},
      {"UnknownFieldNear", Valid() + "paralelism: {copy_workers: 2}\n",
       "paralelism: unknown field; did you mean 'parallelism'?"},
      {"UnknownFieldInTable",
       std::string(kName) + kSource + kTarget + "tables:\n  - match: shop.*\n    colums: [id]\n",
       "tables[0].colums: unknown field; did you mean 'columns'?"},
      {"UnknownFieldFar",
       std::string(kName) + kTarget + kTables +
           "source: {kind: mariadb, user: cutover, flavor: galera}\n",
       "source.flavor: unknown field; allowed fields are kind, host, port, user, password_env, "
       "password_file, database, tls, connect_timeout, server_id, slot, publication, "
       "retained_wal_warn, value_format"},
      {"MissingName", std::string(kSource) + kTarget + kTables,
       "name: missing required field; name the migration, e.g. name: shop-to-dynamo (state, "
       "slots and topics are named after it)"},
      {"MissingSource", base,
       "source: missing required field; describe the database to migrate from (kind, host, user, "
       "...)"},
      {"MissingUser", base + "source: {kind: mariadb}\n",
       "source.user: missing required field; set the database user cutover connects as"},
      {"MissingKind", base + "source: {user: cutover}\n",
       "source.kind: missing required field; allowed values are mariadb, mysql, postgres"},
      {"MissingPostgresDatabase", base + "source: {kind: postgres, user: cutover}\n",
       "source.database: missing required field; a postgres source needs the database to "
       "migrate"},
      {"EmptySection", base + "source:\n",
       "source: empty value; describe the database to migrate from (kind, host, user, ...)"},
      {"NotAString", base + "source: {kind: mariadb, user: cutover, host: [a, b]}\n",
       "source.host: expected a string, got a list; write a single value"},
      {"NotAnInteger", base + "source: {kind: mariadb, user: cutover, port: abc}\n",
       "source.port: expected an integer, got 'abc'; allowed 1..65535"},
      {"NotAMapping", base + "source: mariadb\n",
       "source: expected a mapping, got 'mariadb'; write its fields as `name: value` lines "
       "indented below it"},
      {"NotAList", std::string(kName) + kSource + kTarget + "tables: shop.*\n",
       "tables: expected a list, got 'shop.*'; write one `- match: \"schema.table glob\"` entry "
       "per line"},
      {"NullScalar", base + "source: {kind: mariadb, user: cutover, host: }\n",
       "source.host: expected a string, got null; write a single value"},
      {"NotABoolean", Valid("control: {enabled: yes}\n"),
       "control.enabled: expected a boolean, got 'yes'; write true or false"},
      {"BadEnum", base + "source: {kind: oracle, user: cutover}\n",
       "source.kind: unknown value 'oracle'; allowed values are mariadb, mysql, postgres"},
      {"BadEnumNear", base + "source: {kind: postgresql, user: cutover, database: app}\n",
       "source.kind: unknown value 'postgresql'; did you mean 'postgres'? allowed values are "
       "mariadb, mysql, postgres"},
      {"BadDdlPolicy",
       std::string(kName) + kSource + kTarget + "tables: [{match: shop.*, ddl: follow_all}]\n",
       "tables[0].ddl: unknown value 'follow_all'; allowed values are follow, stop, ignore"},
      {"PortOutOfRange", base + "source: {kind: mariadb, user: cutover, port: 70000}\n",
       "source.port: 70000 is out of range; allowed 1..65535"},
      {"WorkersOutOfRange", Valid("parallelism: {copy_workers: 0}\n"),
       "parallelism.copy_workers: 0 is out of range; allowed 1..256"},
      {"RemovedMaxLag", Valid("throttle: {max_lag: 30s}\n"),
       "throttle.max_lag: removed: `cutover run` applies changes only after its copy, so no copy "
       "ever waits for apply; hold the copy back by the source's load instead "
       "(throttle.max_load.threads_running, throttle.replicas with throttle.max_replica_lag; "
       "docs/operations.md)"},
      {"BadReplica", Valid("throttle: {replicas: [\"db7\"]}\n"),
       "throttle.replicas[0]: 'db7' has no port; write host:port, e.g. 10.0.0.7:3306"},
      {"NegativeThrottle", Valid("throttle: {copy_rows_per_second: -5}\n"),
       "throttle.copy_rows_per_second: -5 is out of range; allowed 0 or more"},
      {"BadSize", Valid("change_log: {segment_size: 64MB}\n"),
       "change_log.segment_size: '64MB' is not a size; use a byte count or a whole number with "
       "B, KiB, MiB, GiB or TiB, e.g. 64MiB"},
      {"SizeOutOfRange", Valid("change_log: {segment_size: 1KiB}\n"),
       "change_log.segment_size: 1KiB is out of range; allowed 4KiB..16GiB"},
      {"BadDuration", Valid("parallelism: {chunk_time: 500}\n"),
       "parallelism.chunk_time: '500' is not a duration; use whole numbers with ms, s, m or h, "
       "e.g. 500ms, 30s, 5m, 24h or 1h30m"},
      {"DurationOutOfRange", Valid("parallelism: {chunk_time: 1ms}\n"),
       "parallelism.chunk_time: 1ms is out of range; allowed 10ms..10m"},
      {"NotWholeSeconds",
       base + "source: {kind: mariadb, user: cutover, connect_timeout: 1500ms}\n",
       "source.connect_timeout: 1500ms is not a whole number of seconds; use s, m or h, e.g. 30s "
       "or 2m"},
      {"BadName", std::string("name: Shop Migration\n") + kSource + kTarget + kTables,
       "name: 'Shop Migration' is not a valid name; use 1 to 48 characters from a-z, 0-9, '_' "
       "and '-', starting with a letter or digit"},
      {"EmptyTables", std::string(kName) + kSource + kTarget + "tables: []\n",
       "tables: the list is empty; add at least one entry, e.g. - match: \"shop.*\""},
      {"MissingTables", std::string(kName) + kSource + kTarget,
       "tables: missing required field; list the tables to migrate, e.g. tables: [{match: "
       "\"shop.*\"}]"},
      {"LiteralPassword",
       base + "source: {kind: mariadb, user: cutover, password: " + kSecretValue + "}\n",
       "source.password: secrets never live in the spec; remove it and use password_env (an "
       "environment variable) or password_file (a file) instead"},
      {"LiteralToken", Valid("control: {token: abc}\n"),
       "control.token: secrets never live in the spec; remove it and use token_env (an "
       "environment variable) or token_file (a file) instead"},
      {"EnvNotSet", base + "source: {kind: mariadb, user: cutover, password_env: NOT_SET}\n",
       "source.password_env: environment variable NOT_SET is not set; export it before running "
       "cutover, or use password_file"},
      {"EnvEmpty", base + "source: {kind: mariadb, user: cutover, password_env: CUTOVER_EMPTY}\n",
       "source.password_env: environment variable CUTOVER_EMPTY is empty; set it to the secret, "
       "or use password_file"},
      {"BadEnvName",
       base + "source: {kind: mariadb, user: cutover, password_env: \"" + kSecretValue + "\"}\n",
       "source.password_env: not an environment variable name (the value is not shown: it may be "
       "the secret itself); write the name of a variable made of letters, digits and '_', e.g. "
       "CUTOVER_SOURCE_PASSWORD, and put the secret in that variable"},
      {"SecretFileMissing",
       base + "source: {kind: mariadb, user: cutover, password_file: secrets/pw}\n",
       "source.password_file: cannot read /specs/secrets/pw: No such file or directory; create "
       "the file or fix the path (a relative path starts at the spec file's directory)"},
      {"BothSecretSources",
       base + "source: {kind: mariadb, user: cutover, password_env: CUTOVER_SOURCE_PASSWORD, "
              "password_file: /run/pw}\n",
       "source.password_file: both password_env and password_file are set; keep one"},
      {"BadGlob", std::string(kName) + kSource + kTarget + "tables: [{match: \"shop.[ab]*\"}]\n",
       "tables[0].match: 'shop.[ab]*' uses '[', which is not supported; use * (any run of "
       "characters) and ? (one character)"},
      {"EmptyMatch", std::string(kName) + kSource + kTarget + "tables: [{match: \"\"}]\n",
       "tables[0].match: empty pattern; write a glob on schema.table such as shop.* or *.orders"},
      {"MatchWithoutSchema", std::string(kName) + kSource + kTarget + "tables: [{match: orders}]\n",
       "tables[0].match: 'orders' has no '.'; a pattern matches schema.table, e.g. *.orders or "
       "shop.orders"},
      {"BadExclude",
       std::string(kName) + kSource + kTarget +
           "tables: [{match: shop.*, exclude: [a, \"{b}\"]}]\n",
       "tables[0].exclude[0]: 'a' has no '.'; a pattern matches schema.table, e.g. *.a or shop.a\n"
       "tables[0].exclude[1]: '{b}' uses '{', which is not supported; use * (any run of "
       "characters) and ? (one character)"},
      {"MissingMatch", std::string(kName) + kSource + kTarget + "tables: [{filter: \"id > 5\"}]\n",
       "tables[0].match: missing required field; write the schema.table glob this entry selects, "
       "e.g. match: \"shop.*\""},
      {"BadFilter",
       std::string(kName) + kSource + kTarget +
           "tables: [{match: shop.orders, filter: \"created_at >\"}, {match: shop.a, filter: "
           "\"total / 2 > 1\"}]\n",
       "tables[0].filter: at 13: expected a value, found the end; the filter language is in "
       "docs/spec.md (\"Row filters\")\n"
       "tables[1].filter: '/' is not supported: the server rounds decimal division to "
       "div_precision_increment digits, which cutover does not reproduce; multiply instead; the "
       "filter language is in docs/spec.md (\"Row filters\")"},
      {"UnreachableRule",
       std::string(kName) + kSource + kTarget + "tables: [{match: shop.*}, {match: shop.*}]\n",
       "tables[1].match: 'shop.*' is already selected by tables[0], and the first matching entry "
       "wins; remove this entry or merge it into the earlier one"},
      {"DuplicateColumn",
       std::string(kName) + kSource + kTarget + "tables: [{match: shop.*, columns: [id, id]}]\n",
       "tables[0].columns[1]: duplicate column 'id'; list each column once"},
      {"KafkaLogWithoutBrokers", Valid("change_log: {kind: kafka}\n"),
       "change_log.kafka.brokers: missing required field; a kafka change log needs brokers, e.g. "
       "brokers: \"kafka1:9092,kafka2:9092\""},
      {"BrokerWithoutPort", Valid("change_log: {kind: kafka, kafka: {brokers: \"k1:9092,k2\"}}\n"),
       "change_log.kafka.brokers: 'k2' has no port; write host:port, e.g. kafka1:9092"},
      {"LocalOnlyFieldOnKafkaLog",
       Valid("change_log: {kind: kafka, segment_size: 1MiB, kafka: {brokers: \"k:9092\"}}\n"),
       "change_log.segment_size: only used by the local change log; remove it or set kind: local"},
      {"KafkaTopicPrefixInvalid",
       std::string(kName) + kSource +
           "target: {kind: kafka, kafka: {brokers: \"k:9092\", topic_prefix: \"a b\"}}\n" + kTables,
       "target.kafka.topic_prefix: 'a b' is not a valid Kafka topic; use 1 to 249 characters from "
       "a-z, A-Z, 0-9, '.', '_' and '-'"},
      {"KafkaTargetFieldOnLog",
       Valid("change_log: {kind: kafka, kafka: {brokers: \"k:9092\", schemas: false}}\n"),
       "change_log.kafka.schemas: unknown field; allowed fields are brokers, topic, partitions, "
       "tls, sasl_mechanism, sasl_user, sasl_password_env, sasl_password_file"},
      {"KafkaBlockOnLocalLog", Valid("change_log: {kafka: {brokers: \"k:9092\"}}\n"),
       "change_log.kafka: only used when kind is kafka; remove it or set kind: kafka"},
      {"RetentionBelowSegment", Valid("change_log: {retention_size: 1MiB}\n"),
       "change_log.retention_size: 1MiB is smaller than segment_size 64MiB; the log drops whole "
       "segments, so use at least the segment size, or 0 to keep entries until applied"},
      {"SaslWithoutUser",
       Valid("change_log: {kind: kafka, kafka: {brokers: \"k:9092\", sasl_mechanism: PLAIN}}\n"),
       "change_log.kafka.sasl_user: missing required field; sasl_mechanism PLAIN needs sasl_user "
       "and sasl_password_env or sasl_password_file\n"
       "change_log.kafka.sasl_password: missing required field; sasl_mechanism PLAIN needs "
       "sasl_user and sasl_password_env or sasl_password_file"},
      {"DynamoDbWithSqlFields",
       std::string(kName) + kSource + kTables +
           "target: {kind: dynamodb, host: db1, user: cutover}\n",
       "target.host: not used by a dynamodb target; remove it (DynamoDB settings go under "
       "target.dynamodb)\n"
       "target.user: not used by a dynamodb target; remove it (DynamoDB settings go under "
       "target.dynamodb)"},
      {"RenameOnDynamoDbTarget",
       std::string(kName) + kSource +
           "target: {kind: dynamodb}\n"
           "tables: [{match: shop.orders, rename: orders_v2}, {match: shop.*}]\n",
       "tables[0].rename: not used by a dynamodb target; remove it and name the DynamoDB table "
       "in the mapping file instead (sources.<schema.table>.table)"},
      {"DynamoDbBlockOnSqlTarget",
       std::string(kName) + kSource + kTables +
           "target: {kind: mariadb, user: cutover, dynamodb: {region: us-east-1}}\n",
       "target.dynamodb: only used when kind is dynamodb; remove it or set kind: dynamodb"},
      {"ProvisionedWithoutCapacity",
       std::string(kName) + kSource + kTables +
           "target: {kind: dynamodb, dynamodb: {billing: provisioned, read_capacity: 5}}\n",
       "target.dynamodb.write_capacity: missing required field; billing: provisioned needs "
       "read_capacity and write_capacity (capacity units per second)"},
      {"CapacityWithOnDemand",
       std::string(kName) + kSource + kTables +
           "target: {kind: dynamodb, dynamodb: {read_capacity: 5}}\n",
       "target.dynamodb.read_capacity: only used with billing: provisioned; remove it or set "
       "billing: provisioned"},
      {"HalfAwsKeyPair",
       std::string(kName) + kSource + kTables +
           "target: {kind: dynamodb, dynamodb: {access_key_id_env: CUTOVER_SOURCE_PASSWORD}}\n",
       "target.dynamodb.secret_access_key: missing required field; access_key_id is set and AWS "
       "keys come in pairs: set secret_access_key_env or secret_access_key_file too"},
      {"BadEndpoint",
       std::string(kName) + kSource + kTables +
           "target: {kind: dynamodb, dynamodb: {endpoint: \"localhost:8000\"}}\n",
       "target.dynamodb.endpoint: 'localhost:8000' is not an http:// or https:// URL; write e.g. "
       "https://dynamodb.eu-west-1.amazonaws.com or http://127.0.0.1:8000"},
      {"KafkaTargetWithoutBrokers",
       std::string(kName) + kSource + kTables + "target: {kind: kafka}\n",
       "target.kafka.brokers: missing required field; a kafka target needs brokers, e.g. "
       "brokers: \"kafka1:9092,kafka2:9092\""},
      {"PublicListenWithoutToken", Valid("control: {listen: \"0.0.0.0:7878\"}\n"),
       "control.listen: 0.0.0.0:7878 is not a loopback address and no token is set; set "
       "control.token_env or control.token_file, or listen on 127.0.0.1"},
      {"BadListen", Valid("control: {listen: \"127.0.0.1\"}\n"),
       "control.listen: '127.0.0.1' has no port; write host:port, e.g. 127.0.0.1:7878"},
      {"ControlGroupNamedDefault", Valid("control: {groups: {default: [\"shop.a\"]}}\n"),
       "control.groups.default: 'default' is the group of every table no other group names; "
       "choose another name"},
      {"ControlGroupBadName", Valid("control: {groups: {Orders: [\"shop.a\"]}}\n"),
       "control.groups.Orders: group name: 'Orders' is not a valid name; use 1 to 48 characters "
       "from a-z, 0-9, '_' and '-', starting with a letter or digit"},
      {"ControlGroupEmpty", Valid("control: {groups: {orders: []}}\n"),
       "control.groups.orders: the list is empty; list the tables of the group, e.g. "
       "[\"shop.orders\"]"},
      {"ControlGroupsNotAMapping", Valid("control: {groups: [orders]}\n"),
       "control.groups: expected a mapping, got a list; write groups: {orders: "
       "[\"shop.orders\"]}"},
      {"ControlGuardMisspelt", Valid("control: {guards: {max_lags: 5s}}\n"),
       "control.guards.max_lags: unknown field; did you mean 'max_lag'?"},
      {"DuplicateField", base + "source:\n  kind: mariadb\n  user: cutover\n  kind: mysql\n",
       "source.kind: duplicate field (first on line 5); keep only one"},
      {"ServerIdOnPostgres",
       base + "source: {kind: postgres, user: cutover, database: app, server_id: 7}\n",
       "source.server_id: only used by mariadb and mysql sources; remove it"},
      {"SlotOnMariaDb", base + "source: {kind: mariadb, user: cutover, slot: my_slot}\n",
       "source.slot: only used by postgres sources; remove it"},
      {"ValueFormatOnMariaDb",
       base + "source: {kind: mariadb, user: cutover, value_format: text}\n",
       "source.value_format: only used by postgres sources; remove it"},
      {"BadValueFormat",
       base + "source: {kind: postgres, user: cutover, database: app, value_format: hex}\n",
       "source.value_format: unknown value 'hex'; allowed values are auto, binary, text"},
      {"BadSlotName",
       base + "source: {kind: postgres, user: cutover, database: app, slot: My-Slot}\n",
       "source.slot: 'My-Slot' is not a valid name; use 1 to 63 characters from a-z, 0-9 and '_'"},
      {"BadTlsMode", base + "source: {kind: mariadb, user: cutover, tls: {mode: strict}}\n",
       "source.tls.mode: unknown value 'strict'; allowed values are disable, prefer, require, "
       "verify_ca, verify_full"},
      {"TlsFileMissing", base + "source: {kind: mariadb, user: cutover, tls: {ca_file: ca.pem}}\n",
       "source.tls.ca_file: cannot read /specs/ca.pem: No such file or directory; fix the path "
       "(a relative path starts at the spec file's directory)"},
      {"TlsCertWithoutKey",
       base + "source: {kind: mariadb, user: cutover, tls: {cert_file: "
              "/etc/ssl/certs/ca-certificates.crt}}\n",
       "source.tls.cert_file: set without key_file; a client certificate needs both cert_file "
       "and key_file"},
      {"TargetIsSource",
       std::string(kName) + kSource + kTables + "target: {kind: mysql, user: other, port: 3306}\n",
       "target: same server and database as the source (127.0.0.1:3306); point the target at "
       "another server or database"},
      {"ManyProblemsInDocumentOrder",
       "name: shop\n"
       "tables: []\n"
       "source: {kind: mariadb, user: cutover, port: 0}\n"
       "target: {kind: postgres, user: cutover, database: shop, colour: blue}\n"
       "parallelism: {apply_lanes: many}\n",
       "tables: the list is empty; add at least one entry, e.g. - match: \"shop.*\"\n"
       "source.port: 0 is out of range; allowed 1..65535\n"
       "target.colour: unknown field; allowed fields are kind, host, port, user, password_env, "
       "password_file, database, tls, connect_timeout, existing_tables, dynamodb, kafka\n"
       "parallelism.apply_lanes: expected an integer, got 'many'; allowed 1..1024"},
  };
}

class SpecErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(SpecErrorTest, ReportsExactText) {
  const ErrorCase& error_case = GetParam();
  Result<Spec> spec = ParseSpec(error_case.yaml, kOrigin, LoadOptions{&FakeEnv});
  ASSERT_FALSE(spec.ok()) << error_case.yaml;
  EXPECT_EQ(spec.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(spec.status().message()),
            testing::WithOrigin(kOrigin, error_case.expected));
  EXPECT_EQ(std::string(spec.status().message()).find(kSecretValue), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(AllKinds, SpecErrorTest, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<ErrorCase>& param) {
                           return std::string(param.param.name);
                         });

TEST(SpecErrorTest, MissingSpecFileNamesThePath) {
  Result<Spec> spec = LoadSpec("/nonexistent/cutover/spec.yaml");
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(spec.status().message(),
            "/nonexistent/cutover/spec.yaml: cannot read the spec file: No such file or "
            "directory; check the path");
}

TEST(SpecErrorTest, EmptyOriginIsNamedSpec) {
  Result<Spec> spec = ParseSpec("name: shop\n", "", LoadOptions{&FakeEnv});
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(std::string(spec.status().message()).substr(0, 16), "<spec>: source: ");
}

}  // namespace
}  // namespace cutover
