// `cutover ddl resume SPEC TABLE [--recopy] [--timeout S]`: a table stopped by a schema change
// the target could not follow goes on (docs/ddl.md). Exit 0: resumed (or recorded for the next
// run); 1: the table is not stopped; 2: bad arguments, or it could not (no running `cutover run`
// for --recopy, a timeout, a server down).
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "cutover/ddl.h"
#include "cutover/spec.h"

#include "commands.h"

namespace cutover::cli {
namespace {

struct DdlArgs {
  std::string spec_file;
  std::string table;
  bool recopy = false;
  int64_t timeout_seconds = 600;
};

int RunDdlResume(const DdlArgs& args) {
  Result<Spec> spec = LoadSpec(args.spec_file);
  if (!spec.ok()) {
    std::fprintf(stderr, "cutover ddl resume: %s\n", spec.status().ToString().c_str());
    return kExitBadInput;
  }
  DdlResumeOptions options;
  options.recopy = args.recopy;
  options.timeout = std::chrono::seconds(args.timeout_seconds);
  options.stop = InstallStopHandlers();
  options.progress = stderr;
  Result<DdlResumeReport> report = ResumeTable(*spec, args.table, options);
  if (!report.ok()) {
    std::fprintf(stderr, "cutover ddl resume: %s\n", report.status().ToString().c_str());
    return report.status().code() == StatusCode::kFailedPrecondition &&
                   report.status().message().find("is not stopped") != std::string_view::npos
               ? kExitFailed
               : kExitBadInput;
  }
  if (report->recopied) {
    std::fprintf(stdout, "%s: copied again, %lld rows sent (%lld changed meanwhile and came by "
                         "CDC); following the source\n",
                 report->table.c_str(), static_cast<long long>(report->rows_resent),
                 static_cast<long long>(report->left_to_cdc));
  } else if (report->applied) {
    std::fprintf(stdout, "%s: caught up; following the source\n", report->table.c_str());
  } else {
    std::fprintf(stdout, "%s: resume recorded; the next `cutover run` applies its held changes\n",
                 report->table.c_str());
  }
  return kExitOk;
}

}  // namespace

void AddDdlCommand(CLI::App& app, int* exit_code) {
  CLI::App* ddl = app.add_subcommand("ddl", "Schema changes of the source (docs/ddl.md)");
  ddl->require_subcommand(1);
  auto args = std::make_shared<DdlArgs>();
  CLI::App* resume = ddl->add_subcommand(
      "resume", "Let a table stopped by a schema change go on (after you dealt with it)");
  resume->add_option("SPEC", args->spec_file, "the migration spec (YAML)")->required();
  resume->add_option("TABLE", args->table, "the stopped table, as schema.table")->required();
  resume->add_flag("--recopy", args->recopy,
                   "make the target table anew and copy it again from the source while CDC "
                   "runs (needs a running `cutover run`)");
  resume->add_option("--timeout", args->timeout_seconds, "seconds to wait (default 600)")
      ->check(Seconds(1));
  resume->callback([args, exit_code] { *exit_code = RunDdlResume(*args); });
}

}  // namespace cutover::cli
