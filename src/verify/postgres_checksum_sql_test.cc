// Unit tests of PostgresChecksumSql: the canonical field of every source type on both servers,
// the row with its NULL mask, the two checksum queries with bounds and filter, the types left
// to the row compare, and the hash spelled as the source spells it.
#include "verify/postgres_checksum_sql.h"

#include <gtest/gtest.h>

namespace cutover::verify {
namespace {

Column Col(const char* name, const char* type, const char* charset = "",
           const char* collation = "") {
  return Column{name, ParseMysqlColumnType(type, charset, collation).value(), true};
}

struct Field {
  Column column;
  std::string source;
  std::string target;
};

// Each type of docs/type-mapping.md: MariaDB's expression over the source column, PostgreSQL's
// over the column the copy made.
TEST(PostgresChecksumSqlTest, FieldOfEveryType) {
  std::vector<Field> fields = {
      {Col("i", "int"), "`i`", "\"i\"::text"},
      {Col("u", "bigint(20) unsigned"), "`u`", "\"u\"::text"},
      {Col("y", "year(4)"), "`y` + 0", "\"y\"::text"},
      {Col("de", "decimal(30,10)"), "`de`", "\"de\"::text"},
      {Col("b", "bit(10)"), "LPAD(BIN(`b` + 0), 10, '0')", "\"b\"::text"},
      {Col("vb", "varbinary(20)"), "LOWER(HEX(`vb`))", "encode(\"vb\", 'hex')"},
      {Col("g", "point"), "LOWER(HEX(`g`))", "encode(\"g\", 'hex')"},
      {Col("d", "date"),
       "IF(YEAR(`d`) = 0 OR MONTH(`d`) = 0 OR DAYOFMONTH(`d`) = 0, '-infinity', "
       "DATE_FORMAT(`d`, '%Y-%m-%d'))",
       "CASE WHEN isfinite(\"d\") THEN to_char(\"d\", 'YYYY-MM-DD') ELSE \"d\"::text END"},
      {Col("dt", "datetime(6)"),
       "IF(YEAR(`dt`) = 0 OR MONTH(`dt`) = 0 OR DAYOFMONTH(`dt`) = 0, '-infinity', "
       "DATE_FORMAT(`dt`, '%Y-%m-%d %H:%i:%s.%f'))",
       "CASE WHEN isfinite(\"dt\") THEN to_char(\"dt\", 'YYYY-MM-DD HH24:MI:SS.US') ELSE "
       "\"dt\"::text END"},
      {Col("ts", "timestamp(3)"),
       "IF(YEAR(`ts`) = 0 OR MONTH(`ts`) = 0 OR DAYOFMONTH(`ts`) = 0, '-infinity', "
       "DATE_FORMAT(`ts`, '%Y-%m-%d %H:%i:%s.%f'))",
       "CASE WHEN isfinite(\"ts\") THEN to_char(\"ts\" AT TIME ZONE 'UTC', 'YYYY-MM-DD "
       "HH24:MI:SS.US') ELSE \"ts\"::text END"},
      {Col("t", "time(3)"),
       "(TIME_TO_SEC(`t`) DIV 1) * 1000000 + IF(`t` < 0, -1, 1) * MICROSECOND(`t`)",
       "CASE WHEN extract(year from \"t\") = 0 AND extract(month from \"t\") = 0 AND "
       "extract(day from \"t\") = 0 THEN (extract(epoch from \"t\") * 1000000)::bigint::text "
       "ELSE \"t\"::text END"},
      {Col("vc", "varchar(20)", "utf8mb4", "utf8mb4_general_ci"), "CONCAT(LENGTH(`vc`), ':', `vc`)",
       "octet_length(\"vc\")::text || ':' || \"vc\""},
      {Col("l1", "varchar(20)", "latin1", "latin1_swedish_ci"),
       "CONCAT(LENGTH(CONVERT(`l1` USING utf8mb4)), ':', CONVERT(`l1` USING utf8mb4))",
       "octet_length(\"l1\")::text || ':' || \"l1\""},
      {Col("en", "enum('x','y z')", "utf8mb4", "utf8mb4_general_ci"),
       "CONCAT(LENGTH(`en`), ':', `en`)", "octet_length(\"en\")::text || ':' || \"en\""},
      {Col("st", "set('a','b')", "latin1", "latin1_swedish_ci"),
       "CONCAT(LENGTH(CONVERT(`st` USING utf8mb4)), ':', CONVERT(`st` USING utf8mb4))",
       "octet_length(\"st\")::text || ':' || \"st\""},
  };
  for (const Field& field : fields) {
    EXPECT_EQ(SourceCanonicalField(field.column), field.source) << field.column.name;
    EXPECT_EQ(TargetCanonicalField(field.column), field.target) << field.column.name;
  }
}

// A float as "<sign><digits>e<exponent of the first digit>" from either server's spelling:
// the same parts taken apart with each dialect's string functions; FLOAT widened to double
// first (MariaDB prints a FLOAT with 6 digits only).
TEST(PostgresChecksumSqlTest, FloatsAsDigitsAndExponent) {
  std::string source_mantissa = "TRIM(LEADING '-' FROM SUBSTRING_INDEX(`x`, 'e', 1))";
  std::string source_integer = "SUBSTRING_INDEX(" + source_mantissa + ", '.', 1)";
  std::string source_digits = "CONCAT(" + source_integer + ", IF(LOCATE('.', " + source_mantissa +
                              ") > 0, SUBSTRING_INDEX(" + source_mantissa + ", '.', -1), ''))";
  std::string source_stripped = "TRIM(LEADING '0' FROM " + source_digits + ")";
  EXPECT_EQ(SourceCanonicalField(Col("x", "double")),
            "CONCAT(IF(LEFT(`x`, 1) = '-', '-', ''), TRIM(TRAILING '0' FROM " + source_stripped +
                "), 'e', IF(LOCATE('e', `x`) > 0, CAST(SUBSTRING_INDEX(`x`, 'e', -1) AS SIGNED), "
                "0) + CAST(LENGTH(" +
                source_integer + ") AS SIGNED) - 1 - (CAST(LENGTH(" + source_digits +
                ") AS SIGNED) - CAST(LENGTH(" + source_stripped + ") AS SIGNED)))");
  std::string text = "\"x\"::float8::text";
  std::string target_mantissa = "ltrim(split_part(" + text + ", 'e', 1), '-')";
  std::string target_integer = "split_part(" + target_mantissa + ", '.', 1)";
  std::string target_digits =
      "(" + target_integer + " || split_part(" + target_mantissa + ", '.', 2))";
  std::string target_stripped = "ltrim(" + target_digits + ", '0')";
  EXPECT_EQ(TargetCanonicalField(Col("x", "double")),
            "(CASE WHEN left(" + text + ", 1) = '-' THEN '-' ELSE '' END || rtrim(" +
                target_stripped + ", '0') || 'e' || (CASE WHEN position('e' in " + text +
                ") > 0 THEN split_part(" + text + ", 'e', 2)::int ELSE 0 END + length(" +
                target_integer + ") - 1 - (length(" + target_digits + ") - length(" +
                target_stripped + ")))::text)");
  std::string widened = SourceCanonicalField(Col("f", "float")).value();
  EXPECT_TRUE(widened.starts_with("CONCAT(IF(LEFT(CAST(`f` AS DOUBLE), 1) = '-'")) << widened;
  EXPECT_EQ(TargetCanonicalField(Col("f", "float")), TargetCanonicalField(Col("f", "double")));
}

TableSchema Orders() {
  TableSchema schema;
  schema.id = TableId{"shop", "orders"};
  schema.columns.push_back({"id", ParseMysqlColumnType("int", "", "").value(), false});
  schema.columns.push_back(
      {"note", ParseMysqlColumnType("varchar(20)", "utf8mb4", "utf8mb4_bin").value(), true});
  schema.key = {0};
  return schema;
}

// Fields joined by '|', then every column's NULL flag (concat_ws skips NULLs on both servers).
TEST(PostgresChecksumSqlTest, RowsAndChecksums) {
  std::string source_row =
      "CONVERT(CONCAT_WS('|', `id`, CONCAT(LENGTH(`note`), ':', `note`), "
      "CONCAT(ISNULL(`id`), ISNULL(`note`))) USING utf8mb4)";
  EXPECT_EQ(SourceCanonicalRow(Orders()), source_row);
  std::string target_row =
      "concat_ws('|', \"id\"::text, octet_length(\"note\")::text || ':' || \"note\", "
      "concat((\"id\" IS NULL)::int, (\"note\" IS NULL)::int))";
  EXPECT_EQ(TargetCanonicalRow(Orders()), target_row);
  EXPECT_EQ(BuildSourcePostgresChecksum(Orders(), Key{{Value::Int(10)}}, Key{{Value::Int(20)}},
                                        "note <> 'x'")
                .value(),
            "SELECT COUNT(*), BIT_XOR(CAST(CONV(LEFT(MD5(" + source_row +
                "), 16), 16, 10) AS UNSIGNED)) FROM `shop`.`orders` WHERE `id` > 10 AND `id` <= "
                "20 AND (note <> 'x')");
  postgres::Params params;
  std::string target =
      BuildTargetPostgresChecksum(Orders(), Key{{Value::Int(10)}}, std::nullopt, &params).value();
  EXPECT_TRUE(target.starts_with("SELECT count(*), bit_xor(('x' || left(md5(" + target_row +
                                 "), 16))::bit(64)::bigint) FROM \"shop\".\"orders\" WHERE "))
      << target;
  ASSERT_EQ(params.size(), 1u);
  EXPECT_EQ(params[0], "10");
  EXPECT_NE(target.find("$1"), std::string::npos) << target;
}

// A PostgreSQL source into a PostgreSQL target: one statement for both, the filter on the
// source's only.
TEST(PostgresChecksumSqlTest, PairChecksumOverTheRecordText) {
  postgres::Params source_params;
  std::string source =
      BuildPostgresPairChecksum(Orders(), Key{{Value::Int(10)}}, Key{{Value::Int(20)}},
                                "note <> 'x'", &source_params)
          .value();
  EXPECT_TRUE(
      source.starts_with("SELECT count(*), bit_xor(('x' || left(md5(ROW(\"id\", "
                         "\"note\")::text), 16))::bit(64)::bigint) FROM "
                         "\"shop\".\"orders\" WHERE "))
      << source;
  EXPECT_TRUE(source.ends_with(" AND (note <> 'x')")) << source;
  EXPECT_EQ(source_params, (postgres::Params{"10", "20"}));
  postgres::Params target_params;
  std::string target =
      BuildPostgresPairChecksum(Orders(), std::nullopt, std::nullopt, "", &target_params).value();
  EXPECT_TRUE(target.ends_with("FROM \"shop\".\"orders\" WHERE true")) << target;
  EXPECT_TRUE(target_params.empty());
}

// MySQL's JSON becomes jsonb, whose text is not the source's: those tables go row by row.
TEST(PostgresChecksumSqlTest, JsonHasNoCanonicalText) {
  TableSchema schema = Orders();
  EXPECT_EQ(PostgresChecksumGap(schema), std::nullopt);
  schema.columns.push_back(Col("doc", "json"));
  EXPECT_EQ(PostgresChecksumGap(schema),
            "column doc is JSON (jsonb reorders keys and respells numbers)");
  EXPECT_EQ(SourceCanonicalField(schema.columns.back()), std::nullopt);
}

// bit_xor over bigint is signed in PostgreSQL; the source's BIT_XOR is unsigned.
TEST(PostgresChecksumSqlTest, TargetHashAsSource) {
  EXPECT_EQ(TargetHashAsSource(std::string("-1")), "18446744073709551615");
  EXPECT_EQ(TargetHashAsSource(std::string("-9223372036854775808")), "9223372036854775808");
  EXPECT_EQ(TargetHashAsSource(std::string("42")), "42");
  EXPECT_EQ(TargetHashAsSource(std::nullopt), "0");  // no rows
  EXPECT_EQ(TargetHashAsSource(std::string("x")), std::nullopt);
}

}  // namespace
}  // namespace cutover::verify
