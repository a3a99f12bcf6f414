// pgoutput transactions -> Changes (pg_changes.h).
#include "source/postgres/pg_changes.h"

#include <algorithm>
#include <charconv>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cutover/spec.h"

namespace cutover::postgres {

Result<TableSchema> RelationShape(const PgRelation& relation, const std::vector<ColumnType>& types,
                                  const TableSchema& catalog, const TableSchema* previous) {
  TableSchema shape;
  shape.id = catalog.id;
  shape.charset = catalog.charset;
  shape.key_index = catalog.key_index;
  shape.indexes = catalog.indexes;
  shape.columns.reserve(relation.columns.size());
  for (size_t column_idx = 0; column_idx < relation.columns.size(); ++column_idx) {
    Column column;
    column.name = relation.columns[column_idx].name;
    column.type = types.at(column_idx);
    std::optional<size_t> before = previous ? previous->ColumnIndex(column.name) : std::nullopt;
    std::optional<size_t> now = catalog.ColumnIndex(column.name);
    if (before) {
      column.nullable = previous->columns[*before].nullable;
    } else if (now) {
      column.nullable = catalog.columns[*now].nullable;
    }
    shape.columns.push_back(std::move(column));
  }
  for (size_t key : catalog.key) {
    std::optional<size_t> at = shape.ColumnIndex(catalog.columns[key].name);
    if (!at) {
      return Status::FailedPrecondition(fmt::format(
          "{}: key column \"{}\" is not in the change stream's columns: the key changed after "
          "the changes still to read were written; run `cutover ddl resume SPEC {} --recopy` to "
          "copy the table again",
          catalog.id.ToString(), catalog.columns[key].name, catalog.id.ToString()));
    }
    shape.key.push_back(*at);
  }
  return shape;
}

std::string DescribeShape(const TableSchema& shape) {
  std::string columns;
  for (const Column& column : shape.columns) {
    if (!columns.empty()) columns += ", ";
    columns += column.name + " " + column.type.source_name + (column.nullable ? "" : " NOT NULL");
  }
  return fmt::format("{} now has columns ({})", shape.id.ToString(), columns);
}

Change FenceMarker(const std::string& id, const Position& position) {
  static const std::shared_ptr<const TableSchema> schema = [] {
    auto fence = std::make_shared<TableSchema>();
    fence->id.name = std::string(kFenceTable);
    Column column;
    column.name = "id";
    column.type.type = SqlType::kVarChar;
    fence->columns.push_back(column);
    fence->key = {0};
    return fence;
  }();
  Change change;
  change.table = schema->id;
  change.op = ChangeOp::kInsert;
  change.position = position;
  change.schema = schema;
  change.after = Row{{Value::Str(id)}, {}};
  return change;
}

// "<bytes of the schema>:<schema><name>": any names, unambiguously.
std::string NewTableMessage(const TableId& table) {
  return fmt::format("{}:{}{}", table.schema.size(), table.schema, table.name);
}

namespace {

std::optional<TableId> NewTableOf(std::string_view content) {
  const size_t colon = content.find(':');
  size_t length = 0;
  if (colon == std::string_view::npos ||
      std::from_chars(content.data(), content.data() + colon, length).ptr !=
          content.data() + colon ||
      colon + 1 + length >= content.size()) {
    return std::nullopt;
  }
  return TableId{std::string(content.substr(colon + 1, length)),
                 std::string(content.substr(colon + 1 + length))};
}

// `name` as a MySQL identifier (the dialect of the statements the apply reads).
std::string Backticked(std::string_view name) {
  std::string out = "`";
  for (char c : name) {
    out += c;
    if (c == '`') out += c;
  }
  return out + "`";
}

}  // namespace

Change NewTableChange(const TableId& table, const Position& position) {
  Change change;
  change.table = table;
  change.op = ChangeOp::kDdl;
  change.position = position;
  change.statement =
      fmt::format("CREATE TABLE {}.{}", Backticked(table.schema), Backticked(table.name));
  auto shape = std::make_shared<TableSchema>();  // as the binlog's: no columns known
  shape->id = table;
  change.schema = std::move(shape);
  return change;
}

Status PgChangeBuilder::RelaxNotNull(uint32_t oid, const PgMessage& message,
                                     const Position& position,
                                     const std::function<Status(const Change&)>& emit) {
  Table& table = tables_.at(oid);
  const std::vector<Column>& columns = table.schema->columns;
  std::vector<size_t> relaxed;
  auto scan = [&](const std::optional<PgTuple>& tuple) {
    if (!tuple) return;
    for (size_t index = 0; index < tuple->size() && index < columns.size(); ++index) {
      if ((*tuple)[index].kind == PgColumnValue::Kind::kNull && !columns[index].nullable &&
          std::find(relaxed.begin(), relaxed.end(), index) == relaxed.end()) {
        relaxed.push_back(index);
      }
    }
  };
  scan(message.new_tuple);
  if (message.old_kind == 'O') scan(message.old_tuple);
  if (relaxed.empty()) return Status::Ok();
  auto shape = std::make_shared<TableSchema>(*table.schema);
  std::vector<std::string> names;
  for (size_t index : relaxed) {
    shape->columns[index].nullable = true;
    names.push_back(shape->columns[index].name);
  }
  table.schema = shape;
  last_shapes_[table.id] = shape;
  Change change;
  change.table = table.id;
  change.op = ChangeOp::kSchema;
  change.position = position;
  change.schema = shape;
  change.after = Row{std::vector<Value>(shape->columns.size()),
                     std::vector<bool>(shape->columns.size(), false)};
  change.statement = fmt::format("NOT NULL dropped from {} on the source (a NULL arrived); {}",
                                 fmt::join(names, ", "), DescribeShape(*shape));
  return emit(change);
}

Status PgChangeBuilder::AnnounceNewTable(const TableId& table, const Position& position,
                                         const std::function<Status(const Change&)>& emit) {
  if (!announced_.insert(table).second) return Status::Ok();
  return emit(NewTableChange(table, position));
}

std::string WatermarkMessage(std::string_view phase, std::string_view id) {
  return fmt::format("{} {}", phase, id);
}

std::optional<Change> WatermarkMarker(std::string_view content, const Position& position) {
  static const std::shared_ptr<const TableSchema> schema = [] {
    auto watermarks = std::make_shared<TableSchema>();
    watermarks->id.name = std::string(kWatermarkTable);
    for (const char* name : {"id", "phase"}) {
      Column column;
      column.name = name;
      column.type.type = SqlType::kVarChar;
      watermarks->columns.push_back(column);
    }
    watermarks->key = {0};
    return watermarks;
  }();
  size_t space = content.find(' ');
  if (space == std::string_view::npos || space + 1 == content.size()) return std::nullopt;
  std::string_view phase = content.substr(0, space);
  if (phase != "low" && phase != "high") return std::nullopt;
  Change change;
  change.table = schema->id;
  change.op = ChangeOp::kInsert;
  change.position = position;
  change.schema = schema;
  change.after =
      Row{{Value::Str(std::string(content.substr(space + 1))), Value::Str(std::string(phase))}, {}};
  return change;
}

PgChangeBuilder::PgChangeBuilder(PgCatalog catalog, ValueParser parse,
                                 std::function<bool(const TableId&)> selected)
    : catalog_(std::move(catalog)), parse_(std::move(parse)), selected_(std::move(selected)) {}

Status PgChangeBuilder::Take(const PgMessage& message) {
  if (message.type == PgMessage::Type::kRelation) return OnRelation(message.relation);
  return Status::Ok();
}

Status PgChangeBuilder::OnRelation(const PgRelation& relation) {
  Table table;
  table.id = TableId{relation.schema.empty() ? "pg_catalog" : relation.schema, relation.name};
  table.selected = !selected_ || selected_(table.id);
  if (table.selected) {
    CUTOVER_ASSIGN_OR_RETURN(TableSchema catalog, catalog_.schema(table.id));
    // Types from the relation's own OIDs and typmods, each looked up once per Relation (an
    // enum's labels may have grown since the last one).
    std::map<std::pair<uint32_t, int32_t>, ColumnType> known;
    std::vector<ColumnType> types;
    for (const PgRelationColumn& column : relation.columns) {
      auto found = known.find({column.type_oid, column.type_modifier});
      if (found == known.end()) {
        Result<ColumnType> type = catalog_.type(column.type_oid, column.type_modifier);
        if (!type.ok()) {
          return type.status().WithContext(
              fmt::format("{} column {}", table.id.ToString(), column.name));
        }
        found = known.emplace(std::pair{column.type_oid, column.type_modifier}, *type).first;
      }
      types.push_back(found->second);
    }
    auto& last = last_shapes_[table.id];
    if (!last && catalog_.shape_before) {
      last = catalog_.shape_before(table.id);
      table.is_new = !last;
    }
    CUTOVER_ASSIGN_OR_RETURN(TableSchema shape,
                             RelationShape(relation, types, catalog, last.get()));
    if (last && last->columns != shape.columns) {
      table.shape_changed = true;
      CUTOVER_RETURN_IF_ERROR(DescribeChange(*last, shape, &table));
    }
    if (!last || last->columns != shape.columns || last->key != shape.key) {
      last = std::make_shared<const TableSchema>(std::move(shape));
    }
    table.schema = last;
  }
  tables_[relation.oid] = std::move(table);
  return Status::Ok();
}

Status PgChangeBuilder::DescribeChange(const TableSchema& last, const TableSchema& shape,
                                       Table* table) {
  table->statement = DescribeShape(shape);
  table->added_values.values.assign(shape.columns.size(), Value());
  table->added_values.present.assign(shape.columns.size(), false);
  for (size_t column_idx = 0; column_idx < shape.columns.size(); ++column_idx) {
    const Column& column = shape.columns[column_idx];
    if (last.ColumnIndex(column.name)) continue;
    CUTOVER_ASSIGN_OR_RETURN(ExistingRows existing, catalog_.existing(table->id, column.name));
    if (!existing.known) {
      table->statement += "; " + existing.why_unknown;
      continue;
    }
    if (existing.text) {
      Result<Value> value = parse_(column.type, *existing.text);
      if (!value.ok()) {
        return value.status().WithContext(fmt::format(
            "the value of {}.{} in the rows it was added to", table->id.ToString(), column.name));
      }
      table->added_values.values[column_idx] = *std::move(value);
    }
    table->added_values.present[column_idx] = true;
  }
  return Status::Ok();
}

Result<const PgChangeBuilder::Table*> PgChangeBuilder::TableOf(
    uint32_t oid, const Position& position, const std::function<Status(const Change&)>& emit) {
  auto it = tables_.find(oid);
  if (it == tables_.end()) {
    return Status::DataLoss(fmt::format(
        "pgoutput sent a change of relation OID {} before that relation's Relation message", oid));
  }
  Table& table = it->second;
  if (table.selected && table.is_new) {
    CUTOVER_RETURN_IF_ERROR(AnnounceNewTable(table.id, position, emit));
    table.is_new = false;
  }
  if (table.selected && table.shape_changed) {
    Change schema_change;
    schema_change.table = table.id;
    schema_change.op = ChangeOp::kSchema;
    schema_change.position = position;
    schema_change.schema = table.schema;
    schema_change.after = table.added_values;
    schema_change.statement = table.statement;
    CUTOVER_RETURN_IF_ERROR(emit(schema_change));
    table.shape_changed = false;
  }
  return &table;
}

Result<Row> PgChangeBuilder::ToRow(const TableSchema& schema, const PgTuple& tuple,
                                   bool key_only) const {
  if (tuple.size() != schema.columns.size()) {
    return Status::DataLoss(fmt::format("{}: a row of {} columns where the relation has {}",
                                        schema.id.ToString(), tuple.size(), schema.columns.size()));
  }
  Row row;
  row.values.resize(tuple.size());
  bool partial = key_only;
  if (key_only) row.present.assign(tuple.size(), false);
  for (size_t i = 0; i < tuple.size(); ++i) {
    const PgColumnValue& value = tuple[i];
    const Column& column = schema.columns[i];
    switch (value.kind) {
      case PgColumnValue::Kind::kNull: break;  // NULL (or, in a key-only tuple, not sent)
      case PgColumnValue::Kind::kUnchanged:
        if (!partial) {
          row.present.assign(tuple.size(), true);
          partial = true;
        }
        row.present[i] = false;
        break;
      case PgColumnValue::Kind::kText:
      case PgColumnValue::Kind::kBinary: {
        const bool binary = value.kind == PgColumnValue::Kind::kBinary;
        if (binary && !parse_binary_) {
          return Status::DataLoss(
              fmt::format("{}.{}: a binary-format value where the stream asked for text values",
                          schema.id.ToString(), column.name));
        }
        Result<Value> parsed = (binary ? parse_binary_ : parse_)(column.type, value.bytes);
        if (!parsed.ok()) {
          return parsed.status().WithContext(fmt::format("{}.{} ({})", schema.id.ToString(),
                                                         column.name, column.type.source_name));
        }
        row.values[i] = std::move(*parsed);
        break;
      }
    }
  }
  if (key_only) {
    for (size_t key : schema.key) row.present[key] = true;
  }
  return row;
}

namespace {

// An unchanged TOASTed value is the old row's value: where the old row came whole (REPLICA
// IDENTITY FULL sends it with its TOASTed values), the new row gets it and is whole too.
void CompleteFromOldRow(const Row& before, Row& after) {
  if (after.present.empty()) return;
  for (size_t i = 0; i < after.present.size(); ++i) {
    if (after.present[i]) continue;
    if (!before.present.empty() && !before.present[i]) return;  // the old row lacks it too
  }
  for (size_t i = 0; i < after.present.size(); ++i) {
    if (!after.present[i]) after.values[i] = before.values[i];
  }
  after.present.clear();
}

}  // namespace

Status PgChangeBuilder::Build(const PgTransaction& transaction, const Position& position,
                              const std::function<Status(const Change&)>& emit) {
  for (const PgMessage& message : transaction.messages) {
    switch (message.type) {
      case PgMessage::Type::kRelation:
        CUTOVER_RETURN_IF_ERROR(OnRelation(message.relation));
        continue;
      case PgMessage::Type::kTruncate:
        for (uint32_t oid : message.truncated) {
          CUTOVER_ASSIGN_OR_RETURN(const Table* table, TableOf(oid, position, emit));
          if (!table->selected) continue;
          Change truncate;
          truncate.table = table->id;
          truncate.op = ChangeOp::kTruncate;
          truncate.position = position;
          truncate.schema = table->schema;
          CUTOVER_RETURN_IF_ERROR(emit(truncate));
        }
        continue;
      case PgMessage::Type::kInsert:
      case PgMessage::Type::kUpdate:
      case PgMessage::Type::kDelete: break;
      case PgMessage::Type::kMessage:
        if (message.transactional && message.prefix == kFenceTable) {
          CUTOVER_RETURN_IF_ERROR(emit(FenceMarker(message.content, position)));
        }
        if (message.transactional && message.prefix == kNewTablePrefix) {
          std::optional<TableId> table = NewTableOf(message.content);
          if (table && (!selected_ || selected_(*table))) {
            CUTOVER_RETURN_IF_ERROR(AnnounceNewTable(*table, position, emit));
          }
        }
        if (message.transactional && message.prefix == kWatermarkTable) {
          std::optional<Change> watermark = WatermarkMarker(message.content, position);
          if (watermark) CUTOVER_RETURN_IF_ERROR(emit(*watermark));
        }
        continue;
      default: continue;  // Type, Origin: nothing for the tables
    }
    CUTOVER_ASSIGN_OR_RETURN(const Table* table, TableOf(message.relation.oid, position, emit));
    if (!table->selected) continue;
    CUTOVER_RETURN_IF_ERROR(RelaxNotNull(message.relation.oid, message, position, emit));
    const TableSchema& schema = *table->schema;
    Change& change = change_;
    change.table = table->id;
    change.schema = table->schema;
    change.position = position;
    change.before.reset();
    change.after.reset();
    if (message.type == PgMessage::Type::kInsert) {
      change.op = ChangeOp::kInsert;
      if (!message.new_tuple) return Status::DataLoss("pgoutput Insert without its new row");
      CUTOVER_ASSIGN_OR_RETURN(change.after, ToRow(schema, *message.new_tuple, false));
    } else if (message.type == PgMessage::Type::kDelete) {
      change.op = ChangeOp::kDelete;
      if (!message.old_tuple) return Status::DataLoss("pgoutput Delete without its old key");
      CUTOVER_ASSIGN_OR_RETURN(change.before,
                               ToRow(schema, *message.old_tuple, message.old_kind == 'K'));
    } else {
      change.op = ChangeOp::kUpdate;
      if (!message.new_tuple) return Status::DataLoss("pgoutput Update without its new row");
      CUTOVER_ASSIGN_OR_RETURN(change.after, ToRow(schema, *message.new_tuple, false));
      // No old tuple: the key did not change (and the identity is not FULL); no before image,
      // as Debezium has none either (docs/kafka.md).
      if (message.old_tuple) {
        CUTOVER_ASSIGN_OR_RETURN(change.before,
                                 ToRow(schema, *message.old_tuple, message.old_kind == 'K'));
        CompleteFromOldRow(*change.before, *change.after);
      }
    }
    CUTOVER_RETURN_IF_ERROR(emit(change));
  }
  return Status::Ok();
}

}  // namespace cutover::postgres
