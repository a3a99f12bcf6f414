// DecimalBinary: decoding of MySQL's packed binary DECIMAL.
#include "source/binlog/decimal_binary.h"

#include <array>
#include <cstdint>
#include <string>

namespace cutover::binlog {
namespace {

constexpr int kDigitsPerGroup = 9;
constexpr size_t kGroupBytes = 4;
// Bytes holding a partial group of n (0..9) digits.
constexpr std::array<size_t, 10> kPartialBytes = {0, 1, 1, 2, 2, 3, 3, 4, 4, 4};
constexpr std::array<uint32_t, 10> kPowersOfTen = {
    1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000};

bool ValidShape(int precision, int scale) {
  return precision >= 1 && precision <= 65 && scale >= 0 && scale <= 30 && scale <= precision;
}

// Reads one big-endian group of `n` bytes from `bytes` at *pos, undoing the sign mask.
uint32_t ReadGroup(std::string_view bytes, size_t n, uint8_t mask, size_t* pos) {
  uint32_t v = 0;
  for (size_t byte_idx = 0; byte_idx < n; ++byte_idx) {
    auto byte = static_cast<uint8_t>(bytes[*pos + byte_idx]);
    if (*pos + byte_idx == 0) byte ^= 0x80;  // the sign bit
    v = (v << 8) | static_cast<uint8_t>(byte ^ mask);
  }
  *pos += n;
  return v;
}

// Appends `v` as exactly `digits` decimal digits; false when it has more.
bool AppendDigits(uint32_t v, int digits, std::string* out) {
  if (v >= kPowersOfTen[static_cast<size_t>(digits)]) return false;
  char buf[kDigitsPerGroup];
  for (int digit_idx = digits - 1; digit_idx >= 0; --digit_idx) {
    buf[digit_idx] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  out->append(buf, static_cast<size_t>(digits));
  return true;
}

}  // namespace

size_t DecimalBinarySize(int precision, int scale) {
  if (!ValidShape(precision, scale)) return 0;
  int intg = precision - scale;
  return static_cast<size_t>(intg / kDigitsPerGroup) * kGroupBytes +
         kPartialBytes[static_cast<size_t>(intg % kDigitsPerGroup)] +
         static_cast<size_t>(scale / kDigitsPerGroup) * kGroupBytes +
         kPartialBytes[static_cast<size_t>(scale % kDigitsPerGroup)];
}

Result<Decimal> DecodeDecimalBinary(std::string_view bytes, int precision, int scale) {
  size_t size = DecimalBinarySize(precision, scale);
  if (size == 0 || bytes.size() != size) {
    return Status::DataLoss("DECIMAL(" + std::to_string(precision) + "," + std::to_string(scale) +
                            ") needs " + std::to_string(size) + " bytes, got " +
                            std::to_string(bytes.size()));
  }
  const bool negative = (static_cast<uint8_t>(bytes[0]) & 0x80) == 0;
  const uint8_t mask = negative ? 0xFF : 0x00;
  const int intg = precision - scale;
  size_t pos = 0;
  std::string integer, fraction;
  bool ok = true;
  int lead = intg % kDigitsPerGroup;
  if (lead > 0)
    ok &= AppendDigits(ReadGroup(bytes, kPartialBytes[lead], mask, &pos), lead, &integer);
  for (int group = 0; group < intg / kDigitsPerGroup; ++group) {
    ok &= AppendDigits(ReadGroup(bytes, kGroupBytes, mask, &pos), kDigitsPerGroup, &integer);
  }
  for (int group = 0; group < scale / kDigitsPerGroup; ++group) {
    ok &= AppendDigits(ReadGroup(bytes, kGroupBytes, mask, &pos), kDigitsPerGroup, &fraction);
  }
  int tail = scale % kDigitsPerGroup;
  if (tail > 0)
    ok &= AppendDigits(ReadGroup(bytes, kPartialBytes[tail], mask, &pos), tail, &fraction);
  if (!ok) return Status::DataLoss("corrupt DECIMAL digits group");
  size_t first_digit = integer.find_first_not_of('0');
  integer = first_digit == std::string::npos ? "0" : integer.substr(first_digit);
  Decimal d;
  d.integer = std::move(integer);
  d.fraction = std::move(fraction);
  bool zero = d.integer == "0" && d.fraction.find_first_not_of('0') == std::string::npos;
  d.negative = negative && !zero;
  return d;
}

}  // namespace cutover::binlog
