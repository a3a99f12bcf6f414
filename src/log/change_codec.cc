// ChangeCodec: Change <-> log record bytes.
#include "log/change_codec.h"

#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

namespace cutover::log {
namespace {

constexpr char kSchemaRecord = 'S';
constexpr char kChangeRecord = 'C';
constexpr char kCommitRecord = 'T';

void PutU32(uint32_t v, std::string* out) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

bool GetU32(std::string_view* in, uint32_t* v) {
  if (in->size() < 4) return false;
  *v = 0;
  for (int i = 0; i < 4; ++i)
    *v |= static_cast<uint32_t>(static_cast<uint8_t>((*in)[i])) << (8 * i);
  in->remove_prefix(4);
  return true;
}

Status Malformed(std::string_view what) {
  return Status::DataLoss("change log record malformed: " + std::string(what));
}

void PutRow(const Row& row, std::string* out) {
  PutU32(static_cast<uint32_t>(row.values.size()), out);
  out->push_back(row.present.empty() ? 0 : 1);
  if (!row.present.empty()) {
    std::string bits((row.values.size() + 7) / 8, '\0');
    for (size_t i = 0; i < row.present.size(); ++i) {
      if (row.present[i]) bits[i / 8] = static_cast<char>(bits[i / 8] | (1 << (i % 8)));
    }
    out->append(bits);
  }
  for (const Value& value : row.values) value.EncodeTo(out);
}

Status GetRow(std::string_view* in, Row* row) {
  uint32_t stored_count = 0;
  if (!GetU32(in, &stored_count) || in->empty()) return Malformed("row header");
  const bool has_present = (*in)[0] != 0;
  in->remove_prefix(1);
  // Every value takes at least its kind byte: a larger count is corrupt, and is refused before
  // it sizes the bitmap or the values.
  const size_t count = stored_count;
  if (count > in->size()) {
    return Malformed("row of " + std::to_string(count) + " values but only " +
                     std::to_string(in->size()) + " bytes left");
  }
  row->present.clear();
  if (has_present) {
    const size_t bytes = (count + 7) / 8;
    if (in->size() < bytes) return Malformed("present bitmap");
    row->present.resize(count);
    for (size_t i = 0; i < count; ++i) {
      row->present[i] = ((static_cast<uint8_t>((*in)[i / 8]) >> (i % 8)) & 1) != 0;
    }
    in->remove_prefix(bytes);
  }
  row->values.clear();
  row->values.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    Result<Value> value = Value::DecodeFrom(in);
    if (!value.ok()) return value.status();
    row->values.push_back(std::move(*value));
  }
  return Status::Ok();
}

// The part of a change record after its type byte and shape id.
Status DecodeChangeBody(std::string_view record, std::shared_ptr<const TableSchema> shape,
                        Change* change) {
  if (record.empty()) return Malformed("op");
  const auto op = static_cast<uint8_t>(record[0]);
  if (op > static_cast<uint8_t>(ChangeOp::kDdl)) return Malformed("op");
  record.remove_prefix(1);
  uint32_t position_size = 0;
  if (!GetU32(&record, &position_size) || record.size() < position_size)
    return Malformed("position");
  Result<Position> position = Position::Decode(record.substr(0, position_size));
  if (!position.ok()) return Malformed("position: " + std::string(position.status().message()));
  record.remove_prefix(position_size);
  if (record.empty()) return Malformed("images");
  const auto images = static_cast<uint8_t>(record[0]);
  record.remove_prefix(1);
  change->table = shape->id;
  change->schema = std::move(shape);
  change->op = static_cast<ChangeOp>(op);
  change->position = std::move(*position);
  change->before.reset();
  change->after.reset();
  if ((images & 1) != 0) CUTOVER_RETURN_IF_ERROR(GetRow(&record, &change->before.emplace()));
  if ((images & 2) != 0) CUTOVER_RETURN_IF_ERROR(GetRow(&record, &change->after.emplace()));
  change->statement.clear();
  if (IsTableChange(change->op) && !record.empty()) {
    // A table change's statement follows its images (absent in logs written before cutover
    // recorded statements: read as empty).
    uint32_t size = 0;
    if (!GetU32(&record, &size) || record.size() < size) return Malformed("statement");
    change->statement.assign(record.substr(0, size));
    record.remove_prefix(size);
  }
  if (!record.empty()) return Malformed("trailing bytes");
  return Status::Ok();
}

// Thrown by WholeNumber inside SchemaFromJson, which returns it as DataLoss.
struct NotAWholeNumber {
  std::string field;
};

// `value` (the schema field `field`) as a T: a non-negative integer within T's range. A float or
// a larger number would be undefined behaviour to convert.
template <typename T>
T WholeNumber(const nlohmann::json& value, std::string_view field) {
  if (value.is_number_unsigned() && value.get<uint64_t>() <= std::numeric_limits<T>::max()) {
    return static_cast<T>(value.get<uint64_t>());
  }
  throw NotAWholeNumber{std::string(field)};
}

}  // namespace

std::string SchemaToJson(const TableSchema& schema) {
  nlohmann::json columns = nlohmann::json::array();
  for (const Column& column : schema.columns) {
    const ColumnType& t = column.type;
    columns.push_back({{"name", column.name},
                       {"nullable", column.nullable},
                       {"type", static_cast<int>(t.type)},
                       {"unsigned", t.is_unsigned},
                       {"length", t.length},
                       {"precision", t.precision},
                       {"scale", t.scale},
                       {"fsp", t.fsp},
                       {"charset", static_cast<int>(t.charset)},
                       {"collation", t.collation},
                       {"elements", t.elements},
                       {"source_name", t.source_name},
                       {"jsonb", t.is_jsonb},
                       {"postgres", t.postgres}});
  }
  nlohmann::json indexes = nlohmann::json::array();
  for (const Index& index : schema.indexes) {
    indexes.push_back({{"name", index.name},
                       {"columns", index.columns},
                       {"unique", index.unique},
                       {"primary", index.primary},
                       {"definition", index.definition}});
  }
  nlohmann::json doc = {
      {"schema", schema.id.schema}, {"table", schema.id.name},       {"columns", columns},
      {"key", schema.key},          {"key_index", schema.key_index}, {"indexes", indexes},
      {"charset", schema.charset}};
  // Binary-safe: names and labels may hold any bytes.
  return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::strict);
}

Result<TableSchema> SchemaFromJson(std::string_view json) {
  try {
    nlohmann::json doc = nlohmann::json::parse(json);
    TableSchema schema;
    schema.id = TableId{doc.at("schema").get<std::string>(), doc.at("table").get<std::string>()};
    for (const nlohmann::json& c : doc.at("columns")) {
      Column column;
      column.name = c.at("name").get<std::string>();
      column.nullable = c.at("nullable").get<bool>();
      ColumnType& t = column.type;
      t.type = static_cast<SqlType>(WholeNumber<uint8_t>(c.at("type"), "type"));
      t.is_unsigned = c.at("unsigned").get<bool>();
      t.length = WholeNumber<uint32_t>(c.at("length"), "length");
      t.precision = WholeNumber<uint32_t>(c.at("precision"), "precision");
      t.scale = WholeNumber<uint32_t>(c.at("scale"), "scale");
      t.fsp = WholeNumber<uint8_t>(c.at("fsp"), "fsp");
      t.charset = static_cast<Charset>(WholeNumber<uint8_t>(c.at("charset"), "charset"));
      t.collation = c.at("collation").get<std::string>();
      t.elements = c.at("elements").get<std::vector<std::string>>();
      t.source_name = c.at("source_name").get<std::string>();
      t.is_jsonb = c.at("jsonb").get<bool>();
      t.postgres = c.value("postgres", false);  // absent in records written before it existed
      schema.columns.push_back(std::move(column));
    }
    const nlohmann::json& key = doc.at("key");
    if (!key.is_array()) return Malformed("schema: key: expected an array of column indexes");
    for (const nlohmann::json& k : key) schema.key.push_back(WholeNumber<size_t>(k, "key"));
    for (size_t k : schema.key) {
      if (k >= schema.columns.size()) return Malformed("schema key beyond its columns");
    }
    schema.key_index = doc.at("key_index").get<std::string>();
    for (const nlohmann::json& i : doc.at("indexes")) {
      schema.indexes.push_back(Index{i.at("name").get<std::string>(),
                                     i.at("columns").get<std::vector<std::string>>(),
                                     i.at("unique").get<bool>(), i.at("primary").get<bool>(),
                                     i.at("definition").get<std::string>()});
    }
    schema.charset = doc.at("charset").get<std::string>();
    return schema;
  } catch (const nlohmann::json::exception& e) {
    return Malformed(std::string("schema: ") + e.what());
  } catch (const NotAWholeNumber& e) {
    return Malformed("schema: " + e.field + ": expected a whole number in range");
  }
}

Result<int> ChangeEncoder::Encode(const Change& change, std::vector<std::string>* out) {
  if (!change.schema) {
    return Status::InvalidArgument("change of " + change.table.ToString() + " has no schema");
  }
  int records = 0;
  auto found = ids_.find(change.schema.get());
  if (found == ids_.end()) {
    const auto id = static_cast<uint32_t>(ids_.size() + 1);
    found = ids_.emplace(change.schema.get(), id).first;
    kept_.push_back(change.schema);
    std::string record(1, kSchemaRecord);
    PutU32(id, &record);
    record += SchemaToJson(*change.schema);
    out->push_back(std::move(record));
    ++records;
  }
  std::string record = EncodeChangeRecord(change, found->second);
  out->push_back(std::move(record));
  return records + 1;
}

void ChangeEncoder::Reset() {
  ids_.clear();
  kept_.clear();
}

std::string CommitRecord() { return std::string(1, kCommitRecord); }

std::string EncodeChangeRecord(const Change& change, uint32_t shape_id) {
  std::string record(1, kChangeRecord);
  PutU32(shape_id, &record);
  record.push_back(static_cast<char>(change.op));
  std::string position = change.position.Encode();
  PutU32(static_cast<uint32_t>(position.size()), &record);
  record += position;
  record.push_back(static_cast<char>((change.before ? 1 : 0) | (change.after ? 2 : 0)));
  if (change.before) PutRow(*change.before, &record);
  if (change.after) PutRow(*change.after, &record);
  if (IsTableChange(change.op)) {
    PutU32(static_cast<uint32_t>(change.statement.size()), &record);
    record += change.statement;
  }
  return record;
}

Result<uint32_t> ChangeRecordShape(std::string_view record) {
  if (record.empty() || record[0] != kChangeRecord) return Malformed("not a change record");
  record.remove_prefix(1);
  uint32_t id = 0;
  if (!GetU32(&record, &id)) return Malformed("shape id");
  return id;
}

Result<Position> ChangeRecordPosition(std::string_view record) {
  CUTOVER_RETURN_IF_ERROR(ChangeRecordShape(record).status());
  if (record.size() < 6) return Malformed("op");
  record.remove_prefix(6);  // type, shape id, op
  uint32_t position_size = 0;
  if (!GetU32(&record, &position_size) || record.size() < position_size) {
    return Malformed("position");
  }
  return Position::Decode(record.substr(0, position_size));
}

Status DecodeChangeRecord(std::string_view record, std::shared_ptr<const TableSchema> shape,
                          Change* change) {
  CUTOVER_RETURN_IF_ERROR(ChangeRecordShape(record).status());
  record.remove_prefix(5);
  return DecodeChangeBody(record, std::move(shape), change);
}

bool IsShapeRecord(std::string_view record) {
  return !record.empty() && record[0] == kSchemaRecord;
}

bool IsCommitRecord(std::string_view record) {
  return !record.empty() && record[0] == kCommitRecord;
}

Result<RecordKind> ChangeDecoder::Decode(std::string_view record, Change* change) {
  if (record.empty()) return Malformed("empty");
  const char type = record[0];
  record.remove_prefix(1);
  if (type == kCommitRecord) {
    if (!record.empty()) return Malformed("trailing bytes");
    return RecordKind::kCommit;
  }
  uint32_t id = 0;
  if (!GetU32(&record, &id)) return Malformed("shape id");
  if (type == kSchemaRecord) {
    Result<TableSchema> schema = SchemaFromJson(record);
    if (!schema.ok()) return schema.status();
    shapes_[id] = std::make_shared<const TableSchema>(std::move(*schema));
    return RecordKind::kShape;
  }
  if (type != kChangeRecord) return Malformed("unknown record type");
  auto shape = shapes_.find(id);
  if (shape == shapes_.end())
    return Malformed("change refers to unknown shape " + std::to_string(id));
  CUTOVER_RETURN_IF_ERROR(DecodeChangeBody(record, shape->second, change));
  return RecordKind::kChange;
}

void ChangeDecoder::Reset() { shapes_.clear(); }

}  // namespace cutover::log
