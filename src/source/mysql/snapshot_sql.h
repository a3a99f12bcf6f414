// SnapshotSql: the SQL text of the full load's reads (chunk selects, key sampling), built
// without a connection so it can be unit-tested; every value is rendered as a literal that
// cannot break out of its quotes (strings as hex).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cutover/change.h"
#include "cutover/schema.h"
#include "cutover/source.h"
#include "cutover/status.h"

namespace cutover::mysql {

// A key value of a column of `type` as a SQL literal that compares the way the column orders:
// integers and decimals as numbers, binary strings as X'..', character strings as
// _<charset> X'..' (so the column's collation decides), ENUM and SET by their number, BIT as
// an integer, temporal values as quoted text. InvalidArgument for NULL or a kind the column
// cannot hold.
Result<std::string> KeyLiteral(const ColumnType& type, const Value& value);

// The select expression for `column`: the quoted name; non-UTF-8 character columns are read
// as their raw bytes (BINARY) so values keep the column's charset, as the binlog gives them.
std::string SelectExpression(const Column& column);

// "key > bound" (op ">") or "key <= bound" (op "<=") in the key's order: `a` > 5 for one
// column; for a composite key the expanded lexicographic form
//   (`a` > 5 OR (`a` = 5 AND `b` > 'x'))
// which means exactly the row-value comparison (`a`,`b`) > (5,'x') but, unlike it, lets MariaDB
// use a range scan of the key (MariaDB 10.11 scans the whole index for row-value bounds).
// InvalidArgument when the bound's arity differs from the key's.
Result<std::string> KeyCondition(const TableSchema& schema, const Key& bound, std::string_view op);

// The SELECT of one chunk (cutover/source.h): rows of `schema` with lower < key <= upper and
// `filter`, ordered by the key, at most `limit` rows; `keys` as `k` IN (..) for one key column,
// ((`a` = .. AND `b` = ..) OR ..) for a composite key.
using cutover::ChunkSelect;
Result<std::string> BuildChunkSelect(const TableSchema& schema, const ChunkSelect& select);

// The key of the row `step` rows after `lower` (exclusive) in key order, for splitting a
// table into ranges: SELECT <key columns> ... ORDER BY key LIMIT 1 OFFSET step-1.
Result<std::string> BuildKeySample(const TableSchema& schema, const std::optional<Key>& lower,
                                   int64_t step);

}  // namespace cutover::mysql
