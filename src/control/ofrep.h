// Ofrep: the flag stages as OpenFeature flags, evaluated as the OpenFeature Remote Evaluation
// Protocol (OFREP 0.3, open-feature/protocol service/openapi.yaml) says, so that an application
// in any language reads its stage through a standard OpenFeature SDK (docs/control-api.md,
// "Flags through OpenFeature (OFREP)").
//
// The flags, each a string whose value and variant are the stage's name:
//   cutover.stage          the stage of the group the evaluation context names in `group`
//                          (reason TARGETING_MATCH), or of `default` without one (STATIC);
//   cutover.stage.<group>  the stage of that group (STATIC).
// Every evaluation carries metadata {group, stage_index, since_ms, finished}.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "cutover/control.h"

namespace httplib {
class Server;
}

namespace cutover::control {

inline constexpr std::string_view kOfrepStageFlag = "cutover.stage";

// What the flags are evaluated over: every group's stage (StageGroups order) and whether
// `cutover finish` has completed.
struct OfrepFlags {
  std::vector<StageState> stages;
  bool finished = false;
};

// An answer: the HTTP status and its JSON body (null: no body, as a 304 has none).
struct OfrepReply {
  int http_status = 200;
  nlohmann::json body;
  std::string etag;  // bulk answers with 200 or 304: the ETag header's value, quoted
};

// POST /ofrep/v1/evaluate/flags/{key}: 200 with {key, value, reason, variant, metadata}; 404
// FLAG_NOT_FOUND for a key that is not one of the flags above; 400 PARSE_ERROR for a body that
// is not a JSON object, INVALID_CONTEXT for a `context` that is not an object or a
// `context.group` that is not the name of a group of the spec. An empty body, or one without
// `context`, is an empty context; `targetingKey` is not needed (no flag depends on it).
OfrepReply EvaluateOfrepFlag(const OfrepFlags& flags, std::string_view key,
                             std::string_view request_body);

// POST /ofrep/v1/evaluate/flags: 200 with {flags: [cutover.stage, then cutover.stage.<group> for
// each group]} and an ETag over that body; 304 with no body when `if_none_match` (the request's
// If-None-Match header, empty when absent) names that ETag or is `*`. The same 400 answers as
// EvaluateOfrepFlag, as {errorCode, errorDetails}.
OfrepReply EvaluateOfrepFlags(const OfrepFlags& flags, std::string_view request_body,
                              std::string_view if_none_match);

// Serves the two endpoints on `server`, evaluating over what `read` returns at each request
// (its failure: 500 with {errorDetails}). Authentication is the server's: its pre-routing check.
void AddOfrepRoutes(httplib::Server& server, std::function<Result<OfrepFlags>()> read);

}  // namespace cutover::control
