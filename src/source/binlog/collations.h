// Collations: maps the collation ids of TABLE_MAP charset metadata to cutover Charsets, names
// and the bytes per character (MariaDB 10.11's ids, plus MySQL 8's utf8mb4_0900 ids).
#pragma once

#include <cstdint>
#include <string_view>

#include "cutover/value.h"

namespace cutover::binlog {

inline constexpr uint32_t kBinaryCollation = 63;

struct CollationInfo {
  Charset charset = Charset::kOther;
  std::string_view name;  // "utf8mb4_general_ci"; "" when the id has no known name
  uint8_t max_bytes = 1;  // bytes per character at most (utf8mb4: 4, latin1: 1)
  bool known = false;     // false: an id cutover has no table entry for
};

// The collation with `id`. Unknown ids give charset kOther, max_bytes 1 and known = false.
CollationInfo LookupCollation(uint32_t id);

}  // namespace cutover::binlog
