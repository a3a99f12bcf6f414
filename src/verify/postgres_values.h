// PostgresValues: how a source value, rendered for COPY by the PostgreSQL sink
// (postgres::PostgresText), is compared with the text PostgreSQL returns for the target column:
// exact, except where the target type itself normalises what the copy wrote (the table of
// docs/verify.md, "Normalisation rules").
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cutover/change.h"
#include "cutover/schema.h"
#include "cutover/status.h"

namespace cutover::verify {

// How a column's values compare; chosen by the source column's value kind.
enum class PostgresRule {
  kExact,     // integers, text, bytea (hex), bit strings, booleans, ENUM/SET labels
  kNumeric,   // DECIMAL -> numeric: by value (trailing fraction zeros and a leading '+' dropped)
  kReal,      // FLOAT -> real: the same binary32 value
  kDouble,    // DOUBLE -> double precision: the same binary64 value
  kTemporal,  // DATE/DATETIME/TIMESTAMP/TIME: trailing zeros of the fraction dropped
  kJson,      // JSON -> jsonb: the same document (key order, spacing, number spelling aside)
};
PostgresRule PostgresRuleFor(const ColumnType& type);

// The spelling both sides are compared in: `text` with the rule's normalisation applied
// ("12.50" -> "12.5", "10:00:00.500000+00" -> "10:00:00.5+00", "1e+20" -> "1e+20" of the
// parsed float). JSON is compared as a parsed document (SamePostgresValue), not by this text.
std::string CanonicalPostgresText(PostgresRule rule, std::string_view text);

// Whether the source's rendering and the target's text are the same value under `rule`
// (nullopt is NULL, equal only to NULL).
bool SamePostgresValue(PostgresRule rule, const std::optional<std::string>& source,
                       const std::optional<std::string>& target);

// The source key a target row has: its key columns' PostgreSQL text (`texts`, in key order)
// read back into the source types of `schema`, for the key types whose order PostgreSQL
// shares (postgres::KeyOrderIsPortable): "\\x00ff" bytea as bytes, "-infinity" as the zero date,
// a bit string as its bits, timestamptz without its "+00". InvalidArgument for text that does
// not parse.
Result<Key> KeyFromPostgresText(const TableSchema& schema,
                                const std::vector<std::optional<std::string>>& texts);

}  // namespace cutover::verify
