// Test support for the `cutover verify` integration tests: running the CLI and reading its
// JSON report.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

namespace cutover::verifytest {

using nlohmann::json;

struct VerifyRun {
  int exit_code = -1;
  int signal = 0;
  std::string out;  // stdout
  std::string err;  // stderr
  json report;      // stdout parsed, when --json
};

inline std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Runs `cutover <args>` with `env` ("NAME=value ...") prepended and the test servers'
// password in COPY_TEST_PASSWORD, waits for it; stdout parsed as JSON when args has --json.
inline VerifyRun RunCutover(const std::filesystem::path& dir, const std::string& args,
                            const std::string& env = "") {
  const char* bin = std::getenv("CUTOVER_BIN");
  EXPECT_NE(bin, nullptr) << "CUTOVER_BIN must name the cutover executable";
  std::filesystem::path out = dir / "cli.out";
  std::filesystem::path err = dir / "cli.err";
  std::string command = "env COPY_TEST_PASSWORD=cutover-test " + env + " " +
                        std::string(bin ? bin : "cutover") + " " + args + " > " + out.string() +
                        " 2> " + err.string();
  int status = std::system(command.c_str());
  VerifyRun run;
  if (WIFEXITED(status)) run.exit_code = WEXITSTATUS(status);
  if (run.exit_code > 128) run.signal = run.exit_code - 128;  // the shell's report of a signal
  run.out = ReadAll(out);
  run.err = ReadAll(err);
  if (args.find("--json") != std::string::npos) run.report = json::parse(run.out, nullptr, false);
  return run;
}

// Runs `cutover verify <args>` with `env` prepended, waits for it.
inline VerifyRun Verify(const std::filesystem::path& dir, const std::string& args,
                        const std::string& env = "") {
  return RunCutover(dir, "verify " + args, env);
}

// The listed differences of one report entry as "kind key" or "different key column source
// target".
inline std::set<std::string> Listed(const json& entry) {
  std::set<std::string> out;
  for (const json& difference : entry["differences"]) {
    std::string line =
        difference["kind"].get<std::string>() + " " + difference["key"].get<std::string>();
    if (difference["kind"] == "different") {
      line += fmt::format(" {} {} {}", difference["column"].get<std::string>(),
                          difference["source"].dump(), difference["target"].dump());
    }
    out.insert(line);
  }
  return out;
}

// The report entry of `table` (the scan's entry with `scan`); a failure when there is none.
inline const json& EntryOf(const json& report, const std::string& table, bool scan = false) {
  static const json kNone;
  for (const json& entry : report["tables"]) {
    if (entry["table"] == table && entry["scan"] == scan) return entry;
  }
  ADD_FAILURE() << "no " << (scan ? "scan of " : "table ") << table << " in " << report.dump(2);
  return kNone;
}

}  // namespace cutover::verifytest
