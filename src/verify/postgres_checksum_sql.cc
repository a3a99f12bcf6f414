// PostgresChecksumSql: SQL text of a key range's checksum on a MariaDB/MySQL source and on the
// PostgreSQL target the copy made from it, rendering equal rows as the same bytes.
#include "verify/postgres_checksum_sql.h"

#include <cstdint>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/parse_number.h"
#include "db/mysql/connection.h"
#include "sink/postgres/ddl.h"
#include "verify/checksum_sql.h"

namespace cutover::verify {
namespace {

// A float's shortest round-tripping decimal, however the server spells it ("1e20", "1e+20",
// "0.00000015", "1.5e-07", "100000000000000"), as "<sign><significant digits>e<exponent of the
// first digit>": "1e20", "15e-7", "1e14". Both servers print the same shortest digits (MariaDB's
// dtoa and PostgreSQL's Ryu both pick the closest of the shortest), only the layout differs.
// Zero is "e-1" ("-e-1" for -0). `text` is an expression of the server's text, repeated.
struct FloatDialect {
  const char* mantissa;  // {0}: the text; the unsigned part before 'e'
  const char* integer;   // {0}: the mantissa; the digits before '.'
  const char* fraction;  // {0}: the mantissa; the digits after '.', "" when none
  const char* join;      // {0}, {1}: two strings joined
  const char* exponent;  // {0}: the text; the number after 'e', 0 when none
  const char* ltrim;     // {0}: digits without leading zeros
  const char* rtrim;     // {0}: digits without trailing zeros
  const char* length;    // {0}: a string's length as a signed integer
  const char* sign;      // {0}: the text; "-" or ""
  const char* concat;    // {0}..{3}: the four parts joined
};

constexpr FloatDialect kMysqlFloat = {
    "TRIM(LEADING '-' FROM SUBSTRING_INDEX({0}, 'e', 1))",
    "SUBSTRING_INDEX({0}, '.', 1)",
    "IF(LOCATE('.', {0}) > 0, SUBSTRING_INDEX({0}, '.', -1), '')",
    "CONCAT({0}, {1})",
    "IF(LOCATE('e', {0}) > 0, CAST(SUBSTRING_INDEX({0}, 'e', -1) AS SIGNED), 0)",
    "TRIM(LEADING '0' FROM {0})",
    "TRIM(TRAILING '0' FROM {0})",
    "CAST(LENGTH({0}) AS SIGNED)",
    "IF(LEFT({0}, 1) = '-', '-', '')",
    "CONCAT({0}, {1}, {2}, {3})",
};

constexpr FloatDialect kPostgresFloat = {
    "ltrim(split_part({0}, 'e', 1), '-')",
    "split_part({0}, '.', 1)",
    "split_part({0}, '.', 2)",
    "({0} || {1})",
    "CASE WHEN position('e' in {0}) > 0 THEN split_part({0}, 'e', 2)::int ELSE 0 END",
    "ltrim({0}, '0')",
    "rtrim({0}, '0')",
    "length({0})",
    "CASE WHEN left({0}, 1) = '-' THEN '-' ELSE '' END",
    "({0} || {1} || {2} || ({3})::text)",
};

std::string CanonicalFloat(const FloatDialect& sql, const std::string& text) {
  std::string mantissa = fmt::format(fmt::runtime(sql.mantissa), text);
  std::string integer = fmt::format(fmt::runtime(sql.integer), mantissa);
  std::string digits = fmt::format(fmt::runtime(sql.join), integer,
                                   fmt::format(fmt::runtime(sql.fraction), mantissa));
  std::string stripped = fmt::format(fmt::runtime(sql.ltrim), digits);
  std::string leading_zeros = fmt::format("{} - {}", fmt::format(fmt::runtime(sql.length), digits),
                                          fmt::format(fmt::runtime(sql.length), stripped));
  std::string exponent =
      fmt::format("{} + {} - 1 - ({})", fmt::format(fmt::runtime(sql.exponent), text),
                  fmt::format(fmt::runtime(sql.length), integer), leading_zeros);
  return fmt::format(fmt::runtime(sql.concat), fmt::format(fmt::runtime(sql.sign), text),
                     fmt::format(fmt::runtime(sql.rtrim), stripped), "'e'", exponent);
}

}  // namespace

std::optional<std::string> SourceCanonicalField(const Column& column) {
  std::string name = mysql::QuoteIdentifier(column.name);
  const ColumnType& type = column.type;
  switch (type.value_kind()) {
    case ValueKind::kInt:  // YEAR shows 4 digits ("0000"); as a number it is what smallint holds
      return type.type == SqlType::kYear ? name + " + 0" : name;
    case ValueKind::kUInt:
    case ValueKind::kDecimal: return name;  // numeric(p,s) prints the same scale
    case ValueKind::kFloat: return CanonicalFloat(kMysqlFloat, "CAST(" + name + " AS DOUBLE)");
    case ValueKind::kDouble: return CanonicalFloat(kMysqlFloat, name);
    case ValueKind::kBit: return fmt::format("LPAD(BIN({} + 0), {}, '0')", name, type.length);
    case ValueKind::kBytes: return fmt::format("LOWER(HEX({}))", name);
    case ValueKind::kDate:
    case ValueKind::kDateTime:
    case ValueKind::kTimestamp: {
      // Zero dates are -infinity in PostgreSQL (postgres::PostgresText); the session's time
      // zone is UTC (mysql::Connection), so TIMESTAMP shows the instant the copy wrote.
      const char* format =
          type.value_kind() == ValueKind::kDate ? "%Y-%m-%d" : "%Y-%m-%d %H:%i:%s.%f";
      return fmt::format(
          "IF(YEAR({0}) = 0 OR MONTH({0}) = 0 OR DAYOFMONTH({0}) = 0, '-infinity', "
          "DATE_FORMAT({0}, '{1}'))",
          name, format);
    }
    case ValueKind::kTime:
      // Microseconds: interval's hours over 24 and sign alike. The whole seconds and the
      // fraction apart: MySQL's TIME_TO_SEC drops the fraction (MariaDB's keeps it; DIV 1
      // drops it there too), and MICROSECOND has no sign.
      return fmt::format(
          "(TIME_TO_SEC({0}) DIV 1) * 1000000 + IF({0} < 0, -1, 1) * MICROSECOND({0})", name);
    case ValueKind::kText:
    case ValueKind::kEnum:
    case ValueKind::kSet: {
      std::string utf8 =
          type.charset == Charset::kUtf8 ? name : fmt::format("CONVERT({} USING utf8mb4)", name);
      return fmt::format("CONCAT(LENGTH({0}), ':', {0})", utf8);
    }
    default: return std::nullopt;  // JSON (jsonb), and no other type of a MariaDB/MySQL source
  }
}

// PostgreSQL's types are the copy's (docs/type-mapping.md).
std::optional<std::string> TargetCanonicalField(const Column& column) {
  std::string name = postgres::QuoteIdentifier(column.name);
  const ColumnType& type = column.type;
  switch (type.value_kind()) {
    case ValueKind::kInt:
    case ValueKind::kUInt:
    case ValueKind::kDecimal:
    case ValueKind::kBit: return name + "::text";
    case ValueKind::kFloat: return CanonicalFloat(kPostgresFloat, name + "::float8::text");
    case ValueKind::kDouble: return CanonicalFloat(kPostgresFloat, name + "::float8::text");
    case ValueKind::kBytes: return fmt::format("encode({}, 'hex')", name);
    case ValueKind::kDate:
      return fmt::format(
          "CASE WHEN isfinite({0}) THEN to_char({0}, 'YYYY-MM-DD') ELSE {0}::text END", name);
    case ValueKind::kDateTime:
      return fmt::format(
          "CASE WHEN isfinite({0}) THEN to_char({0}, 'YYYY-MM-DD HH24:MI:SS.US') ELSE {0}::text "
          "END",
          name);
    case ValueKind::kTimestamp:
      return fmt::format(
          "CASE WHEN isfinite({0}) THEN to_char({0} AT TIME ZONE 'UTC', 'YYYY-MM-DD "
          "HH24:MI:SS.US') ELSE {0}::text END",
          name);
    case ValueKind::kTime:
      // An interval with days or months ("1 day 01:00:00", which the copy never writes) keeps
      // its text: it never equals a number of microseconds.
      return fmt::format(
          "CASE WHEN extract(year from {0}) = 0 AND extract(month from {0}) = 0 AND "
          "extract(day from {0}) = 0 THEN (extract(epoch from {0}) * 1000000)::bigint::text "
          "ELSE {0}::text END",
          name);
    case ValueKind::kText:
    case ValueKind::kEnum:
    case ValueKind::kSet: return fmt::format("octet_length({0})::text || ':' || {0}", name);
    default: return std::nullopt;  // JSON (jsonb), and no other type of a MariaDB/MySQL source
  }
}

std::optional<std::string> PostgresChecksumGap(const TableSchema& schema) {
  for (const Column& column : schema.columns) {
    if (SourceCanonicalField(column)) continue;
    if (column.type.value_kind() == ValueKind::kJson) {
      return fmt::format("column {} is JSON (jsonb reorders keys and respells numbers)",
                         column.name);
    }
    return fmt::format("column {} has type {}", column.name, column.type.source_name);
  }
  return std::nullopt;
}

namespace {

// `schema`'s fields (`field`, one dialect's) joined by '|' and then the NULL mask: `null_test`
// of each column ({0}: its quoted name) inside `row` ({0}: the fields, {1}: the mask's parts).
// Every column is in the mask, nullable or not: a target table kept with other nullability
// still renders a NULL apart from any value.
std::string CanonicalRow(const TableSchema& schema,
                         std::optional<std::string> (*field)(const Column&),
                         std::string (*quote)(std::string_view), const char* null_test,
                         const char* row) {
  std::string fields;
  std::string nulls;
  for (const Column& column : schema.columns) {
    fields += ", " + field(column).value_or("NULL");
    nulls += (nulls.empty() ? "" : ", ") + fmt::format(fmt::runtime(null_test), quote(column.name));
  }
  return fmt::format(fmt::runtime(row), fields, nulls);
}

}  // namespace

std::string SourceCanonicalRow(const TableSchema& schema) {
  return CanonicalRow(schema, SourceCanonicalField, mysql::QuoteIdentifier, "ISNULL({})",
                      "CONVERT(CONCAT_WS('|'{}, CONCAT({})) USING utf8mb4)");
}

std::string TargetCanonicalRow(const TableSchema& schema) {
  return CanonicalRow(schema, TargetCanonicalField, postgres::QuoteIdentifier, "({} IS NULL)::int",
                      "concat_ws('|'{}, concat({}))");
}

Result<std::string> BuildSourcePostgresChecksum(const TableSchema& schema,
                                                const std::optional<Key>& lower,
                                                const std::optional<Key>& upper,
                                                const std::string& filter) {
  CUTOVER_ASSIGN_OR_RETURN(std::string where, RangeWhere(schema, lower, upper, filter));
  return fmt::format(
      "SELECT COUNT(*), BIT_XOR(CAST(CONV(LEFT(MD5({}), 16), 16, 10) AS UNSIGNED)) FROM {}{}",
      SourceCanonicalRow(schema), mysql::QuoteQualified(schema.id.schema, schema.id.name), where);
}

Result<std::string> BuildTargetPostgresChecksum(const TableSchema& schema,
                                                const std::optional<Key>& lower,
                                                const std::optional<Key>& upper,
                                                postgres::Params* params) {
  CUTOVER_ASSIGN_OR_RETURN(std::string where,
                           postgres::KeyRangePredicate(schema, ChunkBounds{lower, upper}, params));
  // md5(text) hashes the database's bytes: UTF-8 (the checker checks server_encoding).
  return fmt::format(
      "SELECT count(*), bit_xor(('x' || left(md5({}), 16))::bit(64)::bigint) FROM {} WHERE {}",
      TargetCanonicalRow(schema), postgres::QuoteQualified(schema.id.schema, schema.id.name),
      where);
}

Result<std::string> BuildPostgresPairChecksum(const TableSchema& schema,
                                              const std::optional<Key>& lower,
                                              const std::optional<Key>& upper,
                                              const std::string& filter, postgres::Params* params) {
  CUTOVER_ASSIGN_OR_RETURN(std::string where,
                           postgres::KeyRangePredicate(schema, ChunkBounds{lower, upper}, params));
  if (!filter.empty()) where += " AND (" + filter + ")";
  std::vector<std::string> columns;
  for (const Column& column : schema.columns) {
    columns.push_back(postgres::QuoteIdentifier(column.name));
  }
  return fmt::format(
      "SELECT count(*), bit_xor(('x' || left(md5(ROW({})::text), 16))::bit(64)::bigint) FROM {} "
      "WHERE {}",
      fmt::join(columns, ", "), postgres::QuoteQualified(schema.id.schema, schema.id.name), where);
}

std::optional<std::string> TargetHashAsSource(const std::optional<std::string>& hash) {
  if (!hash) return std::string("0");
  Result<int64_t> value = ParseInteger<int64_t>(*hash, "checksum");
  if (!value.ok()) return std::nullopt;
  return std::to_string(static_cast<uint64_t>(*value));
}

}  // namespace cutover::verify
