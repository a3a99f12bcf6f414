// ParseInteger: std::from_chars over the whole text, with an error that names the text.
#include "core/parse_number.h"

#include <charconv>
#include <limits>
#include <string>

#include <fmt/format.h>

namespace cutover {
namespace {

// A text shown in a message: long enough to recognise, short enough for one line.
std::string Shown(std::string_view text) {
  constexpr size_t kMaxShown = 64;
  if (text.size() <= kMaxShown) return std::string(text);
  return fmt::format("{}... ({} characters)", text.substr(0, kMaxShown), text.size());
}

}  // namespace

template <typename T>
Result<T> ParseInteger(std::string_view text, std::string_view what, int base) {
  T value{};
  const char* end = text.data() + text.size();
  auto [ptr, error] = std::from_chars(text.data(), end, value, base);
  if (error == std::errc::result_out_of_range) {
    return Status::InvalidArgument(fmt::format("{} '{}' is out of range ({}..{})", what,
                                               Shown(text), std::numeric_limits<T>::min(),
                                               std::numeric_limits<T>::max()));
  }
  if (text.empty() || error != std::errc() || ptr != end) {
    return Status::InvalidArgument(fmt::format("{} '{}' is not a {} number", what, Shown(text),
                                               base == 16 ? "hexadecimal" : "whole"));
  }
  return value;
}

template Result<int> ParseInteger<int>(std::string_view, std::string_view, int);
template Result<int64_t> ParseInteger<int64_t>(std::string_view, std::string_view, int);
template Result<uint32_t> ParseInteger<uint32_t>(std::string_view, std::string_view, int);
template Result<uint64_t> ParseInteger<uint64_t>(std::string_view, std::string_view, int);

}  // namespace cutover
