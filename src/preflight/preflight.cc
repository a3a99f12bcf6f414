// RunPreflight: picks the source and target checks for the spec's kinds and runs them in order.
#include "cutover/preflight.h"

#include <fmt/format.h>

#include "sink/mysql/preflight.h"
#include "sink/postgres/preflight.h"
#include "source/mysql/preflight.h"
#include "source/postgres/preflight.h"

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

// DynamoDB and Kafka clients arrive later; until then say plainly that nothing was checked.
CheckResult NotAvailableYet(TargetKind kind) {
  std::string name(TargetKindName(kind));
  return CheckResult::Skip(
      fmt::format("target.{}", name), fmt::format("{} target", name),
      fmt::format("the target check for {} is not available yet; this target was not checked",
                  name));
}

std::vector<CheckResult> CheckTarget(const Spec& spec) {
  switch (spec.target.kind) {
    case TargetKind::kMariaDB:
    case TargetKind::kMySQL: return mysql::CheckTarget(spec);
    case TargetKind::kPostgres: return postgres::CheckTarget(spec);
    case TargetKind::kDynamoDB:
    case TargetKind::kKafka: return {NotAvailableYet(spec.target.kind)};
  }
  return {};
}

}  // namespace

PreflightReport RunPreflight(const Spec& spec) {
  PreflightReport report;
  report.migration = spec.name;
  report.checks = CheckSource(spec);
  std::vector<CheckResult> target = CheckTarget(spec);
  report.checks.insert(report.checks.end(), target.begin(), target.end());
  return report;
}

}  // namespace cutover
