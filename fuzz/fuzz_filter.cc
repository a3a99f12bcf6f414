// Fuzzes the row filter language (src/filter/filter.h), which reads a table's `filter:` in the
// spec: Filter::Parse on the input as the expression text, then, when it parses, ToSql (the
// condition pushed down to the source), Check against a shop.orders table and Matches on two of
// its rows (one with NULLs). Must return a Filter or an InvalidArgument; a crash, a sanitizer
// report or an exception is a finding.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "filter/filter.h"

namespace {

using namespace cutover;

const TableSchema& Orders() {
  static const TableSchema schema = [] {
    TableSchema out;
    out.id = TableId{"shop", "orders"};
    auto add = [&](const char* name, const char* type, const char* charset = "",
                   const char* collation = "") {
      Result<ColumnType> parsed = ParseMysqlColumnType(type, charset, collation);
      if (parsed.ok()) out.columns.push_back(Column{name, *parsed, true});
    };
    add("id", "bigint(20)");
    add("status", "varchar(20)", "utf8mb4", "utf8mb4_general_ci");
    add("total", "decimal(12,2)");
    add("created_at", "datetime");
    add("code", "varchar(10)", "utf8mb4", "utf8mb4_0900_ai_ci");
    add("tag", "varbinary(10)");
    add("doc", "json");
    add("price", "double");
    add("flags", "set('a','b')", "utf8mb4", "utf8mb4_bin");
    add("uid", "bigint(20) unsigned");
    out.key = {0};
    return out;
  }();
  return schema;
}

const std::vector<Row>& Rows() {
  static const std::vector<Row> rows = [] {
    DateTime time;
    time.date = Date{2024, 2, 29, 0};
    Row full{{Value::Int(-7), Value::Str("Paid"), Value::Dec(Decimal::Parse("19.90").value()),
              Value::FromDateTime(time), Value::Str("ä"), Value::Bytes(std::string("t\0x", 3)),
              Value::Json(R"({"a": [1, "b"]})"), Value::Double(1.5), Value::Str("a,b"),
              Value::UInt(UINT64_MAX)},
             {}};
    Row nulls = full;
    for (size_t column : {1u, 2u, 3u, 6u, 7u}) nulls.values[column] = Value::Null();
    return std::vector<Row>{full, nulls};
  }();
  return rows;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  Result<filter::Filter> parsed = filter::Filter::Parse(text);
  if (!parsed.ok()) {
    static_cast<void>(parsed.status().ToString());
    return 0;
  }
  static_cast<void>(parsed->ToSql());
  if (!parsed->Check(Orders()).ok()) return 0;
  for (const Row& row : Rows()) static_cast<void>(parsed->Matches(Orders(), row));
  return 0;
}
