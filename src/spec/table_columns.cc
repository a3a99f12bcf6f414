// TableColumns: the row identity key; a rule's `columns` applied to a source schema; the no-key
// refusal.
#include "spec/table_columns.h"

#include <algorithm>
#include <set>
#include <string>

namespace cutover {

void ChooseKey(const std::vector<const Index*>& candidates, TableSchema* schema) {
  const Index* best = nullptr;
  for (const Index* index : candidates) {
    if (index->primary) {
      best = index;
      break;
    }
    if (best == nullptr || index->columns.size() < best->columns.size()) best = index;
  }
  if (best == nullptr) return;
  schema->key_index = best->name;
  for (const std::string& name : best->columns) schema->key.push_back(*schema->ColumnIndex(name));
}

Status NoKeyError(const std::vector<TableId>& tables) {
  std::string names;
  for (const TableId& table : tables) names += (names.empty() ? "" : ", ") + table.ToString();
  bool one = tables.size() == 1;
  std::string message = one ? "table " : "tables ";
  message += names;
  message += one ? " has" : " have";
  message +=
      " no primary key and no unique index over NOT NULL columns; cutover copies and applies "
      "changes by key: add a primary key or exclude ";
  message += one ? "it" : "them";
  message += " in `tables`";
  return Status::FailedPrecondition(message);
}

Result<TableSchema> NarrowToColumns(const TableSchema& schema, const TableRule& rule) {
  if (rule.columns.empty()) return schema;
  std::set<std::string> keep(rule.columns.begin(), rule.columns.end());
  for (const std::string& name : keep) {
    if (!schema.ColumnIndex(name)) {
      std::string message = "tables entry '";
      message += rule.match + "': columns: table " + schema.id.ToString() + " has no column '" +
                 name + "'";
      return Status::InvalidArgument(message);
    }
  }
  for (size_t key_column : schema.key) keep.insert(schema.columns[key_column].name);
  TableSchema narrowed = schema;
  narrowed.columns.clear();
  narrowed.key.clear();
  narrowed.indexes.clear();
  for (const Column& column : schema.columns) {
    if (keep.count(column.name)) narrowed.columns.push_back(column);
  }
  for (size_t key_column : schema.key) {
    narrowed.key.push_back(*narrowed.ColumnIndex(schema.columns[key_column].name));
  }
  for (const Index& index : schema.indexes) {
    bool covered = std::all_of(index.columns.begin(), index.columns.end(),
                               [&](const std::string& name) { return keep.count(name) > 0; });
    if (covered) narrowed.indexes.push_back(index);
  }
  return narrowed;
}

}  // namespace cutover
