// CopyPlan: range counts, chunk ids, resume points, chunk sizing and the stored plan's JSON.
#include "pipeline/copy_plan.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include "core/coding.h"

namespace cutover::pipeline {
namespace {

Result<std::string> Unhex(std::string_view hex) {
  std::optional<std::string> bytes = coding::HexDecode(hex);
  if (!bytes) return Status::DataLoss("copy plan: a key is not valid hex");
  return *bytes;
}

}  // namespace

int RangeCount(int64_t rows_estimate, int64_t chunk_rows, int copy_workers) {
  chunk_rows = std::max<int64_t>(chunk_rows, 1);
  if (rows_estimate < 4 * chunk_rows || copy_workers <= 1) return 1;
  int64_t by_size = rows_estimate / (2 * chunk_rows);
  return static_cast<int>(std::clamp<int64_t>(by_size, 1, 2 * copy_workers));
}

std::vector<KeyRange> RangesFromBoundaries(const std::vector<Key>& boundaries) {
  std::vector<KeyRange> ranges;
  std::optional<Key> lower;
  for (const Key& boundary : boundaries) {
    ranges.push_back(KeyRange{static_cast<int>(ranges.size()), lower, boundary});
    lower = boundary;
  }
  ranges.push_back(KeyRange{static_cast<int>(ranges.size()), lower, std::nullopt});
  return ranges;
}

std::string EncodeBound(const std::optional<Key>& bound) { return bound ? bound->Encode() : ""; }

Result<std::optional<Key>> DecodeBound(std::string_view bytes) {
  if (bytes.empty()) return std::optional<Key>();
  CUTOVER_ASSIGN_OR_RETURN(Key key, Key::Decode(bytes));
  return std::optional<Key>(std::move(key));
}

int64_t ChunkId(int range_index, int64_t sequence) {
  return range_index * kChunksPerRange + sequence;
}

Result<RangeResume> ResumeRange(const KeyRange& range, const std::vector<ChunkRecord>& chunks) {
  RangeResume resume;
  resume.lower = range.lower;
  const ChunkRecord* last = nullptr;
  for (const ChunkRecord& chunk : chunks) {
    if (chunk.chunk_id / kChunksPerRange != range.index) continue;
    resume.rows_done += chunk.rows;
    if (last == nullptr || chunk.chunk_id > last->chunk_id) last = &chunk;
  }
  if (last == nullptr) return resume;
  resume.next_sequence = last->chunk_id % kChunksPerRange + 1;
  resume.done = last->upper_key == EncodeBound(range.upper);
  if (!resume.done) {
    CUTOVER_ASSIGN_OR_RETURN(resume.lower, DecodeBound(last->upper_key));
  }
  return resume;
}

int64_t NextChunkRows(int64_t current, std::chrono::nanoseconds elapsed,
                      std::chrono::milliseconds target, int64_t last_bytes, int64_t max_bytes) {
  double ratio = 2.0;
  if (elapsed.count() > 0) {
    ratio = std::chrono::duration<double>(target) / std::chrono::duration<double>(elapsed);
  }
  ratio = std::clamp(ratio, 0.5, 2.0);
  auto next = static_cast<int64_t>(static_cast<double>(current) * ratio);
  if (last_bytes > 0 && current > 0) {
    int64_t bytes_per_row = std::max<int64_t>(last_bytes / current, 1);
    next = std::min(next, max_bytes / bytes_per_row);
  }
  return std::clamp<int64_t>(next, 100, 1'000'000);
}

std::string StoredTablePlan::ToJson() const {
  nlohmann::json json;
  json["boundaries"] = nlohmann::json::array();
  for (const Key& key : boundaries) json["boundaries"].push_back(coding::HexEncode(key.Encode()));
  json["deferred"] = nlohmann::json::array();
  for (const Index& index : deferred) {
    json["deferred"].push_back({{"name", index.name},
                                {"columns", index.columns},
                                {"unique", index.unique},
                                {"primary", index.primary},
                                {"definition", index.definition}});
  }
  json["created"] = created;
  return json.dump();
}

Result<StoredTablePlan> StoredTablePlan::FromJson(std::string_view text) {
  nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object() || !json["boundaries"].is_array() ||
      !json["deferred"].is_array()) {
    return Status::DataLoss(fmt::format("copy plan in the state store is malformed: {}", text));
  }
  StoredTablePlan plan;
  for (const auto& hex : json["boundaries"]) {
    if (!hex.is_string()) return Status::DataLoss("copy plan: a boundary is not a string");
    CUTOVER_ASSIGN_OR_RETURN(std::string bytes, Unhex(hex.get<std::string>()));
    CUTOVER_ASSIGN_OR_RETURN(Key key, Key::Decode(bytes));
    plan.boundaries.push_back(std::move(key));
  }
  for (const auto& entry : json["deferred"]) {
    Index index;
    index.name = entry.value("name", "");
    index.columns = entry.value("columns", std::vector<std::string>{});
    index.unique = entry.value("unique", false);
    index.primary = entry.value("primary", false);  // absent in plans of older versions
    index.definition = entry.value("definition", "");
    plan.deferred.push_back(std::move(index));
  }
  plan.created = json.value("created", false);
  return plan;
}

std::string PlanMetaKey(const TableId& table) { return "copy.plan/" + table.ToString(); }
std::string CopiedAsOfMetaKey(const TableId& table) {
  return std::string(kCopiedAsOfPrefix) + table.ToString();
}
std::string PreparedMetaKey(const TableId& table) { return "copy.prepared/" + table.ToString(); }
std::string IndexMetaKey(const TableId& table, std::string_view index) {
  return "copy.index/" + table.ToString() + "/" + std::string(index);
}

}  // namespace cutover::pipeline
