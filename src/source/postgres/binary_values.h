// BinaryValues: PostgreSQL column values in their binary send form (what pgoutput sends in binary
// mode: each type's typsend output, PostgreSQL 15, big-endian) as the same exact Values that
// ParsePostgresText gives for the server's text output of those values (types.h).
//
// The invariant, tested value by value against a real server: for every value v of a type with
// a reader, ParsePostgresBinary(type, send(v)) == ParsePostgresText(type, out(v)), out(v) being
// the text the server prints under SessionSettings(). The kOther types with a reader (timetz,
// interval, uuid) are rendered here as the server would print them.
#pragma once

#include <string_view>

#include "cutover/schema.h"
#include "cutover/status.h"
#include "cutover/value.h"

namespace cutover::postgres {

// Whether ParsePostgresBinary reads values of a column of `type` (a ColumnTypeOf result): bool,
// int2/int4/int8, numeric, money, float4/float8, text, varchar, char(n), bytea, date, time,
// timetz, timestamp, timestamptz, interval, uuid, json, jsonb, enums and bit(n) with n <= 64.
// Every other type (arrays, ranges, inet, macaddr, varbit, tsvector, xml, composites, extension
// types such as hstore) has none: a stream that carries such a column must ask for text.
bool HasBinaryReader(const ColumnType& type);

// `bytes`, the binary send form of a value of a column of `type`, as the Value that
// ParsePostgresText(type, <the server's text output of that value>) gives. InvalidArgument
// "cannot read binary <0x-hex of up to 32 bytes, "..." when cut> as <source_name>: <why>" for
// bytes that are no such value (a wrong length, a bad jsonb version or numeric sign, a value out
// of the type's range) and for a type without a reader; never a crash.
Result<Value> ParsePostgresBinary(const ColumnType& type, std::string_view bytes);

}  // namespace cutover::postgres
