// TypeMapping: MySQL/MariaDB column types to PostgreSQL column types.
#include "sink/postgres/type_mapping.h"

#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "db/postgres/connection.h"

namespace cutover::postgres {
namespace {

std::string Integer(const ColumnType& type) {
  switch (type.type) {
    case SqlType::kTinyInt: return "smallint";
    case SqlType::kSmallInt: return type.is_unsigned ? "integer" : "smallint";
    case SqlType::kMediumInt: return "integer";
    case SqlType::kInt: return type.is_unsigned ? "bigint" : "integer";
    default: return type.is_unsigned ? "numeric(20,0)" : "bigint";
  }
}

std::string WithLength(std::string_view name, uint32_t length) {
  return length == 0 ? std::string(name) : fmt::format("{}({})", name, length);
}

}  // namespace

Result<std::string> PostgresType(const ColumnType& type) {
  // A PostgreSQL source column keeps its own type (a domain arrives as its base type); an enum
  // becomes text with a CHECK of its labels, as a MySQL ENUM does, and an array of an enum
  // (kOther with the labels) text[]: no type to create first.
  if (type.postgres && type.type == SqlType::kEnum) return std::string("text");
  if (type.postgres) return type.elements.empty() ? type.source_name : std::string("text[]");
  if (type.is_binary_string()) return std::string("bytea");
  switch (type.type) {
    case SqlType::kTinyInt:
    case SqlType::kSmallInt:
    case SqlType::kMediumInt:
    case SqlType::kInt:
    case SqlType::kBigInt: return Integer(type);
    case SqlType::kDecimal:
      if (type.precision == 0) return std::string("numeric");
      return fmt::format("numeric({},{})", type.precision, type.scale);
    case SqlType::kFloat: return std::string("real");
    case SqlType::kDouble: return std::string("double precision");
    case SqlType::kBit: return fmt::format("bit({})", type.length == 0 ? 1 : type.length);
    case SqlType::kYear: return std::string("smallint");
    case SqlType::kDate: return std::string("date");
    case SqlType::kTime: return std::string("interval");
    case SqlType::kDateTime: return fmt::format("timestamp({})", type.fsp);
    case SqlType::kTimestamp: return fmt::format("timestamptz({})", type.fsp);
    case SqlType::kChar:
    case SqlType::kVarChar: return WithLength("varchar", type.length);
    case SqlType::kTinyText:
    case SqlType::kText:
    case SqlType::kMediumText:
    case SqlType::kLongText:
    case SqlType::kEnum:
    case SqlType::kSet: return std::string("text");
    case SqlType::kJson: return std::string("jsonb");
    case SqlType::kBoolean: return std::string("boolean");
    case SqlType::kTimeTz: return std::string("timetz");
    case SqlType::kUuid: return std::string("uuid");
    case SqlType::kInterval: return std::string("interval");
    default: break;
  }
  if (!type.source_name.empty() && type.type == SqlType::kOther) return type.source_name;
  return Status::Unimplemented(fmt::format(
      "no PostgreSQL type for the source type '{}'",
      type.source_name.empty() ? std::string(SqlTypeName(type.type)) : type.source_name));
}

std::string PostgresCheck(const ColumnType& type, const std::string& quoted_column) {
  if (type.type == SqlType::kEnum) {
    std::vector<std::string> labels;
    for (const std::string& label : type.elements)
      labels.push_back(QuoteLiteral(ToUtf8(label, type.charset)));
    return fmt::format("{} IN ({})", quoted_column, fmt::join(labels, ", "));
  }
  bool integer = type.type == SqlType::kTinyInt || type.type == SqlType::kSmallInt ||
                 type.type == SqlType::kMediumInt || type.type == SqlType::kInt ||
                 type.type == SqlType::kBigInt || type.type == SqlType::kDecimal;
  if (integer && type.is_unsigned) return fmt::format("{} >= 0", quoted_column);
  return "";
}

}  // namespace cutover::postgres
