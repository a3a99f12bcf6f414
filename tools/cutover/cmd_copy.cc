// `cutover copy SPEC`: runs (or resumes) the full load of the selected tables into the target
// and prints progress and a final summary (docs/copy.md).
#include <atomic>
#include <cstdio>
#include <memory>
#include <string>

#include <unistd.h>

#include "cutover/copy.h"
#include "cutover/spec.h"

#include "commands.h"

namespace cutover::cli {
namespace {

struct CopyArgs {
  std::string spec_file;
  int progress_seconds = 10;
  bool quiet = false;
};

int ExitCodeFor(const Status& status) {
  bool bad_input = status.code() == StatusCode::kInvalidArgument;
  std::fprintf(stderr, "cutover copy: %s\n", status.ToString().c_str());
  return bad_input ? kExitBadInput : kExitFailed;
}

int RunCopyCommand(const CopyArgs& args) {
  Result<Spec> spec = LoadSpec(args.spec_file);
  if (!spec.ok()) return ExitCodeFor(spec.status());
  CopyOptions options;
  options.stop = InstallStopHandlers();
  options.progress = args.quiet ? nullptr : stdout;
  options.progress_interval = std::chrono::seconds(std::max(args.progress_seconds, 1));
  Result<CopyReport> report = RunCopy(*spec, options);
  if (!report.ok()) {
    if (report.status().code() == StatusCode::kCancelled) {
      std::fprintf(stderr, "cutover copy: stopped; run the same command again to resume\n");
      return kExitFailed;
    }
    return ExitCodeFor(report.status());
  }
  std::fputs(FormatCopySummary(*report).c_str(), stdout);
  return kExitOk;
}

}  // namespace

void AddCopyCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<CopyArgs>();
  CLI::App* command = app.add_subcommand(
      "copy", "Copy the selected tables into the target (full load); rerun to resume");
  command->add_option("SPEC", args->spec_file, "the migration spec (YAML)")->required();
  command
      ->add_option("--progress-every", args->progress_seconds,
                   "seconds between progress lines when stdout is not a terminal")
      ->check(AtLeast(1));
  command->add_flag("--quiet", args->quiet, "print only the final summary");
  command->callback([args, exit_code] { *exit_code = RunCopyCommand(*args); });
}

}  // namespace cutover::cli
