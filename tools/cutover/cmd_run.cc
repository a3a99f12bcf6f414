// `cutover run SPEC`: the whole migration in one process (copy with capture, then continuous
// CDC) until SIGINT/SIGTERM; `cutover status SPEC [--json|--watch]` reads its state from
// anywhere (docs/run.md, docs/operations.md).
#include <cctype>
#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "cutover/control.h"
#include "cutover/ddl.h"
#include "cutover/run.h"
#include "cutover/spec.h"

#include "commands.h"

namespace cutover::cli {
namespace {

struct RunArgs {
  std::string spec_file;
  int status_seconds = 10;
  int64_t startup_retry_seconds = 60;  // run, capture: RunOptions::startup_retry
  bool json = false;
  bool watch = false;         // status --watch
  int watch_every_ms = 1000;  // status --every
};

// The copies of new tables, each on its own thread, joined when the run ends (a stop request
// stops them too).
class NewTableCopies {
 public:
  NewTableCopies(const Spec& spec, const std::atomic<bool>* stop) : spec_(spec), stop_(stop) {}
  ~NewTableCopies() { Join(); }
  void Start(const std::string& table) {
    std::lock_guard lock(mutex_);
    if (!running_.insert(table).second) return;  // being copied already
    threads_.emplace_back([this, table] {
      DdlResumeOptions options;
      options.recopy = true;
      options.stop = stop_;
      options.progress = stdout;
      Result<DdlResumeReport> report = ResumeTable(spec_, table, options);
      if (!report.ok()) {
        std::fprintf(stdout, "cutover run: copying new table %s: %s; cutover ddl resume %s %s "
                             "--recopy copies it\n",
                     table.c_str(), report.status().ToString().c_str(),
                     spec_.file.string().c_str(), table.c_str());
      }
      std::lock_guard done(mutex_);
      running_.erase(table);
    });
  }
  void Join() {
    std::vector<std::thread> threads;
    {
      std::lock_guard lock(mutex_);
      threads.swap(threads_);
    }
    for (std::thread& thread : threads) thread.join();
  }

 private:
  const Spec& spec_;
  const std::atomic<bool>* stop_;
  std::mutex mutex_;
  std::vector<std::thread> threads_;
  std::set<std::string> running_;  // tables being copied
};

// "1s", "500ms", "2m" or "2" (seconds) in ms; 0 when malformed.
int ParseEvery(const std::string& text) {
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  if (digits == 0 || digits > 6) return 0;
  const int count = std::stoi(text.substr(0, digits));
  const std::string unit = text.substr(digits);
  if (unit.empty() || unit == "s") return count * 1000;
  if (unit == "ms") return count;
  if (unit == "m") return count * 60000;
  return 0;
}

int ExitCodeFor(const char* command, const Status& status) {
  std::fprintf(stderr, "cutover %s: %s\n", command, status.ToString().c_str());
  return status.code() == StatusCode::kInvalidArgument ? kExitBadInput : kExitFailed;
}

int RunRunCommand(const RunArgs& args) {
  Result<Spec> spec = LoadSpec(args.spec_file);
  if (!spec.ok()) return ExitCodeFor("run", spec.status());
  RunOptions options;
  options.stop = InstallStopHandlers();
  options.progress = stdout;
  options.status_interval = std::chrono::seconds(std::max(args.status_seconds, 1));
  options.startup_retry = std::chrono::seconds(args.startup_retry_seconds);
  // The control API runs beside the migration when the spec asks for it (docs/control-api.md);
  // without a token it does not start, and the migration runs without it.
  std::unique_ptr<ControlServer> control;
  if (spec->control.present && spec->control.enabled) {
    Result<std::unique_ptr<ControlServer>> started =
        ControlServer::Start(*spec, ServeOptions(*spec));
    if (started.ok()) {
      control = std::move(*started);
    } else {
      std::fprintf(stdout, "cutover run: control API not started: %s\n",
                   started.status().ToString().c_str());
    }
  }
  // A new table the spec selects (docs/ddl.md): its rows are sent through the change log by
  // watermark windows, as `cutover ddl resume --recopy` does, beside the run.
  NewTableCopies copies(*spec, options.stop);
  options.on_new_table = [&copies](const std::string& table) { copies.Start(table); };
  Status status = RunMigration(*spec, options);
  copies.Join();
  if (control) control->Stop();
  if (!status.ok()) return ExitCodeFor("run", status);
  std::fprintf(stdout, "cutover run: stopped; run the same command again to continue\n");
  return kExitOk;
}

int RunApplyCommand(const RunArgs& args) {
  Result<Spec> spec = LoadSpec(args.spec_file);
  if (!spec.ok()) return ExitCodeFor("apply", spec.status());
  RunOptions options;
  options.stop = InstallStopHandlers();
  options.progress = stdout;
  options.status_interval = std::chrono::seconds(std::max(args.status_seconds, 1));
  Status status = RunApplier(*spec, options);
  if (!status.ok()) return ExitCodeFor("apply", status);
  std::fprintf(stdout, "cutover apply: stopped\n");
  return kExitOk;
}

int RunCaptureCommand(const RunArgs& args) {
  Result<Spec> spec = LoadSpec(args.spec_file);
  if (!spec.ok()) return ExitCodeFor("capture", spec.status());
  RunOptions options;
  options.stop = InstallStopHandlers();
  options.progress = stdout;
  options.status_interval = std::chrono::seconds(std::max(args.status_seconds, 1));
  options.startup_retry = std::chrono::seconds(args.startup_retry_seconds);
  Status status = RunCaptureOnly(*spec, options);
  if (!status.ok()) return ExitCodeFor("capture", status);
  std::fprintf(stdout, "cutover capture: stopped; run the same command again to continue\n");
  return kExitOk;
}

// `cutover status --watch`: a line every interval until Ctrl-C (docs/operations.md).
int WatchStatus(const Spec& spec, const RunArgs& args) {
  const std::atomic<bool>* stop = InstallStopHandlers();
  std::optional<nlohmann::json> before;
  auto before_at = std::chrono::steady_clock::now();
  const auto every = std::chrono::milliseconds(std::max(args.watch_every_ms, 100));
  while (!stop->load()) {
    Result<std::string> text = FormatStatus(spec, /*json=*/true);
    if (!text.ok()) return ExitCodeFor("status", text.status());
    nlohmann::json now = nlohmann::json::parse(*text);
    const auto now_at = std::chrono::steady_clock::now();
    const double seconds = std::chrono::duration<double>(now_at - before_at).count();
    std::printf("%s\n", FormatWatchLine(now, before ? &*before : nullptr, seconds).c_str());
    std::fflush(stdout);
    before = std::move(now);
    before_at = now_at;
    for (auto until = now_at + every; std::chrono::steady_clock::now() < until && !stop->load();) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  return kExitOk;
}

int RunStatusCommand(const RunArgs& args) {
  Result<Spec> spec = LoadSpec(args.spec_file);
  if (!spec.ok()) return ExitCodeFor("status", spec.status());
  if (args.watch) return WatchStatus(*spec, args);
  Result<std::string> text = FormatStatus(*spec, args.json);
  if (!text.ok()) return ExitCodeFor("status", text.status());
  std::fputs(text->c_str(), stdout);
  return kExitOk;
}

// run, capture: how long a server unreachable at startup is waited for (docs/run.md, "Startup").
void AddStartupRetryOption(CLI::App* command, RunArgs* args) {
  command
      ->add_option("--startup-retry", args->startup_retry_seconds,
                   "seconds of waits for a source or target unreachable at startup, before the "
                   "copy's chunks (default 60; 0: fail at once)")
      ->check(Seconds(0));
}

}  // namespace

void AddRunCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* command = app.add_subcommand(
      "run", "Migrate: full load with binlog capture, then continuous CDC until stopped");
  command->add_option("SPEC", args->spec_file, "the migration spec (YAML)")->required();
  command->add_option("--status-every", args->status_seconds, "seconds between CDC status lines")
      ->check(AtLeast(1));
  AddStartupRetryOption(command, args.get());
  command->callback([args, exit_code] { *exit_code = RunRunCommand(*args); });
}

void AddApplyCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* command = app.add_subcommand(
      "apply", "One more applier of a Kafka change log, sharing its partitions with the others");
  command->add_option("SPEC", args->spec_file, "the migration spec (YAML)")->required();
  command->add_option("--status-every", args->status_seconds, "seconds between status lines")
      ->check(AtLeast(1));
  command->callback([args, exit_code] { *exit_code = RunApplyCommand(*args); });
}

void AddCaptureCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* command = app.add_subcommand(
      "capture",
      "The full load and capture into a Kafka change log, without applying: `cutover apply` "
      "processes apply it");
  command->add_option("SPEC", args->spec_file, "the migration spec (YAML)")->required();
  command->add_option("--status-every", args->status_seconds, "seconds between status lines")
      ->check(AtLeast(1));
  AddStartupRetryOption(command, args.get());
  command->callback([args, exit_code] { *exit_code = RunCaptureCommand(*args); });
}

void AddStatusCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* command =
      app.add_subcommand("status", "Show a migration's phase, copy progress and CDC lag");
  command->add_option("SPEC", args->spec_file, "the migration spec (YAML)")->required();
  command->add_flag("--json", args->json, "one JSON object instead of text");
  command->add_flag("--watch", args->watch,
                    "a one-line status (progress, ETA, lag, apply rate, holds) every --every");
  command->add_option_function<std::string>(
      "--every",
      [args](const std::string& text) {
        args->watch_every_ms = ParseEvery(text);
        if (args->watch_every_ms <= 0) {
          throw CLI::ValidationError("--every", "'" + text +
                                                    "' is not a duration; write e.g. 1s, "
                                                    "500ms or 2 (seconds)");
        }
      },
      "interval of --watch (default 1s)");
  command->callback([args, exit_code] { *exit_code = RunStatusCommand(*args); });
}

}  // namespace cutover::cli
