// Types: PostgreSQL column types as cutover's ColumnType, and column values read from the text
// PostgreSQL sends (a SELECT's rows, pgoutput's text tuples) as exact Values, under the session
// settings every source connection applies (docs/type-mapping.md has the table).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cutover/schema.h"
#include "cutover/status.h"
#include "cutover/value.h"

namespace cutover::postgres {

// The settings under which the server's text output is what ParsePostgresText reads: ISO dates
// (with " BC" after BC ones), intervals in the `postgres` style, timestamptz in UTC ("+00"),
// shortest round-tripping floats, hex bytea, money in the C locale ("-$1,234.56"), UTF-8.
// Every source session applies them: chunk readers and the replication connection (the
// walsender formats pgoutput's text tuples with its own session's settings).
// As a libpq `options` value: "-c DateStyle=ISO,MDY -c IntervalStyle=postgres ...".
const std::string& SessionOptions();
// The same settings as SET statements, for a session that is already open.
const std::vector<std::string>& SessionSettings();

// What the catalog says of a column's type (pg_type, pg_namespace, pg_enum), after domains are
// resolved to their base type (source_schema.h does that).
struct PgType {
  std::string format;   // format_type(oid, typmod): "numeric(10,2)", "character(5)", "mood[]"
  std::string schema;   // the type's schema: "pg_catalog" for the built-in types
  std::string name;     // pg_type.typname: "int4", "bpchar", "_text", "mood"
  char kind = 'b';      // pg_type.typtype: b base, c composite, e enum, m multirange, r range
  int32_t typmod = -1;  // the column's atttypmod (the domain's typtypmod for a domain)
  // kind 'e': the labels in their sort order; an array of an enum: its element's labels.
  std::vector<std::string> enum_labels;
};

// The ColumnType of a column of `type` (ColumnType::postgres set, source_name = type.format):
//   bool -> kBoolean; int2/int4/int8 -> kSmallInt/kInt/kBigInt; numeric(p,s) -> kDecimal with
//   p and s (precision 0: no precision, or a scale outside 0..p); money -> kDecimal(19,2);
//   real/double precision -> kFloat/kDouble; text, varchar(n), char(n) -> kText, kVarChar,
//   kChar with length n (0: none); bytea -> kLongBlob; date, time(p), timetz(p), timestamp(p),
//   timestamptz(p) -> kDate, kTime, kTimeTz, kDateTime, kTimestamp with fsp p (6 without);
//   interval -> kInterval; uuid -> kUuid; json/jsonb -> kJson (is_jsonb); bit(n), n <= 64 ->
//   kBit with length n; an enum -> kEnum with its labels (an array of an enum: kOther with the
//   labels in `elements`, so that a PostgreSQL target makes it text[]); every other type (arrays,
//   ranges, inet, cidr, macaddr, varbit, wider bit, tsvector, xml, composites, extension types such
//   as hstore) -> kOther, whose values are the server's text.
ColumnType ColumnTypeOf(const PgType& type);

// `text`, the server's text output under SessionSettings() for a column of `type` (from
// ColumnTypeOf), as a Value of type.value_kind(): kBool, kInt, kDecimal (numeric with its
// scale, NaN and +-Infinity; money with 2 fraction digits), kFloat/kDouble (NaN, +-Infinity,
// -0), kText (char(n) keeps its padding), kBytes (bytea from hex), kDate/kDateTime/kTimestamp
// (+-infinity, BC years as ISO years: 1 BC is year 0), kTime (24:00:00 included, fsp of the
// column), kJson (the text as sent: jsonb's normalised form), kEnum (1-based position of the
// label), kBit, and kOther{source_name, text} for the rest. InvalidArgument
// "cannot read '<text>' as <source_name>" for text that is not such a value (the text is cut
// at 64 bytes).
Result<Value> ParsePostgresText(const ColumnType& type, std::string_view text);

}  // namespace cutover::postgres
