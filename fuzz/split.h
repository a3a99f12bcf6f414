// Shared by the fuzz targets: one fuzzer input as a sequence of messages, each prefixed by its
// length as two big-endian bytes (a length past the input's end takes the rest). This lets one
// input carry a whole conversation (pgoutput messages, change-log records) while libFuzzer's
// mutations still reach inside each message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace cutover::fuzz {

inline std::vector<std::string_view> SplitMessages(std::string_view input) {
  std::vector<std::string_view> out;
  while (input.size() >= 2) {
    size_t length =
        (static_cast<size_t>(static_cast<uint8_t>(input[0])) << 8) | static_cast<uint8_t>(input[1]);
    input.remove_prefix(2);
    if (length > input.size()) length = input.size();
    out.push_back(input.substr(0, length));
    input.remove_prefix(length);
  }
  return out;
}

}  // namespace cutover::fuzz
