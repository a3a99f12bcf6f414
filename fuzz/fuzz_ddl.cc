// Fuzzes the DDL statement parser (src/ddl/ddl_statement.h), which reads the statements of the
// binlog's QUERY events: ParseDdl on the input as SQL text under each quoting mode (the first
// byte's two low bits). Must return a DdlStatement or an error; a crash, a sanitizer report or
// an exception is a finding.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ddl/ddl_statement.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  cutover::ddl::SqlQuoting quoting;
  quoting.ansi_quotes = (data[0] & 1) != 0;
  quoting.no_backslash_escapes = (data[0] & 2) != 0;
  std::string_view sql(reinterpret_cast<const char*>(data) + 1, size - 1);
  static_cast<void>(cutover::ddl::ParseDdl(sql, "shop", quoting));
  return 0;
}
