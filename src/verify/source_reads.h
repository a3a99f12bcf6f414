// SourceReads: the source rows verify and repair compare and re-send, read through the
// engine-neutral Source (cutover/source.h), so a MariaDB/MySQL and a PostgreSQL source share one
// verifier: chunks, key ranges in pages, and single keys, on one session that is opened again
// once when it is lost. Used by one thread at a time.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cutover/source.h"
#include "cutover/spec.h"

namespace cutover::verify {

class SourceReads {
 public:
  // Opens the spec's source (OpenSource); does not connect yet.
  static Result<std::unique_ptr<SourceReads>> Open(const Spec& spec);

  // The selected tables (Source::LoadSelectedTables).
  Result<std::vector<SourceTable>> LoadSelectedTables() { return source_->LoadSelectedTables(); }

  // Keys splitting a table into about `ranges` ranges (Source::PlanKeyBoundaries).
  Result<std::vector<Key>> PlanKeyBoundaries(const TableSchema& schema, int64_t rows_estimate,
                                             int ranges) {
    return source_->PlanKeyBoundaries(schema, rows_estimate, ranges);
  }

  // One chunk select (ChunkReader::ReadChunk); errors carry the table's name.
  Result<ChunkRows> Read(const TableSchema& schema, const ChunkSelect& select);

  // Every row of `schema` with lower < key <= upper that `filter` keeps, in key order, read in
  // pages of `page` rows (a range may hold any number of rows).
  Result<std::vector<Row>> ReadRange(const TableSchema& schema, const std::string& filter,
                                     const std::optional<Key>& lower,
                                     const std::optional<Key>& upper, int64_t page);

  // The rows with one of `keys` that `filter` keeps, by Key::Encode(); a key without a row is
  // left out. Read in selects of at most 500 keys.
  Result<std::map<std::string, Row>> ReadKeys(const TableSchema& schema,
                                              const std::string& filter,
                                              std::span<const Key> keys);

 private:
  explicit SourceReads(std::unique_ptr<Source> source) : source_(std::move(source)) {}

  std::unique_ptr<Source> source_;
  std::unique_ptr<ChunkReader> reader_;  // opened at the first read, again after a lost session
};

}  // namespace cutover::verify
