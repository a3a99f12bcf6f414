// Test support for the spec's tests: the expected text of a rejected spec's message.
#pragma once

#include <string>

namespace cutover::testing {

// `lines` ("<path>: <problem>" per line) with "<origin>: " before each line, as ParseSpec
// reports them.
inline std::string WithOrigin(const std::string& origin, const std::string& lines) {
  std::string result;
  size_t start = 0;
  while (start <= lines.size()) {
    size_t end = lines.find('\n', start);
    if (end == std::string::npos) end = lines.size();
    if (!result.empty()) result += '\n';
    result += origin + ": " + lines.substr(start, end - start);
    start = end + 1;
  }
  return result;
}

}  // namespace cutover::testing
