// OpenTarget: the spec's target by spec.target.kind, with what its parts share loaded once.
#include "cutover/target.h"

#include <optional>
#include <utility>

#include <fmt/format.h>

#include "cutover/mapping.h"

#include "pipeline/apply_plans.h"
#include "sink/dynamodb/applier.h"
#include "sink/dynamodb/sink.h"
#include "sink/mysql/applier.h"
#include "sink/mysql/sink.h"
#include "sink/postgres/applier.h"
#include "sink/postgres/sink.h"

namespace cutover {
namespace {

class SpecTarget : public Target {
 public:
  SpecTarget(const Spec& spec, std::optional<Mapping> mapping)
      : spec_(spec), mapping_(std::move(mapping)) {}

  Result<std::vector<TargetTablePlan>> Plans(
      const std::vector<SourceTable>& tables) const override {
    return pipeline::ApplyPlans(spec_, tables, mapping_ ? &*mapping_ : nullptr);
  }

  Result<std::unique_ptr<Sink>> OpenSink() const override {
    switch (spec_.target.kind) {
      case TargetKind::kMariaDB:
      case TargetKind::kMySQL: return mysql::OpenMysqlSink(spec_);
      case TargetKind::kPostgres: return postgres::OpenPostgresSink(spec_);
      case TargetKind::kDynamoDB: return dynamodb::OpenDynamoDbSink(spec_, *mapping_);
      default:
        return Status::Unimplemented(fmt::format(
            "the full load into a {} target is not built yet", TargetKindName(spec_.target.kind)));
    }
  }

  Result<std::unique_ptr<Appliers>> OpenAppliers(const std::vector<TargetTablePlan>& plans,
                                                 StateStore* state) const override {
    switch (spec_.target.kind) {
      case TargetKind::kMariaDB:
      case TargetKind::kMySQL: return mysql::MysqlAppliers(spec_, plans);
      case TargetKind::kPostgres: return postgres::PostgresAppliers(spec_, plans);
      case TargetKind::kDynamoDB:
        return dynamodb::OpenDynamoDbAppliers(spec_, *mapping_, plans, state);
      default:
        return Status::Unimplemented(
            fmt::format("applying changes to a {} target is not built yet",
                        TargetKindName(spec_.target.kind)));
    }
  }

 private:
  const Spec& spec_;
  const std::optional<Mapping> mapping_;  // DynamoDB
};

}  // namespace

Result<std::unique_ptr<Target>> OpenTarget(const Spec& spec) {
  std::optional<Mapping> mapping;
  if (spec.target.kind == TargetKind::kDynamoDB) {
    CUTOVER_ASSIGN_OR_RETURN(mapping, dynamodb::LoadMapping(spec));
  }
  return std::unique_ptr<Target>(std::make_unique<SpecTarget>(spec, std::move(mapping)));
}

}  // namespace cutover
