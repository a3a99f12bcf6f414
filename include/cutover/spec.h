// Spec: the typed form of a migration's YAML file (every field, its default and meaning are in
// docs/spec.md). LoadSpec() validates everything and resolves secrets; code past it never sees
// raw YAML and may rely on every invariant stated here.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cutover/status.h"

namespace cutover {

enum class SourceKind { kMariaDB, kMySQL, kPostgres };
enum class TargetKind { kMariaDB, kMySQL, kPostgres, kDynamoDB, kKafka };

std::string_view SourceKindName(SourceKind kind);  // "mariadb", "mysql", "postgres"
std::string_view TargetKindName(TargetKind kind);  // ... "dynamodb", "kafka"
inline bool IsSqlTarget(TargetKind kind) {
  return kind == TargetKind::kMariaDB || kind == TargetKind::kMySQL ||
         kind == TargetKind::kPostgres;
}

// A secret value read from an environment variable or a file when the spec is loaded. The spec
// itself never holds secrets. `origin` ("env CUTOVER_SRC_PASSWORD", "file /run/secrets/pw") may
// be printed; `value` must never be logged or printed.
struct Secret {
  std::string origin;  // empty when no secret was configured
  std::string value;
  bool empty() const { return origin.empty(); }
};

// TLS for a connection. Default `prefer`: use TLS when the server offers it.
struct TlsSpec {
  enum class Mode { kDisable, kPrefer, kRequire, kVerifyCa, kVerifyFull };
  Mode mode = Mode::kPrefer;
  std::string ca_file;    // PEM bundle used to verify the server (verify_ca, verify_full)
  std::string cert_file;  // client certificate (optional)
  std::string key_file;   // client key (optional)
  std::string field = "tls";  // where it is in the spec ("source.tls"), for messages
};
std::string_view TlsModeName(TlsSpec::Mode mode);  // "disable", "prefer", ...

// Why a TLS handshake failed: the server's certificate is not signed by a CA of ca_file, does
// not name the host connected to, or something else went wrong.
enum class TlsFailure { kUntrusted, kHostMismatch, kOther };
// The message for such a failure with the client library's own words (`detail`): the spec field
// (tls.field), the cause and the fix, e.g. "source.tls: the server's certificate is not
// trusted: ...; set source.tls.ca_file to the CA bundle that signed it".
std::string TlsFailureText(const TlsSpec& tls, std::string_view host, TlsFailure failure,
                           std::string_view detail);
// The fix `cutover check` shows beside such a message; `side`: "source" or "target".
std::string TlsHandshakeFix(std::string_view side);

// A database server connection (MariaDB, MySQL or PostgreSQL).
struct ConnectionSpec {
  std::string host = "127.0.0.1";
  int port = 0;          // default per kind: 3306 MySQL/MariaDB, 5432 PostgreSQL
  std::string user;      // required
  Secret password;       // from password_env or password_file; may be empty
  std::string database;  // MySQL: optional default schema; PostgreSQL: required dbname
  TlsSpec tls;
  std::chrono::seconds connect_timeout{10};
};

struct SourceSpec {
  SourceKind kind = SourceKind::kMariaDB;
  ConnectionSpec connection;
  // MySQL/MariaDB: the server_id cutover registers with as a replica; must be unique among
  // the source's replicas. 0 in YAML means "derive from the migration name" (never 0 here).
  uint32_t server_id = 0;
  // PostgreSQL: logical replication slot and publication (default cutover_<name>).
  std::string slot;
  std::string publication;
  // PostgreSQL: `cutover run` warns (log, status, metrics) when the slot keeps more WAL than this.
  uint64_t retained_wal_warn_bytes = uint64_t{10} << 30;
  // PostgreSQL: the form pgoutput sends column values in (docs/postgres-source.md "Value
  // format"). kAuto: binary while every column read has a binary reader, else text; kBinary:
  // binary, and a column without a binary reader is an error; kText: text.
  enum class ValueFormat : uint8_t { kAuto, kBinary, kText };
  ValueFormat value_format = ValueFormat::kAuto;
};

struct DynamoDbSpec {
  std::string region = "us-east-1";
  std::string endpoint;  // empty: https://dynamodb.<region>.amazonaws.com
  Secret access_key_id;  // empty: AWS_ACCESS_KEY_ID / shared credentials file
  Secret secret_access_key;
  std::string profile;  // shared credentials profile when keys are not given
  enum class Billing { kOnDemand, kProvisioned };
  Billing billing = Billing::kOnDemand;
  int64_t read_capacity = 0;   // only with provisioned
  int64_t write_capacity = 0;  // only with provisioned
};

struct KafkaSpec {
  std::string brokers;  // "host:port,host:port"; required for a Kafka target or log
  // The change log: default cutover.<name>.log. A target: empty (the default) writes each
  // table to its own topic <topic_prefix>.<schema>.<table>; set, every table goes to this one.
  std::string topic;
  int partitions = 12;
  // Target only (docs/kafka.md): the per-table topics' prefix (default: the migration name),
  // the replication factor of topics cutover creates (-1: the brokers' default), and whether
  // each message carries its JSON schema (JsonConverter schemas.enable) or the bare payload.
  std::string topic_prefix;
  int replication_factor = -1;
  bool schemas = true;
  TlsSpec tls;
  std::string sasl_mechanism;  // empty, PLAIN, SCRAM-SHA-256, SCRAM-SHA-512
  std::string sasl_user;
  Secret sasl_password;
};

struct TargetSpec {
  TargetKind kind = TargetKind::kMariaDB;
  ConnectionSpec connection;  // SQL targets
  // What to do with a target table that exists already: create (error if it exists),
  // truncate (empty it first), keep (load into it as is).
  enum class ExistingTable { kCreate, kTruncate, kKeep };
  ExistingTable existing_tables = ExistingTable::kCreate;
  DynamoDbSpec dynamodb;  // kind == kDynamoDB
  KafkaSpec kafka;        // kind == kKafka
};

// One entry of `tables:`. A source table `schema.table` is selected by the first entry whose
// `match` glob matches it and none of whose `exclude` globs do; that entry's options apply.
// What `cutover run` does when a selected source table's schema changes (docs/ddl.md).
enum class DdlPolicy {
  kFollow,  // the target follows what it safely can; only this table stops where it cannot
  kStop,    // every schema change stops this table until `cutover ddl resume`
  kIgnore,  // columns go on being projected by name; what is not carried is reported
};

struct TableRule {
  std::string match;                 // glob on "schema.table": * any run, ? one character
  std::vector<std::string> exclude;  // globs removed from this entry's match
  std::string filter;  // the row filter (docs/spec.md), as the SQL it pushes down; empty: all rows
  std::vector<std::string> columns;  // empty: all columns (key columns are always included)
  std::string rename;                // target table name; empty: same name
  DdlPolicy ddl = DdlPolicy::kFollow;  // schema changes of the source table (docs/ddl.md)
};

struct ChangeLogSpec {
  enum class Kind { kLocal, kKafka };
  Kind kind = Kind::kLocal;
  uint64_t segment_bytes = 64ull << 20;
  uint64_t retention_bytes = 0;           // 0: keep until applied
  std::chrono::seconds retention_age{0};  // 0: keep until applied
  std::chrono::milliseconds fsync_interval{100};
  KafkaSpec kafka;  // kind == kKafka
};

struct ParallelismSpec {
  int copy_workers = 4;                       // tables and key ranges copied at once
  int64_t chunk_rows = 10000;                 // first chunk size; adapts to chunk_time
  std::chrono::milliseconds chunk_time{500};  // target time per chunk
  int apply_lanes = 8;                        // ordered apply lanes (hash of table and key)
  int index_builders = 2;                     // secondary indexes built at once after the load
};

struct ThrottleSpec {
  int64_t copy_rows_per_second = 0;   // 0: unlimited
  int64_t apply_rows_per_second = 0;  // 0: unlimited
  // Load-aware throttling (docs/operations.md); each is live-settable with `cutover ctl set`.
  // The copy is held while the source's running threads (MariaDB/MySQL Threads_running;
  // PostgreSQL: active backends) exceed this; 0: never.
  int64_t max_load_threads_running = 0;
  // MariaDB/MySQL replicas of the source ("host:port", the source's user and password) whose
  // Seconds_Behind_Master above max_replica_lag holds the copy.
  std::vector<std::string> replicas;
  std::chrono::milliseconds max_replica_lag{10000};
  // SQL targets: copy and apply are held while the target's running threads (or active
  // backends) exceed this; 0: never.
  int64_t target_max_load = 0;
  // SQL targets: copy and apply are held while their COMMITs took longer than this on average
  // over the last second; 0: never.
  std::chrono::milliseconds target_max_commit_latency{0};
};

// A named group of tables whose flag stage moves on its own (docs/control-api.md); the tables
// no group names follow the group "default".
struct ControlGroupSpec {
  std::string name;                 // [a-z0-9][a-z0-9_-]*, not "default"
  std::vector<std::string> tables;  // globs on "schema.table", at least one
};

struct ControlSpec {
  std::string listen = "127.0.0.1:7878";  // host:port of the HTTP API
  // Bearer token; required when listen is not a loopback address. The API refuses to start
  // without one (`cutover serve`); `cutover run` then runs without the API.
  Secret token;
  // HTTPS: the server's certificate (PEM, its chain after it) and private key, both or neither;
  // both readable when the spec is loaded. Empty: plain HTTP.
  std::string tls_cert_file;
  std::string tls_key_file;
  bool enabled = true;
  bool present = false;  // the spec has a `control` section: `cutover run` serves the API
  std::vector<ControlGroupSpec> groups;  // in spec order, names unique
  // Guard rail: moving forward to target_reads needs the CDC lag under this (guards.max_lag).
  std::chrono::milliseconds max_lag{5000};
};

struct Spec {
  std::string name;            // [a-z0-9][a-z0-9_-]*, at most 48 characters
  std::filesystem::path file;  // the YAML file this came from (absolute)
  SourceSpec source;
  TargetSpec target;
  std::vector<TableRule> tables;  // at least one entry
  std::filesystem::path mapping;  // optional mapping file (absolute; from the spec dir)
  ChangeLogSpec change_log;
  ParallelismSpec parallelism;
  ThrottleSpec throttle;
  std::filesystem::path state_dir;  // default: .cutover/<name> next to the spec file
  ControlSpec control;
};

// Options for loading a spec; tests inject the environment.
struct LoadOptions {
  // Looks up an environment variable; default reads the process environment.
  std::optional<std::string> (*getenv)(const std::string& name) = nullptr;
};

// Parses and validates a spec file. On any error returns InvalidArgument whose message names
// the path of the field (`tables[2].filter`), the offending value and what is allowed, e.g.
//   spec.yaml: tables[0].colums: unknown field; did you mean 'columns'?
Result<Spec> LoadSpec(const std::filesystem::path& file, const LoadOptions& options = {});
// Same, from YAML text; `origin` names it in messages and anchors relative paths.
Result<Spec> ParseSpec(std::string_view yaml, const std::filesystem::path& origin,
                       const LoadOptions& options = {});

// The table cutover writes watermarks into on the source, in the schema of the tables it
// repairs (docs/verify.md, "Repair"). Never selected, whatever the patterns say.
inline constexpr std::string_view kWatermarkTable = "cutover_watermarks";
// The table `cutover fence` writes its marker rows into on the source, in the schema of the first
// selected table (docs/cutover.md). Never selected either; `cutover finish` drops both.
inline constexpr std::string_view kFenceTable = "cutover_fence";

// The rule that selects `schema.table`, or nullptr when the table is not selected.
const TableRule* SelectTable(const Spec& spec, std::string_view schema, std::string_view table);
// Glob match: '*' matches any run of characters (also empty), '?' exactly one. Case-sensitive.
bool GlobMatch(std::string_view pattern, std::string_view text);
// OK when `pattern` is a table glob as the spec's tables take one (on schema.table, with * and ?
// only); else InvalidArgument saying what is wrong with it (quoting it) and what to write.
Status CheckGlob(std::string_view pattern);

// A size as written in a spec: "4096" (bytes), "512KiB", "64MiB", "1GiB", "2TiB" (binary units,
// case-insensitive, optional space before the unit). InvalidArgument when malformed.
Result<uint64_t> ParseSize(std::string_view text);
// A duration as written in a spec: "0", "100ms", "30s", "5m", "24h", or a sum like "1h30m".
// InvalidArgument when malformed.
Result<std::chrono::milliseconds> ParseDuration(std::string_view text);
// The MySQL/MariaDB server_id used when the spec gives 0: the 32-bit FNV-1a hash of the
// migration name with the top bit set, so it is stable, never 0 and at least 2^31.
uint32_t DeriveServerId(std::string_view name);

}  // namespace cutover
