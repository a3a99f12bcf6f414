// Test support for the SQL sinks' unit tests (MariaDB/MySQL, PostgreSQL): column types from
// their MySQL declarations, and a table whose updates may leave a large value absent.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "cutover/change.h"
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

// shop.docs (id bigint, n int, doc longtext), key id: `doc` is the large value an update of a
// PostgreSQL source may leave absent (an unchanged TOAST value, docs/design.md "Partial row
// images"). A new object each call, as the log decodes a shape stated again.
inline std::shared_ptr<const TableSchema> Documents() {
  auto schema = std::make_shared<TableSchema>();
  schema->id = TableId{"shop", "docs"};
  schema->columns = {Column{"id", Type("bigint(20)"), false}, Column{"n", Type("int(11)"), false},
                     Column{"doc", Type("longtext", "utf8mb4", "utf8mb4_bin"), true}};
  schema->key = {0};
  return schema;
}

// A row of Documents(); nullopt: the value is absent (n too: an old row of the key alone).
inline Row Document(int64_t id, std::optional<int64_t> n, std::optional<std::string> doc) {
  Row row{
      {Value::Int(id), n ? Value::Int(*n) : Value::Null(), doc ? Value::Str(*doc) : Value::Null()},
      {true, n.has_value(), doc.has_value()}};
  if (n && doc) row.present.clear();
  return row;
}

}  // namespace cutover::sink::testing
