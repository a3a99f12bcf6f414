// FinalImages: what a batch of changes leaves of each table, one final image per key, for the
// appliers that write a batch as one transaction of deletes and upserts (MariaDB/MySQL,
// PostgreSQL). Partial images (PostgreSQL's unchanged TOAST values: columns absent from an
// update's after image, include/cutover/change.h) are merged per key, never written as NULL.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "cutover/apply.h"
#include "cutover/change.h"
#include "cutover/schema.h"
#include "cutover/status.h"

namespace cutover::sink {

// Whether `row` lacks a value (present[i] false for some column): it must be written by an
// UPDATE of its present columns, never as a whole row.
bool IsPartial(const Row& row);

// One key's final state in a batch: the image of its last change, merged with the earlier
// images of the key where the last one is partial (for a deleted key, the deleted row's last
// image), and the applied schema that image follows.
struct FinalImage {
  std::shared_ptr<const TableSchema> schema;
  const Row* image = nullptr;  // into the batch's changes or BatchImages::merged
  bool deleted = false;
};

// A key-changing update whose after image is partial and whose old key has no full image earlier
// in the batch: the row at `from`'s key moves to `to`'s key, with `to`'s present columns set
// (docs/design.md, "Partial row images"). Written on its own, after everything the batch held
// before it and before everything after it.
struct PartialMove {
  const Row* from = nullptr;  // the before image: the old key
  const Row* to = nullptr;    // the after image: the new key, some columns absent
};

// The warning of an applier whose PartialMove of a row of `table` found neither its old nor its
// new row, and so wrote nothing.
std::string NothingMovedWarning(int lane, const TableId& table);

// The final images of one table's keys with one applied schema: a statement's worth of rows.
struct SchemaGroup {
  std::shared_ptr<const TableSchema> schema;
  std::vector<const Row*> deleted;
  std::vector<std::string> deleted_keys;  // the KeyText of each of `deleted`, in its order
  std::vector<const Row*> rows;           // full images: written whole (upsert)
  // Images with absent columns (IsPartial): only their present columns are set on the key's row
  // if it is there; a key not on the target is left alone (the target holds a later state).
  std::vector<const Row*> partial;
  std::vector<PartialMove> moves;
};

// What a stretch of a batch leaves of one table: every key once, grouped by the schema of its
// final image (a batch may span a schema change of the table, docs/ddl.md). Each key is in
// exactly one group, so the groups may be written in any order; within a group, keys keep the
// order they first appeared in.
struct TableImages {
  TableId table;
  std::vector<SchemaGroup> groups;
};

// A batch's final images. Usually each table comes once. Where a partial image cannot be merged
// exactly into what came before it (a partial key change without a full image of the old key, a
// partial image after a delete of its key or after a change of the table's columns), the batch
// is cut there: `tables` then holds the stretch before, then (for a move) the move alone, then
// the stretch after, and a table may come several times. Write `tables` in order.
struct BatchImages {
  std::vector<TableImages> tables;
  std::deque<Row> merged;  // the images merging made (FinalImage::image points here)
};

// Equal keys of a table must give equal texts, whatever schema object each image came with: the
// log states a table's shape again in each segment and after each restart of capture, and each
// statement is a new object with the same columns.
using KeyText = std::function<Result<std::string>(const TableSchema& schema, const Row& image)>;

// The final images of `changes` (in log order), per table in the order tables first appear.
// Table changes (schema statements, truncates) are skipped: the apply reader follows them. A
// change without a schema uses `schema_of(table)`. Per key:
// - a full image (an insert, an update with every value) replaces what came before;
// - a delete ends the key (deleted);
// - a partial image after a full one gives a full image (the absent values taken from the
//   earlier image); after a partial one, a partial image of the union of their present columns
//   (the later value wins); with nothing before it in the batch, it stays partial;
// - a key-changing update deletes the old key and writes the new one with the after image
//   (merged as above with the old key's earlier full image; without one, a PartialMove).
Result<BatchImages> FinalImages(
    std::span<const LoggedChange> changes, const KeyText& key_text,
    const std::function<std::shared_ptr<const TableSchema>(const TableId&)>& schema_of);

}  // namespace cutover::sink
