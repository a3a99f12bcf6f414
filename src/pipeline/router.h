// ChangeRouter: turns a source change into what an applier receives, and says which lane (or
// Kafka partition) each part goes to. Images are narrowed to the applied schema: the columns of
// the change's own source shape that the table carries (the table rule's columns, by name,
// whatever source schema version they come from); the lane key is FNV-1a of (table, key), or of
// the target's routing key when it has a ChangeMapper (DynamoDB: the item's key), so every key's
// (every item's) changes stay in one lane, in log order. An update that moves a row to another
// lane key becomes a delete of the old key and an insert of the new one. A table's row filter is
// applied first, on the source images: a change whose row enters the filter becomes an insert,
// one that leaves it a delete, one that stays out nothing. With `map`, each part is then mapped
// by the target's mapper, once: the one place a change is mapped (apply's reader, for both
// logs). Capture into a partitioned log (Kafka) routes without mapping: the partition follows
// the same hash.
//
// Schema changes (docs/ddl.md). With a TableChangeHandler (the apply reader's), the router
// follows each table's schema as its changes show it, under the table rule's `ddl` policy: a
// statement (kDdl), a truncate and every new source shape are compared with what the table
// carries; what the target can follow becomes a SchemaStep the handler runs before any later
// change of the table is routed; what it cannot follow safely holds the table (its later
// changes are not routed: the handler records where, so `cutover ddl resume` can go on from
// there); what `ignore` leaves behind is reported. Without a handler (capture), table changes
// are not routed and every shape is carried as far as the rule selects.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cutover/apply.h"
#include "cutover/change.h"
#include "cutover/sink.h"
#include "cutover/spec.h"
#include "cutover/status.h"

#include "filter/filter.h"

namespace cutover::pipeline {

struct RoutedChange {
  uint64_t hash = 0;  // lane = hash % lanes (0 when Route was asked for no hash)
  // The change as the applier receives it: images projected onto the applied schema
  // (change.schema), a key-moving update split.
  Change change;
  std::shared_ptr<const MappedChange> mapped;  // the mapper's form of it (`map`)
};

// What the apply reader does for the router when a table's schema changes.
class TableChangeHandler {
 public:
  virtual ~TableChangeHandler() = default;
  // Runs `step` on the target table of `plan`. `barrier`: only once every change routed before
  // it has been applied (a truncate). A refusal holds the table.
  virtual Result<SchemaStepResult> Follow(const TargetTablePlan& plan, const SchemaStep& step,
                                          bool barrier) = 0;
  // `table` stops at `change` (the change that could not be followed; it is not routed) for
  // `reason`. Its later changes are dropped by the router until the table is resumed.
  virtual Status Hold(const TableId& table, const std::string& reason, const Change& change) = 0;
  // What the source has of `table` and the target does not get (the rule's `columns`, `ddl:
  // ignore`): column -> why. Told whenever it changes.
  virtual Status NotCarried(const TableId& table,
                            const std::map<std::string, std::string>& columns) = 0;
  // Returns once every change routed before has been applied (a key change with a partial image,
  // docs/design.md "Partial row images", is applied between two such points). FailedPrecondition
  // where no such point exists (a change log of several partitions, which other processes may
  // apply); Cancelled when the apply stops meanwhile.
  virtual Status Drain() = 0;
  // `table`'s changes follow `shape` from `since` on (a PostgreSQL source's new shape,
  // followed): recorded so that the next run compares with it (FollowedShapes). Default:
  // nothing.
  virtual Status Followed(const TableSchema& shape, const Position& since) {
    (void)shape;
    (void)since;
    return Status::Ok();
  }
};

struct RouterOptions {
  const ChangeMapper* mapper = nullptr;  // null: routes by (source table, source key)
  bool map = false;                      // map each part with `mapper`
  TableChangeHandler* handler = nullptr;  // null: no schema following (capture)
  // Per table: the columns its target table has (SQL targets; nullopt: no fixed columns).
  std::map<TableId, std::optional<std::set<std::string>>> target_columns;
  // Tables held when the router starts: their changes are dropped.
  std::set<TableId> held;
  // False for a replay into another target (made from the source's schema now): a change that
  // would hold a table is told to the handler and the table goes on being routed, as far as its
  // columns go (full images in order end as the source is).
  bool hold = true;
  // Tables resumed by `cutover ddl resume` (docs/ddl.md), with the source position of the change
  // that held them: their table changes (kDdl, kTruncate) up to and including it are skipped
  // (the person dealt with them), and, as for every table, the first source shape the router
  // sees is taken as it is.
  std::map<TableId, Position> resumed;
  // Tables a resumed copy read whole in a view later than P0, with that view's position
  // (Source::BeginResumedCopy): their row changes and truncates before it are in the copy and
  // are dropped; schema changes are followed as for every table.
  std::map<TableId, Position> copied_as_of;
  // A PostgreSQL source's tables: the shape each was last followed in (FollowedShapes), which
  // the first shape the router sees of it is compared with; a table not here is compared with
  // its plan's schema (the source's when the run started). Not for resumed tables.
  std::map<TableId, std::pair<std::shared_ptr<const TableSchema>, Position>> followed;
};

class ChangeRouter {
 public:
  // The mapper must outlive the router; `plans` are copied.
  ChangeRouter(const std::vector<TargetTablePlan>& plans, RouterOptions options);
  // The router without schema following: `mapper` null routes by (source table, source key)
  // and maps nothing; `map`: each part is mapped by `mapper`.
  ChangeRouter(const std::vector<TargetTablePlan>& plans, const ChangeMapper* mapper, bool map);
  ~ChangeRouter();

  // Appends the parts of `change` to *out (1, or 2 for a key-moving update; none for a table
  // that is not applied or held, a table change, or a row outside the table's filter). An
  // update's absent values (partial images) are taken from its before image where that has them
  // (an unchanged value is the old one). A key-moving update whose after image is still partial
  // is not split: it goes whole to the old key's lane, with the handler's Drain() before it and
  // before the table's next change (docs/design.md, "Partial row images"). `hash`:
  // compute each part's lane hash (false when there is one lane: only an update's images are
  // then keyed, to find a moved row). Errors: the handler's; the mapper's when a routing key
  // or a mapping cannot be computed; the filter's when it cannot decide.
  Status Route(const Change& change, bool hash, std::vector<RoutedChange>* out);
  // The same for a change the caller is done with: the values of its images are moved into the
  // parts instead of copied (its table, op, position and schema stay).
  Status Route(Change&& change, bool hash, std::vector<RoutedChange>* out);

  bool held(const TableId& table) const;

 private:
  // Route, taking the values of *take's images where it is not null (take is &change then).
  Status RouteImages(const Change& change, Change* take, bool hash, std::vector<RoutedChange>* out);
  struct Table;
  struct Shape;  // one source shape as the table carries it
  // The change as far as its images pass the table's filter (nullopt: nothing to apply).
  static Result<std::optional<Change>> Filtered(const Table& table, const Change& change);
  // Why the table's filter cannot judge `change` (a partial image lacks a column it reads, an
  // update without its old row); empty when it can.
  static std::string FilterCannotDecide(const Table& table, const Change& change);
  // Compares `shape` (new to the table) with what it carries; may hold the table.
  Status OnNewShape(Table& table, const Change& change);
  // A kDdl or kTruncate change of a carried table.
  Status OnTableChange(Table& table, const Change& change);
  // A kSchema change (its shape is followed when a row of it comes): keeps what it says of the
  // rows that existed when columns were added, and its description, for the steps.
  void NoteSchemaChange(Table& table, const Change& change);
  Status Hold(Table& table, const std::string& reason, const Change& change);
  // Runs a step through the handler; a refusal holds the table. True when followed.
  Result<bool> Step(Table& table, const SchemaStep& step, bool barrier, const Change& change);
  // The step for `column`, seen in a shape without a statement that added it.
  Result<bool> AddColumnFromShape(Table& table, const Column& column, const Change& change);
  Result<const Shape*> ShapeOf(Table& table, const Change& change);
  Status ReportNotCarried(Table& table);

  const std::vector<TargetTablePlan> plans_;  // a copy: the caller's may grow (a new table)
  std::map<TableId, std::unique_ptr<Table>> tables_;
  RouterOptions options_;
  Status init_;  // a plan's filter that could not be read
};

}  // namespace cutover::pipeline
