// Schema comparison for following a source table's changes (docs/ddl.md): whether a column's new
// type holds every value of its old one unchanged (a change the target can follow), and a
// column's type as messages show it.
#pragma once

#include <string>

#include "cutover/schema.h"

namespace cutover::pipeline {

// True when every value `from` can hold is held by `to` with the same meaning: a wider integer
// of the same signedness (or a signed one wider than an unsigned one), more DECIMAL digits on
// both sides of the point, FLOAT to DOUBLE, a longer VARCHAR/VARBINARY or a bigger TEXT/BLOB
// (CHAR to VARCHAR) in the same character set and collation, ENUM/SET labels appended, more
// fractional-second digits, NOT NULL to NULL. Anything else (narrower, another kind, another
// character set, labels reordered) is not. Equal types with nullability loosened or tightened
// count: the source's ALTER already proved that every row fits.
bool Widens(const Column& from, const Column& to);

// Whether two columns have the same type and nullability as values see them: the type's
// fields, not its spelling (a binlog TABLE_MAP says "int", information_schema "int(11)"; a
// collation name only when both know it).
bool SameColumnType(const Column& a, const Column& b);

// "bigint unsigned NOT NULL": the type's source spelling and its nullability.
std::string ColumnText(const Column& column);

}  // namespace cutover::pipeline
