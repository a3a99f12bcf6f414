// FollowedShapes: each table's last followed source shape in the state store.
#include "pipeline/followed_shapes.h"

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "log/change_codec.h"

namespace cutover::pipeline {
namespace {

constexpr char kPrefix[] = "shape.";

}  // namespace

Status SaveFollowedShape(StateStore& state, const TableSchema& shape, const Position& since) {
  return state.SetMeta(kPrefix + shape.id.ToString(),
                       since.Encode() + "\n" + log::SchemaToJson(shape));
}

bool IsPostgresShape(const TableSchema& shape) {
  return !shape.columns.empty() &&
         std::all_of(shape.columns.begin(), shape.columns.end(),
                     [](const Column& column) { return column.type.postgres; });
}

Status RecordFirstShapes(StateStore& state, const std::vector<TargetTablePlan>& plans) {
  for (const TargetTablePlan& plan : plans) {
    if (!IsPostgresShape(plan.schema)) continue;
    CUTOVER_ASSIGN_OR_RETURN(std::optional<std::string> recorded,
                             state.GetMeta(kPrefix + plan.source.ToString()));
    if (recorded) continue;
    CUTOVER_RETURN_IF_ERROR(SaveFollowedShape(state, plan.schema, Position()));
  }
  return Status::Ok();
}

Result<std::map<TableId, FollowedShape>> LoadFollowedShapes(StateStore& state) {
  CUTOVER_ASSIGN_OR_RETURN(auto records, state.ListMeta(kPrefix));
  std::map<TableId, FollowedShape> shapes;
  for (const auto& [key, value] : records) {
    const size_t newline = value.find('\n');
    if (newline == std::string::npos) {
      return Status::DataLoss(fmt::format("state record {} has no position", key));
    }
    FollowedShape followed;
    Result<Position> since = Position::Decode(std::string_view(value).substr(0, newline));
    Result<TableSchema> shape = log::SchemaFromJson(std::string_view(value).substr(newline + 1));
    if (!since.ok() || !shape.ok()) {
      return Status::DataLoss(
          fmt::format("state record {} cannot be read: {}", key,
                      (since.ok() ? shape.status() : since.status()).message()));
    }
    followed.since = *std::move(since);
    followed.shape = std::make_shared<const TableSchema>(*std::move(shape));
    TableId table = followed.shape->id;
    shapes.emplace(std::move(table), std::move(followed));
  }
  return shapes;
}

}  // namespace cutover::pipeline
