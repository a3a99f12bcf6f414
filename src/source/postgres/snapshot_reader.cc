// Chunk reads and key splits on a PostgreSQL source (snapshot_reader.h).
#include "source/postgres/snapshot_reader.h"

#include <algorithm>
#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "source/mysql/snapshot_reader.h"

namespace cutover::postgres {
namespace {

std::string KeyColumns(const TableSchema& schema) {
  std::string out;
  for (size_t key : schema.key) {
    if (!out.empty()) out += ", ";
    out += QuoteIdentifier(schema.columns[key].name);
  }
  return out;
}

// "(k1, k2) op ($n, $n+1)" (row-value comparison, which PostgreSQL answers with a range scan of
// the key's index), the bound's values appended to *params.
std::string KeyBound(const TableSchema& schema, const Key& bound, std::string_view op,
                     Params* params) {
  std::string values;
  for (const Value& value : bound.values) {
    params->push_back(KeyParamText(value));
    if (!values.empty()) values += ", ";
    values += fmt::format("${}", params->size());
  }
  return fmt::format("({}) {} ({})", KeyColumns(schema), op, values);
}

}  // namespace

std::string KeyParamText(const Value& value) {
  if (value.kind() != ValueKind::kBytes) return value.ToText();
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out = "\\x";
  for (char c : value.as_bytes()) {
    const auto byte = static_cast<unsigned char>(c);
    out.push_back(kDigits[byte >> 4]);
    out.push_back(kDigits[byte & 0xF]);
  }
  return out;
}

ChunkQuery BuildChunkQuery(const TableSchema& schema, const ChunkSelect& select) {
  ChunkQuery query;
  std::vector<std::string> where;
  if (select.lower) where.push_back(KeyBound(schema, *select.lower, ">", &query.params));
  if (select.upper) where.push_back(KeyBound(schema, *select.upper, "<=", &query.params));
  if (!select.keys.empty()) {
    std::vector<std::string> keys;
    for (const Key& key : select.keys) {
      std::vector<std::string> parts;
      for (const Value& value : key.values) {
        query.params.push_back(KeyParamText(value));
        parts.push_back(fmt::format("${}", query.params.size()));
      }
      keys.push_back(fmt::format("({})", fmt::join(parts, ", ")));
    }
    where.push_back(fmt::format("({}) IN ({})", KeyColumns(schema), fmt::join(keys, ", ")));
  }
  if (!select.filter.empty()) where.push_back(fmt::format("({})", select.filter));
  std::vector<std::string> columns;
  for (const Column& column : schema.columns) columns.push_back(QuoteIdentifier(column.name));
  query.sql =
      fmt::format("SELECT {} FROM {}{} ORDER BY {} LIMIT {}{}", fmt::join(columns, ", "),
                  QuoteQualified(schema.id.schema, schema.id.name),
                  where.empty() ? "" : " WHERE " + fmt::format("{}", fmt::join(where, " AND ")),
                  KeyColumns(schema), select.limit,
                  select.offset > 0 ? fmt::format(" OFFSET {}", select.offset) : "");
  return query;
}

PgChunkReader::PgChunkReader(std::unique_ptr<Connection> connection, ValueParser parse,
                             std::string snapshot)
    : connection_(std::move(connection)),
      parse_(std::move(parse)),
      snapshot_(std::move(snapshot)) {}

Result<ChunkRows> PgChunkReader::ReadChunk(const TableSchema& schema, const ChunkSelect& select) {
  if (snapshot_.empty()) return Read(schema, select);
  CUTOVER_RETURN_IF_ERROR(
      connection_->Execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").status());
  Status imported =
      connection_->Execute(fmt::format("SET TRANSACTION SNAPSHOT '{}'", snapshot_)).status();
  if (!imported.ok()) {
    CUTOVER_RETURN_IF_ERROR(connection_->Execute("ROLLBACK").status());
    if (imported.code() == StatusCode::kUnavailable) return imported;
    // The session exporting it ended: reading on outside it would mix two views of the source
    // in one table, which CDC cannot always make right (a key change that left a TOASTed value
    // out). Aborted: the copy runs again as a resumed copy, in a new snapshot (RunCopy).
    return Status::Aborted(fmt::format(
        "the copy's snapshot is gone ({}): the session that exported it ended",
        imported.message()));
  }
  Result<ChunkRows> rows = Read(schema, select);
  if (!rows.ok()) {
    (void)connection_->Execute("ROLLBACK");
    return rows.status();
  }
  CUTOVER_RETURN_IF_ERROR(connection_->Execute("COMMIT").status());
  return rows;
}

// Each value is parsed from libpq's result in place (QueryEach): no copy of the text first.
Result<ChunkRows> PgChunkReader::Read(const TableSchema& schema, const ChunkSelect& select) {
  ChunkQuery query = BuildChunkQuery(schema, select);
  ChunkRows out;
  auto take = [&](std::span<const CellView> cells) -> Status {
    Row& row = out.rows.emplace_back();
    row.values.resize(schema.columns.size());
    for (size_t column_idx = 0; column_idx < schema.columns.size(); ++column_idx) {
      const CellView& cell = cells[column_idx];
      if (!cell) continue;
      out.bytes += static_cast<int64_t>(cell->size());
      Result<Value> value = parse_(schema.columns[column_idx].type, *cell);
      if (!value.ok()) {
        return Status::DataLoss(fmt::format("{}.{}: {}", schema.id.ToString(),
                                            schema.columns[column_idx].name,
                                            value.status().message()));
      }
      row.values[column_idx] = *std::move(value);
    }
    return Status::Ok();
  };
  CUTOVER_RETURN_IF_ERROR(connection_->QueryEach(query.sql, query.params, take).status());
  return out;
}

Result<std::vector<Key>> PlanKeyBoundaries(Connection& connection, const TableSchema& schema,
                                           int64_t rows_estimate, int ranges,
                                           const ValueParser& parse) {
  if (ranges <= 1 || rows_estimate <= 0) return std::vector<Key>{};
  auto key_of = [&](const SqlRow& cells, size_t first) -> Result<Key> {
    Key key;
    for (size_t part = 0; part < schema.key.size(); ++part) {
      const std::optional<std::string>& cell = cells[first + part];
      if (!cell) return Status::DataLoss("a NULL key value in " + schema.id.ToString());
      CUTOVER_ASSIGN_OR_RETURN(Value value, parse(schema.columns[schema.key[part]].type, *cell));
      key.values.push_back(std::move(value));
    }
    return key;
  };
  const ValueKind kind =
      schema.key.size() == 1 ? schema.columns[schema.key[0]].type.value_kind() : ValueKind::kNull;
  const std::string table = QuoteQualified(schema.id.schema, schema.id.name);
  if (kind == ValueKind::kInt) {
    const std::string column = QuoteIdentifier(schema.columns[schema.key[0]].name);
    CUTOVER_ASSIGN_OR_RETURN(
        QueryResult bounds,
        connection.Query(fmt::format("SELECT min({0}), max({0}) FROM {1}", column, table)));
    if (bounds.rows.empty() || !bounds.rows[0][0]) return std::vector<Key>{};
    CUTOVER_ASSIGN_OR_RETURN(Key low, key_of(bounds.rows[0], 0));
    CUTOVER_ASSIGN_OR_RETURN(Key high, key_of(bounds.rows[0], 1));
    std::optional<std::vector<Key>> even =
        mysql::EvenIntegerBoundaries(low.values[0], high.values[0], rows_estimate, ranges);
    if (even) return *std::move(even);
  }
  // Every step-th key: one index scan of `step` keys per boundary.
  const int64_t step = std::max<int64_t>(rows_estimate / ranges, 1);
  std::vector<Key> boundaries;
  TableSchema keys_only = schema;
  keys_only.columns.clear();
  keys_only.key.clear();
  for (size_t key : schema.key) {
    keys_only.key.push_back(keys_only.columns.size());
    keys_only.columns.push_back(schema.columns[key]);
  }
  while (static_cast<int>(boundaries.size()) < ranges - 1) {
    ChunkSelect select;
    if (!boundaries.empty()) select.lower = boundaries.back();
    select.limit = 1;
    select.offset = step - 1;
    ChunkQuery query = BuildChunkQuery(keys_only, select);
    CUTOVER_ASSIGN_OR_RETURN(QueryResult result, connection.Query(query.sql, query.params));
    if (result.rows.empty()) break;
    CUTOVER_ASSIGN_OR_RETURN(Key key, key_of(result.rows[0], 0));
    boundaries.push_back(std::move(key));
  }
  return boundaries;
}

}  // namespace cutover::postgres
