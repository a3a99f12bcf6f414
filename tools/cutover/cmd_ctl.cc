// `cutover ctl SPEC pause|resume|set|reset|throttle|show|history`: the live controls of a
// migration in its state store (docs/operations.md); the running `cutover run` follows them
// within a second. No server needed; the control API's POST /v1/ctl does the same.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cutover/control.h"
#include "cutover/spec.h"

#include "commands.h"

namespace cutover::cli {
namespace {

struct CtlArgs {
  std::string spec_file;
  std::vector<std::string> words;  // ACTION [ARGUMENT]
  std::string reason;
  bool json = false;
};

constexpr char kUsage[] =
    "expected one of: pause [copy|apply], resume [copy|apply], set KEY=VALUE, reset KEY, "
    "throttle [on|off] --reason R, show [--json], history [--json]";

int Fail(const Status& status) {
  std::fprintf(stderr, "cutover ctl: %s\n", status.ToString().c_str());
  return status.code() == StatusCode::kInvalidArgument ? kExitBadInput : kExitFailed;
}

// The words after SPEC as a request; InvalidArgument with the usage otherwise.
Result<CtlRequest> ParseWords(const CtlArgs& args) {
  const std::vector<std::string>& words = args.words;
  CtlRequest request;
  request.action = words[0];
  request.reason = args.reason;
  request.by = "cli " + UserName();
  const std::string argument = words.size() > 1 ? words[1] : "";
  if (words.size() > 2) {
    return Status::InvalidArgument(words[0] + ": too many words after '" + words[1] + "'; " +
                                   kUsage);
  }
  if (request.action == "pause" || request.action == "resume") {
    request.what = argument;
  } else if (request.action == "set") {
    size_t equals = argument.find('=');
    if (equals == std::string::npos) {
      return Status::InvalidArgument(
          "set: expected KEY=VALUE (KEY= goes back to the spec's value), got '" + argument + "'");
    }
    request.key = argument.substr(0, equals);
    request.value = argument.substr(equals + 1);
  } else if (request.action == "reset") {
    request.key = argument;
  } else if (request.action == "throttle") {
    if (argument != "" && argument != "on" && argument != "off") {
      return Status::InvalidArgument("throttle: expected on or off, got '" + argument + "'");
    }
    request.on = argument != "off";
  } else {
    return Status::InvalidArgument("unknown action '" + words[0] + "'; " + kUsage);
  }
  return request;
}

int RunCtl(const CtlArgs& args) {
  Result<Spec> spec = LoadSpec(args.spec_file);
  if (!spec.ok()) return Fail(spec.status());
  if (args.words.empty()) return Fail(Status::InvalidArgument(kUsage));
  Result<std::unique_ptr<StateStore>> state = OpenControlState(*spec);
  if (!state.ok()) return Fail(state.status());
  const std::string& action = args.words[0];
  if (action == "show" || action == "history") {
    if (args.words.size() > 1) {
      return Fail(Status::InvalidArgument(action + ": takes no argument"));
    }
    Result<nlohmann::json> ctl = CtlJson(*spec, **state);
    if (!ctl.ok()) return Fail(ctl.status());
    if (args.json) {
      std::printf("%s\n", (action == "show" ? *ctl : (*ctl)["history"]).dump(2).c_str());
    } else {
      std::fputs((action == "show" ? FormatCtl(*ctl) : FormatCtlHistory(*ctl)).c_str(), stdout);
    }
    return kExitOk;
  }
  Result<CtlRequest> request = ParseWords(args);
  if (!request.ok()) return Fail(request.status());
  Result<nlohmann::json> ctl = ApplyCtl(*spec, **state, *request);
  if (!ctl.ok()) return Fail(ctl.status());
  std::fputs(FormatCtl(*ctl).c_str(), stdout);
  return kExitOk;
}

}  // namespace

void AddCtlCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<CtlArgs>();
  CLI::App* command = app.add_subcommand(
      "ctl",
      "Live controls of a running migration: pause/resume copy and apply, set throttles, "
      "throttle by hand, show, history");
  command->add_option("SPEC", args->spec_file, "the migration spec (YAML)")->required();
  command->add_option("ACTION", args->words,
                      "pause [copy|apply] | resume [copy|apply] | set KEY=VALUE | reset KEY | "
                      "throttle [on|off] | show | history");
  command->add_option("--reason", args->reason, "why (kept in the audit history)");
  command->add_flag("--json", args->json, "show/history as JSON");
  command->callback([args, exit_code] { *exit_code = RunCtl(*args); });
}

}  // namespace cutover::cli
