// CopyPlan: how the full load splits a table into key ranges and chunks, how that plan is kept
// in the state store, and where a restart resumes. Pure logic, no I/O but (de)serialisation.
//
// Chunk ids: a table is split once into ranges (boundaries sampled from the key, recorded in
// the state store before any chunk is copied, never recomputed). Range r's chunks are written
// in key order by one writer and get ids r * kChunksPerRange + 0, 1, 2, ...; each records its
// bounds (lower exclusive, upper inclusive; "" for an open bound). So after a crash the last
// recorded chunk of a range says exactly where that range continues, and the range is done when
// its last recorded chunk ends at the range's own upper bound.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cutover/change.h"
#include "cutover/schema.h"
#include "cutover/state_store.h"
#include "cutover/status.h"

namespace cutover::pipeline {

inline constexpr int64_t kChunksPerRange = 1'000'000'000;

// Rows (lower, upper] in key order; a missing bound is open.
struct KeyRange {
  int index = 0;
  std::optional<Key> lower;
  std::optional<Key> upper;
};

// How many ranges a table of `rows_estimate` rows is split into so that `copy_workers` can copy
// it at once: 1 for small tables (under 4 chunks), else up to 2 per worker, each at least 2
// chunks long.
int RangeCount(int64_t rows_estimate, int64_t chunk_rows, int copy_workers);

// The ranges between sorted boundaries: (-inf, b0], (b0, b1], ..., (bn, +inf).
std::vector<KeyRange> RangesFromBoundaries(const std::vector<Key>& boundaries);

// A bound as the state store keeps it: Key::Encode(), or "" when open.
std::string EncodeBound(const std::optional<Key>& bound);
Result<std::optional<Key>> DecodeBound(std::string_view bytes);

int64_t ChunkId(int range_index, int64_t sequence);

// Where one range continues after a restart, from the table's recorded chunks.
struct RangeResume {
  bool done = false;
  std::optional<Key> lower;  // the next chunk's lower bound
  int64_t next_sequence = 0;
  int64_t rows_done = 0;  // rows in the range's recorded chunks
};
Result<RangeResume> ResumeRange(const KeyRange& range, const std::vector<ChunkRecord>& chunks);

// The next chunk size: scaled so a chunk takes about `target`, at most doubling or halving per
// step, between 100 and 1,000,000 rows, and lowered so a chunk stays under `max_bytes` when the
// last one had `last_bytes` bytes.
int64_t NextChunkRows(int64_t current, std::chrono::nanoseconds elapsed,
                      std::chrono::milliseconds target, int64_t last_bytes, int64_t max_bytes);

// What the first run decided for a table; stored as JSON in the state store's metadata
// ("copy.plan/<schema.table>") so every later run uses the same ranges and index list.
struct StoredTablePlan {
  std::vector<Key> boundaries;  // range boundaries (see RangesFromBoundaries)
  std::vector<Index> deferred;  // indexes (and a primary key) to build after the load
  bool created = false;         // the sink created the target table
  std::string ToJson() const;
  static Result<StoredTablePlan> FromJson(std::string_view json);
};

// Metadata keys of the copy in the state store.
std::string PlanMetaKey(const TableId& table);                           // copy.plan/<t>
std::string PreparedMetaKey(const TableId& table);                       // copy.prepared/<t>
// The position a table was copied as of, when a resumed copy read all of it in a view later
// than P0 (Source::BeginResumedCopy): its changes before it are in the copy (docs/copy.md).
inline constexpr std::string_view kCopiedAsOfPrefix = "copy.as_of/";
std::string CopiedAsOfMetaKey(const TableId& table);                     // copy.as_of/<t>
std::string IndexMetaKey(const TableId& table, std::string_view index);  // copy.index/<t>/<i>

}  // namespace cutover::pipeline
