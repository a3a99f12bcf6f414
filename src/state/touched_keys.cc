// Touched keys: the continuous verify's request and the applier's entries of keys, as JSON.
#include "state/touched_keys.h"

#include <fmt/format.h>
#include <unistd.h>

#include "state/json_fields.h"

namespace cutover::state {

nlohmann::json ContinuousRequest::ToJson() const {
  return {{"sample", sample}, {"heartbeat_ms", heartbeat_ms}};
}

Result<ContinuousRequest> ContinuousRequest::FromJson(std::string_view text) {
  CUTOVER_ASSIGN_OR_RETURN(JsonFields fields, JsonFields::Parse(kContinuousVerifyKey, text));
  ContinuousRequest request;
  fields.Read("sample", &request.sample);
  fields.Read("heartbeat_ms", &request.heartbeat_ms);
  CUTOVER_RETURN_IF_ERROR(fields.status());
  return request;
}

Result<std::optional<ContinuousRequest>> ReadContinuousRequest(StateStore& state) {
  CUTOVER_ASSIGN_OR_RETURN(std::optional<std::string> text, state.GetMeta(kContinuousVerifyKey));
  if (!text) return std::optional<ContinuousRequest>();
  CUTOVER_ASSIGN_OR_RETURN(ContinuousRequest request, ContinuousRequest::FromJson(*text));
  return std::optional<ContinuousRequest>(request);
}

Status WriteContinuousRequest(StateStore& state, const ContinuousRequest& request) {
  return state.SetMeta(kContinuousVerifyKey, request.ToJson().dump());
}

Status DeleteContinuousRequest(StateStore& state) { return state.DeleteMeta(kContinuousVerifyKey); }

nlohmann::json TouchedBatch::ToJson() const {
  return {{"keys", keys}, {"dropped", dropped}, {"applied_ms", applied_ms}};
}

namespace {

Result<TouchedBatch> DecodeTouched(std::string_view key, std::string_view text) {
  CUTOVER_ASSIGN_OR_RETURN(JsonFields fields, JsonFields::Parse(key, text));
  TouchedBatch batch;
  // The keys are required: an entry without them is not one the applier wrote.
  if (!fields.Has("keys")) fields.Fail("keys", "missing");
  fields.ReadObject("keys", [&](JsonFields& tables) {
    for (const std::string& table : tables.Names()) tables.Read(table, &batch.keys[table]);
  });
  fields.Read("dropped", &batch.dropped);
  fields.Read("applied_ms", &batch.applied_ms);
  CUTOVER_RETURN_IF_ERROR(fields.status());
  return batch;
}

}  // namespace

Result<TouchedBatch> TouchedBatch::FromJson(std::string_view text) {
  return DecodeTouched("verify.touched/<ms>-<pid>", text);
}

Status WriteTouchedBatch(StateStore& state, const TouchedBatch& batch) {
  return state.SetMeta(fmt::format("{}{:016d}-{}", kTouchedPrefix, batch.applied_ms, getpid()),
                       batch.ToJson().dump());
}

Result<std::vector<TouchedBatch>> TakeTouchedBatches(StateStore& state) {
  CUTOVER_ASSIGN_OR_RETURN(auto entries, state.ListMeta(kTouchedPrefix));
  std::vector<TouchedBatch> batches;
  for (const auto& [key, text] : entries) {
    CUTOVER_RETURN_IF_ERROR(state.DeleteMeta(key));
    CUTOVER_ASSIGN_OR_RETURN(TouchedBatch batch, DecodeTouched(key, text));
    batches.push_back(std::move(batch));
  }
  return batches;
}

Status DeleteTouchedBatches(StateStore& state) {
  CUTOVER_ASSIGN_OR_RETURN(auto entries, state.ListMeta(kTouchedPrefix));
  for (const auto& [key, text] : entries) CUTOVER_RETURN_IF_ERROR(state.DeleteMeta(key));
  return Status::Ok();
}

}  // namespace cutover::state
