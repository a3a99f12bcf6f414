// JsonBinary: MySQL 8's binary JSON (the JSON column format in rows events) converted to JSON
// text exactly as MySQL prints it: `{"a": 1, "b": [1, 2.0]}` with ", " and ": " separators,
// doubles in MySQL's shortest form with ".0" on integral values, DECIMAL/DATE/TIME/DATETIME
// opaque values as MySQL renders them, other opaque values as "base64:type<N>:<base64>".
#pragma once

#include <string>
#include <string_view>

#include "cutover/status.h"

namespace cutover::binlog {

// Appends the JSON text of the binary JSON document `doc` to *out. An empty document is MySQL's
// JSON null ("null"). DataLoss when the document is malformed (offsets outside it, unknown type
// codes, nesting deeper than 100).
Status JsonBinaryToText(std::string_view doc, std::string* out);

// A double as MySQL's JSON printer writes it: 1.0, 0.1, 1e100, -2.5e-7.
std::string JsonDouble(double v);

}  // namespace cutover::binlog
