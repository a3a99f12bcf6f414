// `cutover verify SPEC [--tables PATTERN] [--json] [--restart] ...`: compares the target with the
// transformed source and prints the differences (docs/verify.md). Exit 0: no difference;
// 1: differences; 2: could not check (bad spec, a server down, stopped before the end).
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "cutover/spec.h"
#include "cutover/verify.h"

#include "commands.h"

namespace cutover::cli {
namespace {

struct VerifyArgs {
  std::string spec_file;
  std::string tables;
  bool json = false;
  bool restart = false;
  bool row_compare = false;
  bool repair = false;
  bool delete_extra = false;
  bool no_recheck = false;
  bool continuous = false;
  double sample = 0.1;
  int64_t for_seconds = 0;
  int64_t report_every = 10;
  int64_t chunk_rows = 0;
  double chunk_time = 0.5;
};

int RunVerifyCommand(const VerifyArgs& args) {
  Result<Spec> spec = LoadSpec(args.spec_file);
  if (!spec.ok()) {
    std::fprintf(stderr, "cutover verify: %s\n", spec.status().ToString().c_str());
    return kExitBadInput;
  }
  VerifyOptions options;
  options.tables = args.tables;
  options.restart = args.restart;
  options.chunk_rows = args.chunk_rows;
  options.chunk_seconds = args.chunk_time;
  options.checksums = !args.row_compare;
  options.repair = args.repair;
  options.delete_extra = args.delete_extra;
  options.recheck = !args.no_recheck;
  options.continuous = args.continuous;
  options.sample = args.sample;
  options.duration = std::chrono::seconds(args.for_seconds);
  options.report_every = std::chrono::seconds(args.report_every);
  options.progress = stderr;
  options.stop = InstallStopHandlers();
  Result<VerifyReport> report = RunVerify(*spec, options);
  if (!report.ok()) {
    // Not a result: nothing can be said about the target.
    std::fprintf(stderr, "cutover verify: %s\n", report.status().ToString().c_str());
    return kExitBadInput;
  }
  std::string text =
      args.json ? VerifyReportToJson(*report).dump(2) + "\n" : FormatVerifyReport(*report);
  std::fputs(text.c_str(), stdout);
  if (!report->complete) {
    std::fprintf(stderr, "cutover verify: stopped; run the same command again to continue\n");
    return kExitBadInput;
  }
  return report->differences() == 0 ? kExitOk : kExitFailed;
}

}  // namespace

void AddVerifyCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<VerifyArgs>();
  CLI::App* command = app.add_subcommand(
      "verify", "Compare the target with the transformed source; rerun a stopped one to continue");
  command->add_option("SPEC", args->spec_file, "the migration spec (YAML)")->required();
  command
      ->add_option("--tables", args->tables,
                   "verify only the selected tables matching this glob (schema.table)")
      ->check(TableGlob());
  command->add_flag("--json", args->json, "print the report as JSON");
  command->add_flag("--restart", args->restart,
                    "start over instead of continuing a stopped verify");
  command->add_flag("--row-compare", args->row_compare,
                    "SQL targets: compare every row instead of in-database chunk checksums first");
  CLI::Option* repair = command->add_flag(
      "--repair", args->repair,
      "send the source rows of differing chunks again through the running `cutover "
      "run`, then verify again");
  command
      ->add_flag("--delete-extra", args->delete_extra,
                 "with --repair, SQL targets: also delete target rows the source lacks")
      ->needs(repair);
  command->add_flag("--no-recheck", args->no_recheck,
                    "while `cutover run` applies, report differences as first seen instead of "
                    "re-checking them after the lag");
  CLI::Option* continuous = command->add_flag(
      "--continuous", args->continuous,
      "re-verify a sample of the keys the running `cutover run` applies, until stopped");
  continuous->excludes(repair);
  command
      ->add_option("--sample", args->sample,
                   "with --continuous: the share of applied changes "
                   "whose key is checked (default 0.1)")
      ->check(CLI::Range(0.0001, 1.0))
      ->needs(continuous);
  command->add_option("--for", args->for_seconds, "with --continuous: stop after this many seconds")
      ->check(AtLeast(1))
      ->needs(continuous);
  command
      ->add_option("--report-every", args->report_every,
                   "with --continuous: a progress line on stderr every N seconds (default 10)")
      ->check(AtLeast(1))
      ->needs(continuous);
  command
      ->add_option("--chunk-rows", args->chunk_rows,
                   "source rows per chunk (default: the spec's parallelism.chunk_rows)")
      ->check(AtLeast(0));
  command
      ->add_option("--chunk-time", args->chunk_time,
                   "SQL targets: grow checksum chunks from --chunk-rows until one takes about "
                   "this many seconds (default 0.5; 0: fixed size)")
      ->check(CLI::Range(0.0, 60.0));
  command->callback([args, exit_code] { *exit_code = RunVerifyCommand(*args); });
}

}  // namespace cutover::cli
