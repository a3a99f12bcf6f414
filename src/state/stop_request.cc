// StopRequest: finish's request to stop the run, and the run's answer.
#include "state/stop_request.h"

#include "state/json_fields.h"

namespace cutover::state {

nlohmann::json StopRequest::ToJson() const {
  nlohmann::json json = {{"requested_at_ms", requested_at_ms}, {"by", by}};
  if (!fence.empty()) json["fence"] = fence;
  if (stopped_at_ms) json["stopped_at_ms"] = *stopped_at_ms;
  return json;
}

Result<StopRequest> StopRequest::FromJson(std::string_view text) {
  CUTOVER_ASSIGN_OR_RETURN(JsonFields fields, JsonFields::Parse(kStopRequestKey, text));
  StopRequest request;
  fields.Read("requested_at_ms", &request.requested_at_ms);
  fields.Read("by", &request.by);
  fields.Read("fence", &request.fence);
  fields.Read("stopped_at_ms", &request.stopped_at_ms);
  CUTOVER_RETURN_IF_ERROR(fields.status());
  return request;
}

Result<std::optional<StopRequest>> ReadStopRequest(StateStore& state) {
  CUTOVER_ASSIGN_OR_RETURN(std::optional<std::string> text, state.GetMeta(kStopRequestKey));
  if (!text) return std::optional<StopRequest>();
  CUTOVER_ASSIGN_OR_RETURN(StopRequest request, StopRequest::FromJson(*text));
  return std::optional<StopRequest>(std::move(request));
}

Status WriteStopRequest(StateStore& state, const StopRequest& request) {
  return state.SetMeta(kStopRequestKey, request.ToJson().dump());
}

Status DeleteStopRequest(StateStore& state) { return state.DeleteMeta(kStopRequestKey); }

}  // namespace cutover::state
