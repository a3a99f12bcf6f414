// `cutover mapping test MAPPING ROWS.json`: the items good rows become, the exit code and exact
// message for a row that cannot be mapped and for a bad mapping file.
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <sys/wait.h>

namespace {

struct CliRun {
  int exit_code;
  std::string output;  // stdout and stderr
};

CliRun Cutover(const std::string& args) {
  std::string command = std::string(std::getenv("CUTOVER_BIN")) + " " + args + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  std::string output;
  std::array<char, 4096> buffer;
  while (size_t n = fread(buffer.data(), 1, buffer.size(), pipe)) output.append(buffer.data(), n);
  int status = pclose(pipe);
  return {WEXITSTATUS(status), output};
}

std::string Write(const std::string& name, const std::string& text) {
  std::filesystem::path dir = std::filesystem::temp_directory_path() / "cutover_mapping_cli";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / name) << text;
  return (dir / name).string();
}

constexpr char kMapping[] = R"(
tables: [{name: shop, partition_key: pk, sort_key: sk}]
sources:
  shop.orders:
    table: shop
    pk: "CUSTOMER#{customer_id}"
    sk: "ORDER#{id}"
    rename: {total: Total}
    lua_note: x
)";

TEST(MappingCliTest, PrintsItemsOfGoodRows) {
  std::string mapping = Write("good.yaml", R"(
tables: [{name: shop, partition_key: pk, sort_key: sk}]
sources:
  shop.orders: {table: shop, pk: "CUSTOMER#{customer_id}", sk: "ORDER#{id}", rename: {total: Total}}
)");
  std::string rows = Write("good.json", R"x({"table": "shop.orders",
    "columns": {"id": "bigint unsigned", "customer_id": "int", "total": "decimal(10,2)"},
    "rows": [{"id": 1, "customer_id": 7, "total": "19.90"}]})x");
  CliRun run = Cutover("mapping test " + mapping + " " + rows);
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(run.output, R"x([
  {
    "item": {
      "Total": {
        "N": "19.90"
      },
      "customer_id": {
        "N": "7"
      },
      "id": {
        "N": "1"
      },
      "pk": {
        "S": "CUSTOMER#7"
      },
      "sk": {
        "S": "ORDER#1"
      }
    },
    "op": "put",
    "table": "shop"
  }
]
)x");
}

TEST(MappingCliTest, RowThatCannotBeMappedExitsOne) {
  std::string mapping = Write("good2.yaml", R"(
tables: [{name: shop, partition_key: pk, sort_key: sk}]
sources:
  shop.orders: {table: shop, pk: "CUSTOMER#{customer_id}", sk: "ORDER#{id}"}
)");
  std::string rows = Write("bad.json", R"x({"table": "shop.orders",
    "columns": {"id": "int", "customer_id": "int"},
    "rows": [{"id": 1, "customer_id": 7}, {"id": 2, "customer_id": null}]})x");
  CliRun run = Cutover("mapping test " + mapping + " " + rows);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.output, "cutover mapping test: " + rows +
                            ": rows[1]: shop.orders id=2: column 'customer_id' is NULL in "
                            "template 'CUSTOMER#{customer_id}'\n");
}

TEST(MappingCliTest, BadMappingFileExitsTwo) {
  std::string mapping = Write("bad.yaml", kMapping);
  std::string rows =
      Write("any.json", R"({"table":"shop.orders","columns":{"id":"int"},"rows":[]})");
  CliRun run = Cutover("mapping test " + mapping + " " + rows);
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.output, "cutover mapping test: InvalidArgument: " + mapping +
                            ": sources.shop.orders.lua_note: unknown field; allowed: computed, "
                            "exclude, include, lua, nulls, pk, rename, shared, sk, table, "
                            "temporal, types\n");
}

}  // namespace
