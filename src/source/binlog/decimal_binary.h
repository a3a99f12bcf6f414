// DecimalBinary: MySQL's packed binary DECIMAL format (NEWDECIMAL in rows events and inside
// binary JSON): groups of 9 digits in 4 big-endian bytes, partial groups in fewer bytes, the
// first bit flipped as sign, negative numbers stored with every bit inverted.
#pragma once

#include <cstddef>
#include <string_view>

#include "cutover/status.h"
#include "cutover/value.h"

namespace cutover::binlog {

// Bytes a DECIMAL(precision, scale) value occupies. precision 1..65, scale 0..30, scale <=
// precision; 0 for an impossible pair.
size_t DecimalBinarySize(int precision, int scale);

// Decodes exactly DecimalBinarySize(precision, scale) bytes into a Decimal that keeps the scale.
// DataLoss when the size is wrong or a group holds a value of more digits than it may.
Result<Decimal> DecodeDecimalBinary(std::string_view bytes, int precision, int scale);

}  // namespace cutover::binlog
