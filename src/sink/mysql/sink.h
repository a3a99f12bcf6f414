// MysqlSink: the MariaDB/MySQL target of the full load: creates tables from the source schema,
// writes chunks by LOAD DATA LOCAL INFILE streamed from memory, builds deferred indexes.
#pragma once

#include <memory>

#include "cutover/sink.h"
#include "cutover/spec.h"
#include "cutover/status.h"

namespace cutover::mysql {

// Opens the sink for spec.target (kind MariaDB or MySQL); connects once to check the target is
// reachable. Each writer and each index build uses its own session, so they run in parallel.
// Target tables go into spec.target.connection.database when it is set, else into a database
// named like the source schema (created when missing).
Result<std::unique_ptr<Sink>> OpenMysqlSink(const Spec& spec);

// The target table of source table `source` selected by `rule` (the database rule above and
// the rule's rename).
TableId TargetTableId(const Spec& spec, const TableId& source, const TableRule& rule);

}  // namespace cutover::mysql
