// Unit tests of the MySQL-to-PostgreSQL type mapping: every row of docs/type-mapping.md.
#include "sink/postgres/type_mapping.h"

#include <gtest/gtest.h>

namespace cutover::postgres {
namespace {

struct Mapping {
  const char* column_type;
  const char* charset;
  const char* postgres;
};

TEST(PostgresTypeTest, MapsEveryMysqlType) {
  const Mapping mappings[] = {
      {"tinyint(4)", "", "smallint"},
      {"tinyint(3) unsigned", "", "smallint"},
      {"smallint(6)", "", "smallint"},
      {"smallint(5) unsigned", "", "integer"},
      {"mediumint(9)", "", "integer"},
      {"mediumint(8) unsigned", "", "integer"},
      {"int(11)", "", "integer"},
      {"int(10) unsigned", "", "bigint"},
      {"bigint(20)", "", "bigint"},
      {"bigint(20) unsigned", "", "numeric(20,0)"},
      {"decimal(65,30)", "", "numeric(65,30)"},
      {"decimal(5,2) unsigned", "", "numeric(5,2)"},
      {"float", "", "real"},
      {"double", "", "double precision"},
      {"bit(1)", "", "bit(1)"},
      {"bit(64)", "", "bit(64)"},
      {"year(4)", "", "smallint"},
      {"date", "", "date"},
      {"time", "", "interval"},
      {"time(6)", "", "interval"},
      {"datetime", "", "timestamp(0)"},
      {"datetime(3)", "", "timestamp(3)"},
      {"timestamp", "", "timestamptz(0)"},
      {"timestamp(6)", "", "timestamptz(6)"},
      {"char(10)", "utf8mb4", "varchar(10)"},
      {"varchar(300)", "latin1", "varchar(300)"},
      {"binary(4)", "", "bytea"},
      {"varbinary(20)", "", "bytea"},
      {"tinyblob", "", "bytea"},
      {"blob", "", "bytea"},
      {"mediumblob", "", "bytea"},
      {"longblob", "", "bytea"},
      {"tinytext", "utf8mb4", "text"},
      {"text", "utf8mb4", "text"},
      {"mediumtext", "utf8mb4", "text"},
      {"longtext", "utf8mb4", "text"},
      {"enum('a','b')", "utf8mb4", "text"},
      {"set('x','y')", "utf8mb4", "text"},
      {"json", "", "jsonb"},
      {"geometry", "", "bytea"},
      {"point", "", "bytea"},
  };
  for (const Mapping& mapping : mappings) {
    Result<ColumnType> type = ParseMysqlColumnType(mapping.column_type, mapping.charset,
                                                   *mapping.charset ? "utf8mb4_general_ci" : "");
    ASSERT_TRUE(type.ok()) << mapping.column_type << ": " << type.status().ToString();
    Result<std::string> postgres = PostgresType(*type);
    ASSERT_TRUE(postgres.ok()) << mapping.column_type << ": " << postgres.status().ToString();
    EXPECT_EQ(*postgres, mapping.postgres) << mapping.column_type;
  }
}

TEST(PostgresCheckTest, KeepsEnumLabelsAndUnsignedRanges) {
  Result<ColumnType> e =
      ParseMysqlColumnType("enum('a','it''s','\xc3\xa7')", "utf8mb4", "utf8mb4_bin");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(PostgresCheck(*e, "\"e\""), "\"e\" IN ('a', 'it''s', '\xc3\xa7')");
  EXPECT_EQ(PostgresCheck(*ParseMysqlColumnType("int(10) unsigned", "", ""), "\"u\""),
            "\"u\" >= 0");
  EXPECT_EQ(PostgresCheck(*ParseMysqlColumnType("int(11)", "", ""), "\"i\""), "");
  EXPECT_EQ(PostgresCheck(*ParseMysqlColumnType("set('x')", "utf8mb4", "utf8mb4_bin"), "\"s\""),
            "");
}

}  // namespace
}  // namespace cutover::postgres
