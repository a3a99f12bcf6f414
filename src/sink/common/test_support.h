// Test support for the SQL sinks' unit tests (MariaDB/MySQL, PostgreSQL): column types from
// their MySQL declarations.
#pragma once

#include <string_view>

#include <gtest/gtest.h>

#include "cutover/schema.h"
#include "cutover/status.h"

namespace cutover::sink::testing {

// The ColumnType of a MySQL column declared `column_type` (e.g. "int(11)", "varchar(10)") with
// `charset` and `collation`. A declaration that does not parse fails the test with the parser's
// message, and the program then dies on the bad Result access.
inline ColumnType Type(std::string_view column_type, std::string_view charset = "",
                       std::string_view collation = "") {
  Result<ColumnType> type = ParseMysqlColumnType(column_type, charset, collation);
  EXPECT_TRUE(type.ok()) << type.status().ToString();
  return *type;
}

}  // namespace cutover::sink::testing
