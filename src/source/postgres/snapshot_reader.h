// SnapshotReader (PostgreSQL): the full load's chunk reads and key splits on a PostgreSQL source.
//
// A chunk is one keyset-paginated SELECT. During the first copy every read happens in the slot's
// exported snapshot (a REPEATABLE READ transaction per chunk that imports it with SET TRANSACTION
// SNAPSHOT), so the copy sees exactly the transactions before the slot's consistent point and
// the slot streams exactly those after it. A copy resumed by a later run reads in the snapshot
// of a temporary slot of its own (consistent point P1, PostgresSource::BeginResumedCopy; apply
// skips the changes before P1 of the tables it reads whole: docs/copy.md, "A resumed copy on
// PostgreSQL"). A snapshot that is gone while the copy reads stops the copy: reading on outside
// it would mix two views of the source in one table.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cutover/source.h"
#include "cutover/status.h"

#include "db/postgres/connection.h"
#include "source/postgres/pg_changes.h"

namespace cutover::postgres {

// A key value as statement parameter text (the type's input form): bytea as \x hex, dates and
// timestamps in ISO form with BC and +-infinity, everything else as its text.
std::string KeyParamText(const Value& value);

// The SELECT of `select` over the columns of `schema`, with its parameters.
struct ChunkQuery {
  std::string sql;
  Params params;
};
ChunkQuery BuildChunkQuery(const TableSchema& schema, const ChunkSelect& select);

// Reads chunks on one session; `snapshot` (may be empty) is the exported snapshot to read in.
class PgChunkReader : public ChunkReader {
 public:
  PgChunkReader(std::unique_ptr<Connection> connection, ValueParser parse, std::string snapshot);
  Result<ChunkRows> ReadChunk(const TableSchema& schema, const ChunkSelect& select) override;

 private:
  Result<ChunkRows> Read(const TableSchema& schema, const ChunkSelect& select);

  std::unique_ptr<Connection> connection_;
  ValueParser parse_;
  std::string snapshot_;
};

// Keys splitting the table into about `ranges` ranges (Source::PlanKeyBoundaries): equal steps
// for a dense single integer key, else every step-th key of one ordered scan of the key.
Result<std::vector<Key>> PlanKeyBoundaries(Connection& connection, const TableSchema& schema,
                                           int64_t rows_estimate, int ranges,
                                           const ValueParser& parse);

}  // namespace cutover::postgres
