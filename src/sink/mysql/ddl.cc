// Ddl: CREATE TABLE, index DDL and chunk predicates for a MariaDB/MySQL target.
#include "sink/mysql/ddl.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "db/mysql/connection.h"
#include "sink/mysql/postgres_columns.h"

namespace cutover::mysql {
namespace {

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

// `column <op> literal` for key column `key_idx` of `schema` and bound `key`.
std::string Compare(const TableSchema& schema, const Key& key, size_t key_idx,
                    std::string_view op) {
  const Column& column = schema.columns[schema.key[key_idx]];
  return fmt::format("{} {} {}", QuoteIdentifier(column.name), op,
                     SqlLiteral(column.type, key.values[key_idx]));
}

// The nested form of (k0, k1, ...) <strict_op> (v0, v1, ...), with `last_op` on the last
// column: k0 > v0 OR (k0 = v0 AND (k1 > v1 OR (k1 = v1 AND k2 >= v2))).
std::string RowCompare(const TableSchema& schema, const Key& key, std::string_view strict_op,
                       std::string_view last_op, size_t key_idx = 0) {
  if (key_idx + 1 == schema.key.size()) return Compare(schema, key, key_idx, last_op);
  return fmt::format("({} OR ({} AND {}))", Compare(schema, key, key_idx, strict_op),
                     Compare(schema, key, key_idx, "="),
                     RowCompare(schema, key, strict_op, last_op, key_idx + 1));
}

bool IsKeyColumn(const TableSchema& schema, const Column& column) {
  for (size_t column_idx : schema.key) {
    if (schema.columns[column_idx].name == column.name) return true;
  }
  return false;
}

// The column's type: the source's own spelling from a MySQL/MariaDB source, the mapped type
// from a PostgreSQL one.
Result<std::string> TargetType(const TableSchema& schema, const Column& column) {
  if (!column.type.postgres) return column.type.source_name;
  return MariaDbTypeOfPostgres(column, IsKeyColumn(schema, column));
}

Result<std::string> ColumnDefinition(const TableSchema& schema, const Column& column) {
  CUTOVER_ASSIGN_OR_RETURN(std::string type, TargetType(schema, column));
  std::string out = fmt::format("{} {}", QuoteIdentifier(column.name), type);
  bool textual = column.type.value_kind() == ValueKind::kText ||
                 column.type.type == SqlType::kEnum || column.type.type == SqlType::kSet;
  if (textual && column.type.charset != Charset::kOther) {
    out += fmt::format(" CHARACTER SET {}", CharsetName(column.type.charset));
  }
  if (textual && !column.type.collation.empty()) {
    out += fmt::format(" COLLATE {}", column.type.collation);
  }
  out += column.nullable ? " NULL" : " NOT NULL";
  return out;
}

std::string KeyColumns(const TableSchema& schema) {
  std::vector<std::string> names;
  for (size_t column_idx : schema.key)
    names.push_back(QuoteIdentifier(schema.columns[column_idx].name));
  return fmt::format("({})", fmt::join(names, ", "));
}

bool IsKeyIndex(const TableSchema& schema, const Index& index) {
  return index.primary || (!schema.key_index.empty() && index.name == schema.key_index);
}

// MySQL names its primary key PRIMARY; PostgreSQL names it (orders_pkey) and marks it primary.
bool KeyIsPrimary(const TableSchema& schema) {
  if (schema.key_index.empty() || schema.key_index == "PRIMARY") return true;
  return std::any_of(schema.indexes.begin(), schema.indexes.end(), [&](const Index& index) {
    return index.primary && index.name == schema.key_index;
  });
}

// MariaDB indexes a TEXT/BLOB column only with a prefix length, which a PostgreSQL index does
// not give: such an index of a PostgreSQL source is not built (docs/type-mapping.md).
bool NeedsPrefix(const TableSchema& schema, const std::string& name) {
  std::optional<size_t> column_idx = schema.ColumnIndex(name);
  if (!column_idx || !schema.columns[*column_idx].type.postgres) return false;
  Result<std::string> type = TargetType(schema, schema.columns[*column_idx]);
  return !type.ok() || type->starts_with("LONG") || *type == "JSON";
}

}  // namespace

std::string FloatText(float value) { return ShortestDecimal(static_cast<double>(value)); }

std::string SqlLiteral(const ColumnType& type, const Value& value) {
  switch (value.kind()) {
    case ValueKind::kNull: return "NULL";
    case ValueKind::kFloat: return FloatText(value.as_float());
    case ValueKind::kInt: return fmt::format("{}", value.as_int());
    case ValueKind::kUInt: return fmt::format("{}", value.as_uint());
    case ValueKind::kDecimal: return value.as_decimal().ToString();
    case ValueKind::kBool: return value.as_bool() ? "1" : "0";
    case ValueKind::kEnum: return fmt::format("{}", value.as_enum().index);
    case ValueKind::kSet: return fmt::format("{}", value.as_set().bits);
    case ValueKind::kBit: return fmt::format("{}", value.as_bit().bits);
    case ValueKind::kBytes: return fmt::format("X'{}'", Hex(value.as_bytes()));
    case ValueKind::kText: {
      Charset charset =
          value.as_text().charset == Charset::kOther ? type.charset : value.as_text().charset;
      if (charset == Charset::kOther) return fmt::format("X'{}'", Hex(value.as_text().bytes));
      return fmt::format("_{} X'{}'", CharsetName(charset), Hex(value.as_text().bytes));
    }
    case ValueKind::kJson: return fmt::format("_utf8mb4 X'{}'", Hex(value.as_json()));
    default: return fmt::format("_utf8mb4 X'{}'", Hex(value.ToText()));
  }
}

std::string KeyRangePredicate(const TableSchema& schema, const ChunkBounds& bounds) {
  std::vector<std::string> parts;
  if (bounds.lower) parts.push_back(RowCompare(schema, *bounds.lower, ">", ">"));
  if (bounds.upper) parts.push_back(RowCompare(schema, *bounds.upper, "<", "<="));
  if (parts.empty()) return "1=1";
  return fmt::format("{}", fmt::join(parts, " AND "));
}

Result<std::string> CreateTableSql(const TableSchema& schema, const TableId& target) {
  std::vector<std::string> lines;
  for (const Column& column : schema.columns) {
    Result<std::string> definition = ColumnDefinition(schema, column);
    if (!definition.ok()) return definition.status().WithContext(schema.id.ToString());
    lines.push_back(*std::move(definition));
  }
  if (schema.has_key()) {
    lines.push_back(KeyIsPrimary(schema)
                        ? "PRIMARY KEY " + KeyColumns(schema)
                        : fmt::format("UNIQUE KEY {} {}", QuoteIdentifier(schema.key_index),
                                      KeyColumns(schema)));
  }
  std::string sql =
      fmt::format("CREATE TABLE {} (\n  {}\n)", QuoteQualified(target.schema, target.name),
                  fmt::join(lines, ",\n  "));
  if (!schema.charset.empty()) sql += " DEFAULT CHARSET=" + schema.charset;
  return sql;
}

std::vector<Index> DeferredIndexes(const TableSchema& schema) {
  std::vector<Index> deferred;
  for (const Index& index : schema.indexes) {
    if (IsKeyIndex(schema, index)) continue;
    bool complete = !index.columns.empty();
    for (const std::string& column : index.columns) {
      if (!schema.ColumnIndex(column) || NeedsPrefix(schema, column)) complete = false;
    }
    if (!complete) continue;
    deferred.push_back(index);
    // pg_get_indexdef()'s CREATE INDEX means nothing to MariaDB: built from its columns.
    if (index.definition.starts_with("CREATE ")) deferred.back().definition.clear();
  }
  return deferred;
}

std::string AddIndexSql(const TableId& target, const Index& index) {
  std::string table = QuoteQualified(target.schema, target.name);
  if (!index.definition.empty())
    return fmt::format("ALTER TABLE {} ADD {}", table, index.definition);
  std::vector<std::string> columns;
  for (const std::string& column : index.columns) columns.push_back(QuoteIdentifier(column));
  return fmt::format("ALTER TABLE {} ADD {}INDEX {} ({})", table, index.unique ? "UNIQUE " : "",
                     QuoteIdentifier(index.name), fmt::join(columns, ", "));
}

}  // namespace cutover::mysql
