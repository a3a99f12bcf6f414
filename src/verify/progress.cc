// VerifyProgress: (de)serialisation of a verify's resumable state.
#include "verify/progress.h"

#include "core/coding.h"

namespace cutover::verify {
namespace {

Result<std::string> Unhex(std::string_view hex) {
  std::optional<std::string> bytes = coding::HexDecode(hex);
  if (!bytes) return Status::DataLoss("verify progress: a key is not valid hex");
  return *bytes;
}

Result<nlohmann::json> ParseJson(std::string_view text) {
  nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    return Status::DataLoss("verify progress in the state store is not a JSON object");
  }
  return json;
}

}  // namespace

std::string TableMetaKey(const TableId& table) { return "verify.table/" + table.ToString(); }

std::string RunSettings::ToJson() const {
  return nlohmann::json{
      {"finished", finished}, {"tables", tables}, {"chunk_rows", chunk_rows}, {"keyed", keyed}}
      .dump();
}

Result<RunSettings> RunSettings::FromJson(std::string_view text) {
  CUTOVER_ASSIGN_OR_RETURN(nlohmann::json json, ParseJson(text));
  RunSettings settings;
  settings.finished = json.value("finished", false);
  settings.tables = json.value("tables", "");
  settings.chunk_rows = json.value("chunk_rows", int64_t{0});
  settings.keyed = json.value("keyed", std::vector<std::string>{});
  return settings;
}

std::string TableVerifyState::ToJson() const {
  nlohmann::json listed_json = nlohmann::json::array();
  for (const VerifyDifference& difference : listed) {
    listed_json.push_back(DifferenceToJson(difference));
  }
  nlohmann::json json = {{"chunks", chunks},     {"done", done},   {"rows", rows},
                         {"missing", missing},   {"extra", extra}, {"different", different},
                         {"listed", listed_json}};
  auto key_json = [](const std::optional<Key>& key) {
    return key ? nlohmann::json(coding::HexEncode(key->Encode())) : nlohmann::json(nullptr);
  };
  json["lower"] = key_json(lower);
  json["dirty"] = nlohmann::json::array();
  for (const auto& [from, to] : dirty) json["dirty"].push_back({key_json(from), key_json(to)});
  return json.dump();
}

Result<TableVerifyState> TableVerifyState::FromJson(std::string_view text) {
  CUTOVER_ASSIGN_OR_RETURN(nlohmann::json json, ParseJson(text));
  TableVerifyState state;
  state.chunks = json.value("chunks", int64_t{0});
  state.done = json.value("done", false);
  state.rows = json.value("rows", int64_t{0});
  state.missing = json.value("missing", int64_t{0});
  state.extra = json.value("extra", int64_t{0});
  state.different = json.value("different", int64_t{0});
  if (json.contains("lower") && json["lower"].is_string()) {
    CUTOVER_ASSIGN_OR_RETURN(std::string bytes, Unhex(json["lower"].get<std::string>()));
    CUTOVER_ASSIGN_OR_RETURN(Key key, Key::Decode(bytes));
    state.lower = std::move(key);
  }
  auto key_of = [](const nlohmann::json& hex) -> Result<std::optional<Key>> {
    if (!hex.is_string()) return std::optional<Key>();
    CUTOVER_ASSIGN_OR_RETURN(std::string bytes, Unhex(hex.get<std::string>()));
    CUTOVER_ASSIGN_OR_RETURN(Key key, Key::Decode(bytes));
    return std::optional<Key>(std::move(key));
  };
  for (const nlohmann::json& range : json.value("dirty", nlohmann::json::array())) {
    if (!range.is_array() || range.size() != 2) {
      return Status::DataLoss("verify progress: a differing chunk is not [lower, upper]");
    }
    CUTOVER_ASSIGN_OR_RETURN(std::optional<Key> from, key_of(range[0]));
    CUTOVER_ASSIGN_OR_RETURN(std::optional<Key> to, key_of(range[1]));
    state.dirty.emplace_back(std::move(from), std::move(to));
  }
  for (const nlohmann::json& difference : json.value("listed", nlohmann::json::array())) {
    CUTOVER_ASSIGN_OR_RETURN(VerifyDifference parsed, DifferenceFromJson(difference));
    state.listed.push_back(std::move(parsed));
  }
  return state;
}

}  // namespace cutover::verify
