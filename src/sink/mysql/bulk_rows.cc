// BulkRows: chunk rows as the parameter columns of a bulk REPLACE.
#include "sink/mysql/bulk_rows.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "sink/mysql/ddl.h"

namespace cutover::mysql {
namespace {

bool IsIntegerKind(ValueKind kind) {
  return kind == ValueKind::kInt || kind == ValueKind::kUInt || kind == ValueKind::kBit ||
         kind == ValueKind::kBool;
}

bool IsIntegerColumn(SqlType type) {
  switch (type) {
    case SqlType::kTinyInt:
    case SqlType::kSmallInt:
    case SqlType::kMediumInt:
    case SqlType::kInt:
    case SqlType::kBigInt:
    case SqlType::kYear:
    case SqlType::kBit:
    case SqlType::kBoolean: return true;
    default: return false;
  }
}

// How column `col` travels: integers when it is an integer column and every non-NULL value is
// an integer, as unsigned when any value needs it (and no value is negative), else as bytes.
BulkColumn::Kind ColumnKind(const ColumnType& type, std::span<const Row> rows, size_t col) {
  if (!IsIntegerColumn(type.type)) return BulkColumn::Kind::kBytes;
  bool any_unsigned = false;
  bool any_negative = false;
  for (const Row& row : rows) {
    const Value& value = row.values[col];
    if (value.is_null()) continue;
    if (!IsIntegerKind(value.kind())) return BulkColumn::Kind::kBytes;
    if (value.kind() == ValueKind::kUInt || value.kind() == ValueKind::kBit) any_unsigned = true;
    if (value.kind() == ValueKind::kInt && value.as_int() < 0) any_negative = true;
  }
  if (any_unsigned && any_negative) return BulkColumn::Kind::kBytes;
  return any_unsigned ? BulkColumn::Kind::kUnsigned : BulkColumn::Kind::kSigned;
}

int64_t IntegerOf(const Value& value) {
  switch (value.kind()) {
    case ValueKind::kInt: return value.as_int();
    case ValueKind::kUInt: return static_cast<int64_t>(value.as_uint());
    case ValueKind::kBit: return static_cast<int64_t>(value.as_bit().bits);
    case ValueKind::kBool: return value.as_bool() ? 1 : 0;
    default: return 0;
  }
}

void AppendText(const ColumnType& type, const Value& value, std::string* out) {
  switch (value.kind()) {
    case ValueKind::kInt:
      if (type.type == SqlType::kYear) {
        fmt::format_to(std::back_inserter(*out), "{:04d}", value.as_int());
        return;
      }
      fmt::format_to(std::back_inserter(*out), "{}", value.as_int());
      return;
    case ValueKind::kUInt: fmt::format_to(std::back_inserter(*out), "{}", value.as_uint()); return;
    case ValueKind::kBit:
      fmt::format_to(std::back_inserter(*out), "{}", value.as_bit().bits);
      return;
    case ValueKind::kBool: out->push_back(value.as_bool() ? '1' : '0'); return;
    case ValueKind::kFloat: out->append(FloatText(value.as_float())); return;
    case ValueKind::kBytes: out->append(value.as_bytes()); return;
    case ValueKind::kText: out->append(value.as_text().bytes); return;
    case ValueKind::kJson: out->append(value.as_json()); return;
    case ValueKind::kEnum: out->append(value.as_enum().label); return;
    case ValueKind::kSet: out->append(value.as_set().labels); return;
    default: out->append(value.ToText()); return;
  }
}

size_t ValueBytes(const Value& value) {
  switch (value.kind()) {
    case ValueKind::kBytes: return value.as_bytes().size();
    case ValueKind::kText: return value.as_text().bytes.size();
    case ValueKind::kJson: return value.as_json().size();
    case ValueKind::kOther: return value.as_other().text.size();
    case ValueKind::kSet: return value.as_set().labels.size();
    case ValueKind::kEnum: return value.as_enum().label.size();
    default: return 16;
  }
}

}  // namespace

std::string BulkReplaceStatement(const TableSchema& schema, const TableId& target) {
  std::vector<std::string> names;
  names.reserve(schema.columns.size());
  for (const Column& column : schema.columns) names.push_back(QuoteIdentifier(column.name));
  std::vector<std::string_view> marks(schema.columns.size(), "?");
  return fmt::format("REPLACE INTO {} ({}) VALUES ({})", QuoteQualified(target.schema, target.name),
                     fmt::join(names, ", "), fmt::join(marks, ", "));
}

size_t BulkRowBytes(const Row& row) {
  size_t bytes = 0;
  for (const Value& value : row.values) bytes += ValueBytes(value);
  return bytes;
}

void FillBulkColumns(const TableSchema& schema, std::span<const Row> rows,
                     std::vector<BulkColumn>* columns) {
  columns->resize(schema.columns.size());
  for (size_t col = 0; col < schema.columns.size(); ++col) {
    BulkColumn& column = (*columns)[col];
    column.Clear();
    column.kind = ColumnKind(schema.columns[col].type, rows, col);
    column.is_null.reserve(rows.size());
    if (column.kind == BulkColumn::Kind::kBytes) {
      column.ends.reserve(rows.size());
    } else {
      column.integers.reserve(rows.size());
    }
    for (const Row& row : rows) {
      const Value& value = row.values[col];
      column.is_null.push_back(value.is_null() ? 1 : 0);
      if (column.kind == BulkColumn::Kind::kBytes) {
        if (!value.is_null()) AppendText(schema.columns[col].type, value, &column.bytes);
        column.ends.push_back(column.bytes.size());
      } else {
        column.integers.push_back(value.is_null() ? 0 : IntegerOf(value));
      }
    }
  }
}

}  // namespace cutover::mysql
