// Fence records: a fence in flight and the last fence that passed, and their JSON.
#include "state/fence_record.h"

#include <fmt/format.h>

#include "state/json_fields.h"

namespace cutover::state {

std::string FenceKey(std::string_view id) { return fmt::format("{}{}", kFencePrefix, id); }

nlohmann::json FenceRecord::ToJson() const {
  nlohmann::json json = {{"id", id}, {"requested_at_ms", requested_at_ms}};
  if (seen) {
    json["seen_ms"] = seen_ms;
    json["log_offset"] = log_offset;
    json["last_event_ms"] = last_event_ms;
    if (!end_offsets.empty()) json["end_offsets"] = end_offsets;
  }
  if (passed) {
    json["applied_at_ms"] = applied_at_ms;
    json["passed"] = true;
  }
  return json;
}

namespace {

// `key` names the record in errors: its meta key when known.
Result<FenceRecord> DecodeFence(std::string_view key, std::string_view text) {
  CUTOVER_ASSIGN_OR_RETURN(JsonFields fields, JsonFields::Parse(key, text));
  FenceRecord record;
  fields.Read("id", &record.id);
  fields.Read("requested_at_ms", &record.requested_at_ms);
  record.seen = fields.Has("seen_ms");
  fields.Read("seen_ms", &record.seen_ms);
  fields.Read("log_offset", &record.log_offset);
  fields.Read("last_event_ms", &record.last_event_ms);
  fields.Read("end_offsets", &record.end_offsets);
  fields.Read("passed", &record.passed);
  fields.Read("applied_at_ms", &record.applied_at_ms);
  CUTOVER_RETURN_IF_ERROR(fields.status());
  return record;
}

}  // namespace

Result<FenceRecord> FenceRecord::FromJson(std::string_view text) {
  return DecodeFence("fence/<id>", text);
}

Result<std::optional<FenceRecord>> ReadFenceRecord(StateStore& state, std::string_view id) {
  CUTOVER_ASSIGN_OR_RETURN(std::optional<std::string> text, state.GetMeta(FenceKey(id)));
  if (!text) return std::optional<FenceRecord>();
  CUTOVER_ASSIGN_OR_RETURN(FenceRecord record, DecodeFence(FenceKey(id), *text));
  return std::optional<FenceRecord>(std::move(record));
}

Status WriteFenceRecord(StateStore& state, const FenceRecord& record) {
  return state.SetMeta(FenceKey(record.id), record.ToJson().dump());
}

Status DeleteFenceRecord(StateStore& state, std::string_view id) {
  return state.DeleteMeta(FenceKey(id));
}

nlohmann::json LastFence::ToJson() const {
  return {{"id", id},
          {"written_at_ms", written_at_ms},
          {"applied_at_ms", applied_at_ms},
          {"lag_seconds", lag_seconds},
          {"passed", passed}};
}

Result<LastFence> LastFence::FromJson(std::string_view text) {
  CUTOVER_ASSIGN_OR_RETURN(JsonFields fields, JsonFields::Parse(kLastFenceKey, text));
  LastFence fence;
  fields.Read("id", &fence.id);
  fields.Read("written_at_ms", &fence.written_at_ms);
  fields.Read("applied_at_ms", &fence.applied_at_ms);
  fields.Read("lag_seconds", &fence.lag_seconds);
  fields.Read("passed", &fence.passed);
  CUTOVER_RETURN_IF_ERROR(fields.status());
  return fence;
}

Result<std::optional<LastFence>> ReadLastFence(StateStore& state) {
  CUTOVER_ASSIGN_OR_RETURN(std::optional<std::string> text, state.GetMeta(kLastFenceKey));
  if (!text) return std::optional<LastFence>();
  CUTOVER_ASSIGN_OR_RETURN(LastFence fence, LastFence::FromJson(*text));
  return std::optional<LastFence>(std::move(fence));
}

Status WriteLastFence(StateStore& state, const LastFence& fence) {
  CUTOVER_ASSIGN_OR_RETURN(StateStore::Transaction transaction, state.Begin());
  CUTOVER_RETURN_IF_ERROR(state.SetMeta(kLastFenceKey, fence.ToJson().dump()));
  // The history is informative: one that cannot be decoded starts again.
  Result<std::vector<LastFence>> read = ReadFenceHistory(state);
  std::vector<LastFence> history = read.ok() ? *std::move(read) : std::vector<LastFence>();
  history.push_back(fence);
  size_t drop = history.size() > kFenceHistoryLength ? history.size() - kFenceHistoryLength : 0;
  nlohmann::json out = nlohmann::json::array();
  for (size_t index = drop; index < history.size(); ++index) {
    out.push_back(history[index].ToJson());
  }
  CUTOVER_RETURN_IF_ERROR(state.SetMeta(kFenceHistoryKey, out.dump()));
  return transaction.Commit();
}

Result<std::vector<LastFence>> ReadFenceHistory(StateStore& state) {
  CUTOVER_ASSIGN_OR_RETURN(std::optional<std::string> text, state.GetMeta(kFenceHistoryKey));
  std::vector<LastFence> history;
  if (!text) return history;
  nlohmann::json json = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!json.is_array()) {
    return Status::DataLoss(
        fmt::format("state meta \"{}\": expected an array of fences", kFenceHistoryKey));
  }
  for (const nlohmann::json& entry : json) {
    CUTOVER_ASSIGN_OR_RETURN(LastFence fence, LastFence::FromJson(entry.dump()));
    history.push_back(std::move(fence));
  }
  return history;
}

}  // namespace cutover::state
