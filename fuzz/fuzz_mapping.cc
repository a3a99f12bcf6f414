// Fuzzes the DynamoDB mapping loader (include/cutover/mapping.h), which reads the mapping file a
// person writes: Mapping::Parse on the input as YAML text (what Mapping::Load calls after reading
// the file, as `cutover run` and `cutover mapping check|test` do), then, when it loads, the
// mapping applied as the DynamoDB target applies it to the sample rows of
// examples/shop.rows.json and a customers table: Check, MapRow, ItemKeyOf and MapChange, and
// each item key serialized as the writer does. Must return a Mapping or an InvalidArgument; a
// crash, a sanitizer report or an exception is a finding. The origin is a directory that does
// not exist, so a `lua:` file named relative to it is never read.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "cutover/mapping.h"

namespace {

constexpr std::string_view kOrders = R"x({"table": "shop.orders",
 "columns": {"id": "bigint unsigned", "customer_id": "int", "total": "decimal(10,2)",
             "placed": "datetime(3)", "doc": "json"},
 "key": ["id"],
 "rows": [{"id": 1, "customer_id": 7, "total": "19.90", "placed": "2024-01-02 03:04:05.250",
           "doc": {"gift": true}},
          {"id": 18446744073709551615, "customer_id": 8, "total": "0.50", "placed": null}]})x";

constexpr std::string_view kCustomers = R"x({"table": "shop.customers",
  "columns": {"id": "bigint unsigned", "email": "varchar(100)", "secret": "varchar(10)",
              "active": "tinyint(1)", "balance": "decimal(20,4)", "tags": "set('a','b','c')",
              "prefs": "json", "photo": "blob", "note": "text"},
  "rows": [{"id": 7, "email": "a@x.io", "secret": "s", "active": 1,
            "balance": "12345678901234.5000", "tags": "a,c", "prefs": {"k": [1, "two", null]},
            "photo": "0x00ff", "note": null},
           {"id": 8, "email": null, "secret": null, "active": 0, "balance": "-0.0001",
            "tags": "", "prefs": null, "photo": null, "note": "x"}]})x";

const std::vector<cutover::SampleRows>& Samples() {
  static const std::vector<cutover::SampleRows> samples = [] {
    std::vector<cutover::SampleRows> out;
    for (std::string_view json : {kOrders, kCustomers}) {
      cutover::Result<cutover::SampleRows> sample = cutover::ParseSampleRows(json, "rows.json");
      if (sample.ok()) out.push_back(std::move(sample).value());
    }
    return out;
  }();
  return samples;
}

void Serialize(const std::vector<cutover::ItemOp>& ops) {
  for (const cutover::ItemOp& op : ops) {
    static_cast<void>(op.key.dump());  // as the item writer and the applier key their maps
    static_cast<void>(op.item.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
}

void Apply(const cutover::Mapping& mapping, const cutover::SampleRows& sample) {
  if (!mapping.Maps(sample.schema.id)) return;
  if (!mapping.Check(sample.schema).ok()) return;
  auto schema = std::make_shared<cutover::TableSchema>(sample.schema);
  for (const cutover::Row& row : sample.rows) {
    cutover::Result<std::vector<cutover::ItemOp>> ops = mapping.MapRow(*schema, row);
    if (ops.ok()) Serialize(*ops);
    static_cast<void>(mapping.ItemKeyOf(*schema, row));
  }
  if (sample.rows.size() < 2) return;
  cutover::Change update;
  update.table = schema->id;
  update.schema = schema;
  update.op = cutover::ChangeOp::kUpdate;
  update.before = sample.rows[0];
  update.after = sample.rows[1];
  cutover::Result<std::vector<cutover::ItemOp>> ops = mapping.MapChange(update);
  if (ops.ok()) Serialize(*ops);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view yaml(reinterpret_cast<const char*>(data), size);
  cutover::Result<cutover::Mapping> mapping =
      cutover::Mapping::Parse(yaml, "/nonexistent/mapping.yaml");
  if (!mapping.ok()) {
    static_cast<void>(mapping.status().ToString());
    return 0;
  }
  for (const cutover::SampleRows& sample : Samples()) Apply(*mapping, sample);
  return 0;
}
