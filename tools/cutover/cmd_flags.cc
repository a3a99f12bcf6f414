// `cutover flags get|set|history SPEC [GROUP] ...`: the flag stages in the state store, with the
// same guard rails and audit as the control API, no server needed (docs/control-api.md).
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include <pwd.h>
#include <unistd.h>

#include "cutover/control.h"
#include "cutover/spec.h"

#include "commands.h"

namespace cutover::cli {
namespace {

struct FlagsArgs {
  std::string spec_file;
  std::vector<std::string> words;  // [GROUP] for get/history; [GROUP] STAGE for set
  std::string reason;
  bool force = false;
  bool json = false;
};

int Fail(const char* command, const Status& status) {
  std::fprintf(stderr, "cutover flags %s: %s\n", command, status.ToString().c_str());
  switch (status.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kNotFound: return kExitBadInput;
    default: return kExitFailed;
  }
}

std::string TimeText(int64_t at_ms) { return at_ms == 0 ? "never" : UtcTimeText(at_ms); }

std::string ChangeText(const StageChange& change) {
  return std::string("#") + std::to_string(change.sequence) + " " + TimeText(change.at_ms) + " " +
         change.group + ": " + std::string(StageName(change.from)) + " -> " +
         std::string(StageName(change.to)) + (change.forced ? " (forced)" : "") + " by " +
         change.by + (change.reason.empty() ? "" : ": " + change.reason) + "\n";
}

// Loads the spec and opens the state store; prints the problem and returns false on failure.
bool Open(const char* command, const FlagsArgs& args, Spec* spec,
          std::unique_ptr<StateStore>* state, int* exit_code) {
  Result<Spec> loaded = LoadSpec(args.spec_file);
  if (!loaded.ok()) {
    *exit_code = Fail(command, loaded.status());
    return false;
  }
  *spec = std::move(*loaded);
  Result<std::unique_ptr<StateStore>> opened = OpenControlState(*spec);
  if (!opened.ok()) {
    *exit_code = Fail(command, opened.status());
    return false;
  }
  *state = std::move(*opened);
  return true;
}

int RunGet(const FlagsArgs& args) {
  Spec spec;
  std::unique_ptr<StateStore> state;
  int exit_code = kExitOk;
  if (!Open("get", args, &spec, &state, &exit_code)) return exit_code;
  if (args.words.size() > 1) return Fail("get", Status::InvalidArgument("expected SPEC [GROUP]"));
  std::vector<StageState> stages;
  if (args.words.empty()) {
    Result<std::vector<StageState>> all = ListStages(spec, *state);
    if (!all.ok()) return Fail("get", all.status());
    stages = std::move(*all);
  } else {
    Result<StageState> one = GetStage(spec, *state, args.words[0]);
    if (!one.ok()) return Fail("get", one.status());
    stages.push_back(std::move(*one));
  }
  nlohmann::json out = nlohmann::json::array();
  for (const StageState& stage : stages) {
    if (args.json) {
      out.push_back({{"group", stage.group},
                     {"stage", StageName(stage.stage)},
                     {"since_ms", stage.since_ms}});
    } else {
      std::printf("%s: %s (since %s)\n", stage.group.c_str(),
                  std::string(StageName(stage.stage)).c_str(), TimeText(stage.since_ms).c_str());
    }
  }
  if (args.json) std::printf("%s\n", out.dump(2).c_str());
  return kExitOk;
}

int RunSet(const FlagsArgs& args) {
  Spec spec;
  std::unique_ptr<StateStore> state;
  int exit_code = kExitOk;
  if (!Open("set", args, &spec, &state, &exit_code)) return exit_code;
  if (args.words.empty() || args.words.size() > 2) {
    return Fail("set", Status::InvalidArgument("expected SPEC [GROUP] STAGE"));
  }
  StageRequest request;
  if (args.words.size() == 2) request.group = args.words[0];
  Result<Stage> to = ParseFlagStage(args.words.back());
  if (!to.ok()) return Fail("set", to.status());
  request.to = *to;
  request.reason = args.reason;
  request.force = args.force;
  request.by = "cli " + UserName();
  Result<StageState> before = GetStage(spec, *state, request.group);
  if (!before.ok()) return Fail("set", before.status());
  if (before->stage == request.to) {
    std::printf("%s: already %s; nothing changed\n", request.group.c_str(),
                std::string(StageName(request.to)).c_str());
    return kExitOk;
  }
  Result<StageChange> change = SetStage(spec, *state, request);
  if (!change.ok()) return Fail("set", change.status());
  std::fputs(ChangeText(*change).c_str(), stdout);
  return kExitOk;
}

int RunHistory(const FlagsArgs& args) {
  Spec spec;
  std::unique_ptr<StateStore> state;
  int exit_code = kExitOk;
  if (!Open("history", args, &spec, &state, &exit_code)) return exit_code;
  if (args.words.size() > 1) {
    return Fail("history", Status::InvalidArgument("expected SPEC [GROUP]"));
  }
  std::vector<std::string> groups =
      args.words.empty() ? StageGroups(spec) : std::vector<std::string>{args.words[0]};
  nlohmann::json out = nlohmann::json::array();
  for (const std::string& group : groups) {
    Result<std::vector<StageChange>> changes = StageHistory(spec, *state, group);
    if (!changes.ok()) return Fail("history", changes.status());
    for (const StageChange& change : *changes) {
      if (args.json) {
        out.push_back(StageChangeJson(change));
      } else {
        std::fputs(ChangeText(change).c_str(), stdout);
      }
    }
  }
  if (args.json) std::printf("%s\n", out.dump(2).c_str());
  return kExitOk;
}

}  // namespace

std::string UserName() {
  const char* user = std::getenv("USER");
  if (user != nullptr && *user != '\0') return user;
  if (const passwd* entry = getpwuid(geteuid()); entry != nullptr) return entry->pw_name;
  return "uid " + std::to_string(geteuid());
}

void AddFlagsCommand(CLI::App& app, int* exit_code) {
  CLI::App* flags = app.add_subcommand(
      "flags", "Show, change and audit the flag stages applications follow during the cutover");
  flags->require_subcommand(1);

  auto get = std::make_shared<FlagsArgs>();
  CLI::App* get_command = flags->add_subcommand("get", "Each group's stage, or GROUP's");
  get_command->add_option("SPEC", get->spec_file, "the migration spec (YAML)")->required();
  get_command->add_option("GROUP", get->words, "a group (default: all)");
  get_command->add_flag("--json", get->json, "JSON instead of text");
  get_command->callback([get, exit_code] { *exit_code = RunGet(*get); });

  auto set = std::make_shared<FlagsArgs>();
  CLI::App* set_command = flags->add_subcommand(
      "set", "Move GROUP (default: default) to STAGE; forward moves pass the guard rails");
  set_command->add_option("SPEC", set->spec_file, "the migration spec (YAML)")->required();
  set_command->add_option("GROUP_STAGE", set->words, "[GROUP] STAGE")->required();
  set_command->add_option("--reason", set->reason, "why (kept in the audit history)");
  set_command->add_flag("--force", set->force, "override the guard rails (needs --reason)");
  set_command->callback([set, exit_code] { *exit_code = RunSet(*set); });

  auto history = std::make_shared<FlagsArgs>();
  CLI::App* history_command = flags->add_subcommand("history", "Every stage change, oldest first");
  history_command->add_option("SPEC", history->spec_file, "the migration spec (YAML)")->required();
  history_command->add_option("GROUP", history->words, "a group (default: all)");
  history_command->add_flag("--json", history->json, "JSON instead of text");
  history_command->callback([history, exit_code] { *exit_code = RunHistory(*history); });
}

}  // namespace cutover::cli
