// Requests: control API request bodies -> the requests the handlers act on.
#include "control/requests.h"

#include <fmt/format.h>

namespace cutover::control {

using nlohmann::json;

std::string JsonText(const json& body) {
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<json> ParseBodyObject(std::string_view body) {
  if (body.empty()) return json::object();
  json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) {
    return Status::InvalidArgument("the request body must be a JSON object");
  }
  return parsed;
}

std::string ApiBy(std::string_view remote_addr, const json& body) {
  std::string by =
      body.contains("by") && body["by"].is_string() ? body["by"].get<std::string>() : std::string();
  return by.empty() ? fmt::format("api {}", remote_addr)
                    : fmt::format("api {} ({})", remote_addr, by);
}

Result<StageRequest> FlagRequestFromJson(std::string_view group, const json& body) {
  if (!body.contains("stage") || !body["stage"].is_string()) {
    return Status::InvalidArgument(
        "stage: missing; send {\"stage\": \"dual_write\", \"reason\": \"...\"}");
  }
  StageRequest change;
  change.group = std::string(group);
  CUTOVER_ASSIGN_OR_RETURN(change.to, ParseFlagStage(body["stage"].get<std::string>()));
  if (body.contains("reason") && !body["reason"].is_string()) {
    return Status::InvalidArgument("reason: expected a string");
  }
  if (body.contains("force") && !body["force"].is_boolean()) {
    return Status::InvalidArgument("force: expected true or false");
  }
  change.reason = body.value("reason", std::string());
  change.force = body.value("force", false);
  return change;
}

Result<FenceOptions> FenceOptionsFromJson(const json& body) {
  FenceOptions options;
  if (body.contains("timeout_seconds")) {
    if (!body["timeout_seconds"].is_number_unsigned()) {
      return Status::InvalidArgument("timeout_seconds: expected a whole number of seconds");
    }
    // The fence adds the timeout to the clock's nanoseconds: more than a day is no real wait
    // and past about 292 years it overflows.
    const auto seconds = body["timeout_seconds"].get<uint64_t>();
    if (seconds > kMaxFenceTimeoutSeconds) {
      return Status::InvalidArgument(
          fmt::format("timeout_seconds: {} is more than a day; send at most {}", seconds,
                      kMaxFenceTimeoutSeconds));
    }
    options.timeout = std::chrono::seconds(static_cast<int64_t>(seconds));
  }
  return options;
}

Status CheckVerifyBody(const json& body) {
  if (!body.empty()) {
    return Status::InvalidArgument(
        "POST /v1/verify takes an empty object ({}): it verifies every table");
  }
  return Status::Ok();
}

}  // namespace cutover::control
