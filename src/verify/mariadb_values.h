// MariaDbValues: how a PostgreSQL source value is compared with what a MariaDB/MySQL target
// returns for the column the copy made from it (docs/type-mapping.md, "PostgreSQL source"):
// both sides brought to one comparable Value, exact except for what the target type itself
// cannot keep (docs/verify.md, "Normalisation rules").
#pragma once

#include "cutover/change.h"
#include "cutover/schema.h"
#include "cutover/value.h"

namespace cutover::verify {

// The comparable form of a value from either side:
// - boolean (source) and BOOLEAN's 0/1 (target) as the integer 0 or 1;
// - numeric by value: trailing fraction zeros dropped (DECIMAL(65,30) returns an unconstrained
//   numeric at scale 30: `1.5` as `1.500…0`; numeric(p,s) keeps s on both sides anyway);
// - time, timestamp and timestamptz as their fields without the display precision, timestamptz
//   (UTC fields) as the DATETIME that holds its UTC time;
// - json, jsonb, enum labels and the types kept as text (uuid, interval, arrays, ...) as text;
// - everything else (integers, floats by their bits, text, bytes, dates, bits) as it is.
Value MariaDbComparable(const Value& value);

// Whether a source value and the target's value are the same under MariaDbComparable.
bool SameMariaDbValue(const Value& source, const Value& target);

// A key with MariaDbComparable values: the identity by which source and target rows are
// matched, and the key a target row without a source row is reported and repaired by. It is a
// valid bound on both servers (an integer, a number, a date or a text in each type's input form).
Key MariaDbComparableKey(const Key& key);

// The PostgreSQL source key (`schema`'s key columns) whose MariaDbComparableKey is `comparable`:
// what a target row without a source row is deleted by (`--repair --delete-extra`). Text read
// back by the source column's parser (uuid, an enum's label, ...), 0/1 as a boolean, UTC fields
// as a timestamptz; InvalidArgument when a text is no value of the source column's type.
Result<Key> PostgresKeyOfComparable(const TableSchema& schema, const Key& comparable);

}  // namespace cutover::verify
