// The cutover CLI's subcommands. Each lives in its own cmd_<name>.cc, parses its flags with
// CLI11 and calls the engine; no migration logic lives in tools/.
#pragma once

#include <CLI/CLI.hpp>
#include <atomic>
#include <cstdint>
#include <string>

#include "cutover/control.h"
#include "cutover/spec.h"

namespace cutover::cli {

// Exit codes shared by every subcommand.
inline constexpr int kExitOk = 0;        // success: all checks pass, no differences
inline constexpr int kExitFailed = 1;    // a result the user must act on (a check failed, ...)
inline constexpr int kExitBadInput = 2;  // bad spec or arguments, or could not check

// An option check: a whole number of at least `min`, else "--name: '<text>' is not a whole
// number of <min> or more" (CLI::PositiveNumber's message spells out its range up to DBL_MAX).
// The longest a command waits (a day), as the control API's fence: a larger wait added to the
// clock's nanoseconds would overflow.
inline constexpr int64_t kMaxWaitSeconds = 86400;
// A whole number of seconds from `min` to kMaxWaitSeconds.
CLI::Validator Seconds(int64_t min);
CLI::Validator AtLeast(int64_t min);
// A glob on schema.table (`--tables`), as the spec's tables take: "'[x' uses '[', which is not
// supported; ..." otherwise.
CLI::Validator TableGlob();
// A replay start (`replay --from`): a log offset, a source position or a UTC time, checked before
// the change log is opened.
CLI::Validator ReplayStart();

// Makes SIGINT and SIGTERM set the returned flag (instead of ending the process), so a
// long-running command stops cleanly at its next checkpoint.
const std::atomic<bool>* InstallStopHandlers();

// Registers `cutover check`. The command stores its exit code in *exit_code when it runs.
void AddCheckCommand(CLI::App& app, int* exit_code);
// Registers `cutover copy` (docs/copy.md).
void AddCopyCommand(CLI::App& app, int* exit_code);
// Registers `cutover tail` (docs/tail.md).
void AddTailCommand(CLI::App& app, int* exit_code);
// Registers `cutover run` (docs/run.md).
void AddRunCommand(CLI::App& app, int* exit_code);
// Registers `cutover apply` (docs/change-log.md: more appliers of a Kafka change log).
void AddCaptureCommand(CLI::App& app, int* exit_code);
void AddApplyCommand(CLI::App& app, int* exit_code);
// Registers `cutover replay` (docs/run.md).
void AddReplayCommand(CLI::App& app, int* exit_code);
// Registers `cutover status` (docs/run.md).
void AddStatusCommand(CLI::App& app, int* exit_code);
// Registers `cutover mapping test` (docs/mapping.md).
void AddMappingCommand(CLI::App& app, int* exit_code);
// Registers `cutover verify` (docs/verify.md).
void AddVerifyCommand(CLI::App& app, int* exit_code);
// Registers `cutover fence` and `cutover finish` (docs/cutover.md).
void AddFenceCommand(CLI::App& app, int* exit_code);
void AddFinishCommand(CLI::App& app, int* exit_code);
// Registers `cutover ddl resume` (docs/ddl.md).
void AddDdlCommand(CLI::App& app, int* exit_code);
// The control API's options for `cutover serve` and `cutover run`: log to stdout, and POST
// /v1/verify runs a whole verify of `spec` (which must outlive the server).
ControlServerOptions ServeOptions(const Spec& spec);
// Registers `cutover serve` (docs/control-api.md).
void AddServeCommand(CLI::App& app, int* exit_code);
// Registers `cutover flags get|set|history` (docs/control-api.md).
void AddFlagsCommand(CLI::App& app, int* exit_code);
// Registers `cutover ctl SPEC pause|resume|set|reset|throttle|show|history` (docs/operations.md).
void AddCtlCommand(CLI::App& app, int* exit_code);

// Who runs the command, for an audit: $USER, else the effective user's name, else its id.
std::string UserName();

}  // namespace cutover::cli
