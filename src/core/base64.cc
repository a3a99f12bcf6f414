// Base64: standard base64 with padding (RFC 4648 section 4), both ways.
#include "core/base64.h"

#include <cstdint>

namespace cutover {

std::string Base64(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t pos = 0; pos < bytes.size(); pos += 3) {
    uint32_t chunk = static_cast<uint8_t>(bytes[pos]) << 16;
    if (pos + 1 < bytes.size()) chunk |= static_cast<uint8_t>(bytes[pos + 1]) << 8;
    if (pos + 2 < bytes.size()) chunk |= static_cast<uint8_t>(bytes[pos + 2]);
    out.push_back(kAlphabet[(chunk >> 18) & 63]);
    out.push_back(kAlphabet[(chunk >> 12) & 63]);
    out.push_back(pos + 1 < bytes.size() ? kAlphabet[(chunk >> 6) & 63] : '=');
    out.push_back(pos + 2 < bytes.size() ? kAlphabet[chunk & 63] : '=');
  }
  return out;
}

std::optional<std::string> FromBase64(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  auto digit = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (size_t pos = 0; pos < text.size(); pos += 4) {
    const bool last = pos + 4 == text.size();
    const int pad = last ? (text[pos + 3] == '=') + (text[pos + 2] == '=') : 0;
    uint32_t chunk = 0;
    for (size_t index = 0; index < 4; ++index) {
      const int value = index >= 4 - static_cast<size_t>(pad) ? 0 : digit(text[pos + index]);
      if (value < 0) return std::nullopt;
      chunk = (chunk << 6) | static_cast<uint32_t>(value);
    }
    out.push_back(static_cast<char>((chunk >> 16) & 0xFF));
    if (pad < 2) out.push_back(static_cast<char>((chunk >> 8) & 0xFF));
    if (pad < 1) out.push_back(static_cast<char>(chunk & 0xFF));
  }
  return out;
}

}  // namespace cutover
