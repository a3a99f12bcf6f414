// Utf8: checks that text is UTF-8 (implemented with the UTF-8 reading of value_text.cc).
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace cutover {

// The offset of the first byte of `text` that does not start a valid UTF-8 sequence; nullopt when
// `text` is all UTF-8.
std::optional<size_t> FirstInvalidUtf8(std::string_view text);

}  // namespace cutover
