// Test support for unit tests of every folder: columns as a PostgreSQL source's catalog describes
// them (postgres set, format_type()'s spelling in source_name), without a server.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "cutover/schema.h"

namespace cutover::testing {

// A PostgreSQL source column's type: `source_name` as format_type() spells it ("numeric",
// "timestamp(3) with time zone", "public.mood[]"), `fsp` its fractional-second digits.
inline ColumnType Pg(SqlType type, std::string source_name, uint8_t fsp = 0) {
  ColumnType out;
  out.type = type;
  out.source_name = std::move(source_name);
  out.fsp = fsp;
  out.postgres = true;
  return out;
}

// A nullable column named `name` of that type.
inline Column PgColumn(SqlType type, std::string source_name, uint8_t fsp = 0,
                       std::string name = "c") {
  return Column{std::move(name), Pg(type, std::move(source_name), fsp), true};
}

}  // namespace cutover::testing
