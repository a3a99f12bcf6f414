// RouterReports: the counters applications following the stages report (POST
// /v1/router-reports), summed per group in the state store (meta "router.totals") so that
// /metrics shows them whichever process serves the API, and they survive its restarts.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "cutover/control.h"

namespace cutover::control {

inline constexpr char kRouterTotalsKey[] = "router.totals";

// The counters a report may carry (each a count since the client's previous report). Others are
// ignored (and named in the answer), so that an older server never rejects a newer client's
// report, which the client would otherwise resend forever.
inline constexpr std::array<std::string_view, 8> kRouterCounters = {
    "reads",                     // reads answered
    "writes",                    // writes acknowledged to the application
    "secondary_write_failures",  // secondary writes that failed (never failing the caller)
    "target_read_failures",      // target reads that failed (shadow: never failing the caller)
    "shadow_comparisons",        // shadow reads compared
    "shadow_mismatches",         // differences that persisted after the lag-aware re-check
    "shadow_settled",            // first-read differences the re-check found settled (lag)
    "shadow_unsettled",          // differences given up on before they settled or persisted
};

// group -> counter -> total.
using RouterTotals = std::map<std::string, std::map<std::string, uint64_t>>;

// Validates a report ({"group": "default", "client": "...", "<counter>": n, ...}) and adds it to
// the totals, in one transaction. Returns the names of the fields it ignored. InvalidArgument
// naming the field for a counter that is not a count; NotFound for a group the spec does not
// define.
Result<std::vector<std::string>> AddRouterReport(const Spec& spec, StateStore& state,
                                                 const nlohmann::json& report);
Result<RouterTotals> ReadRouterTotals(StateStore& state);

}  // namespace cutover::control
