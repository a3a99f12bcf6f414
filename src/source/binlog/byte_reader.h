// ByteReader: a bounds-checked cursor over binlog bytes (little- and big-endian integers,
// MySQL packed integers, fixed and length-prefixed strings); every read fails instead of
// running past the end.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace cutover::binlog {

class ByteReader {
 public:
  ByteReader() = default;
  explicit ByteReader(std::string_view data) : data_(data) {}

  size_t remaining() const { return data_.size() - pos_; }
  size_t position() const { return pos_; }
  bool empty() const { return pos_ >= data_.size(); }
  // The unread bytes.
  std::string_view rest() const { return data_.substr(pos_); }

  bool Skip(size_t n) {
    if (n > remaining()) return false;
    pos_ += n;
    return true;
  }

  // Reads n bytes as a view into the underlying buffer.
  bool Bytes(size_t n, std::string_view* out) {
    if (n > remaining()) return false;
    *out = data_.substr(pos_, n);
    pos_ += n;
    return true;
  }

  bool U8(uint8_t* v) {
    if (pos_ >= data_.size()) return false;
    *v = static_cast<uint8_t>(data_[pos_++]);
    return true;
  }

  // Little-endian unsigned integer of `n` bytes (1..8).
  bool LittleEndian(size_t n, uint64_t* v) {
    if (n > remaining()) return false;
    *v = LoadLittleEndian(data_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  // Big-endian unsigned integer of `n` bytes (1..8).
  bool BigEndian(size_t n, uint64_t* v) {
    if (n > remaining()) return false;
    *v = LoadBigEndian(data_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  template <typename T>
  bool Le(T* v) {
    uint64_t raw = 0;
    if (!LittleEndian(sizeof(T), &raw)) return false;
    *v = static_cast<T>(raw);
    return true;
  }

  // A MySQL packed ("length-encoded") integer: < 0xFB one byte; 0xFC + 2 bytes; 0xFD + 3
  // bytes; 0xFE + 8 bytes. 0xFB (SQL NULL) and 0xFF are rejected.
  bool Packed(uint64_t* v) {
    uint8_t first = 0;
    if (!U8(&first)) return false;
    if (first < 0xFB) {
      *v = first;
      return true;
    }
    switch (first) {
      case 0xFC: return LittleEndian(2, v);
      case 0xFD: return LittleEndian(3, v);
      case 0xFE: return LittleEndian(8, v);
      default: return false;
    }
  }

  // A string preceded by a packed length.
  bool PackedString(std::string_view* out) {
    uint64_t len = 0;
    return Packed(&len) && Bytes(len, out);
  }

  static uint64_t LoadLittleEndian(const char* p, size_t n) {
    uint64_t v = 0;
    for (size_t byte_idx = n; byte_idx > 0; --byte_idx) {
      v = (v << 8) | static_cast<uint8_t>(p[byte_idx - 1]);
    }
    return v;
  }
  static uint64_t LoadBigEndian(const char* p, size_t n) {
    uint64_t v = 0;
    for (size_t byte_idx = 0; byte_idx < n; ++byte_idx) {
      v = (v << 8) | static_cast<uint8_t>(p[byte_idx]);
    }
    return v;
  }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

// Bit `idx` of a little-endian-ordered bitmap (bit 0 is the low bit of byte 0), as rows events
// and TABLE_MAP null bitmaps use.
inline bool BitmapBit(std::string_view bitmap, size_t idx) {
  return (static_cast<uint8_t>(bitmap[idx / 8]) >> (idx % 8)) & 1;
}
// Bit `idx` of a most-significant-bit-first bitmap, as TABLE_MAP optional metadata uses.
inline bool BitmapBitMsbFirst(std::string_view bitmap, size_t idx) {
  return (static_cast<uint8_t>(bitmap[idx / 8]) >> (7 - idx % 8)) & 1;
}

}  // namespace cutover::binlog
