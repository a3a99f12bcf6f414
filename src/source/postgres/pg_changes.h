// PgChangeBuilder: pgoutput's committed transactions (pgoutput.h) as the pipeline's Changes, the
// same records the binlog decoder produces.
//
// A Relation message gives a table's columns as the stream sends them (names, type OIDs and
// typmods, which are the replica identity) at the place of the changes that follow it, which may
// be long before the catalog's present (a later ALTER). So each column's type is read from the
// Relation's own type OID and typmod; only the key, the indexes and a new column's nullability
// come from the catalog (a PgCatalog, which the source backs with catalog queries and tests with
// tables). Each change carries the relation's shape. A Relation whose shape differs from the one
// the table had becomes a kSchema change before the table's next change (PostgreSQL sends no DDL:
// a changed Relation is the signal, docs/ddl.md); its `after` image holds, for each column added,
// the value the rows that existed then hold on the source (present only where the catalog can
// tell it, NULL included), and its `statement` describes the change.
//
// Values: text-format columns are parsed by the ValueParser for the column's type, binary-format
// ones (pgoutput's binary mode) by the binary one (ReadBinaryWith); NULL is NULL;
// an unchanged TOAST value ('u') is ABSENT from the image (Row::present), never NULL: the
// appliers leave it as it is on the target. A key-only old tuple ('K') gives a before image with
// only the key columns present; an update without an old tuple (the key did not change, identity
// not FULL) has no before image. A `cutover fence` marker and a `cutover verify --repair`
// watermark (logical messages) become the changes capture recognises as such (FenceMarker,
// WatermarkMarker).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "cutover/change.h"
#include "cutover/schema.h"
#include "cutover/status.h"

#include "source/postgres/pgoutput.h"
#include "source/postgres/source_schema.h"

namespace cutover::postgres {

// The catalog's schema of a table (columns with cutover types, key); NotFound when it is gone.
using SchemaLoader = std::function<Result<TableSchema>(const TableId& table)>;

// What the source's catalog answers the builder.
struct PgCatalog {
  SchemaLoader schema;
  // The cutover type of a type OID with a typmod (LoadColumnType).
  std::function<Result<ColumnType>(uint32_t type_oid, int32_t typmod)> type;
  // The value the rows a table had when `column` was added to it hold (LoadExistingRows).
  std::function<Result<ExistingRows>(const TableId& table, const std::string& column)> existing;
  // The shape a table had before the stream (ChangeStreamOptions::shape_before); may be null.
  std::function<std::shared_ptr<const TableSchema>(const TableId& table)> shape_before;
};
// A column's value from its text form (or, for the binary parser, its binary send form).
using ValueParser = std::function<Result<Value>(const ColumnType& type, std::string_view text)>;

class PgChangeBuilder {
 public:
  // `selected`: which tables' changes are emitted (null: all); the others are skipped without
  // a catalog lookup.
  PgChangeBuilder(PgCatalog catalog, ValueParser parse,
                  std::function<bool(const TableId&)> selected);

  // Reads binary-format values with `parse_binary`; without one they are DataLoss (the stream
  // asked for text).
  void ReadBinaryWith(ValueParser parse_binary) { parse_binary_ = std::move(parse_binary); }

  // Emits the changes of `transaction` in order, each stamped with `position`. A Relation inside
  // it is taken as it comes (the stream sends a table's Relation before its first change).
  Status Build(const PgTransaction& transaction, const Position& position,
               const std::function<Status(const Change&)>& emit);

  // A message outside a transaction (a Relation between transactions): recorded; any kSchema
  // change it causes is emitted with the table's next change.
  Status Take(const PgMessage& message);

 private:
  struct Table {
    TableId id;
    bool selected = false;
    std::shared_ptr<const TableSchema> schema;  // the relation's shape; null when not selected
    bool shape_changed = false;                 // a kSchema change is due before its next change
    Row added_values;                           // the kSchema change's `after` (above)
    std::string statement;                      // the kSchema change's description
    bool is_new = false;  // not known when the stream started: announced before its next change
  };

  Status OnRelation(const PgRelation& relation);
  // The kSchema change's image and description for a shape that follows `last`.
  Status DescribeChange(const TableSchema& last, const TableSchema& shape, Table* table);
  Result<const Table*> TableOf(uint32_t oid, const Position& position,
                               const std::function<Status(const Change&)>& emit);
  Result<Row> ToRow(const TableSchema& schema, const PgTuple& tuple, bool key_only) const;
  // A NULL, in `message`'s new row or whole old row, of a column the table's shape says NOT
  // NULL: the source dropped the NOT NULL (the Relation carries no nullability), so the column
  // is nullable from here on: a kSchema change before this change.
  Status RelaxNotNull(uint32_t oid, const PgMessage& message, const Position& position,
                      const std::function<Status(const Change&)>& emit);
  // Emits NewTableChange(table) once per table.
  Status AnnounceNewTable(const TableId& table, const Position& position,
                          const std::function<Status(const Change&)>& emit);

  PgCatalog catalog_;
  ValueParser parse_;
  ValueParser parse_binary_;
  std::function<bool(const TableId&)> selected_;
  std::map<uint32_t, Table> tables_;                                   // by relation OID
  std::map<TableId, std::shared_ptr<const TableSchema>> last_shapes_;  // by table
  std::set<TableId> announced_;                                        // new tables announced
  Change change_;                                                      // reused
};

// A table the spec selects that the stream did not know when it started (created on the source
// since, and added to the publication by the source's poll, which announces it with a
// transactional logical message of prefix kNewTablePrefix and content NewTableMessage(table)): a
// kDdl change "CREATE TABLE `schema`.`name`" (the statement the binlog would carry, in the
// dialect the apply's new-table rule reads) before its first change, or at that message,
// whichever comes first; the apply then makes the table on the target and copies it while CDC
// runs (docs/ddl.md). Known by the builder when PgCatalog::shape_before is set and has no shape
// for the table.
inline constexpr std::string_view kNewTablePrefix = "cutover_new_table";
std::string NewTableMessage(const TableId& table);
Change NewTableChange(const TableId& table, const Position& position);

// A fence marker (`cutover fence` on a PostgreSQL source writes a transactional logical message
// with prefix cutover_fence and the fence's id as content) as the change capture knows a marker
// by: an insert of `id` into a table named kFenceTable.
Change FenceMarker(const std::string& id, const Position& position);

// A repair watermark: `cutover verify --repair` on a PostgreSQL source writes a transactional
// logical message with prefix cutover_watermarks (kWatermarkTable) and content
// WatermarkMessage(phase, id), "<phase> <id>", instead of the row a MariaDB source gets.
std::string WatermarkMessage(std::string_view phase, std::string_view id);
// Such a message as the change capture's repair windows know a watermark by
// (pipeline/repair_windows.h): an insert of (id, phase) into a table named kWatermarkTable.
// nullopt for content that is not "low <id>" or "high <id>" (nothing to do with it).
std::optional<Change> WatermarkMarker(std::string_view content, const Position& position);

// The relation's shape: its columns in the stream's order with `types` (the types of the
// relation's columns, from their type OIDs and typmods), with the catalog's key and indexes. A
// column's nullability (which the stream does not send) is `previous`'s for a column it has
// (null: none), else the catalog's, else nullable. FailedPrecondition when a key column of the
// catalog is not in the stream (the key changed since the changes still to read were written).
Result<TableSchema> RelationShape(const PgRelation& relation, const std::vector<ColumnType>& types,
                                  const TableSchema& catalog, const TableSchema* previous);

// "public.docs now has columns (id integer NOT NULL, body text)": a kSchema change's
// description.
std::string DescribeShape(const TableSchema& shape);

}  // namespace cutover::postgres
