// Every `cutover` command with bad arguments: no or an unknown command or option, a spec that is
// missing, a directory, not YAML or empty, extra arguments, bad option values. Each exits 2 with
// one line on stderr naming the command and what is wrong, never a crash or a stack trace, and
// changes nothing. Log lines go to stderr, so stdout stays what the command prints (`tail`'s
// JSON lines, `verify --json`) also while it logs warnings.
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "copy_support.h"
#include "run_support.h"
#include "support/servers.h"
#include "verify_support.h"

namespace cutover {
namespace {

using namespace std::chrono_literals;

struct CliRun {
  int exit_code = -1;  // -signal when a signal ended it
  std::string out;
  std::string err;
  std::string FirstErrLine() const { return err.substr(0, err.find('\n')); }
};

// Runs the cutover binary with `args` in `dir` (no shell), stdin from /dev/null; after `stop_after`
// (if not zero) sends SIGINT; kills it after 30 s.
CliRun RunCli(const std::filesystem::path& dir, const std::vector<std::string>& args,
              std::chrono::milliseconds stop_after = 0ms) {
  const char* bin = std::getenv("CUTOVER_BIN");
  EXPECT_NE(bin, nullptr) << "CUTOVER_BIN must name the cutover executable";
  const std::filesystem::path out = dir / "cli.out";
  const std::filesystem::path err = dir / "cli.err";
  pid_t pid = fork();
  if (pid == 0) {
    if (chdir(dir.c_str()) != 0) _exit(126);
    int in_fd = open("/dev/null", O_RDONLY);
    int out_fd = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err_fd = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(in_fd, 0);
    dup2(out_fd, 1);
    dup2(err_fd, 2);
    std::vector<char*> argv{const_cast<char*>(bin)};
    for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    execv(bin, argv.data());
    _exit(127);
  }
  const auto started = std::chrono::steady_clock::now();
  bool stopped = false;
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) != pid) {
    const auto elapsed = std::chrono::steady_clock::now() - started;
    if (stop_after > 0ms && !stopped && elapsed >= stop_after) {
      kill(pid, SIGINT);
      stopped = true;
    }
    if (elapsed > 30s) {
      ADD_FAILURE() << "cutover did not end within 30 s";
      kill(pid, SIGKILL);
    }
    std::this_thread::sleep_for(10ms);
  }
  CliRun run;
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  run.out = verifytest::ReadAll(out);
  run.err = verifytest::ReadAll(err);
  return run;
}

struct CliCase {
  std::vector<std::string> args;
  int exit_code;
  std::string first_line;  // of stderr
};

std::string Joined(const std::vector<std::string>& args) {
  std::string text = "cutover";
  for (const std::string& arg : args) text += " " + arg;
  return text;
}

constexpr char kCommands[] =
    "check, tail, copy, run, capture, apply, status, replay, mapping, verify, fence, finish, "
    "ddl, serve, flags, ctl";

// A spec whose servers cannot be reached (ports 1 and 2): a command that gets as far as
// connecting fails there, so any other failure is the argument's.
constexpr char kSpec[] = R"(name: badinput
source: {kind: mariadb, host: 127.0.0.1, port: 1, user: cutover}
target: {kind: mariadb, host: 127.0.0.1, port: 2, user: cutover}
tables: [shop.*]
)";

std::vector<CliCase> Cases() {
  const std::string more = "Run `cutover --help` for more information.";
  std::vector<CliCase> cases = {
      {{}, 2, std::string("cutover: a command is required; the commands are ") + kCommands},
      {{"--bogus"},
       2,
       std::string("cutover: unknown option '--bogus'; the commands are ") + kCommands},
      {{"chekc"},
       2,
       std::string("cutover: unknown command 'chekc'; the commands are ") + kCommands},
      {{"ddl"}, 2, "cutover ddl: A subcommand is required"},
      {{"flags"}, 2, "cutover flags: A subcommand is required"},
      {{"mapping"}, 2, "cutover mapping: A subcommand is required"},
  };
  // Every command that reads a spec, with the arguments it needs besides.
  const std::vector<std::pair<std::string, std::vector<std::string>>> spec_commands = {
      {"check", {}},
      {"tail", {}},
      {"copy", {}},
      {"run", {}},
      {"capture", {}},
      {"apply", {}},
      {"status", {}},
      {"replay", {"--from", "0"}},
      {"verify", {}},
      {"fence", {}},
      {"finish", {}},
      {"ddl resume", {"shop.t"}},
      {"serve", {}},
      {"flags get", {}},
      {"flags set", {"dual_write"}},
      {"flags history", {}},
      {"ctl", {"show"}},
  };
  for (const auto& [command, rest] : spec_commands) {
    std::vector<std::string> words;
    for (size_t start = 0; start <= command.size();) {
      size_t space = command.find(' ', start);
      if (space == std::string::npos) space = command.size();
      words.push_back(command.substr(start, space - start));
      start = space + 1;
    }
    auto with = [&](const std::string& spec, std::vector<std::string> extra = {}) {
      std::vector<std::string> args = words;
      args.push_back(spec);
      args.insert(args.end(), rest.begin(), rest.end());
      args.insert(args.end(), extra.begin(), extra.end());
      return args;
    };
    const std::string prefix = "cutover " + command + ": InvalidArgument: ";
    cases.push_back({words, 2, "cutover " + command + ": SPEC is required"});
    cases.push_back({with("nosuch.yaml"), 2,
                     prefix + "nosuch.yaml: cannot read the spec file: No such file or "
                              "directory; check the path"});
    cases.push_back({with("dir.yaml"), 2,
                     prefix + "dir.yaml: cannot read the spec file: it is a directory; check the "
                              "path"});
    cases.push_back({with("bad.yaml"), 2,
                     prefix + "bad.yaml: line 2, column 1: YAML syntax error: end of sequence "
                              "flow not found; fix the YAML at that point (indentation, quotes, "
                              "brackets)"});
    cases.push_back({with("empty.yaml"), 2,
                     prefix + "empty.yaml: top level: the spec is empty; a spec is a mapping with "
                              "at least name, source, target and tables"});
    cases.push_back({with("invalid.yaml"), 2,
                     prefix + "invalid.yaml: parallelism.copy_workers: 0 is out of range; "
                              "allowed 1..256"});
    cases.push_back({with("ok.yaml", {"--bogus"}), 2,
                     "cutover " + command + ": The following argument was not expected: --bogus"});
  }
  // Extra positional arguments.
  for (const char* command : {"check", "copy", "run", "verify", "fence", "serve"}) {
    cases.push_back(
        {{command, "ok.yaml", "extra"},
         2,
         std::string("cutover ") + command + ": The following argument was not expected: extra"});
  }
  const std::vector<CliCase> values = {
      {{"check", "/dev/zero"},
       2,
       "cutover check: InvalidArgument: /dev/zero: cannot read the spec file: larger than 16MiB, "
       "more than a spec, "
       "a secret or a certificate file holds; check the path"},
      {{"run", "/dev/urandom"},
       2,
       "cutover run: InvalidArgument: /dev/urandom: cannot read the spec file: larger than 16MiB, "
       "more than a spec, a secret or a certificate file holds; check the path"},
      {{"mapping", "test", "/dev/zero", "rows.json"},
       2,
       "cutover mapping test: InvalidArgument: cannot read mapping file /dev/zero: larger than "
       "16MiB; check the "
       "path (a spec's mapping: path is relative to the spec file's directory)"},
      {{"copy", "ok.yaml", "--progress-every", "-5"},
       2,
       "cutover copy: --progress-every: '-5' is not a whole number of 1 or more"},
      {{"copy", "ok.yaml", "--progress-every", "0"},
       2,
       "cutover copy: --progress-every: '0' is not a whole number of 1 or more"},
      {{"copy", "ok.yaml", "--progress-every", "abc"},
       2,
       "cutover copy: --progress-every: 'abc' is not a whole number of 1 or more"},
      {{"run", "ok.yaml", "--status-every", "0"},
       2,
       "cutover run: --status-every: '0' is not a whole number of 1 or more"},
      {{"run", "ok.yaml", "--startup-retry", "-1"},
       2,
       "cutover run: --startup-retry: '-1' is not a whole number of seconds, 0 to 86400"},
      {{"capture", "ok.yaml", "--startup-retry", "1m"},
       2,
       "cutover capture: --startup-retry: '1m' is not a whole number of seconds, 0 to 86400"},
      {{"capture", "ok.yaml", "--status-every", "-1"},
       2,
       "cutover capture: --status-every: '-1' is not a whole number of 1 or more"},
      {{"apply", "ok.yaml", "--status-every", "1.5"},
       2,
       "cutover apply: --status-every: '1.5' is not a whole number of 1 or more"},
      {{"tail", "ok.yaml", "--limit", "-3"},
       2,
       "cutover tail: --limit: '-3' is not a whole number of 0 or more"},
      {{"tail", "ok.yaml", "--from-now", "--from", "1"},
       2,
       "cutover tail: --from-now excludes --from"},
      {{"tail", "ok.yaml", "--tables", "[x"},
       2,
       "cutover tail: --tables: '[x' uses '[', which is not supported; use * (any run of "
       "characters) and ? (one character)"},
      {{"tail", "ok.yaml", "--tables", "orders"},
       2,
       "cutover tail: --tables: 'orders' has no '.'; a pattern matches schema.table, e.g. "
       "*.orders or shop.orders"},
      {{"verify", "ok.yaml", "--tables", "shop.{a,b}"},
       2,
       "cutover verify: --tables: 'shop.{a,b}' uses '{', which is not supported; use * (any run "
       "of characters) and ? (one character)"},
      {{"tail", "ok.yaml", "--from", "garbage"},
       2,
       "cutover tail: InvalidArgument: --from: cannot read position \"garbage\": expected a GTID "
       "position (0-1-42,1-2-7), a MySQL GTID set (3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5), a "
       "binlog file position (mysql-bin.000042:1234) or a PostgreSQL LSN (16/B374D848)"},
      {{"status", "ok.yaml", "--every", "0"},
       2,
       "cutover status: --every: '0' is not a duration; write e.g. 1s, 500ms or 2 (seconds)"},
      {{"status", "ok.yaml", "--every", "soon"},
       2,
       "cutover status: --every: 'soon' is not a duration; write e.g. 1s, 500ms or 2 (seconds)"},
      {{"replay", "ok.yaml"}, 2, "cutover replay: --from is required"},
      // Checked before the change log is looked for (there is none here).
      {{"replay", "ok.yaml", "--from", "garbage"},
       2,
       "cutover replay: --from: 'garbage' is not a log offset, a time (\"2026-11-21 20:00:00\", "
       "UTC) or a source position: cannot read position \"garbage\": expected a GTID position "
       "(0-1-42,1-2-7), a MySQL GTID set (3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5), a binlog "
       "file position (mysql-bin.000042:1234) or a PostgreSQL LSN (16/B374D848)"},
      {{"replay", "ok.yaml", "--from", "99999999999999999999"},
       2,
       "cutover replay: --from: '99999999999999999999' is too large for a log offset (at most "
       "18446744073709551615)"},
      {{"replay", "ok.yaml", "--from", "0", "--target", "nosuch.yaml"},
       2,
       "cutover replay: InvalidArgument: nosuch.yaml: cannot read the spec file: No such file or "
       "directory; check the path"},
      {{"verify", "ok.yaml", "--chunk-rows", "-5"},
       2,
       "cutover verify: --chunk-rows: '-5' is not a whole number of 0 or more"},
      {{"verify", "ok.yaml", "--chunk-time", "-1"},
       2,
       "cutover verify: --chunk-time: Value -1 not in range 0.000000 to 60.000000"},
      {{"verify", "ok.yaml", "--continuous", "--sample", "5"},
       2,
       "cutover verify: --sample: Value 5 not in range 0.000100 to 1.000000"},
      {{"verify", "ok.yaml", "--for", "5"}, 2, "cutover verify: --for requires --continuous"},
      {{"verify", "ok.yaml", "--continuous", "--for", "0"},
       2,
       "cutover verify: --for: '0' is not a whole number of 1 or more"},
      {{"verify", "ok.yaml", "--continuous", "--report-every", "-1"},
       2,
       "cutover verify: --report-every: '-1' is not a whole number of 1 or more"},
      {{"verify", "ok.yaml", "--delete-extra"},
       2,
       "cutover verify: --delete-extra requires --repair"},
      {{"verify", "ok.yaml", "--continuous", "--repair"},
       2,
       "cutover verify: --repair excludes --continuous"},
      {{"fence", "ok.yaml", "--timeout", "-1"},
       2,
       "cutover fence: --timeout: '-1' is not a whole number of seconds, 1 to 86400"},
      {{"fence", "ok.yaml", "--timeout", "1e3"},
       2,
       "cutover fence: --timeout: '1e3' is not a whole number of seconds, 1 to 86400"},
      {{"fence", "ok.yaml", "--timeout", "99999999999"},
       2,
       "cutover fence: --timeout: '99999999999' is not a whole number of seconds, 1 to 86400"},
      {{"finish", "ok.yaml", "--quiet-seconds", "-1"},
       2,
       "cutover finish: --quiet-seconds: '-1' is not a whole number of seconds, 0 to 86400"},
      {{"finish", "ok.yaml", "--timeout", "0"},
       2,
       "cutover finish: --timeout: '0' is not a whole number of seconds, 1 to 86400"},
      {{"ddl", "resume", "ok.yaml"}, 2, "cutover ddl resume: TABLE is required"},
      {{"ddl", "resume", "ok.yaml", "nodot"},
       2,
       "cutover ddl resume: InvalidArgument: TABLE 'nodot' is not schema.table; name the stopped "
       "table with its schema, e.g. shop.orders (cutover status lists the stopped tables)"},
      {{"ddl", "resume", "ok.yaml", ".orders"},
       2,
       "cutover ddl resume: InvalidArgument: TABLE '.orders' is not schema.table; name the "
       "stopped table with its schema, e.g. shop.orders (cutover status lists the stopped "
       "tables)"},
      {{"ddl", "resume", "ok.yaml", "shop.t", "--timeout", "0"},
       2,
       "cutover ddl resume: --timeout: '0' is not a whole number of seconds, 1 to 86400"},
      {{"serve", "ok.yaml"},
       2,
       "cutover serve: FailedPrecondition: control: the API never runs without a bearer token; "
       "set control.token_env (e.g. CUTOVER_CONTROL_TOKEN, exported with a long random value) or "
       "control.token_file"},
      {{"flags", "set", "ok.yaml"}, 2, "cutover flags set: GROUP_STAGE is required"},
      {{"flags", "set", "ok.yaml", "bogus_stage"},
       2,
       "cutover flags set: InvalidArgument: unknown stage 'bogus_stage'; the stages are, in "
       "order: source_only, dual_write, shadow, target_reads, target_primary, target_only"},
      {{"flags", "set", "ok.yaml", "nogroup", "dual_write"},
       2,
       "cutover flags set: NotFound: no flag group 'nogroup'; the spec defines default "
       "(control.groups adds groups)"},
      {{"flags", "set", "ok.yaml", "a", "b", "c"},
       2,
       "cutover flags set: InvalidArgument: expected SPEC [GROUP] STAGE"},
      {{"flags", "set", "ok.yaml", "target_only", "--force"},
       2,
       "cutover flags set: InvalidArgument: a forced stage change needs a reason: add --reason "
       "\"why\" (API: \"reason\"); it is kept in the audit history"},
      {{"flags", "get", "ok.yaml", "nosuchgroup"},
       2,
       "cutover flags get: NotFound: no flag group 'nosuchgroup'; the spec defines default "
       "(control.groups adds groups)"},
      {{"flags", "get", "ok.yaml", "a", "b"},
       2,
       "cutover flags get: InvalidArgument: expected SPEC [GROUP]"},
      {{"ctl", "ok.yaml"},
       2,
       "cutover ctl: InvalidArgument: expected one of: pause [copy|apply], resume [copy|apply], "
       "set KEY=VALUE, reset KEY, throttle [on|off] --reason R, show [--json], history [--json]"},
      {{"ctl", "ok.yaml", "frobnicate"},
       2,
       "cutover ctl: InvalidArgument: unknown action 'frobnicate'; expected one of: pause "
       "[copy|apply], resume [copy|apply], set KEY=VALUE, reset KEY, throttle [on|off] --reason "
       "R, show [--json], history [--json]"},
      {{"ctl", "ok.yaml", "set", "x=y"},
       2,
       "cutover ctl: InvalidArgument: unknown setting 'x'; the live settings are "
       "throttle.copy_rows_per_second, throttle.apply_rows_per_second, "
       "throttle.max_load.threads_running, throttle.max_replica_lag, throttle.target_max_load, "
       "throttle.target_max_commit_latency"},
      {{"ctl", "ok.yaml", "set", "throttle.copy_rows_per_second=-5"},
       2,
       "cutover ctl: InvalidArgument: throttle.copy_rows_per_second: '-5' is not an integer >= 0 "
       "(rows per second; 0: unlimited)"},
      {{"ctl", "ok.yaml", "set", "throttle.max_replica_lag=forever"},
       2,
       "cutover ctl: InvalidArgument: throttle.max_replica_lag: 'forever' is not a duration; "
       "write whole numbers with ms, s, m or h (at most 24h), e.g. 1500ms or 10s"},
      {{"ctl", "ok.yaml", "set", "throttle.copy_rows_per_second"},
       2,
       "cutover ctl: InvalidArgument: set: expected KEY=VALUE (KEY= goes back to the spec's "
       "value), got 'throttle.copy_rows_per_second'"},
      {{"ctl", "ok.yaml", "throttle", "on"},
       2,
       "cutover ctl: InvalidArgument: throttle: a reason is required (--reason \"why\"; API: "
       "\"reason\"); it is shown in status and kept in the audit"},
      {{"ctl", "ok.yaml", "pause", "everything"},
       2,
       "cutover ctl: InvalidArgument: pause: unknown part 'everything'; pause copy, apply or all "
       "(nothing: all)"},
      {{"mapping", "test"}, 2, "cutover mapping test: MAPPING is required"},
      {{"mapping", "test", "m.yaml"}, 2, "cutover mapping test: ROWS is required"},
      {{"mapping", "test", "nosuch.yaml", "rows.json"},
       2,
       "cutover mapping test: InvalidArgument: cannot read mapping file nosuch.yaml: No such file "
       "or directory; "
       "check the path (a spec's mapping: path is relative to the spec file's directory)"},
      {{"mapping", "test", "dir.yaml", "rows.json"},
       2,
       "cutover mapping test: InvalidArgument: cannot read mapping file dir.yaml: it is a "
       "directory; check the "
       "path (a spec's mapping: path is relative to the spec file's directory)"},
      {{"mapping", "test", "bad.yaml", "rows.json"},
       2,
       "cutover mapping test: InvalidArgument: bad.yaml: line 2: invalid YAML: end of sequence "
       "flow not found; "
       "fix the YAML at that point (indentation, quotes, brackets)"},
      {{"mapping", "test", "empty.yaml", "rows.json"},
       2,
       "cutover mapping test: InvalidArgument: empty.yaml: top level: must be a mapping with "
       "tables and sources"},
      {{"mapping", "test", "m.yaml", "nosuch.json"},
       2,
       "cutover mapping test: InvalidArgument: cannot read sample rows file nosuch.json: No such "
       "file or "
       "directory; check the path"},
      {{"mapping", "test", "m.yaml", "dir.yaml"},
       2,
       "cutover mapping test: InvalidArgument: cannot read sample rows file dir.yaml: it is a "
       "directory; check "
       "the path"},
      {{"mapping", "test", "m.yaml", "bad.yaml"},
       2,
       "cutover mapping test: InvalidArgument: bad.yaml: not valid JSON; write one object "
       "{\"table\": ..., "
       "\"columns\": {...}, \"rows\": [...]} (docs/mapping.md)"},
      {{"mapping", "test", "m.yaml", "rows.json", "extra"},
       2,
       "cutover mapping test: The following argument was not expected: extra"},
  };
  cases.insert(cases.end(), values.begin(), values.end());
  return cases;
}

class CliBadInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = copytest::MakeTempDir("cutover_cli_bad_input");
    copytest::WriteFile(dir_ / "ok.yaml", kSpec);
    copytest::WriteFile(dir_ / "invalid.yaml",
                        std::string(kSpec) + "parallelism: {copy_workers: 0}\n");
    copytest::WriteFile(dir_ / "bad.yaml", "just: [unclosed\n");
    copytest::WriteFile(dir_ / "empty.yaml", "");
    std::filesystem::create_directory(dir_ / "dir.yaml");
    copytest::WriteFile(dir_ / "m.yaml",
                        "tables: [{name: t, partition_key: pk}]\n"
                        "sources: {a.b: {table: t, pk: \"K#{id}\"}}\n");
    copytest::WriteFile(dir_ / "rows.json",
                        R"({"table": "a.b", "columns": {"id": "int"}, "rows": [{"id": 1}]})");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
};

// Each case: the exit code, the first line of stderr, nothing on stdout, and no sign of a crash.
TEST_F(CliBadInputTest, EveryCommandRefusesBadArgumentsWithOneClearLine) {
  const std::vector<CliCase> cases = Cases();
  for (const CliCase& cli_case : cases) {
    SCOPED_TRACE(Joined(cli_case.args));
    CliRun run = RunCli(dir_, cli_case.args);
    EXPECT_EQ(run.exit_code, cli_case.exit_code) << run.err;
    EXPECT_EQ(run.FirstErrLine(), cli_case.first_line);
    EXPECT_EQ(run.out, "");
    for (const char* crash : {"terminate called", "what():", "Aborted", "Segmentation",
                              "core dumped", "AddressSanitizer", "runtime error"}) {
      EXPECT_EQ(run.err.find(crash), std::string::npos) << run.err;
    }
  }
  // Nothing was made for the migration: no state directory next to the specs.
  EXPECT_FALSE(std::filesystem::exists(dir_ / ".cutover" / "badinput" / "changes"));
  std::cout << cases.size() << " command lines refused\n";
}

TEST_F(CliBadInputTest, HelpAndVersionExitZero) {
  CliRun version = RunCli(dir_, {"--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.out.substr(0, 8), "cutover ");
  CliRun help = RunCli(dir_, {"verify", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--chunk-rows INT:INT>=0"), std::string::npos) << help.out;
  EXPECT_EQ(help.err, "");
}

// Every command with --json that runs without servers prints one JSON document on stdout, also
// when it fails (check: the servers cannot be reached) and logs.
TEST_F(CliBadInputTest, JsonOutputsAreJsonAlone) {
  const std::vector<std::pair<std::vector<std::string>, int>> commands = {
      {{"check", "ok.yaml", "--json"}, 1},
      {{"flags", "get", "ok.yaml", "--json"}, 0},
      {{"flags", "history", "ok.yaml", "--json"}, 0},
      {{"ctl", "ok.yaml", "show", "--json"}, 0},
      {{"ctl", "ok.yaml", "history", "--json"}, 0},
  };
  for (const auto& [args, exit_code] : commands) {
    SCOPED_TRACE(Joined(args));
    CliRun run = RunCli(dir_, args);
    EXPECT_EQ(run.exit_code, exit_code) << run.err;
    EXPECT_FALSE(nlohmann::json::parse(run.out, nullptr, false).is_discarded()) << run.out;
  }
}

// `tail` prints changes as JSON lines on stdout; its reconnect warnings (an unreachable source)
// go to stderr, so stdout stays parseable.
TEST_F(CliBadInputTest, TailLogsToStderrNotIntoItsJsonLines) {
  CliRun run = RunCli(dir_, {"tail", "ok.yaml"}, 1500ms);
  EXPECT_EQ(run.out, "");
  EXPECT_NE(run.err.find("[warning] binlog stream: Unavailable: cannot connect to 127.0.0.1:1"),
            std::string::npos)
      << run.err;
}

// `verify --json` while verify logs a warning (a stopped verify with other settings is started
// over): stdout is the JSON report alone.
TEST(CliJsonOutputTest, VerifyJsonStaysJsonWhileVerifyWarns) {
  ASSERT_TRUE(testing::EnsureServer("mariadb-source"));
  ASSERT_TRUE(testing::EnsureServer("mariadb-target"));
  std::unique_ptr<mysql::Connection> source = copytest::Connect(testing::MariaDbSource());
  std::unique_ptr<mysql::Connection> target = copytest::Connect(testing::MariaDbTarget());
  ASSERT_NE(source, nullptr);
  ASSERT_NE(target, nullptr);
  const std::string db = "cli_json_test_" + std::to_string(getpid());
  const std::filesystem::path dir = copytest::MakeTempDir("cutover_cli_json");
  const std::filesystem::path spec = dir / "spec.yaml";
  runtest::CreateWorkloadSchema(*source, db, 300);
  copytest::Exec(*target, "DROP DATABASE IF EXISTS " + db + "_t");
  copytest::WriteFile(
      spec, copytest::CopySpec("cli-json-test", testing::MariaDbSource(),
                               copytest::MariaDbTargetYaml(testing::MariaDbTarget(), db + "_t"),
                               "  - match: \"" + db + ".*\"\n", (dir / "state").string(),
                               "parallelism: {copy_workers: 2, chunk_rows: 100}\n"));
  copytest::RunResult copy = copytest::RunCopy(spec);
  ASSERT_EQ(copy.exit_code, 0) << copy.output;
  // A verify killed after its first chunk, then one with another chunk size.
  verifytest::VerifyRun killed = verifytest::Verify(
      dir, spec.string() + " --chunk-time 0", "CUTOVER_TEST_PAUSE_AT=verify_chunk_recorded:1:kill");
  ASSERT_EQ(killed.signal, SIGKILL) << killed.exit_code << killed.out << killed.err;
  verifytest::VerifyRun run =
      verifytest::Verify(dir, spec.string() + " --json --chunk-time 0 --chunk-rows 50");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.err.find("[warning] verify: a stopped verify used other settings"),
            std::string::npos)
      << run.err;
  ASSERT_FALSE(run.report.is_discarded()) << "stdout is not JSON:\n" << run.out;
  EXPECT_EQ(run.report["differences"], 0) << run.out;
  // A --tables that selects nothing is an error, not "0 differences".
  verifytest::VerifyRun none =
      verifytest::Verify(dir, spec.string() + " --json --tables 'nosuch.*'");
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_EQ(none.err.substr(0, none.err.find('\n')),
            "cutover verify: InvalidArgument: no selected source table matches --tables "
            "'nosuch.*'");
  EXPECT_EQ(none.out, "");
  copytest::Exec(*source, "DROP DATABASE IF EXISTS " + db);
  copytest::Exec(*target, "DROP DATABASE IF EXISTS " + db + "_t");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace cutover
