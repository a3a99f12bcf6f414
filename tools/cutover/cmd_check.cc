// `cutover check SPEC [--json]`: runs the preflight checks for a spec and prints the report.
#include <cstdio>
#include <string>

#include "cutover/preflight.h"
#include "cutover/spec.h"

#include "commands.h"

namespace cutover::cli {
namespace {

struct CheckArgs {
  std::string spec_file;
  bool json = false;
};

int RunCheck(const CheckArgs& args) {
  Result<Spec> spec = LoadSpec(args.spec_file);
  if (!spec.ok()) {
    std::fprintf(stderr, "cutover check: %s\n", spec.status().ToString().c_str());
    return kExitBadInput;
  }
  PreflightReport report = RunPreflight(*spec);
  std::string text = args.json ? FormatReportJson(report) : FormatReportText(report);
  std::fputs(text.c_str(), stdout);
  std::fflush(stdout);
  return report.ok() ? kExitOk : kExitFailed;
}

}  // namespace

void AddCheckCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<CheckArgs>();
  CLI::App* command = app.add_subcommand(
      "check", "Preflight: check the source and target of a spec before a migration");
  command->add_option("SPEC", args->spec_file, "the migration spec (YAML)")->required();
  command->add_flag("--json", args->json, "print the report as JSON");
  command->callback([args, exit_code] { *exit_code = RunCheck(*args); });
}

}  // namespace cutover::cli
