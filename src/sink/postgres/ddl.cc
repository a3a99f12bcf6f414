// Ddl: CREATE TABLE, the deferred primary key, CREATE INDEX and chunk predicates for a
// PostgreSQL target.
#include "sink/postgres/ddl.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "sink/postgres/type_mapping.h"

namespace cutover::postgres {
namespace {

// PostgreSQL truncates identifiers to 63 bytes (NAMEDATALEN - 1).
constexpr size_t kMaxIdentifier = 63;

uint32_t Fnv1a(std::string_view text) {
  uint32_t hash = 2166136261u;
  for (unsigned char c : text) hash = (hash ^ c) * 16777619u;
  return hash;
}

std::string IndexName(const TableId& target, const Index& index) {
  std::string name = target.name + "_" + index.name;
  if (name.size() <= kMaxIdentifier) return name;
  return fmt::format("{}_{:08x}", name.substr(0, kMaxIdentifier - 9), Fnv1a(name));
}

bool IsKeyIndex(const TableSchema& schema, const Index& index) {
  return index.primary || (!schema.key_index.empty() && index.name == schema.key_index);
}

std::string KeyColumns(const TableSchema& schema) {
  std::vector<std::string> names;
  for (size_t column_idx : schema.key)
    names.push_back(QuoteIdentifier(schema.columns[column_idx].name));
  return fmt::format("({})", fmt::join(names, ", "));
}

// "(k1, k2) <op> ($n, $n+1)" with the key's values as parameters.
Result<std::string> RowCompare(const TableSchema& schema, const Key& key, std::string_view op,
                               Params* params) {
  std::vector<std::string> placeholders;
  ValueAdjustments adjustments;
  for (size_t key_idx = 0; key_idx < schema.key.size(); ++key_idx) {
    const Column& column = schema.columns[schema.key[key_idx]];
    CUTOVER_ASSIGN_OR_RETURN(std::optional<std::string> text,
                             PostgresText(column.type, key.values[key_idx], &adjustments));
    params->push_back(std::move(text));
    placeholders.push_back(fmt::format("${}", params->size()));
  }
  return fmt::format("{} {} ({})", KeyColumns(schema), op, fmt::join(placeholders, ", "));
}

// `elements` as a PostgreSQL array literal: {"a","b\\"c",NULL}.
std::string ArrayLiteral(const std::vector<std::optional<std::string>>& elements) {
  std::string out = "{";
  for (size_t element_idx = 0; element_idx < elements.size(); ++element_idx) {
    if (element_idx > 0) out += ',';
    if (!elements[element_idx]) {
      out += "NULL";
      continue;
    }
    out += '"';
    for (char c : *elements[element_idx]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

}  // namespace

Result<std::string> CreateTableSql(const TableSchema& schema, const TableId& target) {
  std::vector<std::string> lines;
  for (const Column& column : schema.columns) {
    CUTOVER_ASSIGN_OR_RETURN(std::string type, PostgresType(column.type));
    std::string name = QuoteIdentifier(column.name);
    std::string line = fmt::format("{} {}{}", name, type, column.nullable ? "" : " NOT NULL");
    std::string check = PostgresCheck(column.type, name);
    if (!check.empty()) line += fmt::format(" CHECK ({})", check);
    lines.push_back(std::move(line));
  }
  return fmt::format("CREATE TABLE {} (\n  {}\n)", QuoteQualified(target.schema, target.name),
                     fmt::join(lines, ",\n  "));
}

Index PrimaryKeyIndex(const TableSchema& schema, const TableId& target) {
  Index key;
  key.name = IndexName(target, Index{"pkey", {}, false, false, ""});
  for (size_t column_idx : schema.key) key.columns.push_back(schema.columns[column_idx].name);
  key.unique = true;
  key.primary = true;
  return key;
}

std::string AddPrimaryKeySql(const TableId& target, const Index& key) {
  std::vector<std::string> columns;
  for (const std::string& column : key.columns) columns.push_back(QuoteIdentifier(column));
  return fmt::format("ALTER TABLE {} ADD CONSTRAINT {} PRIMARY KEY ({})",
                     QuoteQualified(target.schema, target.name), QuoteIdentifier(key.name),
                     fmt::join(columns, ", "));
}

std::vector<Index> DeferredIndexes(const TableSchema& schema, const TableId& target) {
  std::vector<Index> deferred;
  for (const Index& index : schema.indexes) {
    if (IsKeyIndex(schema, index) || index.columns.empty()) continue;
    // MySQL FULLTEXT and SPATIAL indexes have no btree meaning; PostgreSQL needs its own
    // (tsvector GIN, PostGIS GiST) built by a person who knows the queries.
    if (index.definition.starts_with("FULLTEXT ") || index.definition.starts_with("SPATIAL ")) {
      continue;
    }
    bool complete = true;
    for (const std::string& column : index.columns) {
      if (!schema.ColumnIndex(column)) complete = false;
    }
    if (!complete) continue;
    Index renamed = index;
    renamed.name = IndexName(target, index);
    renamed.definition.clear();  // a MySQL fragment means nothing to PostgreSQL
    deferred.push_back(std::move(renamed));
  }
  return deferred;
}

std::string CreateIndexSql(const TableId& target, const Index& index) {
  std::vector<std::string> columns;
  for (const std::string& column : index.columns) columns.push_back(QuoteIdentifier(column));
  return fmt::format("CREATE {}INDEX IF NOT EXISTS {} ON {} ({})", index.unique ? "UNIQUE " : "",
                     QuoteIdentifier(index.name), QuoteQualified(target.schema, target.name),
                     fmt::join(columns, ", "));
}

Result<std::string> KeyRangePredicate(const TableSchema& schema, const ChunkBounds& bounds,
                                      Params* params) {
  std::vector<std::string> parts;
  if (bounds.lower) {
    CUTOVER_ASSIGN_OR_RETURN(std::string part, RowCompare(schema, *bounds.lower, ">", params));
    parts.push_back(std::move(part));
  }
  if (bounds.upper) {
    CUTOVER_ASSIGN_OR_RETURN(std::string part, RowCompare(schema, *bounds.upper, "<=", params));
    parts.push_back(std::move(part));
  }
  if (parts.empty()) return std::string("true");
  return fmt::format("{}", fmt::join(parts, " AND "));
}

bool KeyOrderIsPortable(const TableSchema& schema) {
  for (size_t column_idx : schema.key) {
    switch (schema.columns[column_idx].type.value_kind()) {
      case ValueKind::kText:
      case ValueKind::kEnum:
      case ValueKind::kSet:
      case ValueKind::kJson:
      case ValueKind::kOther: return false;
      default: break;
    }
  }
  return true;
}

Result<std::string> UnnestColumns(const TableSchema& schema, std::span<const size_t> columns,
                                  std::span<const Row* const> rows, Params* params) {
  std::vector<std::string> arrays;
  ValueAdjustments adjustments;
  for (size_t column_idx : columns) {
    const Column& column = schema.columns[column_idx];
    std::vector<std::optional<std::string>> elements;
    for (const Row* row : rows) {
      CUTOVER_ASSIGN_OR_RETURN(std::optional<std::string> text,
                               PostgresText(column.type, row->values[column_idx], &adjustments));
      elements.push_back(std::move(text));
    }
    CUTOVER_ASSIGN_OR_RETURN(std::string type, PostgresType(column.type));
    params->push_back(ArrayLiteral(elements));
    arrays.push_back(fmt::format("${}::{}[]", params->size(), type));
  }
  return fmt::format("unnest({})", fmt::join(arrays, ", "));
}

Result<std::string> KeyListPredicate(const TableSchema& schema, std::span<const Row* const> rows,
                                     Params* params) {
  if (rows.empty()) return std::string("false");
  CUTOVER_ASSIGN_OR_RETURN(std::string unnest, UnnestColumns(schema, schema.key, rows, params));
  return fmt::format("{} IN (SELECT * FROM {})", KeyColumns(schema), unnest);
}

Result<std::string> KeyListPredicate(const TableSchema& schema, std::span<const Row> rows,
                                     Params* params) {
  std::vector<const Row*> pointers;
  for (const Row& row : rows) pointers.push_back(&row);
  return KeyListPredicate(schema, std::span<const Row* const>(pointers), params);
}

}  // namespace cutover::postgres
