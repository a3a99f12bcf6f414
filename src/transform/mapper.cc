// Mapper: applies a source table's rule to rows and changes, producing ItemOps.
#include <algorithm>
#include <cstdlib>

#include "transform/attribute_values.h"
#include "transform/lua_hook.h"
#include "transform/mapping_rules.h"

namespace cutover {
namespace transform {

std::optional<std::string> Template::SingleColumn() const {
  if (pieces.size() == 1 && pieces[0].is_column) return pieces[0].text;
  return std::nullopt;
}

std::optional<TypeRule> TypeRuleFromName(std::string_view name) {
  static const std::pair<std::string_view, TypeRule> kNames[] = {
      {"default", TypeRule::kDefault},
      {"string", TypeRule::kString},
      {"number", TypeRule::kNumber},
      {"bool", TypeRule::kBool},
      {"iso8601", TypeRule::kIso8601},
      {"epoch_seconds", TypeRule::kEpochSeconds},
      {"epoch_millis", TypeRule::kEpochMillis},
      {"json", TypeRule::kJson},
      {"json_string", TypeRule::kJsonString},
      {"binary", TypeRule::kBinary},
      {"string_set", TypeRule::kStringSet}};
  for (const auto& [text, rule] : kNames) {
    if (text == name) return rule;
  }
  return std::nullopt;
}

}  // namespace transform

namespace {

using transform::Json;
using transform::SourceRule;
using transform::Template;

// "shop.orders id=7" or "shop.lines order_id=7 line=2".
std::string DescribeRow(const TableSchema& schema, const Row& row) {
  std::string text = schema.id.ToString();
  for (size_t column_idx : schema.key) {
    text += " " + schema.columns[column_idx].name + "=" +
            DisplayValue(schema.columns[column_idx].type, row.values[column_idx]);
  }
  return text;
}

bool IsNumericColumn(const ColumnType& type) {
  ValueKind kind = type.value_kind();
  return kind == ValueKind::kInt || kind == ValueKind::kUInt || kind == ValueKind::kDecimal;
}

Result<Json> KeyValue(const TableSchema& schema, const Row& row, const Template& key,
                      const KeyAttribute& attribute) {
  if (auto single = key.SingleColumn(); single && attribute.type != "S") {
    size_t column_idx = *schema.ColumnIndex(*single);
    const Value& value = row.values[column_idx];
    if (value.is_null()) return Status::InvalidArgument("column '" + *single + "' is NULL");
    CUTOVER_ASSIGN_OR_RETURN(std::string text,
                             transform::TemplateText(schema.columns[column_idx].type, value));
    return Json{{attribute.type, text}};
  }
  std::string text;
  for (const Template::Piece& piece : key.pieces) {
    if (!piece.is_column) {
      text += piece.text;
      continue;
    }
    size_t column_idx = *schema.ColumnIndex(piece.text);
    Result<std::string> part =
        transform::TemplateText(schema.columns[column_idx].type, row.values[column_idx]);
    if (!part.ok()) {
      return Status::InvalidArgument("column '" + piece.text + "' " +
                                     std::string(part.status().message()) + " in template '" +
                                     key.source + "'");
    }
    text += *part;
  }
  if (text.empty()) return Status::InvalidArgument("template '" + key.source + "' is empty");
  return Json{{"S", text}};
}

Result<Json> ItemKey(const Mapping::Impl& impl, const SourceRule& rule, const TableSchema& schema,
                     const Row& row) {
  const DynamoTable& table =
      *std::find_if(impl.tables.begin(), impl.tables.end(),
                    [&](const DynamoTable& t) { return t.name == rule.table; });
  Json key = Json::object();
  CUTOVER_ASSIGN_OR_RETURN(key[table.partition_key.name],
                           KeyValue(schema, row, rule.pk, table.partition_key));
  if (rule.sk) {
    CUTOVER_ASSIGN_OR_RETURN(key[table.sort_key->name],
                             KeyValue(schema, row, *rule.sk, *table.sort_key));
  }
  return key;
}

bool Selected(const SourceRule& rule, const std::string& column) {
  if (!rule.include.empty() &&
      std::find(rule.include.begin(), rule.include.end(), column) == rule.include.end()) {
    return false;
  }
  return std::find(rule.exclude.begin(), rule.exclude.end(), column) == rule.exclude.end();
}

bool HasAbsent(const Row& row) {
  return std::find(row.present.begin(), row.present.end(), false) != row.present.end();
}

// How many of the columns `value` names `row` lacks: none (0), some (1) or all of them (2).
int AbsentColumns(const TableSchema& schema, const Row& row, const Template& value) {
  int present = 0;
  int absent = 0;
  for (const Template::Piece& piece : value.pieces) {
    if (!piece.is_column) continue;
    std::optional<size_t> column = schema.ColumnIndex(piece.text);
    (column && !row.IsPresent(*column) ? absent : present)++;
  }
  return absent == 0 ? 0 : present == 0 ? 2 : 1;
}

// What a PostgreSQL source leaves out of a row image: an old row's columns outside its replica
// identity, and the TOAST values an update left unchanged.
constexpr char kNotCarried[] =
    "(a PostgreSQL source sends an old row's key columns only, and no TOAST value an update "
    "left unchanged): set REPLICA IDENTITY FULL on the source table, so that its changes carry "
    "every old value";

Status AbsentInTemplate(const Template& value) {
  return Status::InvalidArgument("template '" + value.source +
                                 "' uses a column this row image does not carry " + kNotCarried);
}

// The attributes of `row` (without the key); names of NULL attributes go to *nulls.
Result<Json> Attributes(const SourceRule& rule, const TableSchema& schema, const Row& row,
                        std::vector<std::string>* nulls) {
  Json attributes = Json::object();
  for (size_t column_idx = 0; column_idx < schema.columns.size(); ++column_idx) {
    const Column& column = schema.columns[column_idx];
    if (!row.IsPresent(column_idx) || !Selected(rule, column.name)) continue;
    auto renamed = rule.rename.find(column.name);
    const std::string& name = renamed == rule.rename.end() ? column.name : renamed->second;
    auto typed = rule.types.find(column.name);
    transform::TypeRule type_rule =
        typed != rule.types.end() ? typed->second : transform::TypeRule::kDefault;
    if (type_rule == transform::TypeRule::kDefault) {
      ValueKind kind = row.values[column_idx].kind();
      if (kind == ValueKind::kDate || kind == ValueKind::kDateTime ||
          kind == ValueKind::kTimestamp) {
        type_rule = rule.temporal;
      }
    }
    Result<std::optional<Json>> value = transform::AttributeFromValue(
        column.type, row.values[column_idx], type_rule, rule.null_type);
    if (!value.ok()) {
      return Status::InvalidArgument("column '" + column.name +
                                     "': " + std::string(value.status().message()));
    }
    if (value->has_value()) {
      attributes[name] = **value;
    } else if (nulls != nullptr) {
      nulls->push_back(name);
    }
  }
  for (const auto& [name, value] : rule.computed) {
    // A partial row: a computed attribute over absent columns only is unchanged.
    int absent = AbsentColumns(schema, row, value);
    if (absent == 2) continue;
    if (absent == 1) return AbsentInTemplate(value);
    CUTOVER_ASSIGN_OR_RETURN(Json attribute, KeyValue(schema, row, value, KeyAttribute{name, "S"}));
    attributes[name] = attribute;
  }
  return attributes;
}

Result<std::vector<ItemOp>> LuaOps(const SourceRule& rule, const DynamoTable& table,
                                   const TableSchema& schema, const Row& row) {
  CUTOVER_ASSIGN_OR_RETURN(std::vector<Json> items, rule.lua->Call(schema, row));
  std::vector<ItemOp> ops;
  for (Json& item : items) {
    ItemOp op;
    op.table = rule.table;
    op.key = Json::object();
    for (const KeyAttribute* key :
         {&table.partition_key, table.sort_key ? &*table.sort_key : nullptr}) {
      if (key == nullptr) continue;
      if (!item.contains(key->name) || !item[key->name].contains(key->type)) {
        return Status::InvalidArgument("Lua transform returned an item without key attribute '" +
                                       key->name + "' of type " + key->type);
      }
      op.key[key->name] = item[key->name];
    }
    op.item = std::move(item);
    ops.push_back(std::move(op));
  }
  return ops;
}

const DynamoTable& TableOf(const Mapping::Impl& impl, const SourceRule& rule) {
  return *std::find_if(impl.tables.begin(), impl.tables.end(),
                       [&](const DynamoTable& t) { return t.name == rule.table; });
}

Result<std::vector<ItemOp>> RowOps(const Mapping::Impl& impl, const SourceRule& rule,
                                   const TableSchema& schema, const Row& row) {
  const bool partial = HasAbsent(row);
  if (partial && rule.lua) {
    return Status::InvalidArgument(
        std::string("a Lua hook maps whole rows, and this row image does not carry every column ") +
        kNotCarried);
  }
  if (rule.lua) return LuaOps(rule, TableOf(impl, rule), schema, row);
  for (const Template* key : {&rule.pk, rule.sk ? &*rule.sk : nullptr}) {
    if (key != nullptr && AbsentColumns(schema, row, *key) != 0) return AbsentInTemplate(*key);
  }
  ItemOp op;
  op.table = rule.table;
  CUTOVER_ASSIGN_OR_RETURN(op.key, ItemKey(impl, rule, schema, row));
  std::vector<std::string> nulls;
  CUTOVER_ASSIGN_OR_RETURN(Json attributes, Attributes(rule, schema, row, &nulls));
  for (const auto& [name, value] : op.key.items()) attributes.erase(name);
  if (rule.shared || partial) {
    // A partial row sets what it has, on an item that is there (ItemOp::if_exists).
    op.kind = ItemOp::Kind::kUpdate;
    op.item = std::move(attributes);
    op.remove = std::move(nulls);
    op.if_exists = partial;
    op.shared = rule.shared;
  } else {
    op.item = op.key;
    op.item.update(attributes);
  }
  return std::vector<ItemOp>{std::move(op)};
}

// The attributes a row of `schema` writes under `rule` (a Lua hook's aside): its selected
// columns, renamed, and the computed ones.
std::vector<std::string> RuleAttributes(const SourceRule& rule, const TableSchema& schema) {
  std::vector<std::string> names;
  for (const Column& column : schema.columns) {
    if (!Selected(rule, column.name)) continue;
    auto renamed = rule.rename.find(column.name);
    names.push_back(renamed == rule.rename.end() ? column.name : renamed->second);
  }
  for (const auto& [name, value] : rule.computed) names.push_back(name);
  return names;
}

// The ops that remove what `row` contributed at `key`.
ItemOp RemovalOp(const Mapping::Impl& impl, const SourceRule& rule, const TableSchema& schema,
                 Json key) {
  ItemOp op;
  op.table = rule.table;
  op.key = std::move(key);
  if (!rule.shared) {
    op.kind = ItemOp::Kind::kDelete;
    return op;
  }
  op.kind = ItemOp::Kind::kUpdate;
  op.item = Json::object();
  op.remove = RuleAttributes(rule, schema);
  op.delete_if_empty = true;
  op.shared_attributes = impl.shared_attributes.at(rule.table);
  return op;
}

}  // namespace

std::string_view ItemOpKindName(ItemOp::Kind kind) {
  switch (kind) {
    case ItemOp::Kind::kPut: return "put";
    case ItemOp::Kind::kDelete: return "delete";
    case ItemOp::Kind::kUpdate: return "update";
  }
  return "?";
}

const std::vector<DynamoTable>& Mapping::tables() const { return impl_->tables; }

const DynamoTable* Mapping::FindTable(std::string_view name) const {
  for (const DynamoTable& table : impl_->tables) {
    if (table.name == name) return &table;
  }
  return nullptr;
}

bool Mapping::Maps(const TableId& source) const {
  return impl_->sources.count(source.ToString()) > 0;
}

Result<std::string> Mapping::TargetOf(const TableId& source) const {
  auto rule = impl_->sources.find(source.ToString());
  if (rule == impl_->sources.end()) {
    return Status::NotFound(impl_->origin + ": no rule under sources: for table " +
                            source.ToString());
  }
  return rule->second.table;
}

bool Mapping::HasHook(const TableId& source) const {
  auto rule = impl_->sources.find(source.ToString());
  return rule != impl_->sources.end() && rule->second.lua != nullptr;
}

bool Mapping::Carries(const TableId& source, const std::string& column) const {
  auto found = impl_->sources.find(source.ToString());
  if (found == impl_->sources.end()) return false;
  return found->second.lua != nullptr || Selected(found->second, column);
}

Status Mapping::Check(const TableSchema& schema) const {
  auto found = impl_->sources.find(schema.id.ToString());
  if (found == impl_->sources.end()) {
    return Status::InvalidArgument(impl_->origin + ": sources: no rule for table " +
                                   schema.id.ToString());
  }
  const SourceRule& rule = found->second;
  const DynamoTable& table = TableOf(*impl_, rule);
  std::string path = impl_->origin + ": sources." + rule.source;
  auto check_template = [&](const Template& value, const std::string& field,
                            const KeyAttribute* key) -> Status {
    for (const Template::Piece& piece : value.pieces) {
      if (piece.is_column && !schema.ColumnIndex(piece.text)) {
        return Status::InvalidArgument(path + "." + field + ": unknown column '" + piece.text +
                                       "' in template '" + value.source + "'");
      }
    }
    if (key == nullptr || key->type == "S") return Status::Ok();
    auto single = value.SingleColumn();
    bool fits = single && (key->type == "N"
                               ? IsNumericColumn(schema.columns[*schema.ColumnIndex(*single)].type)
                               : schema.columns[*schema.ColumnIndex(*single)].type.value_kind() ==
                                     ValueKind::kBytes);
    if (fits) return Status::Ok();
    return Status::InvalidArgument(path + "." + field + ": key attribute '" + key->name +
                                   "' has type " + key->type + ", so the template must be one " +
                                   (key->type == "N" ? "numeric" : "binary") +
                                   " column like '{id}', not '" + value.source + "'");
  };
  if (rule.lua) return Status::Ok();
  CUTOVER_RETURN_IF_ERROR(check_template(rule.pk, "pk", &table.partition_key));
  if (rule.sk) CUTOVER_RETURN_IF_ERROR(check_template(*rule.sk, "sk", &*table.sort_key));
  for (const auto& [name, value] : rule.computed) {
    CUTOVER_RETURN_IF_ERROR(check_template(value, "computed." + name, nullptr));
  }
  for (const auto& [field, columns] :
       {std::pair{"include", &rule.include}, std::pair{"exclude", &rule.exclude}}) {
    for (const std::string& column : *columns) {
      if (!schema.ColumnIndex(column)) {
        return Status::InvalidArgument(path + "." + field + ": unknown column '" + column + "'");
      }
    }
  }
  for (const auto& [column, type] : rule.types) {
    if (!schema.ColumnIndex(column)) {
      return Status::InvalidArgument(path + ".types." + column + ": unknown column '" + column +
                                     "'");
    }
  }
  return Status::Ok();
}

Result<std::vector<ItemOp>> Mapping::MapRow(const TableSchema& schema, const Row& row) const {
  CUTOVER_RETURN_IF_ERROR(Check(schema));
  const SourceRule& rule = impl_->sources.at(schema.id.ToString());
  Result<std::vector<ItemOp>> ops = RowOps(*impl_, rule, schema, row);
  std::string source = DescribeRow(schema, row);
  if (!ops.ok()) return ops.status().WithContext(source);
  for (ItemOp& op : *ops) op.source = source;
  return ops;
}

Result<Json> Mapping::ItemKeyOf(const TableSchema& schema, const Row& row) const {
  CUTOVER_RETURN_IF_ERROR(Check(schema));
  const SourceRule& rule = impl_->sources.at(schema.id.ToString());
  if (rule.lua) {
    return Status::FailedPrecondition(schema.id.ToString() +
                                      ": a Lua hook decides the keys of the items it writes");
  }
  for (const Template* template_key : {&rule.pk, rule.sk ? &*rule.sk : nullptr}) {
    if (template_key != nullptr && AbsentColumns(schema, row, *template_key) != 0) {
      return AbsentInTemplate(*template_key).WithContext(DescribeRow(schema, row));
    }
  }
  Result<Json> key = ItemKey(*impl_, rule, schema, row);
  if (!key.ok()) return key.status().WithContext(DescribeRow(schema, row));
  return key;
}

Result<std::vector<ItemOp>> Mapping::MapChange(const Change& change) const {
  if (change.schema == nullptr) return Status::Internal("change without schema");
  const TableSchema& schema = *change.schema;
  if (change.op == ChangeOp::kInsert) return MapRow(schema, *change.after);
  CUTOVER_RETURN_IF_ERROR(Check(schema));
  const SourceRule& rule = impl_->sources.at(schema.id.ToString());
  std::vector<ItemOp> ops;
  if (change.before) {
    // The items the old row produced; those the new row does not produce again are removed.
    CUTOVER_ASSIGN_OR_RETURN(std::vector<ItemOp> old_ops, MapRow(schema, *change.before));
    std::vector<ItemOp> new_ops;
    if (change.op == ChangeOp::kUpdate) {
      CUTOVER_ASSIGN_OR_RETURN(new_ops, MapRow(schema, *change.after));
    }
    std::vector<ItemOp> removals;
    for (ItemOp& old_op : old_ops) {
      bool kept = std::any_of(new_ops.begin(), new_ops.end(), [&](const ItemOp& op) {
        return op.table == old_op.table && op.key == old_op.key;
      });
      if (kept) continue;
      ItemOp removal = RemovalOp(*impl_, rule, schema, old_op.key);
      removal.source = old_op.source;
      removals.push_back(std::move(removal));
    }
    if (new_ops.size() == 1 && removals.size() == 1 && new_ops[0].if_exists) {
      // A partial row moved to another item: its absent values are the old item's, copied
      // over before that one's removal (the only way to keep them).
      new_ops[0].copy_from = removals[0].key;
      for (std::string& name : RuleAttributes(rule, schema)) {
        if (!new_ops[0].key.contains(name)) new_ops[0].copied.push_back(std::move(name));
      }
      ops.push_back(std::move(new_ops[0]));
      ops.push_back(std::move(removals[0]));
      return ops;
    }
    for (ItemOp& removal : removals) ops.push_back(std::move(removal));
    for (ItemOp& op : new_ops) ops.push_back(std::move(op));
    return ops;
  }
  if (change.op == ChangeOp::kUpdate) return MapRow(schema, *change.after);
  return Status::InvalidArgument(schema.id.ToString() + ": delete without a before image");
}

nlohmann::json ItemOpToJson(const ItemOp& op) {
  Json out = {{"op", ItemOpKindName(op.kind)}, {"table", op.table}};
  if (op.kind == ItemOp::Kind::kPut) {
    out["item"] = op.item;
  } else {
    out["key"] = op.key;
  }
  if (op.kind == ItemOp::Kind::kUpdate) {
    out["set"] = op.item;
    if (!op.remove.empty()) out["remove"] = op.remove;
    if (op.delete_if_empty) out["delete_if_empty"] = true;
    if (op.if_exists) out["if_exists"] = true;
    if (op.copy_from) out["copy_from"] = *op.copy_from;
  }
  return out;
}

}  // namespace cutover

namespace cutover {

std::string CanonicalNumber(std::string_view text) {
  // A number DynamoDB holds (1E-130 to 9.99E+125, 38 digits) never needs a larger exponent;
  // writing out a larger one would only build a huge string.
  constexpr int kMaxCanonicalExponent = 1000;
  const std::string_view original = text;
  bool negative = !text.empty() && text[0] == '-';
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) text.remove_prefix(1);
  size_t exponent_at = text.find_first_of("eE");
  int64_t exponent = 0;
  if (exponent_at != std::string_view::npos) {
    Result<int> parsed = transform::ParseExponent(text.substr(exponent_at + 1));
    if (!parsed.ok() || std::abs(*parsed) > kMaxCanonicalExponent) return std::string(original);
    exponent = *parsed;
    text = text.substr(0, exponent_at);
  }
  size_t point = text.find('.');
  std::string digits(text.substr(0, point));
  if (point != std::string_view::npos) digits += text.substr(point + 1);
  // The decimal point sits after `integer_digits` digits of `digits`.
  int64_t integer_digits =
      static_cast<int64_t>(point == std::string_view::npos ? text.size() : point) + exponent;
  if (integer_digits < 0) {
    digits.insert(0, static_cast<size_t>(-integer_digits), '0');
    integer_digits = 0;
  }
  if (integer_digits > static_cast<int64_t>(digits.size()))
    digits.append(integer_digits - digits.size(), '0');
  std::string integer = digits.substr(0, integer_digits);
  std::string fraction = digits.substr(integer_digits);
  integer.erase(0, std::min(integer.find_first_not_of('0'), integer.size()));
  fraction.erase(fraction.find_last_not_of('0') + 1);
  if (integer.empty()) integer = "0";
  std::string out = integer + (fraction.empty() ? "" : "." + fraction);
  return negative && out != "0" ? "-" + out : out;
}

nlohmann::json CanonicalItem(const nlohmann::json& item) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, value] : item.items()) {
    auto [type, payload] = *value.items().begin();
    nlohmann::json canonical = payload;
    if (type == "N") canonical = CanonicalNumber(payload.get<std::string>());
    if (type == "NS") {
      for (auto& number : canonical) number = CanonicalNumber(number.get<std::string>());
    }
    if (type == "SS" || type == "NS" || type == "BS") {
      std::sort(canonical.begin(), canonical.end());
    }
    if (type == "M") canonical = CanonicalItem(payload);
    if (type == "L") {
      for (auto& element : canonical) {
        element = CanonicalItem(nlohmann::json{{"x", element}})["x"];
      }
    }
    out[name] = nlohmann::json{{type, canonical}};
  }
  return out;
}

}  // namespace cutover
