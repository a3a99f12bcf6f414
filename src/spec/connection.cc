// Connection: parses `source` and `target` (kind, server connection, TLS, replication names).
#include <array>
#include <optional>

#include "spec/enums.h"
#include "spec/rules.h"
#include "spec/sections.h"

namespace cutover::spec_internal {
namespace {

using std::chrono::seconds;

// The fields of a SQL server connection, in the order they are documented.
constexpr std::array<std::string_view, 8> kConnectionKeys = {
    "host", "port", "user", "password_env", "password_file", "database", "tls", "connect_timeout"};

void ParseConnection(Fields& fields, const ParseContext& context, ConnectionSpec* out) {
  fields.ReadNonEmptyString("host", &out->host);
  fields.ReadInt("port", 1, 65535, &out->port);
  fields.ReadNonEmptyString("user", &out->user);
  out->password = ReadSecret(fields, "password", context);
  fields.ReadNonEmptyString("database", &out->database);
  ParseTls(fields, context, &out->tls);
  fields.ReadSeconds("connect_timeout", seconds(1), seconds(3600), &out->connect_timeout);
}

bool IsMySqlFamily(SourceKind kind) { return kind != SourceKind::kPostgres; }

void ParseReplication(Fields& fields, std::optional<SourceKind> kind, SourceSpec* out) {
  int64_t server_id = 0;
  if (fields.ReadInt("server_id", int64_t{0}, int64_t{UINT32_MAX}, &server_id)) {
    if (kind && !IsMySqlFamily(*kind)) {
      fields.Report("server_id", "only used by mariadb and mysql sources; remove it");
    }
    out->server_id = static_cast<uint32_t>(server_id);
  }
  const std::array<std::pair<std::string_view, std::string*>, 2> names = {
      {{"slot", &out->slot}, {"publication", &out->publication}}};
  for (auto [key, field] : names) {
    std::string name;
    if (!fields.ReadNonEmptyString(key, &name)) continue;
    if (std::optional<std::string> problem = PostgresIdentifierProblem(name)) {
      fields.Report(key, *problem);
    } else if (kind && IsMySqlFamily(*kind)) {
      fields.Report(key, "only used by postgres sources; remove it");
    } else {
      *field = name;
    }
  }
  uint64_t warn = 0;
  if (fields.ReadSize("retained_wal_warn", 1ull << 20, uint64_t{1} << 50, &warn)) {
    if (kind && IsMySqlFamily(*kind)) {
      fields.Report("retained_wal_warn", "only used by postgres sources; remove it");
    } else {
      out->retained_wal_warn_bytes = warn;
    }
  }
  SourceSpec::ValueFormat format = SourceSpec::ValueFormat::kAuto;
  if (fields.ReadEnum("value_format", kValueFormats, &format)) {
    if (kind && IsMySqlFamily(*kind)) {
      fields.Report("value_format", "only used by postgres sources; remove it");
    } else {
      out->value_format = format;
    }
  }
}

std::string KindSettingsHint(TargetKind kind) {
  return kind == TargetKind::kDynamoDB ? "DynamoDB settings go under target.dynamodb"
                                       : "Kafka settings go under target.kafka";
}

void ReportSqlFieldsUnused(Fields& fields, TargetKind kind) {
  for (std::string_view key : kConnectionKeys) {
    if (!fields.Has(key)) continue;
    fields.Report(key, "not used by a " + std::string(TargetKindName(kind)) +
                           " target; remove it (" + KindSettingsHint(kind) + ")");
  }
  ReportLiteralSecret(fields, "password");
}

void ReportOtherKindBlock(Fields& fields, std::string_view key, bool present) {
  if (!present) return;
  fields.Report(key, "only used when kind is " + std::string(key) +
                         "; remove it or set kind: " + std::string(key));
}

void ParseTargetServices(Fields& fields, const ParseContext& context,
                         std::optional<TargetKind> kind, TargetSpec* out) {
  Fields dynamodb = fields.Section("dynamodb");
  if (kind == TargetKind::kDynamoDB) {
    ParseDynamoDb(dynamodb, context, &out->dynamodb);
  } else if (kind) {
    ReportOtherKindBlock(fields, "dynamodb", dynamodb.present());
  }
  Fields kafka = fields.Section("kafka");
  if (kind == TargetKind::kKafka) {
    ParseKafka(kafka, context, "a kafka target", true, &out->kafka);
  } else if (kind) {
    ReportOtherKindBlock(fields, "kafka", kafka.present());
  }
}

}  // namespace

void ParseTls(Fields& parent, const ParseContext& context, TlsSpec* out) {
  Fields tls = parent.Section("tls");
  out->field = tls.path();
  tls.ReadEnum("mode", kTlsModes, &out->mode);
  std::filesystem::path path;
  const std::array<std::pair<std::string_view, std::string*>, 3> files = {
      {{"ca_file", &out->ca_file}, {"cert_file", &out->cert_file}, {"key_file", &out->key_file}}};
  for (auto [key, field] : files) {
    if (ReadPath(tls, key, context, true, &path)) *field = path.string();
    if (out->mode == TlsSpec::Mode::kDisable && tls.Has(key)) {
      tls.Report(key, "not used with mode: disable; remove it or choose another mode");
    }
  }
  if (tls.Has("cert_file") != tls.Has("key_file")) {
    const std::string_view present = tls.Has("cert_file") ? "cert_file" : "key_file";
    const std::string_view missing = tls.Has("cert_file") ? "key_file" : "cert_file";
    tls.Report(present, "set without " + std::string(missing) +
                            "; a client certificate needs both cert_file and key_file");
  }
  tls.ReportUnknown();
}

void ParseSource(Fields& root, const ParseContext& context, SourceSpec* out) {
  std::optional<Fields> fields = root.RequiredSection(
      "source", "describe the database to migrate from (kind, host, user, ...)");
  if (!fields) return;
  std::optional<SourceKind> kind;
  if (fields->ReadEnum("kind", kSourceKinds, &out->kind)) kind = out->kind;
  fields->Require("kind", "allowed values are mariadb, mysql, postgres");
  ParseConnection(*fields, context, &out->connection);
  fields->Require("user", "set the database user cutover connects as");
  if (kind == SourceKind::kPostgres) {
    fields->Require("database", "a postgres source needs the database to migrate");
  }
  ParseReplication(*fields, kind, out);
  fields->ReportUnknown();
}

void ParseTarget(Fields& root, const ParseContext& context, TargetSpec* out) {
  std::optional<Fields> fields = root.RequiredSection(
      "target", "describe where to migrate to (kind and its connection or settings)");
  if (!fields) return;
  std::optional<TargetKind> kind;
  if (fields->ReadEnum("kind", kTargetKinds, &out->kind)) kind = out->kind;
  fields->Require("kind", "allowed values are mariadb, mysql, postgres, dynamodb, kafka");
  if (!kind || IsSqlTarget(*kind)) {
    ParseConnection(*fields, context, &out->connection);
    if (kind) fields->Require("user", "set the database user cutover connects as");
    if (kind == TargetKind::kPostgres) {
      fields->Require("database", "a postgres target needs the database to load into");
    }
  } else {
    ReportSqlFieldsUnused(*fields, *kind);
  }
  fields->ReadEnum("existing_tables", kExistingTables, &out->existing_tables);
  ParseTargetServices(*fields, context, kind, out);
  fields->ReportUnknown();
}

}  // namespace cutover::spec_internal
