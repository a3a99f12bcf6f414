// Validators: the checks of the CLI's numeric options, with messages that say what is allowed.
#include <charconv>
#include <limits>
#include <string>

#include "cutover/run.h"
#include "cutover/spec.h"

#include "commands.h"

namespace cutover::cli {

namespace {

CLI::Validator WholeNumber(int64_t min, int64_t max, const std::string& allowed,
                           const std::string& description) {
  return CLI::Validator(
      [min, max, allowed](std::string& text) -> std::string {
        int64_t value = 0;
        const char* end = text.data() + text.size();
        auto [ptr, error] = std::from_chars(text.data(), end, value);
        if (error == std::errc() && ptr == end && value >= min && value <= max) return "";
        return "'" + text + "' is not " + allowed;
      },
      description);
}

// A validator from a check returning Status: its message, without the code, when not OK.
CLI::Validator FromCheck(Status (*check)(std::string_view), const std::string& description) {
  return CLI::Validator(
      [check](std::string& text) -> std::string {
        Status status = check(text);
        return status.ok() ? "" : std::string(status.message());
      },
      description);
}

}  // namespace

CLI::Validator TableGlob() { return FromCheck(&CheckGlob, "GLOB"); }

CLI::Validator ReplayStart() { return FromCheck(&CheckReplayFrom, "OFFSET|POSITION|TIME"); }

CLI::Validator AtLeast(int64_t min) {
  return WholeNumber(min, std::numeric_limits<int64_t>::max(),
                     "a whole number of " + std::to_string(min) + " or more",
                     min == 0 ? "INT>=0" : "INT>=" + std::to_string(min));
}

CLI::Validator Seconds(int64_t min) {
  return WholeNumber(
      min, kMaxWaitSeconds,
      "a whole number of seconds, " + std::to_string(min) + " to " +
          std::to_string(kMaxWaitSeconds),
      "INT in [" + std::to_string(min) + ", " + std::to_string(kMaxWaitSeconds) + "]");
}

}  // namespace cutover::cli
