// Requests: control API request bodies -> the requests the handlers act on.
#include "control/requests.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

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

Status CheckFields(const json& body, std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : body.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      return Status::InvalidArgument(
          fmt::format("{}: unknown field; allowed fields are {}", key, fmt::join(allowed, ", ")));
    }
  }
  if (body.contains("by") && !body["by"].is_string()) {
    return Status::InvalidArgument("by: expected a string");
  }
  return Status::Ok();
}

Result<StageRequest> FlagRequestFromJson(std::string_view group, const json& body) {
  CUTOVER_RETURN_IF_ERROR(CheckFields(body, {"stage", "reason", "force", "by"}));
  if (!body.contains("stage")) {
    return Status::InvalidArgument(
        "stage: missing; send {\"stage\": \"dual_write\", \"reason\": \"...\"}");
  }
  if (!body["stage"].is_string()) {
    return Status::InvalidArgument(
        fmt::format("stage: expected a string such as \"dual_write\"; the stages are, in order: {}",
                    fmt::join(kStageNames, ", ")));
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
  CUTOVER_RETURN_IF_ERROR(CheckFields(body, {"timeout_seconds"}));
  FenceOptions options;
  if (body.contains("timeout_seconds")) {
    // The fence adds the timeout to the clock's nanoseconds: more than a day is no real wait
    // and past about 292 years it overflows.
    const json& timeout = body["timeout_seconds"];
    if (!timeout.is_number_unsigned() || timeout.get<uint64_t>() < 1 ||
        timeout.get<uint64_t>() > kMaxFenceTimeoutSeconds) {
      return Status::InvalidArgument(fmt::format(
          "timeout_seconds: expected a whole number of seconds, 1 to {}", kMaxFenceTimeoutSeconds));
    }
    options.timeout = std::chrono::seconds(static_cast<int64_t>(timeout.get<uint64_t>()));
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
