// Fuzzes the control API's reading of request bodies (docs/control-api.md), which anyone who can
// reach control.listen sends, through the functions the HTTP handlers call (the server only adds
// the bearer-token check and the state store): the first byte picks the request, the rest is
// its body.
//   0  POST /v1/ctl            ParseBodyObject, CtlRequestFromJson, ApiBy
//   1  PUT /v1/flags/<group>   ParseBodyObject, FlagRequestFromJson, ApiBy
//   2  POST /v1/fence          ParseBodyObject, FenceOptionsFromJson, then the deadline the
//                              fence computes from the timeout (src/pipeline/fence.cc)
//   3  POST /v1/verify         ParseBodyObject, CheckVerifyBody
//   4  POST /ofrep/v1/evaluate/flags/{key}  EvaluateOfrepFlag: the key is the body's first
//                              line, the request body the rest
//   5  POST /ofrep/v1/evaluate/flags        EvaluateOfrepFlags: If-None-Match is the first
//                              line, the request body the rest
// Every answer is serialized as the server sends it (an error as {"error", "code"}). Must return
// a Status or a reply; a crash, a sanitizer report or an exception is a finding.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "control/ctl.h"
#include "control/ofrep.h"
#include "control/requests.h"

namespace {

using nlohmann::json;

// What the server's SendStatus/SendJson write.
void Send(const cutover::Status& status) {
  static_cast<void>(
      cutover::control::JsonText({{"error", std::string(status.message())},
                                  {"code", std::string(cutover::StatusCodeName(status.code()))}}));
}

void Send(const cutover::control::OfrepReply& reply) {
  if (!reply.body.is_null()) static_cast<void>(cutover::control::JsonText(reply.body));
}

const cutover::control::OfrepFlags& Flags() {
  static const cutover::control::OfrepFlags flags = [] {
    cutover::control::OfrepFlags out;
    out.stages = {{"default", cutover::Stage::kDualWrite, 1'795'338'723'118},
                  {"orders", cutover::Stage::kTargetReads, 1'795'338'900'000}};
    return out;
  }();
  return flags;
}

void Body(uint8_t request, std::string_view body) {
  cutover::Result<json> parsed = cutover::control::ParseBodyObject(body);
  if (!parsed.ok()) return Send(parsed.status());
  switch (request) {
    case 0: {
      cutover::Result<cutover::CtlRequest> ctl = cutover::control::CtlRequestFromJson(*parsed);
      if (!ctl.ok()) return Send(ctl.status());
      ctl->by = cutover::control::ApiBy("127.0.0.1", *parsed);
      return;
    }
    case 1: {
      cutover::Result<cutover::StageRequest> change =
          cutover::control::FlagRequestFromJson("orders", *parsed);
      if (!change.ok()) return Send(change.status());
      change->by = cutover::control::ApiBy("127.0.0.1", *parsed);
      return;
    }
    case 2: {
      cutover::Result<cutover::FenceOptions> options =
          cutover::control::FenceOptionsFromJson(*parsed);
      if (!options.ok()) return Send(options.status());
      static_cast<void>(std::chrono::steady_clock::now() + options->timeout);
      return;
    }
    default: return Send(cutover::control::CheckVerifyBody(*parsed));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const auto request = static_cast<uint8_t>(data[0] % 6);
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (request < 4) {
    Body(request, rest);
    return 0;
  }
  const size_t newline = rest.find('\n');
  std::string_view first = rest.substr(0, newline);
  std::string_view body =
      newline == std::string_view::npos ? std::string_view() : rest.substr(newline + 1);
  if (request == 4) {
    Send(cutover::control::EvaluateOfrepFlag(Flags(), first, body));
  } else {
    Send(cutover::control::EvaluateOfrepFlags(Flags(), body, first));
  }
  return 0;
}
