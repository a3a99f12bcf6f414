// SnapshotReader: chunk selects and key samples, rows typed through ParseMysqlText.
#include "source/mysql/snapshot_reader.h"

#include <algorithm>

#include <fmt/format.h>

namespace cutover::mysql {
namespace {

Result<Value> ParseCell(const TableSchema& schema, const Column& column,
                        const std::optional<std::string>& cell) {
  if (!cell) return Value::Null();
  Result<Value> value = ParseMysqlText(column.type, *cell);
  if (!value.ok()) {
    return Status::DataLoss(fmt::format("{} column {}: {}", schema.id.ToString(), column.name,
                                        value.status().message()));
  }
  return value;
}

}  // namespace

Result<ChunkRows> ReadChunk(Connection& connection, const TableSchema& schema,
                            const ChunkSelect& select) {
  CUTOVER_ASSIGN_OR_RETURN(std::string sql, BuildChunkSelect(schema, select));
  ChunkRows chunk;
  chunk.rows.reserve(static_cast<size_t>(std::clamp<int64_t>(select.limit, 0, 1 << 16)));
  // Each value is parsed straight from the client's receive buffer: the only copy of a string
  // is the one its Value owns.
  CUTOVER_RETURN_IF_ERROR(connection.QueryEach(sql, [&](Connection::RowView cells) -> Status {
    Row& row = chunk.rows.emplace_back();
    row.values.reserve(schema.columns.size());
    for (size_t column = 0; column < schema.columns.size(); ++column) {
      const std::optional<std::string_view>& cell = cells[column];
      if (!cell) {
        row.values.push_back(Value::Null());
        continue;
      }
      Result<Value> value = ParseMysqlText(schema.columns[column].type, *cell);
      if (!value.ok()) {
        return Status::DataLoss(fmt::format("{} column {}: {}", schema.id.ToString(),
                                            schema.columns[column].name, value.status().message()));
      }
      chunk.bytes += static_cast<int64_t>(cell->size());
      row.values.push_back(std::move(value).value());
    }
    return Status::Ok();
  }));
  return chunk;
}

Result<std::vector<Row>> ReadKeyRange(Connection& connection, const TableSchema& schema,
                                      const std::string& filter, const std::optional<Key>& lower,
                                      const std::optional<Key>& upper, int64_t page) {
  std::vector<Row> out;
  std::optional<Key> from = lower;
  while (true) {
    CUTOVER_ASSIGN_OR_RETURN(ChunkRows rows,
                             ReadChunk(connection, schema, ChunkSelect{from, upper, filter, page}));
    bool end = static_cast<int64_t>(rows.rows.size()) < page;
    if (!rows.rows.empty()) from = KeyOf(schema, rows.rows.back());
    for (Row& row : rows.rows) out.push_back(std::move(row));
    if (end) return out;
  }
}

Result<std::vector<Row>> ReadKeys(Connection& connection, const TableSchema& schema,
                                  const std::string& filter, std::span<const Key> keys,
                                  int64_t page) {
  std::vector<Row> out;
  for (size_t start = 0; start < keys.size(); start += static_cast<size_t>(page)) {
    ChunkSelect select;
    select.filter = filter;
    size_t end = std::min(keys.size(), start + static_cast<size_t>(page));
    select.keys.assign(keys.begin() + static_cast<ptrdiff_t>(start),
                       keys.begin() + static_cast<ptrdiff_t>(end));
    select.limit = static_cast<int64_t>(select.keys.size());
    CUTOVER_ASSIGN_OR_RETURN(ChunkRows rows, ReadChunk(connection, schema, select));
    for (Row& row : rows.rows) out.push_back(std::move(row));
  }
  return out;
}

namespace {

// An integer key as an unsigned number in the same order (signed values offset by 2^63), so
// the arithmetic of a split never overflows.
constexpr uint64_t kSignBit = uint64_t{1} << 63;

uint64_t OrderedBits(const Value& value) {
  return value.kind() == ValueKind::kUInt ? value.as_uint()
                                          : static_cast<uint64_t>(value.as_int()) ^ kSignBit;
}

Value FromOrderedBits(ValueKind kind, uint64_t bits) {
  return kind == ValueKind::kUInt ? Value::UInt(bits)
                                  : Value::Int(static_cast<int64_t>(bits ^ kSignBit));
}

// The smallest and largest value of the single integer key column; nullopt for an empty table.
// Two index dives: no rows are read.
Result<std::optional<std::pair<Value, Value>>> IntegerKeyBounds(Connection& connection,
                                                                const TableSchema& schema) {
  const Column& column = schema.columns[schema.key[0]];
  CUTOVER_ASSIGN_OR_RETURN(QueryResult result,
                           connection.Query(fmt::format(
                               "SELECT MIN({0}), MAX({0}) FROM {1}", QuoteIdentifier(column.name),
                               QuoteQualified(schema.id.schema, schema.id.name))));
  std::optional<std::pair<Value, Value>> bounds;
  if (result.rows.empty() || !result.rows[0][0] || !result.rows[0][1]) return bounds;
  CUTOVER_ASSIGN_OR_RETURN(Value low, ParseCell(schema, column, result.rows[0][0]));
  CUTOVER_ASSIGN_OR_RETURN(Value high, ParseCell(schema, column, result.rows[0][1]));
  bounds.emplace(std::move(low), std::move(high));
  return bounds;
}

}  // namespace

std::optional<std::vector<Key>> EvenIntegerBoundaries(const Value& low, const Value& high,
                                                      int64_t rows_estimate, int ranges) {
  const uint64_t first = OrderedBits(low);
  const uint64_t span = OrderedBits(high) - first;
  if (span / 4 >= static_cast<uint64_t>(rows_estimate)) return std::nullopt;
  const auto count = static_cast<uint64_t>(ranges);
  std::vector<Key> boundaries;
  uint64_t previous = first;
  for (uint64_t index = 1; index < count; ++index) {
    // first + span * index / count without overflow: span % count < count is small.
    uint64_t boundary = first + span / count * index + span % count * index / count;
    if (boundary <= previous) continue;
    Key key;
    key.values.push_back(FromOrderedBits(low.kind(), boundary));
    boundaries.push_back(std::move(key));
    previous = boundary;
  }
  return boundaries;
}

Result<std::vector<Key>> PlanKeyBoundaries(Connection& connection, const TableSchema& schema,
                                           int64_t rows_estimate, int ranges) {
  if (ranges <= 1 || rows_estimate <= 0) return std::vector<Key>{};
  ValueKind kind =
      schema.key.size() == 1 ? schema.columns[schema.key[0]].type.value_kind() : ValueKind::kNull;
  if (kind == ValueKind::kInt || kind == ValueKind::kUInt) {
    CUTOVER_ASSIGN_OR_RETURN(auto bounds, IntegerKeyBounds(connection, schema));
    if (!bounds) return std::vector<Key>{};
    std::optional<std::vector<Key>> even =
        EvenIntegerBoundaries(bounds->first, bounds->second, rows_estimate, ranges);
    if (even) return *std::move(even);
  }
  return SampleKeyBoundaries(connection, schema, std::max<int64_t>(rows_estimate / ranges, 1),
                             ranges - 1);
}

Result<std::vector<Key>> SampleKeyBoundaries(Connection& connection, const TableSchema& schema,
                                             int64_t step, int max_boundaries) {
  std::vector<Key> boundaries;
  std::optional<Key> lower;
  while (static_cast<int>(boundaries.size()) < max_boundaries) {
    CUTOVER_ASSIGN_OR_RETURN(std::string sql, BuildKeySample(schema, lower, step));
    CUTOVER_ASSIGN_OR_RETURN(QueryResult result, connection.Query(sql));
    if (result.rows.empty()) break;
    Key key;
    for (size_t part = 0; part < schema.key.size(); ++part) {
      const Column& column = schema.columns[schema.key[part]];
      CUTOVER_ASSIGN_OR_RETURN(Value value, ParseCell(schema, column, result.rows[0][part]));
      key.values.push_back(std::move(value));
    }
    boundaries.push_back(key);
    lower = std::move(key);
  }
  return boundaries;
}

}  // namespace cutover::mysql
