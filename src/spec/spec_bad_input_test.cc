// Tries every documented spec field with malformed values (wrong type, empty, out of range,
// overflow, unknown values, unreadable files) and pins the exact error of each; a walk over
// docs/spec.md's field tables checks that no documented field is left out and that the parser
// accepts exactly the documented fields.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cutover/spec.h"

#include "spec/spec_bad_input_cases.h"
#include "spec/spec_test_support.h"
#include "tests/support/paths.h"

namespace cutover {
namespace {

using namespace spec_test;  // the spec builders and the case generator

constexpr char kOrigin[] = "/specs/spec.yaml";

std::optional<std::string> FakeEnv(const std::string& name) {
  if (name == "CUTOVER_SET") return std::string("value-1");
  if (name == "CUTOVER_EMPTY") return std::string();
  return std::nullopt;
}

constexpr char kConnectionFields[] =
    "kind, host, port, user, password_env, password_file, database, tls, connect_timeout";
constexpr char kTlsFields[] = "mode, ca_file, cert_file, key_file";
constexpr char kTlsModes[] = "allowed values are disable, prefer, require, verify_ca, verify_full";

std::vector<BadInput> AllCases() {
  Cases c;
  // ---- top level ----
  c.Add("name", "List", "name: [a]\n" + std::string(kSource) + kTarget + kTables, "name",
        "expected a string, got a list; write a single value");
  c.Add("name", "Null", "name: ~\n" + std::string(kSource) + kTarget + kTables, "name",
        "expected a string, got null; write a single value");
  for (const char* bad : {"", "Shop", "-shop", "shop migration", "shop.eu", "shöp"}) {
    c.Add("name", std::string("Invalid_") + bad,
          "name: \"" + std::string(bad) + "\"\n" + kSource + kTarget + kTables, "name",
          "'" + std::string(bad) +
              "' is not a valid name; use 1 to 48 characters from a-z, 0-9, '_' and '-', "
              "starting with a letter or digit");
  }
  c.Add("name", "TooLong", "name: " + std::string(49, 'a') + "\n" + kSource + kTarget + kTables,
        "name",
        "'" + std::string(49, 'a') +
            "' is not a valid name; use 1 to 48 characters from a-z, 0-9, '_' and '-', starting "
            "with a letter or digit");
  c.Add("name", "Missing", std::string(kSource) + kTarget + kTables, "name",
        "missing required field; name the migration, e.g. name: shop-to-dynamo (state, slots "
        "and topics are named after it)");
  c.Add("name", "Duplicate", "name: a\n" + std::string(kSource) + kTarget + kTables + "name: b\n",
        "name", "duplicate field (first on line 1); keep only one");

  const std::string source_help = "describe the database to migrate from (kind, host, user, ...)";
  c.Add("source", "Missing", std::string(kName) + kTarget + kTables, "source",
        "missing required field; " + source_help);
  c.Add("source", "Null", std::string(kName) + "source: ~\n" + kTarget + kTables, "source",
        "empty value; " + source_help);
  c.Add("source", "Scalar", std::string(kName) + "source: mariadb\n" + kTarget + kTables, "source",
        "expected a mapping, got 'mariadb'; write its fields as `name: value` lines indented "
        "below it");
  c.Add("source", "List", std::string(kName) + "source: [mariadb]\n" + kTarget + kTables, "source",
        "expected a mapping, got a list; write its fields as `name: value` lines indented below "
        "it");
  c.Add("source", "UnknownField", Source("zzzzzzzzzzzz: 1"), "source.zzzzzzzzzzzz",
        "unknown field; allowed fields are " + std::string(kConnectionFields) +
            ", server_id, slot, publication, retained_wal_warn, value_format");
  c.Add("source", "NearField", Source("prot: 3306"), "source.prot",
        "unknown field; did you mean 'port'?");
  c.Add("source", "DuplicateField", Source("user: other"), "source.user",
        "duplicate field (first on line 2); keep only one");

  const std::string target_help =
      "describe where to migrate to (kind and its connection or settings)";
  c.Add("target", "Missing", std::string(kName) + kSource + kTables, "target",
        "missing required field; " + target_help);
  c.Add("target", "Null", std::string(kName) + kSource + "target:\n" + kTables, "target",
        "empty value; " + target_help);
  c.Add("target", "List", std::string(kName) + kSource + "target: [a]\n" + kTables, "target",
        "expected a mapping, got a list; write its fields as `name: value` lines indented below "
        "it");
  c.Add("target", "UnknownField", Target("zzzzzzzzzzzz: 1"), "target.zzzzzzzzzzzz",
        "unknown field; allowed fields are " + std::string(kConnectionFields) +
            ", existing_tables, dynamodb, kafka");

  const std::string tables_help = "list the tables to migrate, e.g. tables: [{match: \"shop.*\"}]";
  c.Add("tables", "Missing", std::string(kName) + kSource + kTarget, "tables",
        "missing required field; " + tables_help);
  c.Add("tables", "Empty", std::string(kName) + kSource + kTarget + "tables: []\n", "tables",
        "the list is empty; add at least one entry, e.g. - match: \"shop.*\"");
  c.Add("tables", "Mapping", std::string(kName) + kSource + kTarget + "tables: {match: a.b}\n",
        "tables",
        "expected a list, got a mapping; write one `- match: \"schema.table glob\"` entry per "
        "line");
  c.Add("tables", "Null", std::string(kName) + kSource + kTarget + "tables: ~\n", "tables",
        "expected a list, got null; write one `- match: \"schema.table glob\"` entry per line");
  c.Add("tables", "NullEntry", std::string(kName) + kSource + kTarget + "tables: [~]\n",
        "tables[0]", "empty entry; write match: \"schema.table glob\"");
  c.Add("tables", "ListEntry", std::string(kName) + kSource + kTarget + "tables: [[a.b]]\n",
        "tables[0]",
        "expected a mapping or a glob string, got a list; write match: \"schema.table glob\" "
        "and optionally exclude, filter, columns, rename, ddl");
  c.Add("tables", "UnknownField", Table("zzzzzzzzzzzz: 1"), "tables[0].zzzzzzzzzzzz",
        "unknown field; allowed fields are match, exclude, filter, columns, rename, ddl");

  c.String(
      "mapping", [](const std::string& m) { return TopLevel(m); }, "mapping", "mapping");
  c.String(
      "state_dir", [](const std::string& m) { return TopLevel(m); }, "state_dir", "state_dir");

  for (const char* section : {"change_log", "parallelism", "throttle", "control"}) {
    c.Add(section, "Scalar", TopLevel(std::string(section) + ": abc"), section,
          "expected a mapping, got 'abc'; write its fields as `name: value` lines indented below "
          "it");
    c.Add(section, "List", TopLevel(std::string(section) + ": [a]"), section,
          "expected a mapping, got a list; write its fields as `name: value` lines indented "
          "below it");
  }
  c.Add("change_log", "UnknownField", Section("change_log", "zzzzzzzzzzzz: 1"),
        "change_log.zzzzzzzzzzzz",
        "unknown field; allowed fields are kind, segment_size, retention_size, retention_age, "
        "fsync_interval, kafka");
  c.Add("parallelism", "UnknownField", Section("parallelism", "zzzzzzzzzzzz: 1"),
        "parallelism.zzzzzzzzzzzz",
        "unknown field; allowed fields are copy_workers, chunk_rows, chunk_time, apply_lanes, "
        "index_builders");
  c.Add("throttle", "UnknownField", Section("throttle", "zzzzzzzzzzzz: 1"), "throttle.zzzzzzzzzzzz",
        "unknown field; allowed fields are copy_rows_per_second, apply_rows_per_second, "
        "max_load, replicas, max_replica_lag, target_max_load, target_max_commit_latency");
  c.Add("control", "UnknownField", Section("control", "zzzzzzzzzzzz: 1"), "control.zzzzzzzzzzzz",
        "unknown field; allowed fields are enabled, listen, token_env, token_file, "
        "tls_cert_file, tls_key_file, groups, guards");
  c.Add("top level", "UnknownField", TopLevel("zzzzzzzzzzzz: 1"), "zzzzzzzzzzzz",
        "unknown field; allowed fields are name, source, target, tables, mapping, change_log, "
        "parallelism, throttle, state_dir, control");
  c.Add("top level", "NonScalarKey", TopLevel("[a, b]: 1"), "top level",
        "a field name must be plain text, got a list; write `name: value`");
  c.Add("top level", "Scalar", "just text\n", "top level",
        "expected a mapping, got 'just text'; a spec is a mapping with at least name, source, "
        "target and tables");

  // ---- source ----
  const std::string source_kinds = "allowed values are mariadb, mysql, postgres";
  c.Enum("source.kind", SourceWithoutKind, "kind", "source.kind", source_kinds, "mariabd",
         "mariadb");
  c.Add("source.kind", "Missing", std::string(kName) + "source: {user: a}\n" + kTarget + kTables,
        "source.kind", "missing required field; " + source_kinds);
  c.String("source.host", Source, "host", "source.host");
  c.Integer("source.port", Source, "port", "source.port", "0", "65536", "allowed 1..65535");
  c.Add("source.port", "Negative", Source("port: -1"), "source.port",
        "-1 is out of range; allowed 1..65535");
  c.String("source.user", SourceWithoutUser, "user", "source.user");
  c.Add("source.user", "Missing", SourceWithoutUser("port: 1"), "source.user",
        "missing required field; set the database user cutover connects as");
  c.Secret("source.", Source, "password", "source.password");
  c.String("source.database", Source, "database", "source.database");
  c.Mapping("source.tls", Source, "tls", "source.tls", kTlsFields);
  c.Duration("source.connect_timeout", Source, "connect_timeout", "source.connect_timeout", "0",
             "2h", "allowed 1s..1h", true);
  c.Integer("source.server_id", Source, "server_id", "source.server_id", "-1", "4294967296",
            "allowed 0..4294967295");
  c.Add("source.server_id", "OnPostgres", PgSource("server_id: 7"), "source.server_id",
        "only used by mariadb and mysql sources; remove it");
  for (const char* key : {"slot", "publication"}) {
    const std::string field = std::string("source.") + key;
    c.String(field, PgSource, key, field);
    for (const char* bad : {"My_Slot", "a-b", "a.b"}) {
      c.Add(field, std::string("Invalid_") + bad, PgSource(std::string(key) + ": \"" + bad + "\""),
            field,
            "'" + std::string(bad) +
                "' is not a valid name; use 1 to 63 characters from a-z, 0-9 and '_'");
    }
    c.Add(field, "TooLong", PgSource(std::string(key) + ": " + std::string(64, 'a')), field,
          "'" + std::string(64, 'a') +
              "' is not a valid name; use 1 to 63 characters from a-z, 0-9 and '_'");
    c.Add(field, "OnMariaDb", Source(std::string(key) + ": s"), field,
          "only used by postgres sources; remove it");
  }
  c.Enum("source.value_format", PgSource, "value_format", "source.value_format",
         "allowed values are auto, binary, text", "binray", "binary");
  c.Add("source.value_format", "OnMariaDb", Source("value_format: text"), "source.value_format",
        "only used by postgres sources; remove it");
  c.Size("source.retained_wal_warn", PgSource, "retained_wal_warn", "source.retained_wal_warn",
         "1023KiB", "1025TiB", "allowed 1MiB..1024TiB");
  c.Add("source.retained_wal_warn", "OnMariaDb", Source("retained_wal_warn: 1GiB"),
        "source.retained_wal_warn", "only used by postgres sources; remove it");

  // ---- target ----
  const std::string target_kinds = "allowed values are mariadb, mysql, postgres, dynamodb, kafka";
  c.Enum("target.kind", TargetWithoutKind, "kind", "target.kind", target_kinds, "dynamo",
         "dynamodb");
  c.String("target.host", Target, "host", "target.host");
  c.Integer("target.port", Target, "port", "target.port", "0", "65536", "allowed 1..65535");
  c.Secret("target.", Target, "password", "target.password");
  c.String("target.database", TargetWithoutDatabase, "database", "target.database");
  c.Mapping("target.tls", Target, "tls", "target.tls", kTlsFields);
  c.Duration("target.connect_timeout", Target, "connect_timeout", "target.connect_timeout", "0",
             "3601s", "allowed 1s..1h", true);
  c.Enum("target.existing_tables", Target, "existing_tables", "target.existing_tables",
         "allowed values are create, truncate, keep", "trunacte", "truncate");
  c.String(
      "target.user",
      [](const std::string& m) {
        return kName + std::string(kSource) + "target: {kind: mariadb, " + m + "}\n" + kTables;
      },
      "user", "target.user");
  c.Add("target.user", "Missing",
        std::string(kName) + kSource + "target: {kind: mariadb}\n" + kTables, "target.user",
        "missing required field; set the database user cutover connects as");
  c.Add("target.database", "MissingOnPostgres",
        std::string(kName) + kSource + "target: {kind: postgres, user: a}\n" + kTables,
        "target.database",
        "missing required field; a postgres target needs the database to load into");
  for (const char* key : {"host", "port", "user", "database", "connect_timeout"}) {
    c.Add(std::string("target.") + key, "OnKafka",
          KafkaTarget("").replace(KafkaTarget("").find("kind: kafka,"), 12,
                                  std::string("kind: kafka, ") + key + ": 1,"),
          std::string("target.") + key,
          "not used by a kafka target; remove it (Kafka settings go under target.kafka)");
  }
  c.Mapping("target.dynamodb", TargetOfKind<kDynamoKind>, "dynamodb", "target.dynamodb",
            "region, endpoint, access_key_id_env, access_key_id_file, secret_access_key_env, "
            "secret_access_key_file, profile, billing, read_capacity, write_capacity");
  c.Add("target.kafka", "Scalar", TargetOfKind<kKafkaKind>("kafka: k:9092"), "target.kafka",
        "expected a mapping, got 'k:9092'; write its fields as `name: value` lines indented "
        "below it");
  c.Add("target.kafka", "UnknownField", KafkaTarget("zzzzzzzzzzzz: 1"), "target.kafka.zzzzzzzzzzzz",
        "unknown field; allowed fields are brokers, topic, partitions, topic_prefix, "
        "replication_factor, schemas, tls, sasl_mechanism, sasl_user, sasl_password_env, "
        "sasl_password_file");
  c.Add("target.dynamodb", "OnPostgres", Target("dynamodb: {region: us-east-1}"), "target.dynamodb",
        "only used when kind is dynamodb; remove it or set kind: dynamodb");
  c.Add("target.kafka", "OnPostgres", Target("kafka: {brokers: \"k:1\"}"), "target.kafka",
        "only used when kind is kafka; remove it or set kind: kafka");
  c.Add("target.kafka", "MissingOnKafka",
        std::string(kName) + kSource + "target: {kind: kafka}\n" + kTables, "target.kafka.brokers",
        "missing required field; a kafka target needs brokers, e.g. brokers: "
        "\"kafka1:9092,kafka2:9092\"");

  // ---- tls (source.tls, target.tls, kafka tls) ----
  c.Enum("tls.mode", WrapSourceTls, "mode", "source.tls.mode", kTlsModes, "verify-full",
         "verify_full");
  c.Enum("tls.mode", WrapTargetTls, "mode", "target.tls.mode", kTlsModes, "requre", "require");
  c.Enum("tls.mode", WrapKafkaTls, "mode", "target.kafka.tls.mode", kTlsModes, "disabel",
         "disable");
  c.ReadableFile("tls.ca_file", WrapSourceTls, "ca_file", "source.tls.ca_file", "");
  c.ReadableFile("tls.ca_file", WrapKafkaTls, "ca_file", "target.kafka.tls.ca_file", "");
  c.ReadableFile("tls.cert_file", WrapTargetTls, "cert_file", "target.tls.cert_file", "key_file");
  c.ReadableFile("tls.key_file", WrapSourceTls, "key_file", "source.tls.key_file", "cert_file");
  c.Add("tls.cert_file", "WithoutKey", WrapSourceTls("cert_file: /etc/hostname"),
        "source.tls.cert_file",
        "set without key_file; a client certificate needs both cert_file and key_file");
  c.Add("tls.key_file", "WithoutCert", WrapKafkaTls("key_file: /etc/hostname"),
        "target.kafka.tls.key_file",
        "set without cert_file; a client certificate needs both cert_file and key_file");
  c.Add("tls.ca_file", "WithModeDisable", WrapTargetTls("mode: disable, ca_file: /etc/hostname"),
        "target.tls.ca_file", "not used with mode: disable; remove it or choose another mode");
  c.Add("tls.mode", "UnknownField", WrapSourceTls("mdoe: require"), "source.tls.mdoe",
        "unknown field; did you mean 'mode'?");

  // ---- target.dynamodb ----
  c.String("target.dynamodb.region", Dynamo, "region", "target.dynamodb.region");
  for (const char* bad : {"US-EAST-1", "us east 1", "eu_west_1"}) {
    c.Add("target.dynamodb.region", std::string("Invalid_") + bad,
          Dynamo(std::string("region: \"") + bad + "\""), "target.dynamodb.region",
          "'" + std::string(bad) +
              "' is not an AWS region code; write it like us-east-1 or eu-west-2");
  }
  c.String("target.dynamodb.endpoint", Dynamo, "endpoint", "target.dynamodb.endpoint");
  for (const char* bad : {"localhost:8000", "ftp://x", "dynamodb.aws"}) {
    c.Add("target.dynamodb.endpoint", std::string("Invalid_") + bad,
          Dynamo(std::string("endpoint: \"") + bad + "\""), "target.dynamodb.endpoint",
          "'" + std::string(bad) +
              "' is not an http:// or https:// URL; write e.g. "
              "https://dynamodb.eu-west-1.amazonaws.com or http://127.0.0.1:8000");
  }
  c.Add("target.dynamodb.endpoint", "NoHost", Dynamo("endpoint: \"http://\""),
        "target.dynamodb.endpoint", "'http://' has no host; write e.g. http://127.0.0.1:8000");
  c.Secret(
      "target.dynamodb.",
      [](const std::string& m) { return Dynamo(m + ", secret_access_key_env: CUTOVER_SET"); },
      "access_key_id", "target.dynamodb.access_key_id",
      "missing required field; secret_access_key is set and AWS keys come in pairs: set "
      "access_key_id_env or access_key_id_file too");
  c.Secret(
      "target.dynamodb.",
      [](const std::string& m) { return Dynamo(m + ", access_key_id_env: CUTOVER_SET"); },
      "secret_access_key", "target.dynamodb.secret_access_key",
      "missing required field; access_key_id is set and AWS keys come in pairs: set "
      "secret_access_key_env or secret_access_key_file too");
  c.String("target.dynamodb.profile", Dynamo, "profile", "target.dynamodb.profile");
  c.Add("target.dynamodb.profile", "WithKeys",
        Dynamo("profile: p, access_key_id_env: CUTOVER_SET, secret_access_key_env: CUTOVER_SET"),
        "target.dynamodb.profile",
        "not used when access keys are given; keep either the keys or the profile");
  c.Enum("target.dynamodb.billing", Dynamo, "billing", "target.dynamodb.billing",
         "allowed values are on_demand, provisioned", "on-demand", "on_demand");
  for (const char* key : {"read_capacity", "write_capacity"}) {
    const std::string field = std::string("target.dynamodb.") + key;
    const std::string other =
        std::string(key) == "read_capacity" ? "write_capacity: 1, " : "read_capacity: 1, ";
    c.Integer(
        field, [](const std::string& m) { return Dynamo("billing: provisioned, " + m); },
        other + key, field, "0", "", "allowed 1 or more");
    c.Add(field, "WithOnDemand", Dynamo(std::string(key) + ": 5"), field,
          "only used with billing: provisioned; remove it or set billing: provisioned");
  }

  // ---- kafka (target.kafka, change_log.kafka) ----
  c.Add("kafka.brokers", "NoPort", KafkaTarget("").replace(KafkaTarget("").find("k:9092"), 6, "k"),
        "target.kafka.brokers", "'k' has no port; write host:port, e.g. kafka1:9092");
  const std::vector<std::pair<std::string, std::string>> bad_brokers = {
      {"k:0", "'k:0' has a bad port; the port is a number 1..65535"},
      {"k:65536", "'k:65536' has a bad port; the port is a number 1..65535"},
      {"k:abc", "'k:abc' has a bad port; the port is a number 1..65535"},
      {":9092", "':9092' has no host; write host:port, e.g. kafka1:9092"},
      {"k:9092,,j:1", "'' is not an address; write host:port, e.g. kafka1:9092"},
  };
  for (const auto& [bad, message] : bad_brokers) {
    std::string yaml = KafkaLog("");
    yaml.replace(yaml.find("k:9092"), 6, bad);
    c.Add("kafka.brokers", "Invalid_" + bad, yaml, "change_log.kafka.brokers", message);
  }
  c.Add("kafka.brokers", "Mapping",
        KafkaLog("").replace(KafkaLog("").find("\"k:9092\""), 8, "{a: 1}"),
        "change_log.kafka.brokers",
        "expected a string or a list, got a mapping; write brokers: \"kafka1:9092,kafka2:9092\"");
  c.Add("kafka.brokers", "ListItemList",
        KafkaLog("").replace(KafkaLog("").find("\"k:9092\""), 8, "[[a]]"),
        "change_log.kafka.brokers[0]", "expected a string, got a list; write a single value");
  for (Wrap wrap : {KafkaTarget, KafkaLog}) {
    const std::string at = wrap == KafkaTarget ? "target.kafka." : "change_log.kafka.";
    c.String("kafka.topic", wrap, "topic", at + "topic");
    c.Add("kafka.topic", "Invalid", wrap("topic: \"a/b\""), at + "topic",
          "'a/b' is not a valid Kafka topic; use 1 to 249 characters from a-z, A-Z, 0-9, '.', "
          "'_' and '-'");
    c.Integer("kafka.partitions", wrap, "partitions", at + "partitions", "0", "10001",
              "allowed 1..10000");
    c.Enum("kafka.sasl_mechanism", wrap, "sasl_mechanism", at + "sasl_mechanism",
           "allowed values are PLAIN, SCRAM-SHA-256, SCRAM-SHA-512", "plain", "PLAIN");
    c.Mapping("kafka.tls", wrap, "tls", at + "tls", kTlsFields);
  }
  c.String("kafka.topic_prefix", KafkaTarget, "topic_prefix", "target.kafka.topic_prefix");
  c.Add("kafka.topic_prefix", "TooLong", KafkaTarget("topic_prefix: " + std::string(250, 'a')),
        "target.kafka.topic_prefix",
        "'" + std::string(250, 'a') +
            "' is not a valid Kafka topic; use 1 to 249 characters from a-z, A-Z, 0-9, '.', '_' "
            "and '-'");
  c.Add("kafka.topic_prefix", "OnChangeLog", KafkaLog("topic_prefix: p"),
        "change_log.kafka.topic_prefix",
        "unknown field; allowed fields are brokers, topic, partitions, tls, sasl_mechanism, "
        "sasl_user, sasl_password_env, sasl_password_file");
  c.Integer("kafka.replication_factor", KafkaTarget, "replication_factor",
            "target.kafka.replication_factor", "0", "32768", "allowed 1..32767");
  c.Boolean("kafka.schemas", KafkaTarget, "schemas", "target.kafka.schemas");
  c.String(
      "kafka.sasl_user",
      [](const std::string& m) {
        return KafkaTarget("sasl_mechanism: PLAIN, sasl_password_env: CUTOVER_SET, " + m);
      },
      "sasl_user", "target.kafka.sasl_user");
  c.Add("kafka.sasl_user", "WithoutMechanism", KafkaTarget("sasl_user: u"),
        "target.kafka.sasl_user",
        "only used with sasl_mechanism; set sasl_mechanism (PLAIN, SCRAM-SHA-256 or "
        "SCRAM-SHA-512) or remove it");
  c.Secret(
      "kafka.",
      [](const std::string& m) { return KafkaLog("sasl_mechanism: PLAIN, sasl_user: u, " + m); },
      "sasl_password", "change_log.kafka.sasl_password",
      "missing required field; sasl_mechanism PLAIN needs sasl_user and sasl_password_env "
      "or sasl_password_file");

  // ---- tables ----
  c.String("tables.match", TableWithoutMatch, "match", "tables[0].match", true);
  const std::string wildcards =
      ", which is not supported; use * (any run of characters) and ? "
      "(one character)";
  const std::vector<std::pair<std::string, std::string>> bad_globs = {
      {"", "empty pattern; write a glob on schema.table such as shop.* or *.orders"},
      {"orders",
       "'orders' has no '.'; a pattern matches schema.table, e.g. *.orders or shop.orders"},
      {"shop.[ab]", "'shop.[ab]' uses '['" + wildcards},
      {"shop.{a}", "'shop.{a}' uses '{'" + wildcards},
      {"shop.a\\\\b", "'shop.a\\b' uses '\\'" + wildcards},
      {"shop.a]", "'shop.a]' uses ']'" + wildcards},
  };
  for (const auto& [bad, message] : bad_globs) {
    c.Add("tables.match", "Invalid_" + bad, TableWithoutMatch("match: \"" + bad + "\""),
          "tables[0].match", message);
    c.Add("tables.match", "InvalidShorthand_" + bad,
          std::string(kName) + kSource + kTarget + "tables: [\"" + bad + "\"]\n", "tables[0]",
          message);
  }
  c.Add("tables.match", "Missing", TableWithoutMatch("filter: \"id > 1\""), "tables[0].match",
        "missing required field; write the schema.table glob this entry selects, e.g. match: "
        "\"shop.*\"");
  c.StringList("tables.exclude", Table, "exclude", "tables[0].exclude");
  c.Add("tables.exclude", "BadGlob", Table("exclude: [\"shop.{a}\"]"), "tables[0].exclude[0]",
        "'shop.{a}' uses '{', which is not supported; use * (any run of characters) and ? (one "
        "character)");
  c.String("tables.filter", Table, "filter", "tables[0].filter");
  c.StringList("tables.columns", Table, "columns", "tables[0].columns");
  c.Add("tables.columns", "Duplicate", Table("columns: [a, b, a]"), "tables[0].columns[2]",
        "duplicate column 'a'; list each column once");
  c.String("tables.rename", Table, "rename", "tables[0].rename");
  c.Enum("tables.ddl", Table, "ddl", "tables[0].ddl", "allowed values are follow, stop, ignore",
         "folow", "follow");

  // ---- change_log ----
  c.Enum("change_log.kind", WrapChangeLog, "kind", "change_log.kind",
         "allowed values are local, kafka", "kakfa", "kafka");
  c.Size("change_log.segment_size", WrapChangeLog, "segment_size", "change_log.segment_size",
         "4095", "17GiB", "allowed 4KiB..16GiB");
  c.Size("change_log.retention_size", WrapChangeLog, "retention_size", "change_log.retention_size",
         "", "", "");
  c.Duration("change_log.retention_age", WrapChangeLog, "retention_age", "change_log.retention_age",
             "", "", "", true);
  c.Duration("change_log.fsync_interval", WrapChangeLog, "fsync_interval",
             "change_log.fsync_interval", "0", "11m", "allowed 1ms..10m", false);
  for (const char* key :
       {"segment_size: 1MiB", "retention_size: 1GiB", "retention_age: 1h", "fsync_interval: 1s"}) {
    const std::string name = std::string(key).substr(0, std::string(key).find(':'));
    c.Add("change_log." + name, "OnKafkaLog",
          KafkaLog("").replace(KafkaLog("").find("kind: kafka,"), 12,
                               std::string("kind: kafka, ") + key + ","),
          "change_log." + name, "only used by the local change log; remove it or set kind: local");
  }
  c.Add("change_log.kafka", "Scalar", Section("change_log", "kind: kafka, kafka: k:9092"),
        "change_log.kafka",
        "expected a mapping, got 'k:9092'; write its fields as `name: value` lines indented "
        "below it");
  c.Add("change_log.kafka", "UnknownField",
        Section("change_log", "kind: kafka, kafka: {brokers: \"k:1\", partition: 3}"),
        "change_log.kafka.partition", "unknown field; did you mean 'partitions'?");
  c.Add("change_log.kafka", "OnLocalLog", Section("change_log", "kafka: {brokers: \"k:1\"}"),
        "change_log.kafka", "only used when kind is kafka; remove it or set kind: kafka");
  c.Add("change_log.kafka", "MissingOnKafkaLog", Section("change_log", "kind: kafka"),
        "change_log.kafka.brokers",
        "missing required field; a kafka change log needs brokers, e.g. brokers: "
        "\"kafka1:9092,kafka2:9092\"");

  // ---- parallelism ----
  c.Integer("parallelism.copy_workers", WrapParallelism, "copy_workers", "parallelism.copy_workers",
            "0", "257", "allowed 1..256");
  c.Integer("parallelism.chunk_rows", WrapParallelism, "chunk_rows", "parallelism.chunk_rows", "0",
            "10000001", "allowed 1..10000000");
  c.Duration("parallelism.chunk_time", WrapParallelism, "chunk_time", "parallelism.chunk_time",
             "9ms", "601s", "allowed 10ms..10m", false);
  c.Integer("parallelism.apply_lanes", WrapParallelism, "apply_lanes", "parallelism.apply_lanes",
            "0", "1025", "allowed 1..1024");
  c.Integer("parallelism.index_builders", WrapParallelism, "index_builders",
            "parallelism.index_builders", "-3", "65", "allowed 1..64");

  // ---- throttle ----
  for (const char* key : {"copy_rows_per_second", "apply_rows_per_second", "target_max_load"}) {
    const std::string field = std::string("throttle.") + key;
    c.Integer(field, WrapThrottle, key, field, "-1", "", "allowed 0 or more");
  }
  c.Integer("throttle.max_load.threads_running", WrapMaxLoad, "threads_running",
            "throttle.max_load.threads_running", "-1", "", "allowed 0 or more");
  c.Mapping("throttle.max_load.threads_running", WrapThrottle, "max_load", "throttle.max_load",
            "threads_running");
  c.StringList("throttle.replicas", WrapThrottle, "replicas", "throttle.replicas");
  const std::vector<std::pair<std::string, std::string>> bad_replicas = {
      {"db7", "'db7' has no port; write host:port, e.g. 10.0.0.7:3306"},
      {"db7:0", "'db7:0' has a bad port; the port is a number 1..65535"},
      {"db7:99999", "'db7:99999' has a bad port; the port is a number 1..65535"},
      {":3306", "':3306' has no host; write host:port, e.g. 10.0.0.7:3306"},
      {"[::1:3306", "'[::1:3306' is not an address; write host:port, e.g. 10.0.0.7:3306"},
  };
  for (const auto& [bad, message] : bad_replicas) {
    c.Add("throttle.replicas", "Invalid_" + bad, WrapThrottle("replicas: [\"" + bad + "\"]"),
          "throttle.replicas[0]", message);
  }
  c.Duration("throttle.max_replica_lag", WrapThrottle, "max_replica_lag",
             "throttle.max_replica_lag", "", "25h", "allowed 0s..24h", false);
  c.Duration("throttle.target_max_commit_latency", WrapThrottle, "target_max_commit_latency",
             "throttle.target_max_commit_latency", "", "25h", "allowed 0s..24h", false);

  // ---- control ----
  c.Boolean("control.enabled", WrapControl, "enabled", "control.enabled");
  c.String("control.listen", WrapControl, "listen", "control.listen");
  const std::string listen_fix = "; write host:port, e.g. 127.0.0.1:7878";
  const std::vector<std::pair<std::string, std::string>> bad_listens = {
      {"127.0.0.1", "'127.0.0.1' has no port" + listen_fix},
      {"127.0.0.1:", "'127.0.0.1:' has a bad port; the port is a number 0..65535"},
      {"127.0.0.1:70000", "'127.0.0.1:70000' has a bad port; the port is a number 0..65535"},
      {":7878", "':7878' has no host" + listen_fix},
      {"[::1", "'[::1' is not an address" + listen_fix},
      {"[::1]", "'[::1]' has no port" + listen_fix},
      {"localhost:-1", "'localhost:-1' has a bad port; the port is a number 0..65535"},
  };
  for (const auto& [bad, message] : bad_listens) {
    c.Add("control.listen", "Invalid_" + bad, WrapControl("listen: \"" + bad + "\""),
          "control.listen", message);
  }
  c.Add("control.listen", "PublicWithoutToken", WrapControl("listen: \"10.1.2.3:7878\""),
        "control.listen",
        "10.1.2.3:7878 is not a loopback address and no token is set; set control.token_env or "
        "control.token_file, or listen on 127.0.0.1");
  c.Secret("control.", WrapControl, "token", "control.token");
  c.ReadableFile("control.tls_cert_file", WrapControl, "tls_cert_file", "control.tls_cert_file",
                 "tls_key_file");
  c.ReadableFile("control.tls_key_file", WrapControl, "tls_key_file", "control.tls_key_file",
                 "tls_cert_file");
  c.Add("control.tls_cert_file", "WithoutKey", WrapControl("tls_cert_file: /etc/hostname"),
        "control.tls_cert_file",
        "set without tls_key_file; HTTPS needs both the certificate (tls_cert_file) and its "
        "private key (tls_key_file), or neither for plain HTTP");
  c.Add("control.tls_key_file", "WithoutCert", WrapControl("tls_key_file: /etc/hostname"),
        "control.tls_key_file",
        "set without tls_cert_file; HTTPS needs both the certificate (tls_cert_file) and its "
        "private key (tls_key_file), or neither for plain HTTP");
  c.Add("control.groups", "Scalar", WrapControl("groups: orders"), "control.groups",
        "expected a mapping, got 'orders'; write groups: {orders: [\"shop.orders\"]}");
  c.Add("control.groups", "ListValue", WrapControl("groups: {orders: shop.orders}"),
        "control.groups.orders",
        "expected a list, got 'shop.orders'; write [a, b] or one `- item` line per entry");
  c.Add("control.groups", "EmptyList", WrapControl("groups: {orders: []}"), "control.groups.orders",
        "the list is empty; list the tables of the group, e.g. [\"shop.orders\"]");
  c.Add("control.groups", "BadGlob", WrapControl("groups: {orders: [orders]}"),
        "control.groups.orders[0]",
        "'orders' has no '.'; a pattern matches schema.table, e.g. *.orders or shop.orders");
  c.Add("control.groups", "NameTooLong",
        WrapControl("groups: {" + std::string(49, 'g') + ": [shop.a]}"),
        "control.groups." + std::string(49, 'g'),
        "group name: '" + std::string(49, 'g') +
            "' is not a valid name; use 1 to 48 characters from a-z, 0-9, '_' and '-', starting "
            "with a letter or digit");
  c.Add("control.groups", "NonScalarName", WrapControl("groups: {[a]: [shop.a]}"), "control.groups",
        "a field name must be plain text, got a list; write `name: value`");
  c.Add("control.groups", "DuplicateName", WrapControl("groups: {a: [shop.a], a: [shop.b]}"),
        "control.groups.a", "duplicate field (first on line 5); keep only one");
  c.Duration("control.guards.max_lag", WrapGuards, "max_lag", "control.guards.max_lag", "", "25h",
             "allowed 0s..24h", false);
  c.Mapping("control.guards.max_lag", WrapControl, "guards", "control.guards", "max_lag");
  return c.Take();
}

std::string TestName(const BadInput& input) {
  std::string name = input.field + "_" + input.name;
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

class SpecBadInputTest : public ::testing::TestWithParam<BadInput> {};

TEST_P(SpecBadInputTest, NamesTheFieldAndTheFix) {
  const BadInput& input = GetParam();
  Result<Spec> spec = ParseSpec(input.yaml, kOrigin, LoadOptions{&FakeEnv});
  ASSERT_FALSE(spec.ok()) << input.yaml;
  EXPECT_EQ(spec.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(spec.status().message()), testing::WithOrigin(kOrigin, input.expected))
      << input.yaml;
}

INSTANTIATE_TEST_SUITE_P(EveryField, SpecBadInputTest, ::testing::ValuesIn(AllCases()),
                         [](const ::testing::TestParamInfo<BadInput>& param) {
                           return TestName(param.param) + "_" + std::to_string(param.index);
                         });

TEST(SpecBadInputFileTest, AnEndlessFileIsRefusedNotReadForever) {
  Result<Spec> spec = LoadSpec("/dev/zero", LoadOptions{&FakeEnv});
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.status().message(),
            "/dev/zero: cannot read the spec file: larger than 16MiB, more than a spec, a secret "
            "or a certificate file holds; check the path");
  Result<Spec> secret =
      ParseSpec(Source("password_file: /dev/urandom"), kOrigin, LoadOptions{&FakeEnv});
  ASSERT_FALSE(secret.ok());
  EXPECT_EQ(secret.status().message(),
            std::string(kOrigin) +
                ": source.password_file: cannot read /dev/urandom: larger than 16MiB, more than "
                "a spec, a secret or a certificate file holds; create the file or fix the path "
                "(a relative path starts at the spec file's directory)");
}

// ---- docs/spec.md's field tables ----

// The fields of docs/spec.md's "## Fields" tables as "<section>.<field>" ("source.port",
// "tls.mode", "name" for the top level), in the order documented.
std::vector<std::string> DocumentedFields() {
  std::ifstream in(std::filesystem::path(testing::CheckoutDir()) / "docs/spec.md");
  std::vector<std::string> fields;
  std::string line;
  std::string prefix;
  bool in_fields = false;
  while (std::getline(in, line)) {
    if (line.rfind("## ", 0) == 0) in_fields = line == "## Fields";
    if (!in_fields) continue;
    if (line.rfind("### ", 0) == 0) {
      const std::string heading = line.substr(4);
      prefix = heading == "Top level" ? "" : heading + ".";
      continue;
    }
    if (line.rfind("| `", 0) != 0) continue;
    const std::string cell = line.substr(1, line.find('|', 1) - 1);
    for (size_t open = cell.find('`'); open != std::string::npos;) {
      const size_t close = cell.find('`', open + 1);
      fields.push_back(prefix + cell.substr(open + 1, close - open - 1));
      open = cell.find('`', close + 1);
    }
  }
  return fields;
}

TEST(SpecBadInputDocsTest, EveryDocumentedFieldHasBadInputCases) {
  const std::vector<std::string> documented = DocumentedFields();
  ASSERT_GT(documented.size(), 80u) << "docs/spec.md's field tables were not found";
  std::map<std::string, int> cases;
  for (const BadInput& input : AllCases()) ++cases[input.field];
  for (const std::string& field : documented) {
    EXPECT_GE(cases[field], 3) << field << " (docs/spec.md) has too few bad-input cases; add them "
                               << "to AllCases() in " << __FILE__;
  }
  for (const auto& [field, count] : cases) {
    EXPECT_TRUE(field == "top level" ||
                std::find(documented.begin(), documented.end(), field) != documented.end())
        << field << " has cases but is not a field documented in docs/spec.md";
  }
}

// "allowed fields are a, b, c" at the end of `message`, as a set.
std::set<std::string> AllowedFields(const std::string& message) {
  const std::string marker = "allowed fields are ";
  const size_t start = message.find(marker);
  std::set<std::string> names;
  if (start == std::string::npos) return names;
  std::stringstream list(message.substr(start + marker.size()));
  std::string name;
  while (std::getline(list, name, ',')) names.insert(name.substr(name.find_first_not_of(' ')));
  return names;
}

TEST(SpecBadInputDocsTest, EachMappingAcceptsExactlyTheDocumentedFields) {
  const std::map<std::string, Wrap> sections = {
      {"", [](const std::string& m) { return TopLevel(m); }},
      {"source", Source},
      {"target", Target},
      {"tls", WrapSourceTls},
      {"target.dynamodb", Dynamo},
      {"kafka", KafkaTarget},
      {"tables", Table},
      {"change_log", WrapChangeLog},
      {"parallelism", WrapParallelism},
      {"throttle", WrapThrottle},
      {"control", WrapControl},
  };
  std::map<std::string, std::set<std::string>> documented;
  for (const std::string& field : DocumentedFields()) {
    // "throttle.max_load.threads_running" -> section "throttle", field "max_load".
    std::string section;
    for (const auto& [name, wrap] : sections) {
      if (!name.empty() && field.rfind(name + ".", 0) == 0 && name.size() > section.size()) {
        section = name;
      }
    }
    std::string rest = section.empty() ? field : field.substr(section.size() + 1);
    documented[section].insert(rest.substr(0, rest.find('.')));
  }
  for (const auto& [section, wrap] : sections) {
    Result<Spec> spec = ParseSpec(wrap("zzzzzzzzzzzz: 1"), kOrigin, LoadOptions{&FakeEnv});
    ASSERT_FALSE(spec.ok()) << section;
    std::set<std::string> accepted = AllowedFields(std::string(spec.status().message()));
    std::set<std::string> expected = documented[section];
    if (section == "source") expected.insert("kind");  // listed once the kind is known
    EXPECT_EQ(accepted, expected) << "section '" << section << "': " << spec.status().message();
  }
}

}  // namespace
}  // namespace cutover
