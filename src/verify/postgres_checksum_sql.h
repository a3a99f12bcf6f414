// PostgresChecksumSql: the SQL of a key range's checksum when the target is PostgreSQL: one
// canonical text per row that MariaDB/MySQL computes from the source's columns and PostgreSQL
// from the columns the copy created (docs/type-mapping.md), byte for byte alike for equal rows,
// and the same aggregate on both servers: the row count and a 64-bit XOR of the first 64 bits
// of each row text's MD5 (docs/verify.md, "Checksums of PostgreSQL targets").
#pragma once

#include <optional>
#include <string>

#include "cutover/change.h"
#include "cutover/schema.h"
#include "cutover/status.h"

#include "db/postgres/connection.h"

namespace cutover::verify {

// Why the rows of `schema` cannot be checksummed on both servers alike (a column whose
// canonical text PostgreSQL cannot reproduce: JSON, whose jsonb text reorders keys and
// respells numbers), or nullopt when every column can. Such a table's chunks are compared row
// by row.
std::optional<std::string> PostgresChecksumGap(const TableSchema& schema);

// The canonical row text of `schema`'s columns as a MariaDB/MySQL expression over the source
// table (utf8mb4), and as a PostgreSQL expression over the target table the copy made from it
// (`schema` with the target's name: the columns are the same). Fields are joined by '|'; text
// fields carry "<bytes>:" in front (they may hold '|'), the others cannot hold it; a mask of
// the nullable columns' NULLs ends the row (both concat_ws skip NULLs). Only for a schema
// without a PostgresChecksumGap.
std::string SourceCanonicalRow(const TableSchema& schema);
std::string TargetCanonicalRow(const TableSchema& schema);
// One column's field of those rows (NULL for NULL): how a test shows which column differs.
// nullopt for a column without a canonical text (PostgresChecksumGap).
std::optional<std::string> SourceCanonicalField(const Column& column);
std::optional<std::string> TargetCanonicalField(const Column& column);

// SELECT COUNT(*), BIT_XOR(<first 64 bits of MD5(row)>) over the source rows with
// lower < key <= upper and `filter` (empty: all rows): the hash as an unsigned number, 0 for
// no rows.
Result<std::string> BuildSourcePostgresChecksum(const TableSchema& schema,
                                                const std::optional<Key>& lower,
                                                const std::optional<Key>& upper,
                                                const std::string& filter);

// The same over the target table (`schema` with the target's name), its bounds in `params`
// ($1...): the hash as a signed bigint, NULL for no rows (TargetHashAsSource converts).
// Needs PostgreSQL 14 or later (bit_xor).
Result<std::string> BuildTargetPostgresChecksum(const TableSchema& schema,
                                                const std::optional<Key>& lower,
                                                const std::optional<Key>& upper,
                                                postgres::Params* params);

// A PostgreSQL source into a PostgreSQL target: the same statement on both servers, over the
// same column types (docs/type-mapping.md: the copy keeps the source's type, an enum becomes
// text of its labels): SELECT count(*), bit_xor(<first 64 bits of md5(ROW(columns)::text)>)
// over the rows with lower < key <= upper and `filter` (the source's; empty on the target,
// which holds the filtered rows only), the bounds in `params`. The record's text renders each
// column by its type's output function (both sessions with postgres::SessionSettings(), so the
// spelling of dates, floats, intervals, bytea and money is fixed), quoting a field that could
// be confused, and NULL apart from ''. Needs PostgreSQL 14 or later (bit_xor) on both.
Result<std::string> BuildPostgresPairChecksum(const TableSchema& schema,
                                              const std::optional<Key>& lower,
                                              const std::optional<Key>& upper,
                                              const std::string& filter, postgres::Params* params);

// PostgreSQL's hash column (a signed bigint's text, nullopt for no rows) as the source spells
// the same 64 bits (an unsigned number, "0" for no rows); nullopt for text that is no bigint.
std::optional<std::string> TargetHashAsSource(const std::optional<std::string>& hash);

}  // namespace cutover::verify
