// Coding: little helpers to append and read varints, fixed-width integers and length-prefixed
// strings; the building blocks of every binary encoding in cutover (values, log records).
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace cutover::coding {

inline void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

inline uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int64_t UnZigZag(uint64_t v) {
  return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}

inline void PutFixed32(std::string* out, uint32_t v) {
  for (int byte_idx = 0; byte_idx < 4; ++byte_idx) {
    out->push_back(static_cast<char>((v >> (8 * byte_idx)) & 0xFF));
  }
}
inline void PutFixed64(std::string* out, uint64_t v) {
  for (int byte_idx = 0; byte_idx < 8; ++byte_idx) {
    out->push_back(static_cast<char>((v >> (8 * byte_idx)) & 0xFF));
  }
}

inline void PutBytes(std::string* out, std::string_view bytes) {
  PutVarint(out, bytes.size());
  out->append(bytes);
}

// Readers consume from the front of *in; each returns false (leaving *in unspecified) when the
// input is truncated or malformed.
inline bool GetVarint(std::string_view* in, uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift <= 63 && !in->empty(); shift += 7) {
    auto byte = static_cast<unsigned char>(in->front());
    in->remove_prefix(1);
    if (shift == 63 && byte > 1) return false;  // would overflow 64 bits
    result |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) {
      *v = result;
      return true;
    }
  }
  return false;
}

inline bool GetFixed32(std::string_view* in, uint32_t* v) {
  if (in->size() < 4) return false;
  uint32_t result = 0;
  for (int byte_idx = 3; byte_idx >= 0; --byte_idx) {
    result = (result << 8) | static_cast<unsigned char>((*in)[static_cast<size_t>(byte_idx)]);
  }
  in->remove_prefix(4);
  *v = result;
  return true;
}

inline bool GetFixed64(std::string_view* in, uint64_t* v) {
  if (in->size() < 8) return false;
  uint64_t result = 0;
  for (int byte_idx = 7; byte_idx >= 0; --byte_idx) {
    result = (result << 8) | static_cast<unsigned char>((*in)[static_cast<size_t>(byte_idx)]);
  }
  in->remove_prefix(8);
  *v = result;
  return true;
}

inline bool GetBytes(std::string_view* in, std::string* out) {
  uint64_t len = 0;
  if (!GetVarint(in, &len) || len > in->size()) return false;
  out->assign(in->data(), len);
  in->remove_prefix(len);
  return true;
}

inline bool GetByte(std::string_view* in, uint8_t* v) {
  if (in->empty()) return false;
  *v = static_cast<uint8_t>(in->front());
  in->remove_prefix(1);
  return true;
}

// Lower-case hex of `bytes` (how binary keys are stored in the state store's JSON), and back:
// nullopt for an odd length or a character that is not a lower-case hex digit.
inline std::string HexEncode(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char byte : bytes) {
    out += kDigits[byte >> 4];
    out += kDigits[byte & 0x0f];
  }
  return out;
}

inline std::optional<std::string> HexDecode(std::string_view hex) {
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t pos = 0; pos < hex.size(); pos += 2) {
    int high = digit(hex[pos]);
    int low = digit(hex[pos + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    out += static_cast<char>(high * 16 + low);
  }
  return out;
}

}  // namespace cutover::coding
