// FinalImages: what a batch of changes leaves of each table, one final image per key, for the
// appliers that write a batch as one transaction of deletes and upserts (MariaDB/MySQL,
// PostgreSQL).
#pragma once

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

// One key's final state in a batch: the image of its last change (for a deleted key, the
// deleted row's last image) and the applied schema that image follows.
struct FinalImage {
  std::shared_ptr<const TableSchema> schema;
  const Row* image = nullptr;  // into the batch's changes
  bool deleted = false;
};

// The final images of one table's keys with one applied schema: a statement's worth of rows.
struct SchemaGroup {
  std::shared_ptr<const TableSchema> schema;
  std::vector<const Row*> deleted;
  std::vector<std::string> deleted_keys;  // the KeyText of each of `deleted`, in its order
  std::vector<const Row*> rows;
};

// What a batch leaves of one table: every key once, grouped by the schema of its final image
// (a batch may span a schema change of the table, docs/ddl.md). Each key is in exactly one
// group, so the groups may be written in any order; within a group, keys keep the order they
// first appeared in.
struct TableImages {
  TableId table;
  std::vector<SchemaGroup> groups;
};

// Equal keys of a table must give equal texts, whatever schema object each image came with: the
// log states a table's shape again in each segment and after each restart of capture, and each
// statement is a new object with the same columns.
using KeyText = std::function<Result<std::string>(const TableSchema& schema, const Row& image)>;

// The final images of `changes` (in log order), per table in the order tables first appear.
// Table changes (schema statements, truncates) are skipped: the apply reader follows them. A
// change without a schema uses `schema_of(table)`. A key-changing update deletes the old key and
// writes the new one.
Result<std::vector<TableImages>> FinalImages(
    std::span<const LoggedChange> changes, const KeyText& key_text,
    const std::function<std::shared_ptr<const TableSchema>(const TableId&)>& schema_of);

}  // namespace cutover::sink
