// Ctl: the control API's reading of a POST /v1/ctl body into a CtlRequest (cutover/control.h).
#pragma once

#include <nlohmann/json.hpp>

#include "cutover/control.h"

namespace cutover::control {

// {"action": "pause"|"resume", "what": "copy"|"apply"|"all", "reason"}, {"action": "set", "key",
// "value" (string or number), "reason"}, {"action": "reset", "key", "reason"}, {"action":
// "throttle", "on": bool, "reason"}, each may carry "by"; InvalidArgument naming the field (an
// unknown one too) otherwise.
Result<CtlRequest> CtlRequestFromJson(const nlohmann::json& body);

}  // namespace cutover::control
