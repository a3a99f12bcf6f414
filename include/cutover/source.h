// Source: what the pipeline needs of a source database, whatever its engine (MariaDB/MySQL now,
// PostgreSQL next): preflight checks, the selected tables' schemas, the full load's start
// position P0, chunk reads for the copy, and the change stream. Capture reads committed
// transactions through a ChangeStream into a ChangeEventSink, the copier reads chunks through a
// ChunkReader, so both are written once and tested with fakes.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cutover/change.h"
#include "cutover/position.h"
#include "cutover/preflight.h"
#include "cutover/schema.h"
#include "cutover/spec.h"
#include "cutover/status.h"

namespace cutover {

// What a change stream delivers, on the thread that called ChangeStream::Run: each committed
// transaction exactly once and whole (OnBegin, its OnChange calls in source order, OnCommit),
// and OnIdle when the source has had nothing new for a heartbeat period.
class ChangeEventSink {
 public:
  virtual ~ChangeEventSink() = default;
  virtual Status OnBegin() { return Status::Ok(); }
  // A row change or a schema change (kSchema). The Change may be reused: copy what you keep.
  virtual Status OnChange(const Change& change) = 0;
  // The transaction's end; `resume` is where reading the source continues after it.
  virtual Status OnCommit(const Position& resume) = 0;
  virtual Status OnIdle() { return Status::Ok(); }
  // The resume position of the last transaction this sink holds durably (empty: none yet).
  // A source that keeps changes until its reader says it may forget them (a PostgreSQL slot)
  // lets go of what is before it, never more.
  virtual Position Durable() const { return Position(); }
};

struct ChangeStreamOptions {
  // The first transaction delivered is the one after `start`.
  Position start;
  // Which tables to decode; null selects every table.
  std::function<bool(const TableId&)> table_filter;
  // The idle heartbeat; also bounds how long a stop request waits.
  std::chrono::milliseconds heartbeat_period{1000};
  // Set from any thread to make Run() return OK at the next event or heartbeat. Not owned.
  const std::atomic<bool>* stop = nullptr;
  // A source that sends a table's columns instead of its schema statements (PostgreSQL): the
  // shape each table had when the stream starts (the one the copy and the appliers know), which
  // the first columns the stream sends of it are compared with, so that a change made since is
  // a schema change too. Null, or a null result: the first columns sent are taken as they are.
  std::function<std::shared_ptr<const TableSchema>(const TableId&)> shape_before;
};

class ChangeStream {
 public:
  virtual ~ChangeStream() = default;
  // Streams into `sink` until stopped (OK) or failed (the sink's own error unchanged; DataLoss
  // when the source no longer holds `start`).
  virtual Status Run(ChangeEventSink* sink) = 0;
};

// Opens a change stream; how (connection, replica id) is the source's business.
using ChangeStreamFactory =
    std::function<Result<std::unique_ptr<ChangeStream>>(ChangeStreamOptions options)>;

// A source table the spec selects.
struct SourceTable {
  TableSchema schema;               // the full source schema (every column), with its key
  TableSchema narrowed;             // the columns migrated: the rule's `columns` plus the key
  const TableRule* rule = nullptr;  // the rule that selected it; points into the Spec; never null
  int64_t rows_estimate = 0;        // the source's estimate (MariaDB: InnoDB's TABLE_ROWS)
  // Whether every change the change stream gives of this table carries whole rows. False for a
  // PostgreSQL table whose updates can leave out an unchanged TOASTed value (a column that can
  // be stored out of line, and REPLICA IDENTITY other than FULL): a copy resumed by a later run
  // then reads such a table again from its first row (docs/copy.md, "A resumed copy").
  bool whole_row_changes = true;
};

// What one chunk read selects: the rows of a table with lower < key <= upper that `filter`
// keeps, in key order, at most `limit` of them.
struct ChunkSelect {
  std::optional<Key> lower;  // exclusive; none: from the first row
  std::optional<Key> upper;  // inclusive; none: to the last row
  std::string filter;        // the rule's row filter, in the source's SQL; empty: every row
  int64_t limit = 0;         // > 0
  int64_t offset = 0;        // > 0: skip this many rows first (with limit 1: a chunk's bound)
  // Non-empty: only the rows with one of these keys (a re-check of single rows).
  std::vector<Key> keys = {};
};

// The rows of one chunk read and their size as the source sent them (bytes of all values).
struct ChunkRows {
  std::vector<Row> rows;
  int64_t bytes = 0;
};

// One session reading chunks: each read is a statement of its own (no transaction outlives
// it). Used by one thread at a time; a worker keeps its reader across chunks and opens a new
// one after an error it retries.
class ChunkReader {
 public:
  virtual ~ChunkReader() = default;
  // The rows `select` selects, typed by the columns of `schema` (read as they are: `schema` may
  // be narrowed to some columns), in key order. Errors: Unavailable when the session is lost
  // (open a new reader and retry), InvalidArgument for a filter the source rejects, DataLoss
  // for a value that does not parse.
  virtual Result<ChunkRows> ReadChunk(const TableSchema& schema, const ChunkSelect& select) = 0;
};

// What the source keeps back for the migration (a PostgreSQL slot's WAL), for status, metrics and
// alerts.
struct SourceRetention {
  std::string what;            // "replication slot cutover_shop"
  int64_t retained_bytes = 0;  // what the source keeps for the migration
  // PostgreSQL's wal_status: reserved, extended, unreserved (past max_slot_wal_keep_size: lost at
  // the next checkpoint unless read), lost (invalidated).
  std::string state;
  std::optional<int64_t> headroom_bytes;  // until the source lets go of it; none: no limit
};

// A source database, as the migration opens it once (OpenSource) and hands to what needs it.
// Not thread-safe, except OpenChunkReader and OpenChangeStream, which may be called from any
// thread (each opens a session of its own). Connects on first use, not when opened.
class Source {
 public:
  virtual ~Source() = default;

  // The engine, as spec `source.kind` names it: "mariadb", "mysql", "postgres".
  virtual std::string_view Engine() const = 0;

  // The source's preflight checks (`cutover check`): settings, privileges, keys. Never fails:
  // a problem, an unreachable server included, is a check result with its fix.
  virtual std::vector<CheckResult> Preflight() = 0;

  // The base tables the spec's `tables` select, sorted by schema and name, each with its schema
  // and narrowed to its rule's columns. FailedPrecondition naming every selected table without
  // a usable key (primary key, or unique index over NOT NULL columns); InvalidArgument for a
  // rule column that a table does not have. Reads the source each time it is called.
  virtual Result<std::vector<SourceTable>> LoadSelectedTables() = 0;

  // The full load's start position P0: every transaction committed before it is visible to
  // every read made after this call returns, and the change stream from P0 delivers every
  // transaction after it. Takes no lock and holds no transaction afterwards (MariaDB/MySQL: a
  // start watermark written to the source, docs/copy.md). FailedPrecondition with the fix when
  // the source keeps no log of changes (log_bin off) or cannot give a safe position.
  virtual Result<Position> TakeStartPosition() = 0;

  // Keys splitting the rows of `schema` (of `rows_estimate` rows) into about `ranges` key
  // ranges of about equal rows, sorted; fewer for a small table, none for one range. The split
  // only balances work: ranges are read by keyset pagination, so an uneven split costs time,
  // never rows.
  virtual Result<std::vector<Key>> PlanKeyBoundaries(const TableSchema& schema,
                                                     int64_t rows_estimate, int ranges) = 0;

  // A new session for chunk reads (one per worker thread).
  virtual Result<std::unique_ptr<ChunkReader>> OpenChunkReader() = 0;

  // A copy resumed by a later run is about to read (the first run's view of the source, if it
  // had one, is gone). Called once, before the run's first chunk read. A source that can give
  // one state of itself to every chunk reader opened from now on returns the position that
  // state is consistent with, as P0 is for the first run: every change before it is in what is
  // read from now on, none after it (PostgreSQL: a temporary slot's exported snapshot and its
  // consistent point P1). nullopt: no such state (MariaDB/MySQL: each chunk is a read after P0,
  // and every change since P0 is applied again over it).
  virtual Result<std::optional<Position>> BeginResumedCopy() { return std::optional<Position>(); }

  // The copy's reads are over: lets go of what kept their view of the source (an exported
  // snapshot holds back the source's cleanup of old row versions while it lives).
  virtual void EndCopyReads() {}

  // The source's change stream from `options.start` (the ChangeStreamFactory of this source).
  virtual Result<std::unique_ptr<ChangeStream>> OpenChangeStream(ChangeStreamOptions options) = 0;

  // What the source keeps back for this migration now; nullopt when it keeps nothing of its own
  // for it (MariaDB/MySQL: binlog retention is the server's). May be called from any thread.
  virtual Result<std::optional<SourceRetention>> Retention() {
    return std::optional<SourceRetention>();
  }
};

// The source `spec.source` describes; `spec` must outlive it. Does not connect (the first call
// that needs the server does). Unimplemented, before anything is opened, for a source kind whose
// reading is not built yet: a PostgreSQL source is only checked (`cutover check`) so far.
Result<std::unique_ptr<Source>> OpenSource(const Spec& spec);

}  // namespace cutover
