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

namespace {
std::string ExtraBatchKey(const std::string& table, int64_t batch) {
  return "verify.extras/" + table + "/" + std::to_string(batch);
}
}  // namespace

Result<ExtraItemsWriter> ExtraItemsWriter::Start(StateStore& state, std::string table) {
  // Batches are numbered without gaps, so the earlier scan's end where one is missing (also
  // when that scan was killed before it finished).
  for (int64_t batch = 0;; ++batch) {
    CUTOVER_ASSIGN_OR_RETURN(std::optional<std::string> stored,
                             state.GetMeta(ExtraBatchKey(table, batch)));
    if (!stored) break;
    CUTOVER_RETURN_IF_ERROR(state.DeleteMeta(ExtraBatchKey(table, batch)));
  }
  return ExtraItemsWriter(state, std::move(table));
}

Status ExtraItemsWriter::Add(nlohmann::json key, nlohmann::json item) {
  nlohmann::json entry = {{"key", std::move(key)}, {"item", std::move(item)}};
  buffered_bytes_ += entry.dump().size();
  buffer_.push_back(std::move(entry));
  if (buffer_.size() >= kExtraBatchItems || buffered_bytes_ >= kExtraBatchBytes) return Flush();
  return Status::Ok();
}

Status ExtraItemsWriter::Finish() { return buffer_.empty() ? Status::Ok() : Flush(); }

Status ExtraItemsWriter::Flush() {
  CUTOVER_RETURN_IF_ERROR(state_->SetMeta(ExtraBatchKey(table_, batches_), buffer_.dump()));
  ++batches_;
  buffer_ = nlohmann::json::array();
  buffered_bytes_ = 0;
  return Status::Ok();
}

Status ForEachExtraItemBatch(StateStore& state, const std::string& table,
                             const std::function<Status(const nlohmann::json& batch)>& each) {
  for (int64_t batch = 0;; ++batch) {
    CUTOVER_ASSIGN_OR_RETURN(std::optional<std::string> stored,
                             state.GetMeta(ExtraBatchKey(table, batch)));
    if (!stored) return Status::Ok();
    nlohmann::json entries = nlohmann::json::parse(*stored, nullptr, /*allow_exceptions=*/false);
    if (!entries.is_array()) {
      return Status::DataLoss("verify: the extra items kept for " + table + " are not a list");
    }
    CUTOVER_RETURN_IF_ERROR(each(entries));
  }
}

std::string RunSettings::ToJson() const {
  return nlohmann::json{{"finished", finished},
                        {"tables", tables},
                        {"chunk_rows", chunk_rows},
                        {"keyed", keyed},
                        {"started_at_ms", started_at_ms}}
      .dump();
}

Result<RunSettings> RunSettings::FromJson(std::string_view text) {
  CUTOVER_ASSIGN_OR_RETURN(nlohmann::json json, ParseJson(text));
  RunSettings settings;
  settings.finished = json.value("finished", false);
  settings.tables = json.value("tables", "");
  settings.chunk_rows = json.value("chunk_rows", int64_t{0});
  settings.keyed = json.value("keyed", std::vector<std::string>{});
  settings.started_at_ms = json.value("started_at_ms", int64_t{0});
  return settings;
}

std::string TableVerifyState::ToJson() const {
  nlohmann::json listed_json = nlohmann::json::array();
  for (const VerifyDifference& difference : listed) {
    listed_json.push_back(DifferenceToJson(difference));
  }
  nlohmann::json json = {{"chunks", chunks},   {"done", done},           {"rows", rows},
                         {"missing", missing}, {"extra", extra},         {"different", different},
                         {"settled", settled}, {"unsettled", unsettled}, {"listed", listed_json}};
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
  state.settled = json.value("settled", int64_t{0});
  state.unsettled = json.value("unsettled", int64_t{0});
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
