// `cutover tail SPEC [--from-now | --from POSITION] [--tables PATTERN] [--limit N]`: prints the
// source's committed row changes as JSON lines (docs/tail.md).
#include <atomic>
#include <csignal>
#include <cstdio>
#include <string>

#include "cutover/position.h"
#include "cutover/spec.h"
#include "cutover/tail.h"

#include "commands.h"

namespace cutover::cli {
namespace {

struct TailArgs {
  std::string spec_file;
  bool from_now = false;
  std::string from;
  std::string tables;
  uint64_t limit = 0;
};

int Fail(const Status& status, int exit_code) {
  std::fprintf(stderr, "cutover tail: %s\n", status.ToString().c_str());
  return exit_code;
}

int RunTail(const TailArgs& args) {
  Result<Spec> spec = LoadSpec(args.spec_file);
  if (!spec.ok()) return Fail(spec.status(), kExitBadInput);
  TailOptions options;
  options.tables = args.tables;
  options.limit = args.limit;
  options.stop = InstallStopHandlers();
  if (!args.from.empty()) {
    Result<Position> from = Position::Parse(args.from);
    if (!from.ok()) return Fail(from.status().WithContext("--from"), kExitBadInput);
    options.from = *from;
  }
  Status status = Tail(*spec, options, stdout);
  if (status.ok()) return kExitOk;
  return Fail(status, status.code() == StatusCode::kInvalidArgument ? kExitBadInput : kExitFailed);
}

}  // namespace

void AddTailCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<TailArgs>();
  CLI::App* command = app.add_subcommand(
      "tail", "Print the source's row changes as JSON lines, one per row change");
  command->add_option("SPEC", args->spec_file, "the migration spec (YAML)")->required();
  CLI::Option* from_now = command->add_flag("--from-now", args->from_now,
                                            "start at the source's current end (default)");
  command
      ->add_option("--from", args->from,
                   "start after this position: GTID (0-1-42), binlog file:pos, or a printed pos")
      ->excludes(from_now);
  command
      ->add_option("--tables", args->tables,
                   "glob on db.table, within the spec's tables (e.g. 'shop.order*')")
      ->check(TableGlob());
  command->add_option("--limit", args->limit, "stop after N row changes (0: until Ctrl-C)")
      ->check(AtLeast(0));
  command->callback([args, exit_code] { *exit_code = RunTail(*args); });
}

}  // namespace cutover::cli
