// `cutover replay SPEC --from OFFSET|POSITION|TIME [--target OTHER_SPEC]`: applies the change
// log again from a chosen point, to the migration's target or another one (docs/run.md).
#include <cstdio>
#include <memory>
#include <string>

#include "cutover/run.h"
#include "cutover/spec.h"

#include "commands.h"

namespace cutover::cli {
namespace {

struct ReplayArgs {
  std::string spec_file;
  std::string from;
  std::string target_spec;
};

int RunReplayCommand(const ReplayArgs& args) {
  Result<Spec> spec = LoadSpec(args.spec_file);
  Status status = spec.status();
  if (status.ok()) {
    ReplayOptions options;
    options.from = args.from;
    options.target_spec = args.target_spec;
    options.stop = InstallStopHandlers();
    Result<ReplayReport> report = ReplayLog(*spec, options);
    if (report.ok()) {
      std::printf("replayed log offsets %llu to %llu: %llu changes applied in %.1f s\n",
                  static_cast<unsigned long long>(report->from_offset),
                  static_cast<unsigned long long>(report->until_offset),
                  static_cast<unsigned long long>(report->changes), report->seconds);
      return kExitOk;
    }
    status = report.status();
  }
  std::fprintf(stderr, "cutover replay: %s\n", status.ToString().c_str());
  return status.code() == StatusCode::kInvalidArgument ? kExitBadInput : kExitFailed;
}

}  // namespace

void AddReplayCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<ReplayArgs>();
  CLI::App* command = app.add_subcommand(
      "replay", "Apply the change log again from a point, to the target or another one");
  command->add_option("SPEC", args->spec_file, "the migration spec (YAML)")->required();
  command
      ->add_option("--from", args->from, "log offset, source position (GTID, file:pos) or UTC time")
      ->required()
      ->check(ReplayStart());
  command->add_option("--target", args->target_spec,
                      "a spec whose target receives the replay (default: the migration's)");
  command->callback([args, exit_code] { *exit_code = RunReplayCommand(*args); });
}

}  // namespace cutover::cli
