// SnapshotSql: chunk selects with keyset bounds, key literals, key sampling.
#include "source/mysql/snapshot_sql.h"

#include <fmt/format.h>

#include "db/mysql/connection.h"

namespace cutover::mysql {
namespace {

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char byte : bytes) {
    out += kDigits[byte >> 4];
    out += kDigits[byte & 0x0f];
  }
  return out;
}

// The charset introducer of a character column: its collation's charset ("utf8mb4_bin" ->
// utf8mb4).
std::string CharsetIntroducer(const ColumnType& type) {
  std::string_view collation = type.collation;
  std::string charset(collation.substr(0, collation.find('_')));
  return charset.empty() ? "utf8mb4" : charset;
}

// SQL texts here are formatted or appended, never `"'" + std::string(text)`: prepending into a
// temporary is what GCC 12 at -O3 (the Release build) reports as a false -Wrestrict (GCC bug
// 105329).
std::string QuotedText(std::string_view text) { return fmt::format("'{}'", text); }

std::string KeyColumns(const TableSchema& schema) {
  std::string columns;
  for (size_t index : schema.key) {
    if (!columns.empty()) columns += ',';
    columns += QuoteIdentifier(schema.columns[index].name);
  }
  return columns;
}

}  // namespace

Result<std::string> KeyLiteral(const ColumnType& type, const Value& value) {
  switch (value.kind()) {
    case ValueKind::kInt: return std::to_string(value.as_int());
    case ValueKind::kUInt: return std::to_string(value.as_uint());
    case ValueKind::kDecimal: return value.as_decimal().ToString();
    case ValueKind::kFloat:
    case ValueKind::kDouble: return value.ToText();
    case ValueKind::kBytes: return fmt::format("X'{}'", Hex(value.as_bytes()));
    case ValueKind::kText:
      return fmt::format("_{} X'{}'", CharsetIntroducer(type), Hex(value.as_text().bytes));
    case ValueKind::kEnum: return std::to_string(value.as_enum().index);
    case ValueKind::kSet: return std::to_string(value.as_set().bits);
    case ValueKind::kBit: return std::to_string(value.as_bit().bits);
    case ValueKind::kDate:
    case ValueKind::kTime:
    case ValueKind::kDateTime:
    case ValueKind::kTimestamp: return QuotedText(value.ToText());  // digits, '-', ':', '.'
    default:
      return Status::InvalidArgument(fmt::format("a {} value cannot be a key bound ({})",
                                                 ValueKindName(value.kind()), type.source_name));
  }
}

std::string SelectExpression(const Column& column) {
  std::string name = QuoteIdentifier(column.name);
  const ColumnType& type = column.type;
  bool character = type.value_kind() == ValueKind::kText;
  if (character && type.charset != Charset::kUtf8) return "BINARY " + name + " AS " + name;
  return name;
}

Result<std::string> KeyCondition(const TableSchema& schema, const Key& bound, std::string_view op) {
  if (bound.values.size() != schema.key.size()) {
    return Status::InvalidArgument(
        fmt::format("a key bound of {} values for the {}-column key of {}", bound.values.size(),
                    schema.key.size(), schema.id.ToString()));
  }
  if (op != ">" && op != "<=") return Status::Internal("key condition operator must be > or <=");
  std::string_view strict = op == ">" ? ">" : "<";
  // Built from the last key part outwards: k3 > v3, then (k2 > v2 OR (k2 = v2 AND k3 > v3)).
  std::string condition;
  for (size_t part = schema.key.size(); part-- > 0;) {
    std::string column = QuoteIdentifier(schema.columns[schema.key[part]].name);
    CUTOVER_ASSIGN_OR_RETURN(std::string literal,
                             KeyLiteral(schema.columns[schema.key[part]].type, bound.values[part]));
    if (condition.empty()) {
      condition = fmt::format("{} {} {}", column, op, literal);
    } else {
      condition = fmt::format("({} {} {} OR ({} = {} AND {}))", column, strict, literal, column,
                              literal, condition);
    }
  }
  return condition;
}

namespace {

// "one of `keys`": `id` IN (1, 2) for one key column; for a composite key an OR of equalities,
// each of which MariaDB resolves with one index dive.
Result<std::string> KeyListCondition(const TableSchema& schema, const std::vector<Key>& keys) {
  std::string out;
  for (const Key& key : keys) {
    if (key.values.size() != schema.key.size()) {
      return Status::InvalidArgument(fmt::format("a key of {} has {} values, not {}",
                                                 schema.id.ToString(), key.values.size(),
                                                 schema.key.size()));
    }
    std::string equal;
    for (size_t part = 0; part < schema.key.size(); ++part) {
      const Column& column = schema.columns[schema.key[part]];
      CUTOVER_ASSIGN_OR_RETURN(std::string literal, KeyLiteral(column.type, key.values[part]));
      if (schema.key.size() == 1) {
        equal = literal;
      } else {
        equal += fmt::format("{}{} = {}", equal.empty() ? "" : " AND ",
                             QuoteIdentifier(column.name), literal);
      }
    }
    out += (out.empty()              ? ""
            : schema.key.size() == 1 ? ", "
                                     : " OR ") +
           (schema.key.size() == 1 ? equal : "(" + equal + ")");
  }
  if (schema.key.size() == 1) {
    return fmt::format("{} IN ({})", QuoteIdentifier(schema.columns[schema.key[0]].name), out);
  }
  return "(" + out + ")";
}

}  // namespace

Result<std::string> BuildChunkSelect(const TableSchema& schema, const ChunkSelect& select) {
  std::string columns;
  for (const Column& column : schema.columns) {
    columns += (columns.empty() ? "" : ", ") + SelectExpression(column);
  }
  std::vector<std::string> conditions;
  if (select.lower) {
    CUTOVER_ASSIGN_OR_RETURN(std::string lower, KeyCondition(schema, *select.lower, ">"));
    conditions.push_back(std::move(lower));
  }
  if (select.upper) {
    CUTOVER_ASSIGN_OR_RETURN(std::string upper, KeyCondition(schema, *select.upper, "<="));
    conditions.push_back(std::move(upper));
  }
  if (!select.keys.empty()) {
    CUTOVER_ASSIGN_OR_RETURN(std::string keys, KeyListCondition(schema, select.keys));
    conditions.push_back(std::move(keys));
  }
  if (!select.filter.empty()) conditions.push_back("(" + select.filter + ")");
  std::string where;
  for (const std::string& condition : conditions) {
    where += (where.empty() ? " WHERE " : " AND ") + condition;
  }
  return fmt::format("SELECT {} FROM {}{} ORDER BY {} LIMIT {}{}", columns,
                     QuoteQualified(schema.id.schema, schema.id.name), where, KeyColumns(schema),
                     select.limit,
                     select.offset > 0 ? fmt::format(" OFFSET {}", select.offset) : "");
}

Result<std::string> BuildKeySample(const TableSchema& schema, const std::optional<Key>& lower,
                                   int64_t step) {
  std::string where;
  if (lower) {
    CUTOVER_ASSIGN_OR_RETURN(std::string condition, KeyCondition(schema, *lower, ">"));
    where = " WHERE " + condition;
  }
  std::string columns;
  for (size_t index : schema.key) {
    columns += (columns.empty() ? "" : ", ") + SelectExpression(schema.columns[index]);
  }
  return fmt::format("SELECT {} FROM {}{} ORDER BY {} LIMIT 1 OFFSET {}", columns,
                     QuoteQualified(schema.id.schema, schema.id.name), where, KeyColumns(schema),
                     step - 1);
}

}  // namespace cutover::mysql
