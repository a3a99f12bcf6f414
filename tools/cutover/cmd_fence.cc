// `cutover fence SPEC [--timeout S]`: writes a marker on the source and waits until the running
// `cutover run` has applied past it, printing the lag; `cutover finish SPEC [--quiet-seconds N]
// [--timeout S] [--json]`: waits for the stream to drain, stops the run, removes cutover's tables
// from the source and prints the final report (docs/cutover.md). Exit 0: done; 2: refused or
// could not (no running `cutover run`, changes that keep coming, a server down).
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "cutover/fence.h"
#include "cutover/finish.h"
#include "cutover/spec.h"

#include "commands.h"

namespace cutover::cli {
namespace {

struct FenceArgs {
  std::string spec_file;
  int64_t timeout_seconds = 300;
  int64_t quiet_seconds = 10;
  bool json = false;
};

int Refused(const char* command, const Status& status) {
  std::fprintf(stderr, "cutover %s: %s\n", command, status.ToString().c_str());
  return kExitBadInput;
}

int RunFenceCommand(const FenceArgs& args) {
  Result<Spec> spec = LoadSpec(args.spec_file);
  if (!spec.ok()) return Refused("fence", spec.status());
  FenceOptions options;
  options.timeout = std::chrono::seconds(args.timeout_seconds);
  options.stop = InstallStopHandlers();
  Result<FenceResult> fence = RunFence(*spec, options);
  if (!fence.ok()) return Refused("fence", fence.status());
  std::fprintf(stdout, "fence %s: applied %lld ms after it was written\n", fence->id.c_str(),
               static_cast<long long>(fence->applied_at_ms - fence->written_at_ms));
  return kExitOk;
}

int RunFinishCommand(const FenceArgs& args) {
  Result<Spec> spec = LoadSpec(args.spec_file);
  if (!spec.ok()) return Refused("finish", spec.status());
  FinishOptions options;
  options.quiet = std::chrono::seconds(args.quiet_seconds);
  options.timeout = std::chrono::seconds(args.timeout_seconds);
  options.stop = InstallStopHandlers();
  options.progress = stderr;
  Result<FinishReport> report = FinishMigration(*spec, options);
  if (!report.ok()) return Refused("finish", report.status());
  std::string text =
      args.json ? FinishReportToJson(*report).dump(2) + "\n" : FormatFinishReport(*report);
  std::fputs(text.c_str(), stdout);
  return kExitOk;
}

}  // namespace

void AddFenceCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<FenceArgs>();
  CLI::App* command = app.add_subcommand(
      "fence", "Write a marker on the source and wait until the running `cutover run` applied it");
  command->add_option("SPEC", args->spec_file, "the migration spec (YAML)")->required();
  command->add_option("--timeout", args->timeout_seconds, "seconds to wait (default 300)")
      ->check(Seconds(1));
  command->callback([args, exit_code] { *exit_code = RunFenceCommand(*args); });
}

void AddFinishCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<FenceArgs>();
  CLI::App* command = app.add_subcommand(
      "finish",
      "Once the change stream is drained: stop `cutover run`, clean the source, final report");
  command->add_option("SPEC", args->spec_file, "the migration spec (YAML)")->required();
  command
      ->add_option("--quiet-seconds", args->quiet_seconds,
                   "seconds without a change of a selected table before a passed fence (default "
                   "10)")
      ->check(Seconds(0));
  command
      ->add_option("--timeout", args->timeout_seconds,
                   "seconds to wait for the stream to drain before refusing (default 300)")
      ->check(Seconds(1));
  command->add_flag("--json", args->json, "print the report as JSON");
  command->callback([args, exit_code] { *exit_code = RunFinishCommand(*args); });
}

}  // namespace cutover::cli
