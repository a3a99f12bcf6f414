// `cutover serve SPEC`: the control API (docs/control-api.md) without running the migration,
// until SIGINT/SIGTERM.
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "cutover/control.h"
#include "cutover/spec.h"
#include "cutover/verify.h"

#include "commands.h"

namespace cutover::cli {
namespace {}  // namespace

ControlServerOptions ServeOptions(const Spec& spec) {
  ControlServerOptions options;
  options.log = stdout;
  options.verify = [&spec](const std::atomic<bool>* stop) {
    VerifyOptions verify;
    verify.stop = stop;
    Result<VerifyReport> report = RunVerify(spec, verify);
    if (report.ok()) {
      std::fprintf(stdout, "control API: verify ended: %s, %lld differences\n",
                   report->complete ? "complete" : "stopped",
                   static_cast<long long>(report->differences()));
    } else {
      std::fprintf(stdout, "control API: verify failed: %s\n", report.status().ToString().c_str());
    }
    std::fflush(stdout);
    return report.status();
  };
  return options;
}

namespace {

int RunServeCommand(const std::string& spec_file) {
  Result<Spec> spec = LoadSpec(spec_file);
  if (!spec.ok()) {
    std::fprintf(stderr, "cutover serve: %s\n", spec.status().ToString().c_str());
    return kExitBadInput;
  }
  const std::atomic<bool>* stop = InstallStopHandlers();
  Result<std::unique_ptr<ControlServer>> server = ControlServer::Start(*spec, ServeOptions(*spec));
  if (!server.ok()) {
    std::fprintf(stderr, "cutover serve: %s\n", server.status().ToString().c_str());
    return server.status().code() == StatusCode::kUnavailable ? kExitFailed : kExitBadInput;
  }
  while (!stop->load()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  (*server)->Stop();
  std::fprintf(stdout, "cutover serve: stopped\n");
  return kExitOk;
}

}  // namespace

void AddServeCommand(CLI::App& app, int* exit_code) {
  auto spec_file = std::make_shared<std::string>();
  CLI::App* command = app.add_subcommand(
      "serve", "Serve the control API (status, flags, fence, metrics) without migrating");
  command->add_option("SPEC", *spec_file, "the migration spec (YAML)")->required();
  command->callback([spec_file, exit_code] { *exit_code = RunServeCommand(*spec_file); });
}

}  // namespace cutover::cli
