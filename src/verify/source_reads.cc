// SourceReads: verify's and repair's source reads through the Source.
#include "verify/source_reads.h"

#include <algorithm>

namespace cutover::verify {
namespace {

constexpr size_t kKeysPerSelect = 500;

}  // namespace

Result<std::unique_ptr<SourceReads>> SourceReads::Open(const Spec& spec) {
  CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<Source> source, OpenSource(spec));
  return std::unique_ptr<SourceReads>(new SourceReads(std::move(source)));
}

Result<ChunkRows> SourceReads::Read(const TableSchema& schema, const ChunkSelect& select) {
  Result<ChunkRows> rows = Status::Unavailable("no session yet");
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (reader_ == nullptr) {
      Result<std::unique_ptr<ChunkReader>> opened = source_->OpenChunkReader();
      if (!opened.ok()) {
        return opened.status().WithContext("reading source table " + schema.id.ToString());
      }
      reader_ = *std::move(opened);
    }
    rows = reader_->ReadChunk(schema, select);
    if (rows.status().code() != StatusCode::kUnavailable) break;
    reader_.reset();  // a lost session: a new one, once
  }
  if (!rows.ok()) return rows.status().WithContext("reading source table " + schema.id.ToString());
  return rows;
}

Result<std::vector<Row>> SourceReads::ReadRange(const TableSchema& schema,
                                                const std::string& filter,
                                                const std::optional<Key>& lower,
                                                const std::optional<Key>& upper, int64_t page) {
  std::vector<Row> out;
  ChunkSelect select{lower, upper, filter, std::max<int64_t>(page, 1)};
  while (true) {
    CUTOVER_ASSIGN_OR_RETURN(ChunkRows rows, Read(schema, select));
    const bool last = static_cast<int64_t>(rows.rows.size()) < select.limit;
    for (Row& row : rows.rows) out.push_back(std::move(row));
    if (last) return out;
    select.lower = KeyOf(schema, out.back());
  }
}

Result<std::map<std::string, Row>> SourceReads::ReadKeys(const TableSchema& schema,
                                                         const std::string& filter,
                                                         std::span<const Key> keys) {
  std::map<std::string, Row> out;
  for (size_t first = 0; first < keys.size(); first += kKeysPerSelect) {
    size_t count = std::min(kKeysPerSelect, keys.size() - first);
    ChunkSelect select{std::nullopt, std::nullopt, filter, static_cast<int64_t>(count)};
    select.keys.assign(keys.begin() + first, keys.begin() + first + count);
    CUTOVER_ASSIGN_OR_RETURN(ChunkRows rows, Read(schema, select));
    for (Row& row : rows.rows) out.emplace(KeyOf(schema, row).Encode(), std::move(row));
  }
  return out;
}

}  // namespace cutover::verify
