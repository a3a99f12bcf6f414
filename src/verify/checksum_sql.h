// ChecksumSql: the SQL of a key range's checksum, computed inside a MariaDB/MySQL server so that
// equal ranges never cross the network: the row count and a 64-bit XOR of a per-row hash
// (CRC32 and CRC32C, mixed) of a canonical rendering of its columns.
#pragma once

#include <optional>
#include <string>

#include "cutover/change.h"
#include "cutover/schema.h"
#include "cutover/status.h"

namespace cutover::verify {

// SELECT COUNT(*), BIT_XOR((CRC32(row) * K1) ^ (CRC32C(row) * K2)) over the rows of
// `schema` (its table, its columns) with lower < key <= upper and `filter` (empty: all rows).
// A row renders as the bytes of its columns joined by the byte 0xFF (a binary result: text in
// its own charset's bytes, unconverted), BIT as its number, a "<length>:" in front of every
// column that can hold 0xFF (not UTF-8 text, binary strings) but the last, and a mask of the
// nullable columns' NULLs, so no two different rows render alike. CRC32C: MariaDB 10.8+.
// kMd5 (servers without CRC32C: MySQL): the first 64 bits of the rendering's MD5 instead,
// slower (the hex digest is converted to a number) and as strong.
enum class ChecksumHash { kCrc32Pair, kMd5 };
Result<std::string> BuildRangeChecksum(const TableSchema& schema, const std::optional<Key>& lower,
                                       const std::optional<Key>& upper, const std::string& filter,
                                       ChecksumHash hash = ChecksumHash::kCrc32Pair);

// " WHERE <key> > lower AND <key> <= upper AND (filter)" on a MariaDB/MySQL server, each part
// only when given; "" when none is.
Result<std::string> RangeWhere(const TableSchema& schema, const std::optional<Key>& lower,
                               const std::optional<Key>& upper, const std::string& filter);

// The checksum's two values as the server returns them.
struct RangeChecksum {
  std::string count;
  std::string hash;
  bool operator==(const RangeChecksum& other) const = default;
};

}  // namespace cutover::verify
