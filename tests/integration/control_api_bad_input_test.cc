// The control API (`cutover serve`) with malformed requests: no, a wrong or a misplaced token,
// bodies that are not JSON, wrong types, unknown and missing fields, a huge body, unknown groups,
// stages and endpoints, wrong methods, query parameters, bytes that are not UTF-8, path
// traversal toward the web page's files. Each answer has the documented status and a JSON
// error naming the field and the fix (docs/control-api.md), and the server keeps serving:
// after every request the flags still read back unchanged. No database server is needed.
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "serve_support.h"

namespace cutover {
namespace {

using nlohmann::json;

constexpr char kToken[] = "bad-input-token-1c9a";

struct Answer {
  int status = 0;  // 0: no answer (the connection closed)
  std::string headers;
  std::string body;
};

// True when `text` holds a whole answer: its headers and Content-Length bytes of body (the server
// may keep the connection open after an error, whatever the request's `Connection: close`).
bool Complete(const std::string& text) {
  size_t end = text.find("\r\n\r\n");
  if (end == std::string::npos) return false;
  std::string headers = text.substr(0, end);
  for (char& c : headers) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  size_t length = headers.find("content-length: ");
  if (length == std::string::npos) return false;
  return text.size() - end - 4 >= std::stoul(headers.substr(length + 16));
}

// Sends `request` (a whole HTTP/1.1 request, as bytes) to 127.0.0.1:`port` and reads the answer
// until the server closes the connection.
Answer SendRaw(int port, const std::string& request) {
  Answer answer;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval timeout{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    close(fd);
    return answer;
  }
  for (size_t sent = 0; sent < request.size();) {
    ssize_t count = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (count <= 0) break;  // the server may answer (413) before reading everything
    sent += static_cast<size_t>(count);
  }
  std::string text;
  char buffer[65536];
  while (!Complete(text)) {
    ssize_t count = recv(fd, buffer, sizeof(buffer), 0);
    if (count <= 0) break;
    text.append(buffer, static_cast<size_t>(count));
  }
  close(fd);
  if (text.rfind("HTTP/1.1 ", 0) != 0) return answer;
  answer.status = std::stoi(text.substr(9, 3));
  size_t end = text.find("\r\n\r\n");
  answer.headers = text.substr(0, end);
  answer.body = end == std::string::npos ? "" : text.substr(end + 4);
  return answer;
}

// A request with the token (unless `auth` says otherwise), `Connection: close` and a body with
// its length.
std::string Request(const std::string& method, const std::string& path, const std::string& body,
                    const std::string& auth = std::string("Bearer ") + kToken) {
  std::string text = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  if (!auth.empty()) text += "Authorization: " + auth + "\r\n";
  if (!body.empty() || method == "PUT" || method == "POST") {
    text +=
        "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  }
  return text + "\r\n" + body;
}

struct ApiCase {
  std::string name;
  std::string request;  // raw HTTP
  int status;
  std::string error;  // the JSON body's "error"; empty: the body is not checked
  std::string code;   // its "code"
};

std::string Missing() {
  return "missing `Authorization: Bearer <token>` header; the token is the value of the spec's "
         "control.token_env (or token_file)";
}

std::string NotBearer() {
  return "the Authorization header is not `Bearer <token>`; the token is the value of the spec's "
         "control.token_env (or token_file)";
}

std::vector<ApiCase> Cases() {
  const std::string bad_body = "the request body must be a JSON object";
  const std::string stages =
      "the stages are, in order: source_only, dual_write, shadow, target_reads, target_primary, "
      "target_only";
  const std::string put = "/v1/flags/default";
  auto flags = [&](const std::string& body) { return Request("PUT", put, body); };
  auto ctl = [&](const std::string& body) { return Request("POST", "/v1/ctl", body); };
  auto fence = [&](const std::string& body) { return Request("POST", "/v1/fence", body); };
  return {
      // The token.
      {"NoToken", Request("GET", "/v1/status", "", ""), 401, Missing(), "FailedPrecondition"},
      {"WrongToken", Request("GET", "/v1/flags", "", "Bearer nope"), 401, "wrong bearer token",
       "FailedPrecondition"},
      {"TokenPrefix", Request("GET", "/v1/flags", "", "Bearer bad-input"), 401,
       "wrong bearer token", "FailedPrecondition"},
      {"EmptyBearer", Request("GET", "/v1/flags", "", "Bearer "), 401, NotBearer(),
       "FailedPrecondition"},
      {"BasicAuth", Request("GET", "/v1/flags", "", "Basic YTpi"), 401, NotBearer(),
       "FailedPrecondition"},
      {"LowerCaseSchemeWrongToken", Request("GET", "/v1/flags", "", "bearer nope"), 401,
       "wrong bearer token", "FailedPrecondition"},
      {"ApiKeyOutsideOfrep",
       "GET /v1/flags HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-API-Key: " +
           std::string(kToken) + "\r\n\r\n",
       401, Missing(), "FailedPrecondition"},
      {"NoTokenOnAWrite", Request("PUT", put, R"({"stage":"dual_write"})", ""), 401, Missing(),
       "FailedPrecondition"},
      {"NoTokenOnMetrics", Request("GET", "/metrics", "", ""), 401, Missing(),
       "FailedPrecondition"},
      // PUT /v1/flags/{group}.
      {"FlagsNotJson", flags("stage=dual_write"), 400, bad_body, "InvalidArgument"},
      {"FlagsTruncatedJson", flags(R"({"stage": "dual_write")"), 400, bad_body, "InvalidArgument"},
      {"FlagsList", flags(R"(["dual_write"])"), 400, bad_body, "InvalidArgument"},
      {"FlagsString", flags(R"("dual_write")"), 400, bad_body, "InvalidArgument"},
      {"FlagsNotUtf8", flags("{\"stage\": \"dual\xff\"}"), 400, bad_body, "InvalidArgument"},
      {"FlagsEmptyObject", flags("{}"), 400,
       "stage: missing; send {\"stage\": \"dual_write\", \"reason\": \"...\"}", "InvalidArgument"},
      {"FlagsEmptyBody", flags(""), 400,
       "stage: missing; send {\"stage\": \"dual_write\", \"reason\": \"...\"}", "InvalidArgument"},
      {"FlagsStageNumber", flags(R"({"stage": 1})"), 400,
       "stage: expected a string such as \"dual_write\"; " + stages, "InvalidArgument"},
      {"FlagsStageNull", flags(R"({"stage": null})"), 400,
       "stage: expected a string such as \"dual_write\"; " + stages, "InvalidArgument"},
      {"FlagsUnknownStage", flags(R"({"stage": "dual-write"})"), 400,
       "unknown stage 'dual-write'; " + stages, "InvalidArgument"},
      {"FlagsEmptyStage", flags(R"({"stage": ""})"), 400, "unknown stage ''; " + stages,
       "InvalidArgument"},
      {"FlagsReasonNumber", flags(R"({"stage": "dual_write", "reason": 5})"), 400,
       "reason: expected a string", "InvalidArgument"},
      {"FlagsForceString", flags(R"({"stage": "dual_write", "force": "yes"})"), 400,
       "force: expected true or false", "InvalidArgument"},
      {"FlagsByNumber", flags(R"({"stage": "dual_write", "by": 7})"), 400, "by: expected a string",
       "InvalidArgument"},
      {"FlagsUnknownField", flags(R"({"stage": "target_reads", "forse": true})"), 400,
       "forse: unknown field; allowed fields are stage, reason, force, by", "InvalidArgument"},
      {"FlagsForceWithoutReason", flags(R"({"stage": "target_reads", "force": true})"), 400,
       "a forced stage change needs a reason: add --reason \"why\" (API: \"reason\"); it is kept "
       "in the audit history",
       "InvalidArgument"},
      {"FlagsUnknownGroup", Request("PUT", "/v1/flags/payments", R"({"stage":"dual_write"})"), 404,
       "no flag group 'payments'; the spec defines default, orders (control.groups adds "
       "groups)",
       "NotFound"},
      {"FlagsGroupNotUtf8", Request("PUT", "/v1/flags/%FF%FE", R"({"stage":"dual_write"})"), 404,
       "no flag group '\xef\xbf\xbd\xef\xbf\xbd'; the spec defines default, orders "
       "(control.groups adds groups)",
       "NotFound"},
      {"FlagsHugeBody",
       flags("{\"stage\": \"dual_write\", \"reason\": \"" + std::string(2 << 20, 'r') + "\"}"), 413,
       "the request body is larger than 1MiB, the most the control API reads", "InvalidArgument"},
      {"FlagsDeepJson", flags(std::string(100000, '[') + std::string(100000, ']')), 400, bad_body,
       "InvalidArgument"},
      // GET /v1/flags/{group} and its history.
      {"GetUnknownGroup", Request("GET", "/v1/flags/payments", ""), 404,
       "no flag group 'payments'; the spec defines default, orders (control.groups adds "
       "groups)",
       "NotFound"},
      {"HistoryUnknownGroup", Request("GET", "/v1/flags/payments/history", ""), 404,
       "no flag group 'payments'; the spec defines default, orders (control.groups adds "
       "groups)",
       "NotFound"},
      {"LongGroup", Request("GET", "/v1/flags/" + std::string(4000, 'g'), ""), 404, "", "NotFound"},
      {"TooLongUri", Request("GET", "/v1/flags/" + std::string(9000, 'g'), ""), 414,
       "the request line is longer than 8192 bytes; see docs/control-api.md", "InvalidArgument"},
      // POST /v1/ctl.
      {"CtlNotJson", ctl("pause"), 400, bad_body, "InvalidArgument"},
      {"CtlNoAction", ctl("{}"), 400,
       "action: missing; send {\"action\": \"pause\", \"what\": \"copy\", \"reason\": \"...\"} "
       "(actions: pause, resume, set, reset, throttle)",
       "InvalidArgument"},
      {"CtlActionNumber", ctl(R"({"action": 1})"), 400, "action: expected a string",
       "InvalidArgument"},
      {"CtlSetAboveInt64",
       ctl(R"({"action": "set", "key": "throttle.copy_rows_per_second", "value": 18446744073709551615})"),
       400,
       "throttle.copy_rows_per_second: '18446744073709551615' is not an integer >= 0 (rows per "
       "second; 0: unlimited)",
       "InvalidArgument"},
      {"CtlUnknownAction", ctl(R"({"action": "explode"})"), 400,
       "unknown action 'explode'; the actions are pause, resume, set, reset and throttle",
       "InvalidArgument"},
      {"CtlPauseWhat", ctl(R"({"action": "pause", "what": "everything"})"), 400,
       "pause: unknown part 'everything'; pause copy, apply or all (nothing: all)",
       "InvalidArgument"},
      {"CtlSetWithoutValue", ctl(R"({"action": "set", "key": "throttle.copy_rows_per_second"})"),
       400,
       "value: missing; send {\"action\": \"set\", \"key\": \"...\", \"value\": ...} (or "
       "{\"action\": \"reset\", \"key\": \"...\"} to go back to the spec's)",
       "InvalidArgument"},
      {"CtlSetValueList",
       ctl(R"({"action": "set", "key": "throttle.copy_rows_per_second", "value": [1]})"), 400,
       "value: expected a string or an integer", "InvalidArgument"},
      {"CtlSetNegative",
       ctl(R"({"action": "set", "key": "throttle.copy_rows_per_second", "value": -5})"), 400,
       "throttle.copy_rows_per_second: '-5' is not an integer >= 0 (rows per second; 0: "
       "unlimited)",
       "InvalidArgument"},
      {"CtlSetHuge",
       ctl(R"({"action": "set", "key": "throttle.copy_rows_per_second", "value": 99999999999999999999})"),
       400, "value: expected a string or an integer", "InvalidArgument"},
      {"CtlSetUnknownKey", ctl(R"({"action": "set", "key": "throttle.max_lag", "value": 1})"), 400,
       "unknown setting 'throttle.max_lag'; the live settings are throttle.copy_rows_per_second, "
       "throttle.apply_rows_per_second, throttle.max_load.threads_running, "
       "throttle.max_replica_lag, throttle.target_max_load, throttle.target_max_commit_latency",
       "InvalidArgument"},
      {"CtlThrottleWithoutOn", ctl(R"({"action": "throttle", "reason": "r"})"), 400,
       "on: expected true (hold copy and apply) or false", "InvalidArgument"},
      {"CtlThrottleWithoutReason", ctl(R"({"action": "throttle", "on": true})"), 400,
       "throttle: a reason is required (--reason \"why\"; API: \"reason\"); it is shown in status "
       "and kept in the audit",
       "InvalidArgument"},
      {"CtlUnknownField", ctl(R"({"action": "pause", "waht": "copy"})"), 400,
       "waht: unknown field; allowed fields are action, what, key, value, reason, on, by",
       "InvalidArgument"},
      // POST /v1/fence (no `cutover run` applies here: a valid one is a 409).
      {"FenceNotJson", fence("now"), 400, bad_body, "InvalidArgument"},
      {"FenceTimeoutString", fence(R"({"timeout_seconds": "5"})"), 400,
       "timeout_seconds: expected a whole number of seconds, 1 to 86400", "InvalidArgument"},
      {"FenceTimeoutNegative", fence(R"({"timeout_seconds": -1})"), 400,
       "timeout_seconds: expected a whole number of seconds, 1 to 86400", "InvalidArgument"},
      {"FenceTimeoutZero", fence(R"({"timeout_seconds": 0})"), 400,
       "timeout_seconds: expected a whole number of seconds, 1 to 86400", "InvalidArgument"},
      {"FenceTimeoutFraction", fence(R"({"timeout_seconds": 1.5})"), 400,
       "timeout_seconds: expected a whole number of seconds, 1 to 86400", "InvalidArgument"},
      {"FenceTimeoutHuge", fence(R"({"timeout_seconds": 18446744073709551615})"), 400,
       "timeout_seconds: expected a whole number of seconds, 1 to 86400", "InvalidArgument"},
      {"FenceUnknownField", fence(R"({"timeout": 5})"), 400,
       "timeout: unknown field; allowed fields are timeout_seconds", "InvalidArgument"},
      // A body without a length is refused at once (411), not read until a timeout.
      {"FenceWithoutBody",
       "POST /v1/fence HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer " +
           std::string(kToken) + "\r\n\r\n",
       411, "a POST needs a body with a Content-Length header; send {} for none",
       "InvalidArgument"},
      {"PutWithoutLength",
       "PUT /v1/flags/default HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: "
       "Bearer " +
           std::string(kToken) + "\r\n\r\n{\"stage\": \"dual_write\"}",
       411, "a PUT needs a body with a Content-Length header; send {} for none", "InvalidArgument"},
      {"ChunkedBody",
       "POST /v1/router-reports HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: "
       "Bearer " +
           std::string(kToken) + "\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
       200, "", ""},
      // Query parameters: no endpoint takes any, so they are refused by name, not ignored.
      {"QueryOnAWrite", Request("PUT", put + "?force=true", R"({"stage":"dual_write"})"), 400,
       "unknown query parameter 'force'; no endpoint takes query parameters: send the "
       "request's fields in its JSON body (docs/control-api.md)",
       "InvalidArgument"},
      {"QueryOnARead", Request("GET", "/v1/flags/default?stage=target_only&x&x=2", ""), 400,
       "unknown query parameters 'stage', 'x'; no endpoint takes query parameters: send the "
       "request's fields in its JSON body (docs/control-api.md)",
       "InvalidArgument"},
      {"QueryWithoutToken", Request("GET", "/v1/status?x=1", "", ""), 401, Missing(),
       "FailedPrecondition"},
      // POST /v1/router-reports.
      {"ReportNotJson", Request("POST", "/v1/router-reports", "x"), 400, bad_body,
       "InvalidArgument"},
      {"ReportGroupNumber", Request("POST", "/v1/router-reports", R"({"group": 1})"), 400,
       "group: expected a string such as \"default\"", "InvalidArgument"},
      {"ReportUnknownGroup", Request("POST", "/v1/router-reports", R"({"group": "payments"})"), 404,
       "no flag group 'payments'; the spec defines default, orders (control.groups adds "
       "groups)",
       "NotFound"},
      {"ReportNegativeCount",
       Request("POST", "/v1/router-reports", R"({"shadow_comparisons": -1})"), 400,
       "shadow_comparisons: expected a count (an integer >= 0) since the client's previous "
       "report",
       "InvalidArgument"},
      {"ReportCountString",
       Request("POST", "/v1/router-reports", R"({"shadow_comparisons": "10"})"), 400,
       "shadow_comparisons: expected a count (an integer >= 0) since the client's previous "
       "report",
       "InvalidArgument"},
      // POST /v1/verify.
      {"VerifyWithFields", Request("POST", "/v1/verify", R"({"tables": "shop.*"})"), 400,
       "POST /v1/verify takes an empty object ({}): it verifies every table", "InvalidArgument"},
      {"VerifyNotJson", Request("POST", "/v1/verify", "go"), 400, bad_body, "InvalidArgument"},
      // Endpoints and methods.
      {"UnknownEndpoint", Request("GET", "/v1/stats", ""), 404,
       "no such endpoint: GET /v1/stats; see docs/control-api.md", "NotFound"},
      {"WrongMethodOnStatus", Request("POST", "/v1/status", "{}"), 404,
       "no such endpoint: POST /v1/status; see docs/control-api.md", "NotFound"},
      {"DeleteFlags", Request("DELETE", put, ""), 404,
       "no such endpoint: DELETE /v1/flags/default; see docs/control-api.md", "NotFound"},
      {"PatchFlags", Request("PATCH", put, R"({"stage":"dual_write"})"), 404,
       "no such endpoint: PATCH /v1/flags/default; see docs/control-api.md", "NotFound"},
      {"UnknownMethod", Request("BREW", "/v1/status", ""), 400,
       "not an HTTP request the control API reads; see docs/control-api.md", "InvalidArgument"},
      {"NotHttp", "hello\r\n\r\n", 400,
       "not an HTTP request the control API reads; see docs/control-api.md", "InvalidArgument"},
      // Path traversal toward the web page's files, with and without the token.
      {"TraversalNoToken", Request("GET", "/web/../../../etc/passwd", "", ""), 401, Missing(),
       "FailedPrecondition"},
      {"Traversal", Request("GET", "/web/../../../etc/passwd", ""), 404, "", "NotFound"},
      {"TraversalEncoded", Request("GET", "/web/%2e%2e/%2e%2e/etc/passwd", ""), 404, "",
       "NotFound"},
      {"TraversalDoubleSlash", Request("GET", "//etc/passwd", ""), 404, "", "NotFound"},
      {"AssetWithTraversal", Request("GET", "/web/../web/app.js", "", ""), 401, Missing(),
       "FailedPrecondition"},
      {"NulInPath", Request("GET", "/v1/flags/default%00x", ""), 404, "", "NotFound"},
  };
}

class ControlApiBadInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = copytest::MakeTempDir("cutover_control_bad_input");
    spec_ = dir_ / "spec.yaml";
    copytest::WriteFile(spec_,
                        "name: control-bad-input\n"
                        "source: {kind: mariadb, port: 1, user: cutover}\n"
                        "target: {kind: mariadb, port: 2, user: cutover}\n"
                        "tables: [{match: \"shop.*\"}]\n"
                        "state_dir: " +
                            (dir_ / "state").string() +
                            "\n"
                            "control:\n"
                            "  listen: 127.0.0.1:0\n"
                            "  token_env: CUTOVER_CONTROL_TOKEN\n"
                            "  groups: {orders: [\"shop.orders\"]}\n");
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::filesystem::path dir_;
  std::filesystem::path spec_;
  std::unique_ptr<runtest::CutoverProcess> server_;
};

TEST_F(ControlApiBadInputTest, EveryMalformedRequestIsRefusedAndTheServerKeepsServing) {
  int port = runtest::StartServe(spec_, kToken, dir_ / "serve.out", &server_);
  ASSERT_GT(port, 0);
  const std::vector<ApiCase> cases = Cases();
  for (const ApiCase& api_case : cases) {
    SCOPED_TRACE(api_case.name);
    const auto started = std::chrono::steady_clock::now();
    Answer answer = SendRaw(port, api_case.request);
    const auto took = std::chrono::steady_clock::now() - started;
    EXPECT_LT(took, std::chrono::seconds(2)) << "a refusal should not wait";
    EXPECT_EQ(answer.status, api_case.status) << answer.headers << "\n" << answer.body;
    if (!api_case.code.empty()) {
      json body = json::parse(answer.body, nullptr, false);
      ASSERT_TRUE(body.is_object()) << answer.headers << "\n" << answer.body;
      if (!api_case.error.empty()) {
        EXPECT_EQ(body.value("error", ""), api_case.error);
      }
      EXPECT_EQ(body.value("code", ""), api_case.code) << answer.body;
    }
    EXPECT_EQ(answer.body.find("root:"), std::string::npos) << "a file was served";
    // Still serving, and nothing changed.
    Answer flags = SendRaw(port, Request("GET", "/v1/flags/default", ""));
    ASSERT_EQ(flags.status, 200) << "the server stopped answering after " << api_case.name << "\n"
                                 << server_->Output();
    EXPECT_EQ(json::parse(flags.body, nullptr, false).value("stage", ""), "source_only");
  }
  Answer history = SendRaw(port, Request("GET", "/v1/flags/default/history", ""));
  EXPECT_EQ(json::parse(history.body, nullptr, false)["changes"].size(), 0u) << history.body;
  std::cout << cases.size() << " malformed requests refused\n";
}

// OFREP's endpoints answer malformed evaluations with OFREP's {"key", "errorCode",
// "errorDetails"} (docs/control-api.md, "Flags through OpenFeature").
TEST_F(ControlApiBadInputTest, OfrepRefusesMalformedEvaluationsInItsOwnFormat) {
  int port = runtest::StartServe(spec_, kToken, dir_ / "serve.out", &server_);
  ASSERT_GT(port, 0);
  const std::string flags =
      "the flags are cutover.stage, cutover.stage.default, cutover.stage.orders";
  struct OfrepCase {
    std::string path;
    std::string body;
    int status;
    std::string code;
    std::string details;
  };
  const std::vector<OfrepCase> cases = {
      {"/ofrep/v1/evaluate/flags/cutover.stage", "not json", 400, "PARSE_ERROR",
       "the request body must be a JSON object: {\"context\": {...}}"},
      {"/ofrep/v1/evaluate/flags/cutover.stage", "[1]", 400, "PARSE_ERROR",
       "the request body must be a JSON object: {\"context\": {...}}"},
      {"/ofrep/v1/evaluate/flags/cutover.stage", R"({"context": 5})", 400, "INVALID_CONTEXT",
       "context: expected an object, e.g. {\"targetingKey\": \"orders-api\", \"group\": "
       "\"orders\"}"},
      {"/ofrep/v1/evaluate/flags/cutover.stage", R"({"context": {"group": 5}})", 400,
       "INVALID_CONTEXT", "context.group: expected the name of a flag group"},
      {"/ofrep/v1/evaluate/flags/cutover.stage", R"({"context": {"group": "payments"}})", 400,
       "INVALID_CONTEXT",
       "context.group: no flag group 'payments'; the spec defines default, orders "
       "(control.groups adds groups)"},
      {"/ofrep/v1/evaluate/flags/cutover.stages", "{}", 404, "FLAG_NOT_FOUND",
       "no flag 'cutover.stages'; " + flags},
      {"/ofrep/v1/evaluate/flags/%FF", "{}", 404, "FLAG_NOT_FOUND",
       "no flag '\xef\xbf\xbd'; " + flags},
      {"/ofrep/v1/evaluate/flags", R"({"context": []})", 400, "INVALID_CONTEXT",
       "context: expected an object, e.g. {\"targetingKey\": \"orders-api\", \"group\": "
       "\"orders\"}"},
  };
  for (const OfrepCase& ofrep : cases) {
    SCOPED_TRACE(ofrep.path + " " + ofrep.body);
    Answer answer = SendRaw(port, Request("POST", ofrep.path, ofrep.body));
    EXPECT_EQ(answer.status, ofrep.status) << answer.headers << answer.body;
    json body = json::parse(answer.body, nullptr, false);
    ASSERT_TRUE(body.is_object()) << answer.headers << answer.body;
    EXPECT_EQ(body.value("errorCode", ""), ofrep.code);
    EXPECT_EQ(body.value("errorDetails", ""), ofrep.details);
  }
  Answer flags_answer = SendRaw(port, Request("GET", "/v1/flags/default", ""));
  EXPECT_EQ(flags_answer.status, 200);
}

// Router counters add up to at most 2^64-1 instead of wrapping around to a small number.
TEST_F(ControlApiBadInputTest, RouterCountersSaturateInsteadOfWrapping) {
  int port = runtest::StartServe(spec_, kToken, dir_ / "serve.out", &server_);
  ASSERT_GT(port, 0);
  for (int report = 0; report < 2; ++report) {
    Answer answer = SendRaw(port, Request("POST", "/v1/router-reports",
                                          R"({"shadow_comparisons": 18446744073709551615})"));
    EXPECT_EQ(answer.status, 200) << answer.body;
  }
  Answer status = SendRaw(port, Request("GET", "/v1/status", ""));
  json body = json::parse(status.body, nullptr, false);
  EXPECT_EQ(body["router"]["default"]["shadow_comparisons"].get<uint64_t>(),
            18446744073709551615ull)
      << status.body;
}

// The web page's files are served without the token (a query, as a cache buster, is no part of
// their path) and only at their exact paths.
TEST_F(ControlApiBadInputTest, AssetsServedOnlyAtTheirPaths) {
  int port = runtest::StartServe(spec_, kToken, dir_ / "serve.out", &server_);
  ASSERT_GT(port, 0);
  Answer asset = SendRaw(port, Request("GET", "/web/app.js?v=2", "", ""));
  EXPECT_EQ(asset.status, 200);
  Answer near_asset = SendRaw(port, Request("GET", "/web/app.js.map", "", ""));
  EXPECT_EQ(near_asset.status, 401);
}

}  // namespace
}  // namespace cutover
