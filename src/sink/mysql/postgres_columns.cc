// PostgresColumns: PostgreSQL types -> MariaDB types; PostgreSQL values MariaDB cannot hold.
#include "sink/mysql/postgres_columns.h"

#include <cmath>

#include <fmt/format.h>

namespace cutover::mysql {
namespace {

// The longest VARCHAR that still fits a row with others (16383 utf8mb4 characters = 65532
// bytes); longer declared lengths become LONGTEXT.
constexpr uint32_t kMaxVarChar = 16383;
// InnoDB keys hold at most 3072 bytes: 768 utf8mb4 characters.
constexpr char kKeyText[] = "VARCHAR(768)";
constexpr char kKeyBytes[] = "VARBINARY(3072)";

std::string EnumType(const ColumnType& type) {
  std::string out = "ENUM(";
  for (size_t label_idx = 0; label_idx < type.elements.size(); ++label_idx) {
    if (label_idx > 0) out += ',';
    out += '\'';
    for (char c : type.elements[label_idx]) {
      if (c == '\'' || c == '\\') out += c;
      out += c;
    }
    out += '\'';
  }
  return out + ")";
}

std::string Unbounded(bool key) { return key ? kKeyText : "LONGTEXT"; }

// kOther types whose text has a known longest form get a VARCHAR of it; the rest are text.
std::string OtherType(const ColumnType& type, bool key) {
  if (type.source_name == "inet" || type.source_name == "cidr") return "VARCHAR(43)";
  if (type.source_name == "macaddr") return "VARCHAR(17)";
  if (type.source_name == "macaddr8") return "VARCHAR(23)";
  return Unbounded(key);
}

Result<std::string> DecimalType(const Column& column) {
  const ColumnType& type = column.type;
  if (type.precision == 0) return std::string("DECIMAL(65,30)");
  if (type.precision <= 65 && type.scale <= 30) {
    return fmt::format("DECIMAL({},{})", type.precision, type.scale);
  }
  return Status::InvalidArgument(fmt::format(
      "column {} is {}, which MariaDB/MySQL cannot hold (DECIMAL has at most 65 digits, 30 "
      "after the point): leave it out with the table's `columns` list, or narrow it on the "
      "source",
      column.name, type.source_name));
}

std::string DateText(const Date& date) {
  if (date.infinity != 0) return date.infinity > 0 ? "infinity" : "-infinity";
  if (date.year <= 0)
    return fmt::format("{:04}-{:02}-{:02} BC", 1 - date.year, date.month, date.day);
  return fmt::format("{:04}-{:02}-{:02}", date.year, date.month, date.day);
}

// Why MariaDB cannot hold `value` as it is, or "".
std::string Unholdable(const Value& value) {
  switch (value.kind()) {
    case ValueKind::kDate:
    case ValueKind::kDateTime:
    case ValueKind::kTimestamp: {
      const Date& date =
          value.kind() == ValueKind::kDate ? value.as_date() : value.as_datetime().date;
      if (date.infinity != 0 || date.year < 1 || date.year > 9999) {
        return fmt::format("the date {} is outside MariaDB's years 1..9999", DateText(date));
      }
      return "";
    }
    case ValueKind::kDecimal:
      if (value.as_decimal().special != Decimal::Special::kNone) {
        return fmt::format("{} has no MariaDB DECIMAL value", value.as_decimal().ToString());
      }
      return "";
    case ValueKind::kFloat:
    case ValueKind::kDouble: {
      double number = value.kind() == ValueKind::kFloat ? value.as_float() : value.as_double();
      // MariaDB stores -0 as 0 (and PostgreSQL shows it as -0): not the same value.
      if (std::isfinite(number) && !(number == 0 && std::signbit(number))) return "";
      std::string shown = std::isnan(number)   ? "NaN"
                          : std::isinf(number) ? (number > 0 ? "Infinity" : "-Infinity")
                                               : "-0 (MariaDB stores it as 0)";
      return fmt::format("{} has no MariaDB FLOAT/DOUBLE value", shown);
    }
    default: return "";
  }
}

}  // namespace

Result<std::string> MariaDbTypeOfPostgres(const Column& column, bool key) {
  const ColumnType& type = column.type;
  switch (type.type) {
    case SqlType::kBoolean: return std::string("BOOLEAN");
    case SqlType::kSmallInt: return std::string("SMALLINT");
    case SqlType::kInt: return std::string("INT");
    case SqlType::kBigInt: return std::string("BIGINT");
    case SqlType::kDecimal: return DecimalType(column);
    case SqlType::kFloat: return std::string("FLOAT");
    case SqlType::kDouble: return std::string("DOUBLE");
    case SqlType::kChar:
    case SqlType::kVarChar:
      // VARCHAR, not CHAR: MariaDB strips CHAR's padding on read, PostgreSQL shows it.
      if (type.length > 0 && type.length <= kMaxVarChar) {
        return fmt::format("VARCHAR({})", type.length);
      }
      return Unbounded(key);
    case SqlType::kText: return Unbounded(key);
    case SqlType::kLongBlob: return std::string(key ? kKeyBytes : "LONGBLOB");
    case SqlType::kDate: return std::string("DATE");
    case SqlType::kTime: return fmt::format("TIME({})", type.fsp);
    // timestamptz holds an instant: its UTC wall clock, as the MariaDB target keeps TIMESTAMP
    // values (time_zone '+00:00'), in a DATETIME, which reaches years 1..9999 (TIMESTAMP ends
    // in 2038).
    case SqlType::kDateTime:
    case SqlType::kTimestamp: return fmt::format("DATETIME({})", type.fsp);
    case SqlType::kTimeTz: return std::string("VARCHAR(24)");  // 24:00:00.000000+15:59:59
    case SqlType::kInterval: return std::string("VARCHAR(100)");
    case SqlType::kUuid: return std::string("CHAR(36)");
    // json keeps its text (MySQL's JSON would normalise it); jsonb is a normalised document.
    case SqlType::kJson: return std::string(type.is_jsonb ? "JSON" : "LONGTEXT");
    case SqlType::kEnum: return EnumType(type);
    case SqlType::kBit: return fmt::format("BIT({})", type.length);
    default: return OtherType(type, key);
  }
}

Status CheckPostgresColumns(const TableSchema& schema) {
  for (const Column& column : schema.columns) {
    if (!column.type.postgres) continue;
    Result<std::string> type = MariaDbTypeOfPostgres(column, false);
    if (!type.ok()) return type.status().WithContext(schema.id.ToString());
  }
  return Status::Ok();
}

Status CheckPostgresValues(const TableSchema& schema, std::span<const Row> rows) {
  for (size_t column_idx = 0; column_idx < schema.columns.size(); ++column_idx) {
    const Column& column = schema.columns[column_idx];
    if (!column.type.postgres) continue;
    for (const Row& row : rows) {
      if (!row.IsPresent(column_idx)) continue;
      std::string why = Unholdable(row.values[column_idx]);
      if (why.empty()) continue;
      return Status::InvalidArgument(fmt::format(
          "{} column {}: {}; it is never written altered: leave the column out with the "
          "table's `columns` list, or change the value on the source",
          schema.id.ToString(), column.name, why));
    }
  }
  return Status::Ok();
}

}  // namespace cutover::mysql
