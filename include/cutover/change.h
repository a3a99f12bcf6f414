// Change: the one record both phases produce. The snapshot reader emits inserts; the change
// stream emits inserts, updates and deletes. Transforms and sinks never know which phase a
// Change came from.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cutover/position.h"
#include "cutover/schema.h"
#include "cutover/value.h"

namespace cutover {

// A row's values in the table schema's column order. A column absent from an image (PostgreSQL's
// unchanged TOAST value, a column outside the selected column list) is marked in `present`.
struct Row {
  std::vector<Value> values;
  // Empty means every column is present. Otherwise present[i] says whether values[i] is
  // known; an absent value means "leave as is", never NULL.
  std::vector<bool> present;

  bool IsPresent(size_t column) const { return present.empty() || present[column]; }
  bool operator==(const Row& other) const = default;
};

// The identity of a row: its key column values, in key order.
struct Key {
  std::vector<Value> values;
  std::strong_ordering Compare(const Key& other) const;
  bool operator==(const Key& other) const = default;
  // A stable binary encoding (for hashing into lanes and for the state store).
  std::string Encode() const;
  static Result<Key> Decode(std::string_view bytes);
};

enum class ChangeOp : uint8_t {
  kInsert = 0,
  kUpdate = 1,
  kDelete = 2,
  kSchema = 3,  // a selected table's columns changed; `schema` holds the new shape
  // The source emptied a selected table (MySQL TRUNCATE, PostgreSQL Truncate). `schema`: the
  // table's last known shape.
  kTruncate = 4,
  // A schema statement on a selected table that its rows do not show (yet): ALTER TABLE (a new
  // column's definition and default, a changed default, a key), DROP TABLE, RENAME TABLE,
  // CREATE TABLE of a table the spec selects. `statement` holds its text; `schema` the table's
  // last known shape (columns empty when none is known). docs/ddl.md says what follows it.
  kDdl = 5,
};
// "insert", "update", "delete", "schema", "truncate", "ddl"
std::string_view ChangeOpName(ChangeOp op);
// True for kSchema, kTruncate and kDdl: a change of the table, not of a row.
inline bool IsTableChange(ChangeOp op) { return op >= ChangeOp::kSchema; }

struct Change {
  TableId table;
  ChangeOp op = ChangeOp::kInsert;
  std::optional<Row> before;  // update and delete
  std::optional<Row> after;   // insert and update
  Position position;          // the source position of the event (transaction start for
                              // resumable reads; see the source's docs)
  std::shared_ptr<const TableSchema> schema;  // the shape the images follow
  // kSchema, kTruncate, kDdl: the source's statement as written ("ALTER TABLE t ADD c INT"),
  // when the source has one (binlog QUERY events; empty for PostgreSQL's messages).
  std::string statement;

  // The key of the row this change leaves behind (after image for insert/update, before image
  // for delete); for an update that changed the key, KeyBefore() differs from KeyAfter().
  Key KeyAfter() const;
  Key KeyBefore() const;
};

// Extracts the key of `row` following `schema.key`.
Key KeyOf(const TableSchema& schema, const Row& row);

}  // namespace cutover
