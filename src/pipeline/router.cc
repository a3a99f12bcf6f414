// ChangeRouter: projection onto the applied schema, the lane hash, and schema following.
#include "pipeline/router.h"

#include <algorithm>

#include <fmt/format.h>

#include "ddl/ddl_statement.h"
#include "pipeline/followed_shapes.h"
#include "pipeline/schema_compare.h"

namespace cutover::pipeline {
namespace {

constexpr uint64_t kFnvBasis = 14695981039346656037ull;

// One part of an FNV-1a hash, then a separator: ("ab","c") and ("a","bc") differ.
void FnvAdd(uint64_t* hash, std::string_view bytes) {
  for (unsigned char byte : bytes) {
    *hash ^= byte;
    *hash *= 1099511628211ull;
  }
  *hash ^= 0xff;
  *hash *= 1099511628211ull;
}

// FNV-1a over the table and the key's text: stable across builds and runs, so a key stays in
// the lane whose checkpoint covers it.
uint64_t KeyHash(const TableId& table, const Key& key) {
  uint64_t hash = kFnvBasis;
  FnvAdd(&hash, table.schema);
  FnvAdd(&hash, table.name);
  for (const Value& value : key.values) FnvAdd(&hash, value.ToText());
  return hash;
}

// The same over a target's routing key (RoutingKeyFunction).
uint64_t RoutingHash(std::string_view routing_key) {
  uint64_t hash = kFnvBasis;
  FnvAdd(&hash, routing_key);
  return hash;
}

// Whether `schema` has a unique index other than its key. Its rows' changes must then be
// applied in log order across keys, not only per key: when a value moves from row A to row B
// (or two rows swap values through a temporary one, in one transaction), B's write conflicts
// with A's old value until A's change is applied, and a target that makes room as REPLACE does
// (deleting A) loses A for good if A's lane had already applied A's later image. One lane per
// such table keeps the source's order; a batch of it is then one moment of the source, in which
// no two rows share a value (docs/run.md, "How changes are applied").
bool UniqueBesidesKey(const TableSchema& schema) {
  for (const Index& index : schema.indexes) {
    if (!index.unique || index.primary || index.columns.empty()) continue;
    if (!schema.key_index.empty() && index.name == schema.key_index) continue;
    return true;
  }
  return false;
}

std::string Joined(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

// The statement as messages quote it: one line, at most 200 characters.
std::string Quoted(std::string_view statement) {
  std::string text;
  for (char c : statement.substr(0, 200)) text.push_back(c == '\n' || c == '\r' ? ' ' : c);
  if (statement.size() > 200) text += "...";
  return "\"" + text + "\"";
}

// The same columns (names, types as SameColumnType sees them) and key.
bool SameShape(const TableSchema& a, const TableSchema& b) {
  if (a.columns.size() != b.columns.size() || a.key != b.key) return false;
  for (size_t index = 0; index < a.columns.size(); ++index) {
    if (a.columns[index].name != b.columns[index].name ||
        !SameColumnType(a.columns[index], b.columns[index])) {
      return false;
    }
  }
  return true;
}

// Whether `row` lacks a value (an unchanged TOAST value of a PostgreSQL source).
bool HasAbsent(const Row& row) {
  return std::find(row.present.begin(), row.present.end(), false) != row.present.end();
}

// Whether `change` is an update whose after image lacks a value its before image has (a
// PostgreSQL table with REPLICA IDENTITY FULL sends the whole old row).
bool Completable(const Change& change) {
  if (change.op != ChangeOp::kUpdate || !change.before || !change.after) return false;
  const Row& after = *change.after;
  for (size_t column_idx = 0; column_idx < after.present.size(); ++column_idx) {
    if (!after.present[column_idx] && change.before->IsPresent(column_idx) &&
        column_idx < change.before->values.size()) {
      return true;
    }
  }
  return false;
}

// Fills the absent values of `change`'s after image from its before image: a value an update
// left unchanged is the old one.
void CompleteFromBefore(Change* change) {
  Row& after = *change->after;
  for (size_t column_idx = 0; column_idx < after.present.size(); ++column_idx) {
    if (after.present[column_idx] || !change->before->IsPresent(column_idx) ||
        column_idx >= change->before->values.size()) {
      continue;
    }
    after.values[column_idx] = change->before->values[column_idx];
    after.present[column_idx] = true;
  }
  if (!HasAbsent(after)) after.present.clear();
}

}  // namespace

// One source shape of a table as the table carries it: the applied schema (the carried columns
// in the shape's order, the plan's key) and where each of its columns is in the shape's images.
struct ChangeRouter::Shape {
  // The source shape, held: the cache is keyed by its address, which no other shape can take
  // while it is held.
  std::shared_ptr<const TableSchema> source;
  std::shared_ptr<const TableSchema> applied;
  std::vector<size_t> positions;
  bool keyed = true;  // every key column is carried
};

struct ChangeRouter::Table {
  const TargetTablePlan* plan = nullptr;
  const TableRule* rule = nullptr;  // null: every column, ddl: follow
  std::optional<filter::Filter> filter;
  std::vector<std::string> key_names;  // the plan's key columns
  // Every change goes to one lane (UniqueBesidesKey): a value of a unique index moves from one
  // row to another in log order only if both rows' changes are applied in one order.
  bool by_table = false;
  // The columns the target table has (SQL targets); nullopt: no fixed columns.
  std::optional<std::set<std::string>> target_columns;
  // The columns carried: of the last shape seen, those the rule selects and the table follows.
  // Empty until the first shape (then taken from it).
  std::set<std::string> carried;
  std::shared_ptr<const TableSchema> last;  // the last source shape seen
  Position last_since;  // the position of the first change of that shape
  std::map<std::string, std::string> not_carried;  // column -> why (reported)
  // From the table's ALTER statements, until a shape shows them: definitions of columns added
  // or modified (for SchemaStep::definition).
  std::map<std::string, ddl::ColumnDefinition> pending_definitions;
  std::set<std::string> added;  // columns a statement's step added to the target already
  // From the table's kSchema changes (a source without statements: PostgreSQL), until a shape
  // shows them: the value the rows that existed hold in each column added (a column missing
  // here: not known), and the change's description.
  std::map<std::string, Value> existing_values;
  std::string schema_note;
  // By source shape object; cleared when `carried` changes. Equal shapes (the log states a
  // table's shape again in each segment and after each restart of capture) share one applied
  // schema.
  std::map<const TableSchema*, Shape> shapes;
  bool held = false;
  std::optional<Position> skip_until;  // resumed: table changes up to here were dealt with
  std::optional<Position> copied_as_of;  // RouterOptions::copied_as_of
  // A key change with a partial image was routed: the next change of the table waits until it
  // is applied (ChangeRouter::Route).
  bool drain_next = false;

  DdlPolicy policy() const { return rule != nullptr ? rule->ddl : DdlPolicy::kFollow; }
  // Whether the table rule migrates `column` (its `columns` list, or every column).
  bool Selects(const std::string& column) const {
    if (rule == nullptr || rule->columns.empty()) return true;
    if (std::find(key_names.begin(), key_names.end(), column) != key_names.end()) return true;
    return std::find(rule->columns.begin(), rule->columns.end(), column) != rule->columns.end();
  }
};

ChangeRouter::ChangeRouter(const std::vector<TargetTablePlan>& plans, const ChangeMapper* mapper,
                           bool map)
    : ChangeRouter(plans, RouterOptions{mapper, map, nullptr, {}, {}, true, {}, {}, {}}) {}

ChangeRouter::ChangeRouter(const std::vector<TargetTablePlan>& plans, RouterOptions options)
    : plans_(plans), options_(std::move(options)) {
  options_.map = options_.map && options_.mapper != nullptr;
  for (const TargetTablePlan& plan : plans_) {
    auto table = std::make_unique<Table>();
    table->plan = &plan;
    table->rule = plan.rule;
    if (!plan.filter.empty()) {
      // The spec parsed it and rendered this text; reading it back cannot fail unless the plan
      // was made by hand, which Route then reports.
      Result<filter::Filter> parsed = filter::Filter::Parse(plan.filter);
      if (parsed.ok()) {
        table->filter = *std::move(parsed);
      } else if (init_.ok()) {
        init_ = parsed.status().WithContext(
            fmt::format("the row filter of {}", plan.source.ToString()));
      }
    }
    for (size_t column : plan.schema.key) {
      table->key_names.push_back(plan.schema.columns[column].name);
    }
    table->by_table = options_.mapper == nullptr && UniqueBesidesKey(plan.schema);
    auto columns = options_.target_columns.find(plan.source);
    if (columns != options_.target_columns.end()) table->target_columns = columns->second;
    table->held = options_.held.contains(plan.source);
    auto resumed = options_.resumed.find(plan.source);
    if (resumed != options_.resumed.end()) table->skip_until = resumed->second;
    auto copied = options_.copied_as_of.find(plan.source);
    if (copied != options_.copied_as_of.end()) table->copied_as_of = copied->second;
    // A PostgreSQL source sends no schema statements: the first shape its rows show is compared
    // with the plan's (the source's when the run started), not taken as it is, so that a change
    // made before the table's first change in this run is followed or stops the table too. Not
    // for a resumed table (the person dealt with what held it) nor a replay (its target is made
    // from the source's schema now).
    if (options_.handler != nullptr && options_.hold && resumed == options_.resumed.end() &&
        IsPostgresShape(plan.schema)) {
      auto followed = options_.followed.find(plan.source);
      if (followed != options_.followed.end()) {
        table->last = followed->second.first;
        table->last_since = followed->second.second;
      } else {
        table->last = std::make_shared<const TableSchema>(plan.schema);
      }
      for (const Column& column : table->last->columns) {
        if (table->Selects(column.name) &&
            (!table->target_columns || table->target_columns->contains(column.name))) {
          table->carried.insert(column.name);
        }
      }
    }
    tables_.emplace(plan.source, std::move(table));
  }
}

ChangeRouter::~ChangeRouter() = default;

bool ChangeRouter::held(const TableId& table) const {
  auto found = tables_.find(table);
  return found != tables_.end() && found->second->held;
}

std::string ChangeRouter::FilterCannotDecide(const Table& table, const Change& change) {
  const std::string fix =
      "(a PostgreSQL source sends an old row only when the key changes, with its key columns, "
      "and no TOAST value an update left unchanged): set REPLICA IDENTITY FULL on the source "
      "table, so that its changes carry every old value, then cutover ddl resume SPEC " +
      change.table.ToString() + " --recopy";
  if (change.op == ChangeOp::kUpdate && !change.before) {
    return fmt::format(
        "the row filter of {} must see the old row of each update, and the update "
        "at {} has none {}",
        change.table.ToString(), change.position.Encode(), fix);
  }
  for (const std::optional<Row>* image : {&change.before, &change.after}) {
    if (!*image || (*image)->present.empty()) continue;
    for (const std::string& name : table.filter->columns()) {
      std::optional<size_t> column = change.schema->ColumnIndex(name);
      if (!column || (*image)->IsPresent(*column)) continue;
      return fmt::format(
          "the row filter of {} reads column {}, which the {} row of the change at "
          "{} does not carry {}",
          change.table.ToString(), name, image == &change.before ? "old" : "new",
          change.position.Encode(), fix);
    }
  }
  return "";
}

Result<std::optional<Change>> ChangeRouter::Filtered(const Table& table, const Change& change) {
  auto passes = [&](const std::optional<Row>& image) -> Result<bool> {
    if (!image) return false;
    Result<bool> passed = table.filter->Matches(*change.schema, *image);
    if (!passed.ok()) {
      return passed.status().WithContext(
          fmt::format("the row filter of {} at {}", change.table.ToString(),
                      change.position.Encode()));
    }
    return passed;
  };
  CUTOVER_ASSIGN_OR_RETURN(bool before, passes(change.before));
  CUTOVER_ASSIGN_OR_RETURN(bool after, passes(change.after));
  if (!before && !after) return std::optional<Change>();  // stays out (or never was in)
  Change kept = change;
  if (after && !before && kept.before) {
    kept.op = ChangeOp::kInsert;  // enters the filter
    kept.before.reset();
  } else if (before && !after && kept.after) {
    kept.op = ChangeOp::kDelete;  // leaves it
    kept.after.reset();
  }
  return std::optional<Change>(std::move(kept));
}

Status ChangeRouter::Hold(Table& table, const std::string& reason, const Change& change) {
  table.held = options_.hold;
  if (options_.handler == nullptr) return Status::Ok();
  return options_.handler->Hold(table.plan->source, reason, change);
}

Result<bool> ChangeRouter::Step(Table& table, const SchemaStep& step, bool barrier,
                                const Change& change) {
  CUTOVER_ASSIGN_OR_RETURN(SchemaStepResult result,
                           options_.handler->Follow(*table.plan, step, barrier));
  if (result.refusal.empty()) return true;
  CUTOVER_RETURN_IF_ERROR(Hold(table, result.refusal, change));
  return false;
}

Result<bool> ChangeRouter::AddColumnFromShape(Table& table, const Column& column,
                                              const Change& change) {
  // No statement added it (the source has none, or it was not seen): the target is asked with
  // the column's type alone.
  SchemaStep step;
  step.kind = SchemaStep::Kind::kAddColumn;
  step.column = column;
  step.statement = change.statement.empty() ? table.schema_note : change.statement;
  auto existing = table.existing_values.find(column.name);
  if (existing != table.existing_values.end()) step.existing_value = existing->second;
  // Changes logged before this one do not name the column, and the target gives the rows they
  // write the same value as the rows it has (its default there), so no barrier is needed; a
  // PostgreSQL source's column is added once they are applied all the same, so that the ALTER
  // does not wait for the locks of lanes waiting for the reader.
  return Step(table, step, /*barrier=*/step.existing_value.has_value(), change);
}

Status ChangeRouter::ReportNotCarried(Table& table) {
  if (options_.handler == nullptr) return Status::Ok();
  return options_.handler->NotCarried(table.plan->source, table.not_carried);
}

void ChangeRouter::NoteSchemaChange(Table& table, const Change& change) {
  table.schema_note = change.statement;
  if (change.schema == nullptr) return;
  // A value noted for a column this shape no longer has is not the value of a column of that
  // name added again later.
  std::erase_if(table.existing_values,
                [&](const auto& entry) { return !change.schema->ColumnIndex(entry.first); });
  if (!change.after) return;
  const Row& values = *change.after;
  for (size_t column_idx = 0; column_idx < change.schema->columns.size(); ++column_idx) {
    if (column_idx >= values.values.size() || !values.IsPresent(column_idx)) continue;
    table.existing_values[change.schema->columns[column_idx].name] = values.values[column_idx];
  }
}

Status ChangeRouter::OnTableChange(Table& table, const Change& change) {
  const std::string& source = table.plan->source.ToString();
  const std::string statement = Quoted(change.statement);
  const DdlPolicy policy = table.policy();
  if (change.op == ChangeOp::kTruncate) {
    if (policy == DdlPolicy::kIgnore) return Status::Ok();
    if (policy == DdlPolicy::kStop) {
      return Hold(table, fmt::format("{} was truncated on the source ({}) and its rule says "
                                     "ddl: stop", source, statement), change);
    }
    SchemaStep step;
    step.kind = SchemaStep::Kind::kTruncate;
    step.statement = change.statement;
    return Step(table, step, /*barrier=*/true, change).status();
  }
  // kDdl: what the statement does to this table.
  Result<ddl::DdlStatement> parsed = ddl::ParseDdl(change.statement, change.table.schema);
  if (!parsed.ok()) {
    return Hold(table, fmt::format("cannot read the schema statement {} on {}: {}", statement,
                                   source, parsed.status().message()),
                change);
  }
  const ddl::DdlStatement& sql = *parsed;
  switch (sql.kind) {
    case ddl::DdlKind::kDropTable:
      return Hold(table, fmt::format("{} was dropped on the source ({})", source, statement),
                  change);
    case ddl::DdlKind::kRenameTable:
      return Hold(table, fmt::format("{} was renamed on the source ({}); name the new table in "
                                     "the spec, then `cutover ddl resume`", source, statement),
                  change);
    case ddl::DdlKind::kCreateTable:
    case ddl::DdlKind::kTruncate:  // reaches here as kTruncate, not as a statement
    case ddl::DdlKind::kOther: return Status::Ok();
    case ddl::DdlKind::kAlterTable: break;
  }
  bool relevant = false;
  for (const ddl::AlterAction& action : sql.actions) {
    using K = ddl::AlterAction::Kind;
    if (action.kind != K::kOptions && action.kind != K::kOther) relevant = true;
  }
  if (!relevant) return Status::Ok();
  if (policy == DdlPolicy::kStop) {
    return Hold(table, fmt::format("{} was altered on the source ({}) and its rule says ddl: "
                                   "stop", source, statement), change);
  }
  for (const ddl::AlterAction& action : sql.actions) {
    using K = ddl::AlterAction::Kind;
    const bool selected = table.Selects(action.column);
    switch (action.kind) {
      case K::kAddColumn: {
        if (!selected) break;  // reported with the new shape
        if (policy == DdlPolicy::kIgnore) {
          table.not_carried[action.column] = "added on the source; ddl: ignore";
          CUTOVER_RETURN_IF_ERROR(ReportNotCarried(table));
          break;
        }
        SchemaStep step;
        step.kind = SchemaStep::Kind::kAddColumn;
        step.column.name = action.column;
        step.definition = action.definition.definition;
        step.default_sql = action.definition.default_sql;
        step.default_is_constant = action.definition.default_is_constant;
        step.generated = action.definition.generated;
        step.statement = change.statement;
        // After every earlier change: a target that has the column already sets it in the rows
        // it has (SchemaStep::after_earlier_changes).
        CUTOVER_ASSIGN_OR_RETURN(bool followed, Step(table, step, /*barrier=*/true, change));
        if (!followed) return Status::Ok();
        table.added.insert(action.column);
        table.pending_definitions[action.column] = action.definition;
        break;
      }
      case K::kModifyColumn:
        if (!action.new_name.empty() && action.new_name != action.column) {
          if (policy == DdlPolicy::kIgnore || !selected) break;
          return Hold(table, fmt::format("column {} of {} was renamed to {} on the source ({}); "
                                         "a rename cannot be told from a drop and an add in "
                                         "the rows",
                                         action.column, source, action.new_name, statement),
                      change);
        }
        table.pending_definitions[action.column] = action.definition;
        break;
      case K::kDropColumn:
      case K::kRenameColumn: {
        // Only a column the target gets has values to lose (before any row: one it has).
        const bool carried = table.last != nullptr
                                 ? table.carried.contains(action.column)
                                 : !table.target_columns ||
                                       table.target_columns->contains(action.column);
        if (policy == DdlPolicy::kIgnore || !selected || !carried) break;
        return Hold(table,
                    fmt::format("column {} of {} was {} on the source ({}); following it would "
                                "lose the column's values on the target",
                                action.column, source,
                                action.kind == K::kDropColumn ? "dropped" : "renamed", statement),
                    change);
      }
      case K::kSetDefault:
      case K::kDropDefault: {
        if (policy == DdlPolicy::kIgnore || !selected) break;
        SchemaStep step;
        step.kind = SchemaStep::Kind::kSetDefault;
        step.column.name = action.column;
        if (action.kind == K::kSetDefault) step.default_sql = action.definition.default_sql;
        step.statement = change.statement;
        CUTOVER_ASSIGN_OR_RETURN(bool followed, Step(table, step, false, change));
        if (!followed) return Status::Ok();
        break;
      }
      case K::kAddPrimaryKey:
      case K::kDropPrimaryKey:
        return Hold(table, fmt::format("the primary key of {} changed on the source ({}); rows "
                                       "are identified by it on the target",
                                       source, statement),
                    change);
      case K::kRenameTable:
        return Hold(table, fmt::format("{} was renamed on the source ({}); name the new table in "
                                       "the spec, then `cutover ddl resume`",
                                       source, statement),
                    change);
      case K::kAddIndex:
      case K::kDropIndex:
      case K::kOptions:
      case K::kOther: break;  // the target's indexes and options are its own (docs/ddl.md)
    }
  }
  return Status::Ok();
}

Status ChangeRouter::OnNewShape(Table& table, const Change& change) {
  const TableSchema& shape = *change.schema;
  const std::string& source = table.plan->source.ToString();
  const DdlPolicy policy = table.policy();
  std::shared_ptr<const TableSchema> previous = table.last;
  table.last = change.schema;
  table.last_since = change.position;
  table.shapes.clear();
  auto on_target = [&](const std::string& column) {
    return !table.target_columns || table.target_columns->contains(column);
  };
  std::map<std::string, std::string> not_carried;
  auto excluded = [&](const Column& column) -> bool {
    if (!table.Selects(column.name)) {
      not_carried[column.name] = "not in the table rule's columns";
      return true;
    }
    return false;
  };
  if (previous == nullptr) {
    // The first shape this router sees: carried as far as the rule selects and the target has.
    // Changes to it before this point were followed by an earlier run (or are in the log after
    // a position it already passed, where they were followed or held).
    table.carried.clear();
    for (const Column& column : shape.columns) {
      if (excluded(column)) continue;
      if (on_target(column.name)) {
        table.carried.insert(column.name);
        continue;
      }
      // On the source, not on the target, and no statement adding it is left to read.
      if (options_.handler == nullptr || policy == DdlPolicy::kIgnore) {
        not_carried[column.name] = "not on the target table; ddl: ignore";
        continue;
      }
      if (policy == DdlPolicy::kStop) {
        return Hold(table, fmt::format("column {} of {} is not on the target table and its rule "
                                       "says ddl: stop", column.name, source), change);
      }
      CUTOVER_ASSIGN_OR_RETURN(bool followed, AddColumnFromShape(table, column, change));
      if (!followed) return Status::Ok();
      if (table.target_columns) table.target_columns->insert(column.name);
      table.carried.insert(column.name);
    }
    if (not_carried != table.not_carried) {
      table.not_carried = std::move(not_carried);
      CUTOVER_RETURN_IF_ERROR(ReportNotCarried(table));
    }
    return Status::Ok();
  }
  if (options_.handler == nullptr) {  // capture: carry what the rule selects
    table.carried.clear();
    for (const Column& column : shape.columns) {
      if (table.Selects(column.name)) table.carried.insert(column.name);
    }
    return Status::Ok();
  }
  const std::string& said = change.statement.empty() ? table.schema_note : change.statement;
  const std::string statement = said.empty() ? std::string() : " (" + Quoted(said) + ")";
  // Dropped (or renamed away): carried, and not in the new shape.
  std::vector<std::string> dropped;
  for (const std::string& column : table.carried) {
    if (!shape.ColumnIndex(column)) dropped.push_back(column);
  }
  if (!dropped.empty() && policy != DdlPolicy::kIgnore) {
    return Hold(table,
                fmt::format("column(s) {} of {} are gone from the source's rows{}; following "
                            "would lose their values on the target",
                            Joined(dropped), source, statement),
                change);
  }
  // The key: the plan's key columns, as the shape names its key.
  std::vector<std::string> key_names;
  for (size_t column : shape.key) key_names.push_back(shape.columns[column].name);
  std::vector<std::string> previous_key;
  for (size_t column : previous->key) previous_key.push_back(previous->columns[column].name);
  // Compared when both shapes know their key: a binlog shape has the primary key only, a
  // shape read from information_schema (repair's rows) may name a unique index instead; a key
  // dropped or added is seen in its statement.
  if (!key_names.empty() && !previous_key.empty() && key_names != previous_key) {
    return Hold(table, fmt::format("the primary key of {} changed on the source from ({}) to "
                                   "({}){}; rows are identified by it on the target",
                                   source, Joined(previous_key), Joined(key_names), statement),
                change);
  }
  std::set<std::string> carried;
  for (const Column& column : shape.columns) {
    if (excluded(column)) continue;
    std::optional<size_t> before = previous->ColumnIndex(column.name);
    const bool was_carried = table.carried.contains(column.name);
    if (before && !was_carried) {
      // Not carried before (not on the target, ignored): still not.
      auto reason = table.not_carried.find(column.name);
      not_carried[column.name] =
          reason != table.not_carried.end() ? reason->second : "not on the target table";
      continue;
    }
    if (!before) {
      // Added on the source.
      if (policy == DdlPolicy::kStop) {
        return Hold(table, fmt::format("column {} was added to {} on the source{} and its rule "
                                       "says ddl: stop", column.name, source, statement),
                    change);
      }
      if (policy == DdlPolicy::kIgnore) {
        not_carried[column.name] = "added on the source; ddl: ignore";
        continue;
      }
      if (!table.added.contains(column.name) && !on_target(column.name)) {
        CUTOVER_ASSIGN_OR_RETURN(bool followed, AddColumnFromShape(table, column, change));
        if (!followed) return Status::Ok();
      }
      table.added.erase(column.name);
      if (table.target_columns) table.target_columns->insert(column.name);
      table.pending_definitions.erase(column.name);
      table.existing_values.erase(column.name);
      carried.insert(column.name);
      continue;
    }
    const Column& old_column = previous->columns[*before];
    if (!SameColumnType(old_column, column)) {
      if (policy == DdlPolicy::kStop) {
        return Hold(table, fmt::format("the type of column {} of {} changed on the source{} and "
                                       "its rule says ddl: stop", column.name, source, statement),
                    change);
      }
      if (policy == DdlPolicy::kFollow) {
        if (!Widens(old_column, column)) {
          return Hold(table,
                      fmt::format("column {} of {} changed on the source from {} to {}{}; that "
                                  "narrows or converts its values, which the target cannot "
                                  "follow without losing or changing data",
                                  column.name, source, ColumnText(old_column), ColumnText(column),
                                  statement),
                      change);
        }
        SchemaStep step;
        step.kind = SchemaStep::Kind::kWidenColumn;
        step.column = column;
        auto pending = table.pending_definitions.find(column.name);
        if (pending != table.pending_definitions.end()) {
          step.definition = pending->second.definition;
          step.default_sql = pending->second.default_sql;
          step.default_is_constant = pending->second.default_is_constant;
          step.generated = pending->second.generated;
          table.pending_definitions.erase(pending);
        }
        step.previous = old_column;
        step.statement = change.statement.empty() ? table.schema_note : change.statement;
        CUTOVER_ASSIGN_OR_RETURN(bool followed, Step(table, step, false, change));
        if (!followed) return Status::Ok();
      } else {
        not_carried[column.name] = fmt::format("type changed on the source to {}; ddl: ignore "
                                               "keeps the target's", ColumnText(column));
        // Still carried: the values go on being written by name.
      }
    }
    carried.insert(column.name);
  }
  for (const std::string& column : dropped) {
    not_carried[column] = "dropped on the source; ddl: ignore (the target keeps the column)";
  }
  table.carried = std::move(carried);
  if (not_carried != table.not_carried) {
    table.not_carried = std::move(not_carried);
    CUTOVER_RETURN_IF_ERROR(ReportNotCarried(table));
  }
  return Status::Ok();
}

Result<const ChangeRouter::Shape*> ChangeRouter::ShapeOf(Table& table, const Change& change) {
  auto found = table.shapes.find(change.schema.get());
  if (found != table.shapes.end()) return &found->second;
  for (auto same = table.shapes.begin(); same != table.shapes.end(); ++same) {
    if (!SameShape(*same->second.source, *change.schema)) continue;
    Shape shape = same->second;
    shape.source = change.schema;
    // The older object is dropped once nothing else holds it (the log's reader has moved on):
    // one entry per shape in use, however many segments a long migration reads.
    if (same->second.source.use_count() == 1) table.shapes.erase(same);
    return &table.shapes.emplace(change.schema.get(), std::move(shape)).first->second;
  }
  const TableSchema& from = *change.schema;
  Shape shape;
  auto applied = std::make_shared<TableSchema>();
  applied->id = table.plan->schema.id;
  applied->key_index = table.plan->schema.key_index;
  applied->indexes = table.plan->schema.indexes;
  applied->charset = table.plan->schema.charset;
  for (size_t position = 0; position < from.columns.size(); ++position) {
    const Column& column = from.columns[position];
    if (!table.carried.contains(column.name)) continue;
    applied->columns.push_back(column);
    shape.positions.push_back(position);
  }
  for (const std::string& key : table.key_names) {
    std::optional<size_t> index = applied->ColumnIndex(key);
    if (!index) {
      shape.keyed = false;
      break;
    }
    applied->key.push_back(*index);
  }
  shape.applied = std::move(applied);
  shape.source = change.schema;
  return &table.shapes.emplace(change.schema.get(), std::move(shape)).first->second;
}

Status ChangeRouter::Route(const Change& change, bool hash, std::vector<RoutedChange>* out) {
  return RouteImages(change, nullptr, hash, out);
}

Status ChangeRouter::Route(Change&& change, bool hash, std::vector<RoutedChange>* out) {
  return RouteImages(change, &change, hash, out);
}

Status ChangeRouter::RouteImages(const Change& source_change, Change* take, bool hash,
                                 std::vector<RoutedChange>* out) {
  CUTOVER_RETURN_IF_ERROR(init_);
  auto found = tables_.find(source_change.table);
  if (found == tables_.end()) {
    // Capture into a partitioned log: a selected table no plan has yet (created on the source
    // during the run, docs/ddl.md) is logged by its own key, as its plan will route it.
    if (options_.handler == nullptr && !IsTableChange(source_change.op) &&
        source_change.schema != nullptr && source_change.schema->has_key()) {
      const TableSchema& shape = *source_change.schema;
      // A key-moving update: its two images' keys, as capture splits them (Add).
      for (const std::optional<Row>* image : {&source_change.before, &source_change.after}) {
        if (!*image) continue;
        uint64_t image_hash = hash ? KeyHash(source_change.table, KeyOf(shape, **image)) : 0;
        if (!out->empty() && out->back().hash == image_hash) continue;
        RoutedChange& routed = out->emplace_back();
        routed.hash = image_hash;
        routed.change = source_change;
      }
    }
    return Status::Ok();
  }
  Table& table = *found->second;
  if (table.held) return Status::Ok();
  if (table.copied_as_of && source_change.op != ChangeOp::kSchema &&
      source_change.op != ChangeOp::kDdl &&
      source_change.position.Compare(*table.copied_as_of) == PositionOrder::kLess) {
    return Status::Ok();  // in the rows the copy read (docs/copy.md, "A resumed copy")
  }
  if (table.skip_until && IsTableChange(source_change.op) &&
      !source_change.position.IsAfter(*table.skip_until)) {
    return Status::Ok();  // dealt with by the person who resumed the table
  }
  if (source_change.op == ChangeOp::kSchema && options_.handler != nullptr) {
    NoteSchemaChange(table, source_change);
    return Status::Ok();
  }
  if (IsTableChange(source_change.op)) {
    if (options_.handler == nullptr || source_change.op == ChangeOp::kSchema) {
      // A new shape is compared when a row of it comes (kSchema is only the early notice;
      // rows carry their shape, which is what counts).
      return Status::Ok();
    }
    return OnTableChange(table, source_change);
  }
  if (source_change.schema.get() != table.last.get()) {
    if (table.last != nullptr && SameShape(*table.last, *source_change.schema)) {
      table.last = source_change.schema;  // the same shape again (read from another record)
    } else if (table.last != nullptr && table.last_since.IsAfter(source_change.position)) {
      // An older shape: a change logged before the last shape change (another partition of
      // the log is behind, or a repair's rows): carried as far as it has the columns.
    } else {
      Status followed = OnNewShape(table, source_change);
      table.schema_note.clear();  // said of this shape only
      CUTOVER_RETURN_IF_ERROR(followed);
      if (table.held) return Status::Ok();
      if (options_.handler != nullptr && options_.hold && IsPostgresShape(*table.last)) {
        CUTOVER_RETURN_IF_ERROR(options_.handler->Followed(*table.last, table.last_since));
      }
    }
  }
  if (table.drain_next && options_.handler != nullptr) {
    // The key change with a partial image routed last is applied before this change.
    CUTOVER_RETURN_IF_ERROR(options_.handler->Drain());
    table.drain_next = false;
  }
  // Before the filter sees them: an update's absent values that its before image holds.
  std::optional<Change> completed;
  if (Completable(source_change)) {
    if (take != nullptr) {
      // The images only: the caller's table, op, position and schema stay (Route).
      completed.emplace();
      completed->table = take->table;
      completed->op = take->op;
      completed->position = take->position;
      completed->schema = take->schema;
      completed->before = std::move(take->before);
      completed->after = std::move(take->after);
    } else {
      completed = source_change;
    }
    CompleteFromBefore(&*completed);
  }
  const Change& input = completed ? *completed : source_change;
  std::optional<Change> filtered;
  if (table.filter) {
    if (std::string missing = FilterCannotDecide(table, input); !missing.empty()) {
      CUTOVER_RETURN_IF_ERROR(Hold(table, missing, input));
      if (table.held) return Status::Ok();  // a replay into another target goes on (hold false)
    }
    CUTOVER_ASSIGN_OR_RETURN(filtered, Filtered(table, input));
    if (!filtered) return Status::Ok();
  }
  const Change& change = filtered ? *filtered : input;
  // The images whose values may be moved: a copy is ours, the caller's only if given.
  Change* const movable = filtered ? &*filtered : completed ? &*completed : take;
  CUTOVER_ASSIGN_OR_RETURN(const Shape* shape, ShapeOf(table, change));
  if (!shape->keyed) {
    if (options_.handler == nullptr) {
      // Capture: a shape without the key (the table is held where it is applied) goes to the
      // table's partition as a whole.
      RoutedChange& routed = out->emplace_back();
      routed.hash = hash ? KeyHash(change.table, Key{}) : 0;
      routed.change = change;
      return Status::Ok();
    }
    return Hold(table, fmt::format("the rows of {} lack key column(s) {}",
                                   table.plan->source.ToString(), Joined(table.key_names)),
                change);
  }
  // The shape's columns of `image`; moved from `from` (the same image, ours to take) when given
  // (the positions increase, so each value is taken once).
  auto project = [&](const Row& image, Row* from) -> Result<Row> {
    Row row;
    row.values.reserve(shape->positions.size());
    const bool partial = !image.present.empty();
    if (partial) row.present.reserve(shape->positions.size());
    for (size_t position : shape->positions) {
      if (position >= image.values.size()) {
        return Status::DataLoss(fmt::format("a row image of {} is shorter than its schema",
                                            change.table.ToString()));
      }
      if (partial) row.present.push_back(image.IsPresent(position));
      if (from != nullptr) {
        row.values.push_back(std::move(from->values[position]));
      } else {
        row.values.push_back(image.values[position]);
      }
    }
    return row;
  };
  std::optional<Row> before;
  std::optional<Row> after;
  if (change.before) {
    CUTOVER_ASSIGN_OR_RETURN(Row row,
                             project(*change.before, movable ? &*movable->before : nullptr));
    before = std::move(row);
  }
  if (change.after) {
    CUTOVER_ASSIGN_OR_RETURN(Row row, project(*change.after, movable ? &*movable->after : nullptr));
    after = std::move(row);
  }
  const std::shared_ptr<const TableSchema>& applied = shape->applied;
  const TableSchema& schema = *applied;
  const ChangeMapper* mapper = options_.mapper;
  const bool update = change.op == ChangeOp::kUpdate && before && after;
  // The lane key of each image, computed once and only where needed (the hash; an update's
  // images, to find a moved row): the mapper's routing key, or the source key.
  std::optional<std::string> before_route;
  std::optional<std::string> after_route;
  if (mapper != nullptr && before && (update || (hash && !after))) {
    CUTOVER_ASSIGN_OR_RETURN(before_route, mapper->RoutingKey(schema, *before));
  }
  if (mapper != nullptr && after && (update || hash)) {
    CUTOVER_ASSIGN_OR_RETURN(after_route, mapper->RoutingKey(schema, *after));
  }
  auto hash_of = [&](const Row& image, const std::optional<std::string>& route) -> uint64_t {
    if (!hash) return 0;
    if (table.by_table) return KeyHash(change.table, Key{});
    return route ? RoutingHash(*route) : KeyHash(change.table, KeyOf(schema, image));
  };
  bool key_changed = update && (mapper != nullptr ? before_route != after_route
                                                  : !(KeyOf(schema, *before) == KeyOf(schema, *after)));
  auto emit = [&](ChangeOp op, std::optional<Row> b, std::optional<Row> a,
                  uint64_t lane_hash) -> Status {
    RoutedChange& routed = out->emplace_back();
    routed.hash = lane_hash;
    routed.change.table = change.table;
    routed.change.op = op;
    routed.change.before = std::move(b);
    routed.change.after = std::move(a);
    routed.change.position = change.position;
    routed.change.schema = applied;
    if (options_.map) {
      CUTOVER_ASSIGN_OR_RETURN(routed.mapped, mapper->Map(routed.change));
    }
    return Status::Ok();
  };
  if (key_changed && HasAbsent(*after)) {
    // The absent values are the old key's row's, which only that row on the target holds: the
    // update goes whole to the old key's lane, which moves that row (sink/common/final_images.h,
    // PartialMove), after every earlier change (the new key's, in other lanes, included) and
    // before every later one. Capture keeps it whole in the old key's partition; the apply of
    // a log of several partitions has no such point, and holds the table.
    if (options_.handler != nullptr && !table.by_table) {
      Status drained = options_.handler->Drain();
      if (drained.code() == StatusCode::kFailedPrecondition) {
        CUTOVER_RETURN_IF_ERROR(
            Hold(table,
                 fmt::format("a primary-key change of {} at {} leaves column values unchanged "
                             "that the change does not carry (PostgreSQL's unchanged TOAST "
                             "values), and {}: set REPLICA IDENTITY FULL on the source table "
                             "(its old rows then carry every value), then cutover ddl resume "
                             "SPEC {} --recopy",
                             table.plan->source.ToString(), change.position.Encode(),
                             drained.message(), table.plan->source.ToString()),
                 change));
        // A replay into another target (hold false) goes on: the change is applied whole in the
        // old key's lane, ordered only with that lane's changes.
        if (table.held) return Status::Ok();
      } else {
        CUTOVER_RETURN_IF_ERROR(drained);
        table.drain_next = true;
      }
    }
    uint64_t before_hash = hash_of(*before, before_route);
    return emit(ChangeOp::kUpdate, std::move(before), std::move(after), before_hash);
  }
  if (key_changed) {
    uint64_t before_hash = hash_of(*before, before_route);
    uint64_t after_hash = hash_of(*after, after_route);
    CUTOVER_RETURN_IF_ERROR(emit(ChangeOp::kDelete, std::move(before), std::nullopt, before_hash));
    return emit(ChangeOp::kInsert, std::nullopt, std::move(after), after_hash);
  }
  uint64_t lane_hash = after ? hash_of(*after, after_route) : hash_of(*before, before_route);
  return emit(change.op, std::move(before), std::move(after), lane_hash);
}

}  // namespace cutover::pipeline
