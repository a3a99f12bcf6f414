// Requests: the control API's reading of request bodies (docs/control-api.md) into what its
// handlers act on, apart from HTTP, so that each is unit-tested and fuzzed (fuzz/fuzz_control.cc).
// POST /v1/ctl is control::CtlRequestFromJson (ctl.h); the OFREP bodies are read by
// EvaluateOfrepFlag(s) (ofrep.h).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "cutover/control.h"
#include "cutover/fence.h"

namespace cutover::control {

// An answer's JSON text as the API sends it: a byte that is not UTF-8 (a group or flag key from
// the request's path, echoed in a message) becomes U+FFFD, so that answering never throws.
std::string JsonText(const nlohmann::json& body);

// The body as a JSON object (an empty body is {}); InvalidArgument otherwise.
Result<nlohmann::json> ParseBodyObject(std::string_view body);

// Who asked, for an audit: "api <address>", plus " (<by>)" when the body names someone.
std::string ApiBy(std::string_view remote_addr, const nlohmann::json& body);

// InvalidArgument naming the first field of `body` not in `allowed` (a misspelt "forse" would
// otherwise be ignored), or a `by` that is not a string.
Status CheckFields(const nlohmann::json& body, std::initializer_list<std::string_view> allowed);

// PUT /v1/flags/<group>: {"stage": "dual_write", "reason": "...", "force": false}, `stage`
// required; InvalidArgument naming the field otherwise. `by` is left empty.
Result<StageRequest> FlagRequestFromJson(std::string_view group, const nlohmann::json& body);

inline constexpr uint64_t kMaxFenceTimeoutSeconds = 86400;

// POST /v1/fence: {"timeout_seconds": n} (optional, a whole number 1 to
// kMaxFenceTimeoutSeconds; no other field); InvalidArgument otherwise.
Result<FenceOptions> FenceOptionsFromJson(const nlohmann::json& body);

// POST /v1/verify takes {} only: it verifies every table.
Status CheckVerifyBody(const nlohmann::json& body);

}  // namespace cutover::control
