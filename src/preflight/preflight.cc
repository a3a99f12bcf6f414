// RunPreflight: picks the source and target checks for the spec's kinds and runs them in order.
#include "cutover/preflight.h"

#include <fmt/format.h>

#include "db/postgres/connection.h"
#include "preflight/dynamodb_checks.h"
#include "preflight/kafka_checks.h"
#include "sink/mysql/postgres_columns.h"
#include "sink/mysql/preflight.h"
#include "sink/postgres/preflight.h"
#include "source/mysql/preflight.h"
#include "source/postgres/preflight.h"
#include "source/postgres/source_schema.h"

namespace cutover {
namespace {

std::vector<CheckResult> CheckSource(const Spec& spec) {
  switch (spec.source.kind) {
    case SourceKind::kMariaDB:
    case SourceKind::kMySQL: return mysql::CheckSource(spec);
    case SourceKind::kPostgres: return postgres::CheckSource(spec);
  }
  return {};
}

std::vector<CheckResult> CheckTarget(const Spec& spec) {
  switch (spec.target.kind) {
    case TargetKind::kMariaDB:
    case TargetKind::kMySQL: return mysql::CheckTarget(spec);
    case TargetKind::kPostgres: return postgres::CheckTarget(spec);
    case TargetKind::kDynamoDB: return CheckDynamoDbTarget(spec.target.dynamodb);
    case TargetKind::kKafka: return {CheckKafkaBrokers(spec.target.kafka, "target.kafka")};
  }
  return {};
}

// A PostgreSQL source into a MariaDB/MySQL target: every selected column has a MariaDB type
// (docs/type-mapping.md), so that `copy` and `run` do not stop at the first table without one.
CheckResult CheckPostgresColumnTypes(const Spec& spec) {
  const std::string id = "target.column_types";
  const std::string title = "every selected column has a type on the target";
  auto source = postgres::Connection::Open(spec.source.connection);
  if (!source.ok()) {
    return CheckResult::Skip(id, title, "could not read the source: " + source.status().ToString());
  }
  Result<std::vector<SourceTable>> tables = postgres::LoadSelectedTables(**source, spec);
  if (!tables.ok()) {
    return CheckResult::Skip(id, title,
                             "could not load the selected tables: " + tables.status().ToString());
  }
  for (const SourceTable& table : *tables) {
    Status columns = mysql::CheckPostgresColumns(table.narrowed);
    if (!columns.ok()) {
      return CheckResult::Fail(id, title, std::string(columns.message()),
                               "leave the column out with the table's `columns` list, or narrow "
                               "it on the source (docs/type-mapping.md)");
    }
  }
  return CheckResult::Pass(id, title, fmt::format("{} selected tables", tables->size()));
}

}  // namespace

PreflightReport RunPreflight(const Spec& spec) {
  PreflightReport report;
  report.migration = spec.name;
  report.checks = CheckSource(spec);
  std::vector<CheckResult> target = CheckTarget(spec);
  bool mysql_target =
      spec.target.kind == TargetKind::kMariaDB || spec.target.kind == TargetKind::kMySQL;
  if (spec.source.kind == SourceKind::kPostgres && mysql_target) {
    target.push_back(CheckPostgresColumnTypes(spec));
  }
  report.checks.insert(report.checks.end(), target.begin(), target.end());
  if (spec.change_log.kind == ChangeLogSpec::Kind::kKafka) {
    report.checks.push_back(CheckKafkaBrokers(spec.change_log.kafka, "change_log.kafka"));
  }
  return report;
}

}  // namespace cutover
