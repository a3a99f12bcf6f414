// Sample rows: the ROWS.json file of `cutover mapping test` -> a TableSchema and typed Rows.
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cutover/mapping.h"

#include "core/parse_number.h"
#include "transform/mapping_rules.h"

namespace cutover {
namespace {

using OrderedJson = nlohmann::ordered_json;

Result<std::string> HexDecode(std::string_view text) {
  if (text.substr(0, 2) != "0x" || text.size() % 2 != 0) {
    return Status::InvalidArgument("binary values are written as 0x followed by hex digits");
  }
  std::string out;
  for (size_t pos = 2; pos < text.size(); pos += 2) {
    Result<uint32_t> byte = ParseInteger<uint32_t>(text.substr(pos, 2), "byte", 16);
    if (!byte.ok()) {
      return byte.status().WithContext("binary values are written as 0x followed by hex digits");
    }
    out.push_back(static_cast<char>(*byte));
  }
  return out;
}

Result<Value> ParseCell(const Column& column, const OrderedJson& cell) {
  if (cell.is_null()) return Value::Null();
  if (column.type.type == SqlType::kJson) {
    return Value::Json(cell.is_string() ? cell.get<std::string>() : cell.dump());
  }
  std::string text = cell.is_string()    ? cell.get<std::string>()
                     : cell.is_boolean() ? (cell.get<bool>() ? "1" : "0")
                                         : cell.dump();
  if (column.type.is_binary_string() || column.type.type == SqlType::kBit) {
    if (text.substr(0, 2) == "0x") {
      CUTOVER_ASSIGN_OR_RETURN(text, HexDecode(text));
    } else if (column.type.is_binary_string()) {
      return Status::InvalidArgument("binary values are written as 0x followed by hex digits");
    } else {
      CUTOVER_ASSIGN_OR_RETURN(uint64_t bits, ParseInteger<uint64_t>(text, "BIT value"));
      text.clear();
      for (int byte_idx = (column.type.length + 7) / 8 - 1; byte_idx >= 0; --byte_idx) {
        text.push_back(static_cast<char>((bits >> (8 * byte_idx)) & 0xff));
      }
    }
  }
  return ParseMysqlText(column.type, text);
}

Status ParseColumns(const OrderedJson& doc, const std::string& origin, TableSchema* schema) {
  if (!doc.contains("columns") || !doc["columns"].is_object() || doc["columns"].empty()) {
    return Status::InvalidArgument(origin + ": columns: must map column names to MySQL types");
  }
  for (const auto& [name, type_text] : doc["columns"].items()) {
    if (!type_text.is_string()) {
      return Status::InvalidArgument(origin + ": columns." + name + ": must be a type string");
    }
    std::string text = type_text.get<std::string>();
    Result<ColumnType> type = ParseMysqlColumnType(text, "", "");
    if (!type.ok()) {
      return Status::InvalidArgument(origin + ": columns." + name + ": " +
                                     std::string(type.status().message()));
    }
    if (type->is_character()) {
      type = ParseMysqlColumnType(text, "utf8mb4", "utf8mb4_general_ci");
    }
    schema->columns.push_back(Column{name, *type, true});
  }
  return Status::Ok();
}

Status ParseKey(const OrderedJson& doc, const std::string& origin, TableSchema* schema) {
  if (!doc.contains("key")) {
    schema->key = {0};
    return Status::Ok();
  }
  if (!doc["key"].is_array()) return Status::InvalidArgument(origin + ": key: must be a list");
  for (const OrderedJson& name : doc["key"]) {
    std::optional<size_t> column =
        name.is_string() ? schema->ColumnIndex(name.get<std::string>()) : std::nullopt;
    if (!column) {
      return Status::InvalidArgument(origin + ": key: " + name.dump() + " is not a column");
    }
    schema->key.push_back(*column);
  }
  return Status::Ok();
}

}  // namespace

Result<SampleRows> ParseSampleRows(std::string_view json, const std::string& origin) {
  OrderedJson doc = OrderedJson::parse(json, nullptr, false);
  if (doc.is_discarded()) {
    return Status::InvalidArgument(origin +
                                   ": not valid JSON; write one object {\"table\": ..., "
                                   "\"columns\": {...}, \"rows\": [...]} (docs/mapping.md)");
  }
  if (!doc.is_object()) {
    return Status::InvalidArgument(origin +
                                   ": not a JSON object; write one object {\"table\": ..., "
                                   "\"columns\": {...}, \"rows\": [...]} (docs/mapping.md)");
  }
  SampleRows sample;
  std::string table = doc.value("table", "");
  size_t dot = table.find('.');
  if (dot == std::string::npos) {
    return Status::InvalidArgument(origin + ": table: must be 'schema.table'");
  }
  sample.schema.id = TableId{table.substr(0, dot), table.substr(dot + 1)};
  CUTOVER_RETURN_IF_ERROR(ParseColumns(doc, origin, &sample.schema));
  CUTOVER_RETURN_IF_ERROR(ParseKey(doc, origin, &sample.schema));
  if (!doc.contains("rows") || !doc["rows"].is_array()) {
    return Status::InvalidArgument(origin + ": rows: must be a list of objects");
  }
  for (size_t row_idx = 0; row_idx < doc["rows"].size(); ++row_idx) {
    const OrderedJson& cells = doc["rows"][row_idx];
    std::string path = origin + ": rows[" + std::to_string(row_idx) + "]";
    if (!cells.is_object()) return Status::InvalidArgument(path + ": must be an object");
    for (const auto& [name, cell] : cells.items()) {
      if (!sample.schema.ColumnIndex(name)) {
        return Status::InvalidArgument(path + "." + name + ": not in columns");
      }
    }
    Row row;
    for (const Column& column : sample.schema.columns) {
      Result<Value> value = cells.contains(column.name) ? ParseCell(column, cells[column.name])
                                                        : Result<Value>(Value::Null());
      if (!value.ok()) {
        return Status::InvalidArgument(path + "." + column.name + ": " +
                                       std::string(value.status().message()));
      }
      row.values.push_back(std::move(value).value());
    }
    sample.rows.push_back(std::move(row));
  }
  return sample;
}

Result<SampleRows> LoadSampleRows(const std::filesystem::path& file) {
  CUTOVER_ASSIGN_OR_RETURN(std::string text,
                           transform::ReadWholeFile(file, "sample rows file", ""));
  return ParseSampleRows(text, file.string());
}

}  // namespace cutover
