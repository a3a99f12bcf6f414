// cutover mapping test: prints the DynamoDB items a mapping makes of sample rows
// (docs/mapping.md). Exit 0: every row mapped; 1: a row cannot be mapped; 2: bad mapping/rows file.
#include <iostream>
#include <memory>

#include "cutover/mapping.h"

#include "commands.h"

namespace cutover::cli {
namespace {

struct MappingTestArgs {
  std::string mapping;
  std::string rows;
};

int RunMappingTest(const MappingTestArgs& args) {
  Result<Mapping> mapping = Mapping::Load(args.mapping);
  if (!mapping.ok()) {
    std::cerr << "cutover mapping test: " << mapping.status().ToString() << "\n";
    return kExitBadInput;
  }
  Result<SampleRows> sample = LoadSampleRows(args.rows);
  if (!sample.ok()) {
    std::cerr << "cutover mapping test: " << sample.status().ToString() << "\n";
    return kExitBadInput;
  }
  if (Status check = mapping->Check(sample->schema); !check.ok()) {
    std::cerr << "cutover mapping test: " << check.ToString() << "\n";
    return kExitBadInput;
  }
  nlohmann::json out = nlohmann::json::array();
  for (size_t row_idx = 0; row_idx < sample->rows.size(); ++row_idx) {
    Result<std::vector<ItemOp>> ops = mapping->MapRow(sample->schema, sample->rows[row_idx]);
    if (!ops.ok()) {
      std::cerr << "cutover mapping test: " << args.rows << ": rows[" << row_idx
                << "]: " << ops.status().message() << "\n";
      return kExitFailed;
    }
    for (const ItemOp& op : *ops) out.push_back(ItemOpToJson(op));
  }
  std::cout << out.dump(2) << "\n";
  return kExitOk;
}

}  // namespace

void AddMappingCommand(CLI::App& app, int* exit_code) {
  CLI::App* mapping = app.add_subcommand("mapping", "Work with DynamoDB mapping files");
  mapping->require_subcommand(1);
  CLI::App* test = mapping->add_subcommand("test", "Print the items sample rows map to");
  auto args = std::make_shared<MappingTestArgs>();
  test->add_option("MAPPING", args->mapping, "mapping file (YAML)")->required();
  test->add_option("ROWS", args->rows, "sample rows (JSON, see docs/mapping.md)")->required();
  test->callback([args, exit_code] { *exit_code = RunMappingTest(*args); });
}

}  // namespace cutover::cli
