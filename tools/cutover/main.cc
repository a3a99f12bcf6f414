// cutover: the command-line entry point; it only wires subcommands (one per cmd_*.cc).
#include <cstdio>

#include "cutover/version.h"

#include "commands.h"

int main(int argc, char** argv) {
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
    int rc = app.exit(e);
    return rc == 0 ? 0 : cutover::cli::kExitBadInput;
  }
  return exit_code;
}
