// TableDdl: the per-table schema change record and its JSON.
#include "state/table_ddl.h"

#include "core/parse_number.h"
#include "state/json_fields.h"

namespace cutover::state {

nlohmann::json TableDdl::ToJson() const {
  nlohmann::json json = {{"table", table}, {"held", held}};
  if (held) {
    json["reason"] = reason;
    if (!statement.empty()) json["statement"] = statement;
    json["position"] = position.Encode();
    json["held_at_ms"] = held_at_ms;
    nlohmann::json parts = nlohmann::json::object();
    for (const auto& [partition, offset] : offsets) parts[std::to_string(partition)] = offset;
    json["offsets"] = parts;
    if (!resume.empty()) json["resume"] = resume;
    if (is_new) json["new"] = true;
    if (recopy_ready) {
      json["recopy_ready"] = true;
      json["resumed_at"] = resumed_at.Encode();
    }
  }
  if (!not_carried.empty()) json["not_carried"] = not_carried;
  return json;
}

Result<TableDdl> TableDdl::FromJson(std::string_view key, std::string_view text) {
  CUTOVER_ASSIGN_OR_RETURN(JsonFields fields, JsonFields::Parse(key, text));
  TableDdl record;
  fields.Read("table", &record.table);
  fields.Read("held", &record.held);
  fields.Read("reason", &record.reason);
  fields.Read("statement", &record.statement);
  fields.Read("held_at_ms", &record.held_at_ms);
  fields.Read("resume", &record.resume);
  fields.Read("recopy_ready", &record.recopy_ready);
  fields.Read("new", &record.is_new);
  std::string position;
  std::string resumed_at;
  fields.Read("position", &position);
  fields.Read("resumed_at", &resumed_at);
  Status partitions;
  fields.ReadObject("offsets", [&](JsonFields& parts) {
    for (const std::string& name : parts.Names()) {
      uint64_t offset = 0;
      parts.Read(name, &offset);
      Result<int> partition = ParseInteger<int>(name, "offsets: partition");
      if (!partition.ok()) {
        partitions = Status::DataLoss("state meta \"" + std::string(key) +
                                      "\": " + std::string(partition.status().message()));
        continue;
      }
      record.offsets[*partition] = offset;
    }
  });
  fields.ReadObject("not_carried", [&](JsonFields& columns) {
    for (const std::string& name : columns.Names()) {
      columns.Read(name, &record.not_carried[name]);
    }
  });
  CUTOVER_RETURN_IF_ERROR(fields.status());
  CUTOVER_RETURN_IF_ERROR(partitions);
  for (auto [text_position, out] :
       {std::pair{&position, &record.position}, std::pair{&resumed_at, &record.resumed_at}}) {
    if (text_position->empty()) continue;
    Result<Position> decoded = Position::Decode(*text_position);
    if (!decoded.ok()) {
      return Status::DataLoss("state meta \"" + std::string(key) +
                              "\": position: " + std::string(decoded.status().message()));
    }
    *out = *std::move(decoded);
  }
  return record;
}

std::string TableDdlKey(std::string_view table) { return kTableDdlPrefix + std::string(table); }

Result<std::vector<TableDdl>> LoadTableDdl(StateStore& state) {
  CUTOVER_ASSIGN_OR_RETURN(auto entries, state.ListMeta(kTableDdlPrefix));
  std::vector<TableDdl> records;
  for (const auto& [key, text] : entries) {
    CUTOVER_ASSIGN_OR_RETURN(TableDdl record, TableDdl::FromJson(key, text));
    records.push_back(std::move(record));
  }
  return records;
}

Result<std::optional<TableDdl>> LoadTableDdl(StateStore& state, std::string_view table) {
  const std::string key = TableDdlKey(table);
  CUTOVER_ASSIGN_OR_RETURN(std::optional<std::string> text, state.GetMeta(key));
  if (!text) return std::optional<TableDdl>();
  CUTOVER_ASSIGN_OR_RETURN(TableDdl record, TableDdl::FromJson(key, *text));
  return std::optional<TableDdl>(std::move(record));
}

Status SaveTableDdl(StateStore& state, const TableDdl& record) {
  const std::string key = TableDdlKey(record.table);
  if (!record.held && record.not_carried.empty()) return state.DeleteMeta(key);
  return state.SetMeta(key, record.ToJson().dump());
}

}  // namespace cutover::state
