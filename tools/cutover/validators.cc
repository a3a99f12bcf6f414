// Validators: the checks of the CLI's numeric options, with messages that say what is allowed.
#include <charconv>
#include <string>

#include "commands.h"

namespace cutover::cli {

CLI::Validator AtLeast(int64_t min) {
  const std::string allowed = "a whole number of " + std::to_string(min) + " or more";
  return CLI::Validator(
      [min, allowed](std::string& text) -> std::string {
        int64_t value = 0;
        const char* end = text.data() + text.size();
        auto [ptr, error] = std::from_chars(text.data(), end, value);
        if (error == std::errc() && ptr == end && value >= min) return "";
        return "'" + text + "' is not " + allowed;
      },
      min == 0 ? "INT>=0" : "INT>=" + std::to_string(min));
}

}  // namespace cutover::cli
