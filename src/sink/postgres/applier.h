// PostgresApplier: applies CDC changes to a PostgreSQL target, one libpq session per lane. A
// batch becomes one transaction: per key only the last image counts, deleted keys go by one
// DELETE per table and group, surviving rows by multi-row INSERT ... ON CONFLICT (key) DO UPDATE
// with the values the copy writes (PostgresText), and the lane's checkpoint row is written in
// the same transaction: after any crash the target and its checkpoint agree, so nothing is
// applied twice or skipped (docs/run.md, "PostgreSQL targets").
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cutover/apply.h"
#include "cutover/change.h"
#include "cutover/spec.h"
#include "cutover/status.h"

namespace cutover::postgres {

// The checkpoint table, in the target database: "cutover"."cutover_checkpoints", one row per
// (migration, lane) with the lane count it was recorded under.
inline constexpr char kCheckpointSchema[] = "cutover";
inline constexpr char kCheckpointTable[] = "cutover_checkpoints";

// INSERT INTO <target> (<schema's columns>) VALUES ($1, ...), ... for `rows` rows, ON CONFLICT
// on the key columns DO UPDATE SET every other column to the new row's (DO NOTHING when every
// column is a key column). Columns the target has beyond `schema` keep their value (rows logged
// before a column was added, docs/ddl.md).
std::string UpsertSql(const TableSchema& schema, const TableId& target, size_t rows);

// The rows of one statement of UpsertSql for `schema`: at most 500, and at most PostgreSQL's
// 65535 parameters.
size_t UpsertRowsPerStatement(const TableSchema& schema);

// Partial images (PostgreSQL sources' unchanged TOAST values, docs/design.md "Partial row
// images") are written by UPDATE of their present columns only:
// The indexes of `row`'s present columns that are not key columns, in schema order.
std::vector<size_t> PresentNonKeyColumns(const TableSchema& schema, const Row& row);
// "k1" = $n AND "k2" = $n+1 ...: the key columns of `schema` against parameters from
// `first_param` on.
std::string KeyEquals(const TableSchema& schema, size_t first_param);
// UPDATE <target> AS t SET <set_columns> = v.<...> FROM (VALUES ($1::type, ...), ...) AS v(c0,
// ...) WHERE (t.<key>) = (v.<key>) for `rows` rows, each with its key columns then
// `set_columns` as parameters. Unimplemented for a column type without PostgreSQL mapping.
Result<std::string> PartialUpdateSql(const TableSchema& schema, const TableId& target,
                                     const std::vector<size_t>& set_columns, size_t rows);
// UPDATE <target> SET <columns> = $1, ... WHERE <key> = $n, ...: a row moved to a new key with
// `columns` (the key columns first, then the present ones) set, found by its old key (the
// parameters after them).
std::string MoveSql(const TableSchema& schema, const TableId& target,
                    const std::vector<size_t>& columns);

// The appliers of a PostgreSQL target: each lane opens its own session; rows are keyed by their
// source key, so there is no mapper. TargetColumns and Follow follow docs/ddl.md's PostgreSQL
// rules. `plans` must outlive the result.
std::unique_ptr<Appliers> PostgresAppliers(const Spec& spec,
                                           const std::vector<TargetTablePlan>& plans);

}  // namespace cutover::postgres
