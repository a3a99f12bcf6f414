// SnapshotSchema: information_schema queries -> TableSchema with the row identity key.
#include "source/mysql/snapshot_schema.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "core/parse_number.h"
#include "spec/table_columns.h"

namespace cutover::mysql {
namespace {

const std::string& Text(const SqlRow& row, size_t column) {
  static const std::string kEmpty;
  return row[column] ? *row[column] : kEmpty;
}

std::string CharsetOfCollation(std::string_view collation) {
  return std::string(collation.substr(0, collation.find('_')));
}

Status LoadColumns(Connection& connection, TableSchema* schema) {
  std::string sql = fmt::format(
      "SELECT COLUMN_NAME, COLUMN_TYPE, CHARACTER_SET_NAME, COLLATION_NAME, IS_NULLABLE "
      "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = {} AND TABLE_NAME = {} "
      "ORDER BY ORDINAL_POSITION",
      connection.QuoteString(schema->id.schema), connection.QuoteString(schema->id.name));
  CUTOVER_ASSIGN_OR_RETURN(QueryResult result, connection.Query(sql));
  if (result.rows.empty()) {
    return Status::NotFound(
        fmt::format("table {} does not exist on the source", schema->id.ToString()));
  }
  for (const SqlRow& row : result.rows) {
    Result<ColumnType> type = ParseMysqlColumnType(Text(row, 1), Text(row, 2), Text(row, 3));
    if (!type.ok()) {
      return type.status().WithContext(
          fmt::format("{} column {}", schema->id.ToString(), Text(row, 0)));
    }
    schema->columns.push_back(Column{Text(row, 0), *std::move(type), Text(row, 4) == "YES"});
  }
  return Status::Ok();
}

// One index's DDL fragment: "UNIQUE KEY `name` (`a`,`b`(10))".
std::string IndexDefinition(const Index& index, const std::string& kind,
                            const std::vector<std::string>& parts) {
  std::string prefix = index.primary        ? "PRIMARY KEY"
                       : kind == "FULLTEXT" ? "FULLTEXT KEY " + QuoteIdentifier(index.name)
                       : kind == "SPATIAL"  ? "SPATIAL KEY " + QuoteIdentifier(index.name)
                       : index.unique       ? "UNIQUE KEY " + QuoteIdentifier(index.name)
                                            : "KEY " + QuoteIdentifier(index.name);
  std::string columns;
  for (const std::string& part : parts) {
    columns += (columns.empty() ? "" : ",") + part;
  }
  return prefix + " (" + columns + ")";
}

struct IndexRows {
  Index index;
  std::string kind;
  std::vector<std::string> parts;  // quoted column with its prefix length
  bool has_prefix = false;
};

Status LoadIndexes(Connection& connection, TableSchema* schema,
                   std::map<std::string, IndexRows>* by_name) {
  std::string sql = fmt::format(
      "SELECT INDEX_NAME, NON_UNIQUE, COLUMN_NAME, SUB_PART, INDEX_TYPE "
      "FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = {} AND TABLE_NAME = {} "
      "ORDER BY INDEX_NAME = 'PRIMARY' DESC, INDEX_NAME, SEQ_IN_INDEX",
      connection.QuoteString(schema->id.schema), connection.QuoteString(schema->id.name));
  CUTOVER_ASSIGN_OR_RETURN(QueryResult result, connection.Query(sql));
  std::vector<std::string> order;
  for (const SqlRow& row : result.rows) {
    auto [it, inserted] = by_name->try_emplace(Text(row, 0));
    IndexRows& entry = it->second;
    if (inserted) {
      order.push_back(Text(row, 0));
      entry.index.name = Text(row, 0);
      entry.index.primary = entry.index.name == "PRIMARY";
      entry.index.unique = Text(row, 1) == "0";
      entry.kind = Text(row, 4);
    }
    entry.index.columns.push_back(Text(row, 2));
    std::string part = QuoteIdentifier(Text(row, 2));
    if (row[3]) {
      part += "(" + *row[3] + ")";
      entry.has_prefix = true;
    }
    entry.parts.push_back(part);
  }
  for (const std::string& name : order) {
    IndexRows& entry = (*by_name)[name];
    entry.index.definition = IndexDefinition(entry.index, entry.kind, entry.parts);
    schema->indexes.push_back(entry.index);
  }
  return Status::Ok();
}

bool IsKeyCandidate(const TableSchema& schema, const IndexRows& entry) {
  if (entry.index.primary) return true;
  if (!entry.index.unique || entry.has_prefix) return false;
  return std::all_of(entry.index.columns.begin(), entry.index.columns.end(),
                     [&](const std::string& name) {
                       std::optional<size_t> column = schema.ColumnIndex(name);
                       return column && !schema.columns[*column].nullable;
                     });
}

std::vector<const Index*> KeyCandidates(const std::map<std::string, IndexRows>& by_name,
                                        const TableSchema& schema) {
  std::vector<const Index*> candidates;
  for (const auto& [name, entry] : by_name) {
    if (IsKeyCandidate(schema, entry)) candidates.push_back(&entry.index);
  }
  return candidates;
}

Result<std::vector<std::pair<TableId, int64_t>>> ListBaseTables(Connection& connection) {
  CUTOVER_ASSIGN_OR_RETURN(
      QueryResult result,
      connection.Query("SELECT TABLE_SCHEMA, TABLE_NAME, COALESCE(TABLE_ROWS, 0) "
                       "FROM information_schema.TABLES WHERE TABLE_TYPE = 'BASE TABLE' AND "
                       "TABLE_SCHEMA NOT IN ('mysql', 'information_schema', "
                       "'performance_schema', 'sys') ORDER BY TABLE_SCHEMA, TABLE_NAME"));
  std::vector<std::pair<TableId, int64_t>> tables;
  for (const SqlRow& row : result.rows) {
    TableId table{Text(row, 0), Text(row, 1)};
    CUTOVER_ASSIGN_OR_RETURN(
        int64_t estimate,
        ParseInteger<int64_t>(Text(row, 2), fmt::format("TABLE_ROWS of {}", table.ToString())));
    tables.emplace_back(std::move(table), estimate);
  }
  return tables;
}

}  // namespace

Result<TableSchema> LoadTableSchema(Connection& connection, const TableId& table) {
  TableSchema schema;
  schema.id = table;
  CUTOVER_RETURN_IF_ERROR(LoadColumns(connection, &schema));
  std::map<std::string, IndexRows> by_name;
  CUTOVER_RETURN_IF_ERROR(LoadIndexes(connection, &schema, &by_name));
  ChooseKey(KeyCandidates(by_name, schema), &schema);
  CUTOVER_ASSIGN_OR_RETURN(
      QueryResult collation,
      connection.Query(fmt::format("SELECT TABLE_COLLATION FROM information_schema.TABLES "
                                   "WHERE TABLE_SCHEMA = {} AND TABLE_NAME = {}",
                                   connection.QuoteString(table.schema),
                                   connection.QuoteString(table.name))));
  if (!collation.rows.empty()) schema.charset = CharsetOfCollation(Text(collation.rows[0], 0));
  return schema;
}

Result<std::vector<SelectedTable>> LoadSelectedTables(Connection& connection, const Spec& spec) {
  CUTOVER_ASSIGN_OR_RETURN(auto base_tables, ListBaseTables(connection));
  std::vector<SelectedTable> selected;
  std::vector<TableId> without_key;
  for (auto& [id, estimate] : base_tables) {
    const TableRule* rule = SelectTable(spec, id.schema, id.name);
    if (rule == nullptr) continue;
    CUTOVER_ASSIGN_OR_RETURN(TableSchema schema, LoadTableSchema(connection, id));
    if (!schema.has_key()) without_key.push_back(id);
    selected.push_back(SelectedTable{std::move(schema), rule, estimate});
  }
  if (!without_key.empty()) return NoKeyError(without_key);
  return selected;
}

}  // namespace cutover::mysql
