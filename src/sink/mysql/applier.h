// MysqlApplier: applies CDC changes to a MariaDB/MySQL target, one lane per session. A batch
// becomes one transaction: per key only the last image counts (the batch is applied whole or not
// at all), deleted keys go by one DELETE per table, surviving rows by REPLACE (RowReplacer),
// partial images (sink::IsPartial) by UPDATE of their present columns, and
// the lane's checkpoint row is written in the same transaction: so after any crash the target
// and its checkpoint agree and nothing is applied twice or skipped.
#pragma once

#include <memory>
#include <vector>

#include "cutover/apply.h"
#include "cutover/change.h"
#include "cutover/spec.h"
#include "cutover/status.h"

namespace cutover::mysql {

// The database holding the checkpoint table `cutover_checkpoints`: spec.target.connection's
// database when set, else `cutover` (created when missing).
std::string CheckpointDatabase(const Spec& spec);

// UPDATE <target> SET <present non-key columns of row> = <literals> WHERE <row's key>: how a
// partial image is written (docs/design.md, "Partial row images"); "" when it sets nothing.
std::string PartialUpdateSql(const TableSchema& schema, const TableId& target, const Row& row);

// UPDATE <target> SET <key columns and present non-key columns of `to`> WHERE <key of `from`>:
// a row moved to a new key by a partial key change, keeping its absent columns.
std::string MoveSql(const TableSchema& schema, const TableId& target, const Row& from,
                    const Row& to);

Result<std::unique_ptr<ChangeApplier>> OpenMysqlApplier(const Spec& spec,
                                                        const std::vector<TargetTablePlan>& plans,
                                                        int lane, int lanes);

// The appliers of a MariaDB/MySQL target: each lane opens its own session (OpenMysqlApplier);
// rows are keyed by their source key, so there is no mapper. `plans` must outlive the result.
std::unique_ptr<Appliers> MysqlAppliers(const Spec& spec, const std::vector<TargetTablePlan>& plans);

}  // namespace cutover::mysql
