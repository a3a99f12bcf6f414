// SnapshotReader: reads the full load's rows from a MariaDB/MySQL source: one chunk by keyset
// pagination (a single autocommit SELECT, so no transaction outlives it), and key samples that
// split a large table into ranges.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "cutover/change.h"
#include "cutover/schema.h"
#include "cutover/source.h"
#include "cutover/status.h"

#include "db/mysql/connection.h"
#include "source/mysql/snapshot_sql.h"

namespace cutover::mysql {

// The rows of one chunk select and their size as the server sent them (cutover/source.h).
using cutover::ChunkRows;

// The rows of one chunk select, typed by the columns of `schema` (ParseMysqlText), in key
// order. Errors: the connection's (Unavailable: retry with a new connection), InvalidArgument
// for a filter the server rejects, DataLoss for a value that does not parse.
Result<ChunkRows> ReadChunk(Connection& connection, const TableSchema& schema,
                            const ChunkSelect& select);

// Every row of `schema` with lower < key <= upper that `filter` keeps, in key order, read by
// ReadChunk in pages of `page` rows (so a range may hold any number of rows).
Result<std::vector<Row>> ReadKeyRange(Connection& connection, const TableSchema& schema,
                                      const std::string& filter, const std::optional<Key>& lower,
                                      const std::optional<Key>& upper, int64_t page);

// The rows of `schema` with one of `keys` that `filter` keeps, in key order; a key without
// such a row is left out. Read in selects of at most `page` keys.
Result<std::vector<Row>> ReadKeys(Connection& connection, const TableSchema& schema,
                                  const std::string& filter, std::span<const Key> keys,
                                  int64_t page = 500);

// Keys splitting the table into `ranges` ranges of about equal rows (fewer for a small table):
// for a single integer key whose values are dense enough (MAX - MIN under 4 x the estimated
// rows), equal steps between MIN and MAX, found through the index ends alone; otherwise
// SampleKeyBoundaries, which reads the key of every row once. The split only balances the work:
// every range is read by keyset pagination, so an uneven split costs time, never rows.
Result<std::vector<Key>> PlanKeyBoundaries(Connection& connection, const TableSchema& schema,
                                           int64_t rows_estimate, int ranges);

// The split of PlanKeyBoundaries for a single integer key (Int or UInt values) from `low` to
// `high`: `ranges` - 1 equal steps, or nullopt when the values are too sparse for that (the span
// is 4 x the estimated rows or more: sample instead). Shared with the PostgreSQL source.
std::optional<std::vector<Key>> EvenIntegerBoundaries(const Value& low, const Value& high,
                                                      int64_t rows_estimate, int ranges);

// Up to `max_boundaries` keys splitting the table into ranges of about `step` rows: the key of
// row step, 2*step, ... in key order (one scan of the key). Fewer when the table is smaller.
Result<std::vector<Key>> SampleKeyBoundaries(Connection& connection, const TableSchema& schema,
                                             int64_t step, int max_boundaries);

}  // namespace cutover::mysql
