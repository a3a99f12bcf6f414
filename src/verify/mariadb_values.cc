// MariaDbValues: PostgreSQL source values and MariaDB/MySQL target values brought to one form.
#include "verify/mariadb_values.h"

#include "source/postgres/types.h"

namespace cutover::verify {

Value MariaDbComparable(const Value& value) {
  switch (value.kind()) {
    case ValueKind::kBool: return Value::Int(value.as_bool() ? 1 : 0);
    case ValueKind::kDecimal: {
      Decimal decimal = value.as_decimal();
      while (!decimal.fraction.empty() && decimal.fraction.back() == '0') {
        decimal.fraction.pop_back();
      }
      return Value::Dec(std::move(decimal));
    }
    case ValueKind::kTime: {
      Time time = value.as_time();
      time.precision = 0;
      return Value::FromTime(time);
    }
    case ValueKind::kDateTime:
    case ValueKind::kTimestamp: {
      DateTime fields = value.as_datetime();
      fields.precision = 0;
      return Value::FromDateTime(fields);
    }
    case ValueKind::kJson: return Value::Str(value.as_json());
    case ValueKind::kEnum: return Value::Str(value.as_enum().label);
    case ValueKind::kSet: return Value::Str(value.as_set().labels);
    case ValueKind::kOther: return Value::Str(value.as_other().text);
    default: return value;
  }
}

bool SameMariaDbValue(const Value& source, const Value& target) {
  return MariaDbComparable(source) == MariaDbComparable(target);
}

Key MariaDbComparableKey(const Key& key) {
  Key out;
  out.values.reserve(key.values.size());
  for (const Value& value : key.values) out.values.push_back(MariaDbComparable(value));
  return out;
}

namespace {

// One key part: `value` (MariaDbComparable form) as a value of the source column `type`.
Result<Value> PostgresValueOfComparable(const ColumnType& type, const Value& value) {
  ValueKind kind = type.value_kind();
  if (value.kind() == ValueKind::kText && kind != ValueKind::kText) {
    return postgres::ParsePostgresText(type, value.as_text().bytes);
  }
  if (kind == ValueKind::kBool && value.kind() == ValueKind::kInt) {
    return Value::Bool(value.as_int() != 0);
  }
  if ((kind == ValueKind::kDateTime || kind == ValueKind::kTimestamp) &&
      value.kind() == ValueKind::kDateTime) {
    DateTime fields = value.as_datetime();
    fields.precision = type.fsp;
    return kind == ValueKind::kTimestamp ? Value::Timestamp(fields) : Value::FromDateTime(fields);
  }
  if (kind == ValueKind::kTime && value.kind() == ValueKind::kTime) {
    Time time = value.as_time();
    time.precision = type.fsp;
    return Value::FromTime(time);
  }
  return value;
}

}  // namespace

Result<Key> PostgresKeyOfComparable(const TableSchema& schema, const Key& comparable) {
  Key out;
  for (size_t part = 0; part < schema.key.size() && part < comparable.values.size(); ++part) {
    CUTOVER_ASSIGN_OR_RETURN(
        Value value,
        PostgresValueOfComparable(schema.columns[schema.key[part]].type, comparable.values[part]));
    out.values.push_back(std::move(value));
  }
  return out;
}

}  // namespace cutover::verify
