// fuzz_make_seeds: writes the seeds of fuzz/corpus/fuzz_change_codec with cutover's own
// ChangeEncoder (the change log's real records), each seed a sequence of length-prefixed records
// (fuzz/split.h). Usage: fuzz_make_seeds <fuzz/corpus/fuzz_change_codec>.
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "log/change_codec.h"

namespace {

using namespace cutover;

std::shared_ptr<const TableSchema> Shape() {
  auto schema = std::make_shared<TableSchema>();
  schema->id = TableId{"shop", "orders"};
  Result<ColumnType> id = ParseMysqlColumnType("bigint(20) unsigned", "", "");
  Result<ColumnType> name = ParseMysqlColumnType("varchar(20)", "latin1", "latin1_swedish_ci");
  Result<ColumnType> state = ParseMysqlColumnType("enum('new','paid')", "utf8mb4", "utf8mb4_bin");
  Result<ColumnType> amount = ParseMysqlColumnType("decimal(10,2)", "", "");
  Result<ColumnType> at = ParseMysqlColumnType("datetime(6)", "", "");
  Result<ColumnType> blob = ParseMysqlColumnType("varbinary(16)", "", "");
  schema->columns = {Column{"id", *id, false},      Column{"name", *name, true},
                     Column{"state", *state, true}, Column{"amount", *amount, true},
                     Column{"created", *at, true},  Column{"raw", *blob, true}};
  schema->key = {0};
  schema->key_index = "PRIMARY";
  schema->indexes = {Index{"PRIMARY", {"id"}, true, true, "PRIMARY KEY (`id`)"}};
  schema->charset = "utf8mb4";
  return schema;
}

std::string Framed(const std::vector<std::string>& records) {
  std::string out;
  for (const std::string& record : records) {
    out.push_back(static_cast<char>((record.size() >> 8) & 0xFF));
    out.push_back(static_cast<char>(record.size() & 0xFF));
    out += record;
  }
  return out;
}

bool Write(const std::string& dir, const std::string& name, const std::string& bytes) {
  std::ofstream file(dir + "/" + name, std::ios::binary);
  file << bytes;
  return static_cast<bool>(file);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_make_seeds <corpus dir of fuzz_change_codec>\n");
    return 2;
  }
  const std::string dir = argv[1];
  auto orders = Shape();
  Change update;
  update.table = orders->id;
  update.schema = orders;
  update.op = ChangeOp::kUpdate;
  update.position = Position::FromFile(*BinlogFilePosition::Make("binlog.000003", 4711));
  update.before =
      Row{{Value::UInt(UINT64_MAX), Value::Str("caf\xe9", Charset::kLatin1),
           Value::FromEnum(Enum{1, "new"}), Value::Null(), Value::Null(), Value::Null()},
          {}};
  update.after = Row{{Value::UInt(7), Value::Null(), Value::FromEnum(Enum{2, "paid"}),
                      Value::Null(), Value::Null(), Value::Null()},
                     {true, false, true, true, false, true}};
  Change insert = update;
  insert.op = ChangeOp::kInsert;
  insert.before.reset();
  Change remove = update;
  remove.op = ChangeOp::kDelete;
  remove.after.reset();

  log::ChangeEncoder encoder;
  std::vector<std::string> records;
  for (const Change* change : {&insert, &update, &remove}) {
    if (!encoder.Encode(*change, &records).ok()) return 1;
  }
  records.push_back(log::CommitRecord());
  bool ok = Write(dir, "transaction", Framed(records));
  ok = ok && Write(dir, "shape_only", Framed({records[0]}));
  ok = ok && Write(dir, "explicit_shape", Framed({log::EncodeChangeRecord(update, 1)}));
  ok = ok && Write(dir, "schema_json", Framed({log::SchemaToJson(*orders)}));
  return ok ? 0 : 1;
}
