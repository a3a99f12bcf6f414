// cutover: the command-line entry point; it only wires subcommands (one per cmd_*.cc).
#include <cstdio>
#include <memory>
#include <string>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "cutover/version.h"

#include "commands.h"

namespace {

// "cutover flags set" for the deepest subcommand the arguments reached.
std::string CommandName(CLI::App& app) {
  std::string name = "cutover";
  for (CLI::App* command = &app; command != nullptr;) {
    std::vector<CLI::App*> chosen = command->get_subcommands();
    command = chosen.empty() ? nullptr : chosen.front();
    if (command != nullptr) name += " " + command->get_name();
  }
  return name;
}

// The commands, for an unknown one: "check, tail, copy, ...".
std::string CommandList(CLI::App& app) {
  std::string list;
  for (const CLI::App* command : app.get_subcommands({})) {
    list += (list.empty() ? "" : ", ") + command->get_name();
  }
  return list;
}

// An argument error as one line naming the command, then where the usage is; exit 2.
int ReportParseError(CLI::App& app, int argc, char** argv, const CLI::ParseError& error) {
  const std::string first = argc > 1 ? argv[1] : "";
  if (app.get_subcommands().empty() && first != "--help" && first != "-h" && first != "--version") {
    const std::string what = first.empty()     ? "a command is required"
                             : first[0] == '-' ? "unknown option '" + first + "'"
                                               : "unknown command '" + first + "'";
    std::fprintf(stderr,
                 "cutover: %s; the commands are %s\nRun `cutover --help` for more "
                 "information.\n",
                 what.c_str(), CommandList(app).c_str());
    return cutover::cli::kExitBadInput;
  }
  if (error.get_exit_code() == 0) return app.exit(error);  // --help, --version
  const std::string command = CommandName(app);
  std::fprintf(stderr, "%s: %s\nRun `%s --help` for more information.\n", command.c_str(),
               error.what(), command.c_str());
  return cutover::cli::kExitBadInput;
}

}  // namespace

int main(int argc, char** argv) {
  // Log lines go to stderr: stdout carries what a command prints (JSON lines of `tail`, the
  // `--json` reports), which a log line in between would corrupt.
  spdlog::set_default_logger(std::make_shared<spdlog::logger>(
      "", std::make_shared<spdlog::sinks::stderr_color_sink_mt>()));
  CLI::App app{"cutover: zero-downtime database migration (full load, CDC, verify, cutover)"};
  app.set_version_flag("--version", std::string("cutover ") + cutover::kVersion);
  app.require_subcommand(1);
  app.fallthrough();
  int exit_code = cutover::cli::kExitOk;
  cutover::cli::AddCheckCommand(app, &exit_code);
  cutover::cli::AddTailCommand(app, &exit_code);
  cutover::cli::AddCopyCommand(app, &exit_code);
  cutover::cli::AddRunCommand(app, &exit_code);
  cutover::cli::AddCaptureCommand(app, &exit_code);
  cutover::cli::AddApplyCommand(app, &exit_code);
  cutover::cli::AddStatusCommand(app, &exit_code);
  cutover::cli::AddReplayCommand(app, &exit_code);
  cutover::cli::AddMappingCommand(app, &exit_code);
  cutover::cli::AddVerifyCommand(app, &exit_code);
  cutover::cli::AddFenceCommand(app, &exit_code);
  cutover::cli::AddFinishCommand(app, &exit_code);
  cutover::cli::AddDdlCommand(app, &exit_code);
  cutover::cli::AddServeCommand(app, &exit_code);
  cutover::cli::AddFlagsCommand(app, &exit_code);
  cutover::cli::AddCtlCommand(app, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return ReportParseError(app, argc, argv, e);
  }
  return exit_code;
}
