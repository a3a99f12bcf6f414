// SnapshotReader: chunk selects and key samples, rows typed through ParseMysqlText.
#include "source/mysql/snapshot_reader.h"

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
  CUTOVER_ASSIGN_OR_RETURN(QueryResult result, connection.Query(sql));
  ChunkRows chunk;
  chunk.rows.reserve(result.rows.size());
  for (const SqlRow& sql_row : result.rows) {
    Row row;
    row.values.reserve(schema.columns.size());
    for (size_t column = 0; column < schema.columns.size(); ++column) {
      CUTOVER_ASSIGN_OR_RETURN(Value value,
                               ParseCell(schema, schema.columns[column], sql_row[column]));
      chunk.bytes += sql_row[column] ? static_cast<int64_t>(sql_row[column]->size()) : 0;
      row.values.push_back(std::move(value));
    }
    chunk.rows.push_back(std::move(row));
  }
  return chunk;
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
