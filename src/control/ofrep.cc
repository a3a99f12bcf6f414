// Ofrep: evaluates the stage flags for an OFREP request and serves the two OFREP endpoints.
#include "control/ofrep.h"

#include <cstdint>
#include <optional>
#include <variant>

#include <fmt/format.h>
#include <httplib.h>

#include "control/requests.h"

namespace cutover::control {
namespace {

using nlohmann::json;

// A request refused as a whole: an OFREP error code and what to fix.
struct OfrepError {
  std::string code;  // PARSE_ERROR, INVALID_CONTEXT
  std::string details;
};

// The evaluation context's part that matters here: the group it names, if any.
struct OfrepContext {
  std::optional<std::string> group;
};

std::vector<std::string> GroupNames(const OfrepFlags& flags) {
  std::vector<std::string> names;
  for (const StageState& stage : flags.stages) names.push_back(stage.group);
  return names;
}

const StageState* FindGroup(const OfrepFlags& flags, std::string_view group) {
  for (const StageState& stage : flags.stages) {
    if (stage.group == group) return &stage;
  }
  return nullptr;
}

// The request body's context; an error for a body or context OFREP does not allow, or a group
// the spec does not define.
std::variant<OfrepContext, OfrepError> ParseContext(const OfrepFlags& flags,
                                                    std::string_view body) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return OfrepContext{};
  json request = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!request.is_object()) {
    return OfrepError{"PARSE_ERROR",
                      "the request body must be a JSON object: {\"context\": {...}}"};
  }
  if (!request.contains("context") || request["context"].is_null()) return OfrepContext{};
  const json& context = request["context"];
  if (!context.is_object()) {
    return OfrepError{"INVALID_CONTEXT",
                      "context: expected an object, e.g. {\"targetingKey\": \"orders-api\", "
                      "\"group\": \"orders\"}"};
  }
  if (!context.contains("group")) return OfrepContext{};
  if (!context["group"].is_string()) {
    return OfrepError{"INVALID_CONTEXT", "context.group: expected the name of a flag group"};
  }
  std::string group = context["group"].get<std::string>();
  if (FindGroup(flags, group) == nullptr) {
    return OfrepError{"INVALID_CONTEXT",
                      fmt::format("context.group: no flag group '{}'; the spec defines {} "
                                  "(control.groups adds groups)",
                                  group, fmt::join(GroupNames(flags), ", "))};
  }
  return OfrepContext{group};
}

json Evaluation(std::string_view key, const StageState& stage, bool finished,
                std::string_view reason) {
  std::string_view name = StageName(stage.stage);
  return {{"key", key},
          {"value", name},
          {"variant", name},
          {"reason", reason},
          {"metadata",
           {{"group", stage.group},
            {"stage_index", static_cast<int>(stage.stage)},
            {"since_ms", stage.since_ms},
            {"finished", finished}}}};
}

// The flag `key` in `context`; nullopt when no flag has that key.
std::optional<json> Evaluate(const OfrepFlags& flags, std::string_view key,
                             const OfrepContext& context) {
  if (key == kOfrepStageFlag) {
    const StageState* stage = FindGroup(flags, context.group.value_or(std::string(kDefaultGroup)));
    if (stage == nullptr) return std::nullopt;
    return Evaluation(key, *stage, flags.finished, context.group ? "TARGETING_MATCH" : "STATIC");
  }
  std::string prefix = fmt::format("{}.", kOfrepStageFlag);
  if (key.substr(0, prefix.size()) != prefix) return std::nullopt;
  const StageState* stage = FindGroup(flags, key.substr(prefix.size()));
  if (stage == nullptr) return std::nullopt;
  return Evaluation(key, *stage, flags.finished, "STATIC");
}

std::vector<std::string> FlagKeys(const OfrepFlags& flags) {
  std::vector<std::string> keys = {std::string(kOfrepStageFlag)};
  for (const StageState& stage : flags.stages) {
    keys.push_back(fmt::format("{}.{}", kOfrepStageFlag, stage.group));
  }
  return keys;
}

// A strong ETag over the answer's text: FNV-1a, 64 bits, stable across restarts.
std::string ETagOf(std::string_view text) {
  uint64_t hash = 14695981039346656037ULL;
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  return fmt::format("\"{:016x}\"", hash);
}

// If-None-Match: `*`, or a comma-separated list of entity tags, weak ones (W/"...") compared
// by their opaque part (RFC 9110 13.1.2).
bool IfNoneMatchNames(std::string_view header, std::string_view etag) {
  while (!header.empty()) {
    size_t comma = header.find(',');
    std::string_view tag = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    size_t first = tag.find_first_not_of(" \t");
    if (first == std::string_view::npos) continue;
    tag = tag.substr(first, tag.find_last_not_of(" \t") - first + 1);
    if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
    if (tag == "*" || tag == etag) return true;
  }
  return false;
}

void Send(httplib::Response& response, const OfrepReply& reply) {
  response.status = reply.http_status;
  if (!reply.etag.empty()) response.set_header("ETag", reply.etag);
  if (!reply.body.is_null()) response.set_content(JsonText(reply.body) + "\n", "application/json");
}

}  // namespace

OfrepReply EvaluateOfrepFlag(const OfrepFlags& flags, std::string_view key,
                             std::string_view request_body) {
  auto context = ParseContext(flags, request_body);
  if (const OfrepError* error = std::get_if<OfrepError>(&context)) {
    return {400, {{"key", key}, {"errorCode", error->code}, {"errorDetails", error->details}}, ""};
  }
  std::optional<json> evaluation = Evaluate(flags, key, std::get<OfrepContext>(context));
  if (!evaluation) {
    return {404,
            {{"key", key},
             {"errorCode", "FLAG_NOT_FOUND"},
             {"errorDetails", fmt::format("no flag '{}'; the flags are {}", key,
                                          fmt::join(FlagKeys(flags), ", "))}},
            ""};
  }
  return {200, *evaluation, ""};
}

OfrepReply EvaluateOfrepFlags(const OfrepFlags& flags, std::string_view request_body,
                              std::string_view if_none_match) {
  auto context = ParseContext(flags, request_body);
  if (const OfrepError* error = std::get_if<OfrepError>(&context)) {
    return {400, {{"errorCode", error->code}, {"errorDetails", error->details}}, ""};
  }
  json evaluations = json::array();
  for (const std::string& key : FlagKeys(flags)) {
    evaluations.push_back(*Evaluate(flags, key, std::get<OfrepContext>(context)));
  }
  json body = {{"flags", evaluations}};
  std::string etag = ETagOf(body.dump());
  if (IfNoneMatchNames(if_none_match, etag)) return {304, json(), etag};
  return {200, body, etag};
}

void AddOfrepRoutes(httplib::Server& server, std::function<Result<OfrepFlags>()> read) {
  auto reply = [read](httplib::Response& response, auto evaluate) {
    Result<OfrepFlags> flags = read();
    if (!flags.ok()) {
      response.status = 500;
      response.set_content(JsonText(json{{"errorDetails", flags.status().ToString()}}) + "\n",
                           "application/json");
      return;
    }
    Send(response, evaluate(*flags));
  };
  server.Post(R"(/ofrep/v1/evaluate/flags/([^/]+))",
              [reply](const httplib::Request& request, httplib::Response& response) {
                std::string key = request.matches[1];
                reply(response, [&](const OfrepFlags& flags) {
                  return EvaluateOfrepFlag(flags, key, request.body);
                });
              });
  server.Post("/ofrep/v1/evaluate/flags",
              [reply](const httplib::Request& request, httplib::Response& response) {
                std::string if_none_match = request.get_header_value("If-None-Match");
                reply(response, [&](const OfrepFlags& flags) {
                  return EvaluateOfrepFlags(flags, request.body, if_none_match);
                });
              });
}

}  // namespace cutover::control
