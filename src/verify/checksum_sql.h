// ChecksumSql: the SQL of a key range's checksum, computed inside a MariaDB/MySQL server so that
// equal ranges never cross the network: the row count and a 64-bit XOR of each row's MD5 over
// a canonical rendering of its columns.
#pragma once

#include <optional>
#include <string>

#include "cutover/change.h"
#include "cutover/schema.h"
#include "cutover/status.h"

namespace cutover::verify {

// SELECT COUNT(*), BIT_XOR(the first 64 bits of MD5(row)) over the rows of
// `schema` (its table, its columns) with lower < key <= upper and `filter` (empty: all rows).
// A row renders as CONCAT_WS over each column's "<length>:<value>" (character columns that
// are not UTF-8 as their bytes, as the row reader reads them) and a NULL mask, so no two
// different rows render alike.
Result<std::string> BuildRangeChecksum(const TableSchema& schema, const std::optional<Key>& lower,
                                       const std::optional<Key>& upper, const std::string& filter);

// The checksum's two values as the server returns them.
struct RangeChecksum {
  std::string count;
  std::string hash;
  bool operator==(const RangeChecksum& other) const = default;
};

}  // namespace cutover::verify
