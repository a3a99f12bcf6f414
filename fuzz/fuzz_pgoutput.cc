// Fuzzes the PostgreSQL source's decoders of what the server sends: pgoutput messages through
// PgoutputAssembler::Feed and DecodePgoutput, and binary column values through
// ParsePostgresBinary. Input: the first byte picks the mode; below kTypes.size() it is the
// column type whose binary form the rest is read as, otherwise the rest is a sequence of
// length-prefixed pgoutput messages (fuzz/split.h). Every call must return a Status; a crash,
// a sanitizer report or an exception is a finding.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/split.h"
#include "source/postgres/binary_values.h"
#include "source/postgres/pgoutput.h"
#include "source/postgres/types.h"

namespace {

using cutover::ColumnType;
using cutover::postgres::ColumnTypeOf;
using cutover::postgres::PgType;

ColumnType Builtin(std::string name, std::string format, int32_t typmod = -1) {
  return ColumnTypeOf(PgType{std::move(format), "pg_catalog", std::move(name), 'b', typmod, {}});
}

// The types with a binary reader (src/source/postgres/binary_values.h).
const std::vector<ColumnType>& Types() {
  static const std::vector<ColumnType> types = {
      Builtin("bool", "boolean"),
      Builtin("int2", "smallint"),
      Builtin("int4", "integer"),
      Builtin("int8", "bigint"),
      Builtin("numeric", "numeric"),
      Builtin("numeric", "numeric(10,2)", (10 << 16 | 2) + 4),
      Builtin("money", "money"),
      Builtin("float4", "real"),
      Builtin("float8", "double precision"),
      Builtin("text", "text"),
      Builtin("bytea", "bytea"),
      Builtin("date", "date"),
      Builtin("time", "time without time zone"),
      Builtin("timetz", "time with time zone"),
      Builtin("timestamp", "timestamp without time zone"),
      Builtin("timestamptz", "timestamp with time zone"),
      Builtin("timestamptz", "timestamp(3) with time zone", 3),
      Builtin("interval", "interval"),
      Builtin("uuid", "uuid"),
      Builtin("json", "json"),
      Builtin("jsonb", "jsonb"),
      ColumnTypeOf(PgType{"mood", "public", "mood", 'e', -1, {"sad", "ok", "happy"}}),
      Builtin("bit", "bit(64)", 64),
      Builtin("bit", "bit(9)", 9),
      Builtin("varbit", "bit varying(20)", 20),
  };
  return types;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const uint8_t mode = data[0];
  input.remove_prefix(1);
  const std::vector<ColumnType>& types = Types();
  if (mode < types.size()) {
    const ColumnType& type = types[mode];
    if (!cutover::postgres::HasBinaryReader(type)) return 0;
    cutover::Result<cutover::Value> value = cutover::postgres::ParsePostgresBinary(type, input);
    if (!value.ok()) static_cast<void>(value.status().ToString());
    return 0;
  }
  cutover::postgres::PgoutputAssembler assembler;
  for (std::string_view message : cutover::fuzz::SplitMessages(input)) {
    static_cast<void>(cutover::postgres::DecodePgoutput(message, true));
    cutover::Result<std::vector<cutover::postgres::PgTransaction>> done = assembler.Feed(message);
    if (!done.ok()) break;  // the assembler's state after an error is not specified
  }
  static_cast<void>(assembler.TakeLoose());
  return 0;
}
