// ASCII helpers for SQL text: keywords compare without regard to case, and only ASCII letters
// fold (identifiers in other scripts are compared by the callers, as written).
#pragma once

#include <string_view>

namespace cutover::ddl {

inline char AsciiUpper(char c) {
  return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
}

inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t idx = 0; idx < a.size(); ++idx) {
    if (AsciiUpper(a[idx]) != AsciiUpper(b[idx])) return false;
  }
  return true;
}

}  // namespace cutover::ddl
