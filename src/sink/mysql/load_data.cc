// LoadData: the LOAD DATA escape format for every Value kind and the statement reading it.
#include "sink/mysql/load_data.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "db/mysql/connection.h"
#include "sink/mysql/ddl.h"

namespace cutover::mysql {
namespace {

void AppendEscaped(std::string_view bytes, std::string* out) {
  for (char c : bytes) {
    switch (c) {
      case '\\': out->append("\\\\"); break;
      case '\t': out->append("\\t"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\0': out->append("\\0"); break;
      default: out->push_back(c);
    }
  }
}

// Columns loaded through a user variable and a SET clause instead of directly.
bool NeedsVariable(const ColumnType& type) {
  return type.type == SqlType::kBit || type.type == SqlType::kJson;
}

std::string VariableName(size_t column_idx) { return fmt::format("@c{}", column_idx); }

}  // namespace

void AppendLoadDataField(const ColumnType& type, const Value& value, std::string* out) {
  switch (value.kind()) {
    case ValueKind::kNull: out->append("\\N"); return;
    case ValueKind::kInt:
      if (type.type == SqlType::kYear) {
        out->append(fmt::format("{:04d}", value.as_int()));
        return;
      }
      out->append(fmt::format("{}", value.as_int()));
      return;
    case ValueKind::kBit: out->append(fmt::format("{}", value.as_bit().bits)); return;
    case ValueKind::kBool: out->push_back(value.as_bool() ? '1' : '0'); return;
    case ValueKind::kFloat: out->append(FloatText(value.as_float())); return;
    case ValueKind::kEnum: AppendEscaped(value.as_enum().label, out); return;
    case ValueKind::kSet: AppendEscaped(value.as_set().labels, out); return;
    default: AppendEscaped(value.ToText(), out); return;
  }
}

void AppendLoadDataRow(const TableSchema& schema, const Row& row, std::string* out) {
  for (size_t column_idx = 0; column_idx < schema.columns.size(); ++column_idx) {
    if (column_idx > 0) out->push_back('\t');
    AppendLoadDataField(schema.columns[column_idx].type, row.values[column_idx], out);
  }
  out->push_back('\n');
}

std::string LoadDataStatement(const TableSchema& schema, const TableId& target) {
  std::vector<std::string> fields;
  std::vector<std::string> assignments;
  for (size_t column_idx = 0; column_idx < schema.columns.size(); ++column_idx) {
    const Column& column = schema.columns[column_idx];
    if (!NeedsVariable(column.type)) {
      fields.push_back(QuoteIdentifier(column.name));
      continue;
    }
    std::string variable = VariableName(column_idx);
    fields.push_back(variable);
    // BIT: LOAD DATA would store the field's characters as bytes; the decimal text cast to an
    // integer stores the value. JSON: MySQL refuses JSON from a binary-charset string.
    std::string expression = column.type.type == SqlType::kBit
                                 ? fmt::format("CAST({} AS UNSIGNED)", variable)
                                 : fmt::format("CONVERT({} USING utf8mb4)", variable);
    assignments.push_back(fmt::format("{} = {}", QuoteIdentifier(column.name), expression));
  }
  std::string sql = fmt::format(
      "LOAD DATA LOCAL INFILE 'cutover-chunk' REPLACE INTO TABLE {} CHARACTER SET binary "
      "FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' ({})",
      QuoteQualified(target.schema, target.name), fmt::join(fields, ", "));
  if (!assignments.empty()) sql += fmt::format(" SET {}", fmt::join(assignments, ", "));
  return sql;
}

}  // namespace cutover::mysql
