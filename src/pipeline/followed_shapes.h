// FollowedShapes: the source shape each table's changes were last followed in, kept in the
// state store (meta "shape.<schema>.<table>": the position of the first change of that shape,
// a newline, the shape as the change log writes it), so that a PostgreSQL source's table that
// changed while cutover was not running is compared with what the target follows, not taken as
// it is (docs/ddl.md, "PostgreSQL sources"). The apply reader writes it whenever its router
// follows a new shape; capture and the router read it when they start.
#pragma once

#include <map>
#include <memory>
#include <vector>

#include "cutover/position.h"
#include "cutover/schema.h"
#include "cutover/sink.h"
#include "cutover/state_store.h"
#include "cutover/status.h"

namespace cutover::pipeline {

struct FollowedShape {
  std::shared_ptr<const TableSchema> shape;
  Position since;  // the source position of the first change of that shape
};

// Records `shape` as followed for its table (shape.id) since `since`.
Status SaveFollowedShape(StateStore& state, const TableSchema& shape, const Position& since);

// Whether every column of `shape` is a PostgreSQL source's (and it has one): the tables whose
// shapes are recorded.
bool IsPostgresShape(const TableSchema& shape);

// For each plan of a PostgreSQL source's table without a recorded shape: its schema (the one
// the copy reads), since the empty position. Called when a run has made its plans.
Status RecordFirstShapes(StateStore& state, const std::vector<TargetTablePlan>& plans);

// Every table's recorded shape, by table.
Result<std::map<TableId, FollowedShape>> LoadFollowedShapes(StateStore& state);

}  // namespace cutover::pipeline
