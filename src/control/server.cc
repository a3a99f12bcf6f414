// ControlServer: the HTTP control API (docs/control-api.md) on cpp-httplib, over HTTPS when the
// spec gives control.tls_cert_file and tls_key_file: bearer-token check before routing, JSON in
// and out, errors as {"error", "code"}; the state lives in the store.
#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <httplib.h>
#include <openssl/err.h>

#include "cutover/control.h"
#include "cutover/fence.h"
#include "cutover/run.h"

#include "control/background_verify.h"
#include "control/ctl.h"
#include "control/guards.h"
#include "control/metrics.h"
#include "control/ofrep.h"
#include "control/requests.h"
#include "control/router_reports.h"
#include "control/web_assets.h"
#include "pipeline/clock.h"
#include "state/fence_record.h"
#include "state/status_history.h"
#include "state/verify_report.h"

namespace cutover {
namespace {

using nlohmann::json;

// Compares in time that depends only on the lengths, so that timing does not reveal how much
// of a guess matches the token.
bool TokenEquals(std::string_view given, std::string_view token) {
  size_t length = std::max(given.size(), token.size());
  unsigned char diff = given.size() == token.size() ? 0 : 1;
  for (size_t index = 0; index < length; ++index) {
    unsigned char a = index < given.size() ? static_cast<unsigned char>(given[index]) : 0;
    unsigned char b = index < token.size() ? static_cast<unsigned char>(token[index]) : 0;
    diff |= a ^ b;
  }
  return diff == 0;
}

int HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kInvalidArgument: return 400;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kFailedPrecondition:
    case StatusCode::kAborted:
    case StatusCode::kAlreadyExists: return 409;
    case StatusCode::kDeadlineExceeded: return 504;
    case StatusCode::kUnimplemented: return 501;
    case StatusCode::kUnavailable:
    case StatusCode::kResourceExhausted: return 503;
    default: return 500;
  }
}

// The most a request body may hold: every body the API takes is a small JSON object.
constexpr size_t kMaxBody = 1 << 20;

void SendJson(httplib::Response& response, int http_status, const json& body) {
  response.status = http_status;
  response.set_content(control::JsonText(body) + "\n", "application/json");
}

void SendError(httplib::Response& response, int http_status, StatusCode code,
               std::string_view message) {
  SendJson(response, http_status,
           {{"error", std::string(message)}, {"code", std::string(StatusCodeName(code))}});
}

void SendStatus(httplib::Response& response, const Status& status) {
  SendError(response, HttpStatusFor(status.code()), status.code(), status.message());
}

// `finished`: `cutover finish` completed (phase finished): the source no longer follows, so
// Routers stop copying target_only writes to it.
json StageJson(const Spec& spec, const StageState& stage, bool finished) {
  json tables = json::array();
  for (const ControlGroupSpec& group : spec.control.groups) {
    if (group.name == stage.group) tables = group.tables;
  }
  return {{"group", stage.group},
          {"stage", StageName(stage.stage)},
          {"stage_index", static_cast<int>(stage.stage)},
          {"since_ms", stage.since_ms},
          {"tables", tables},
          {"finished", finished}};
}

// The request's body as a JSON object (control::ParseBodyObject).
Result<json> BodyObject(const httplib::Request& request) {
  return control::ParseBodyObject(request.body);
}

// Who asked, for an audit: "api <address>", plus " (<by>)" when the body names someone.
std::string ApiBy(const httplib::Request& request, const json& body) {
  return control::ApiBy(request.remote_addr, body);
}

// "host:port" or "[v6]:port" (validated by the spec) into its parts.
std::pair<std::string, int> SplitListen(std::string_view listen) {
  size_t colon = listen.rfind(':');
  std::string host(listen.substr(0, colon));
  if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  return {host, std::atoi(std::string(listen.substr(colon + 1)).c_str())};
}

// The HTTP server, or with the spec's certificate and key the HTTPS one. cpp-httplib (Debian's
// build has CPPHTTPLIB_OPENSSL_SUPPORT) loads both with OpenSSL and checks that they match.
Result<std::unique_ptr<httplib::Server>> MakeServer(const ControlSpec& control) {
  if (control.tls_cert_file.empty()) return std::make_unique<httplib::Server>();
  ERR_clear_error();
  auto server = std::make_unique<httplib::SSLServer>(control.tls_cert_file.c_str(),
                                                     control.tls_key_file.c_str());
  if (server->is_valid()) return std::unique_ptr<httplib::Server>(std::move(server));
  char reason[256] = "unknown error";
  if (unsigned long code = ERR_get_error()) ERR_error_string_n(code, reason, sizeof reason);
  return Status::InvalidArgument(fmt::format(
      "control.tls_cert_file {} and control.tls_key_file {}: cannot serve HTTPS with them "
      "(OpenSSL: {}); give a PEM certificate and the PEM private key that belongs to it",
      control.tls_cert_file, control.tls_key_file, reason));
}

class HttpControlServer final : public ControlServer {
 public:
  HttpControlServer(const Spec& spec, std::unique_ptr<StateStore> state,
                    const ControlServerOptions& options, std::unique_ptr<httplib::Server> server)
      : spec_(spec),
        state_(std::move(state)),
        options_(options),
        verify_(options.verify),
        server_holder_(std::move(server)),
        server_(*server_holder_) {}
  ~HttpControlServer() override { Stop(); }

  Status Bind() {
    Route();
    auto [host, port] = SplitListen(spec_.control.listen);
    host_ = host;
    if (port == 0) {
      port_ = server_.bind_to_any_port(host);
      if (port_ <= 0) port_ = -1;
    } else if (server_.bind_to_port(host, port)) {
      port_ = port;
    }
    if (port_ <= 0) {
      return Status::Unavailable(fmt::format(
          "control.listen {}: cannot listen there (in use, or not an address of this host); "
          "choose another control.listen",
          spec_.control.listen));
    }
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // Stop() only ends a server that runs: wait for it, so that a Stop() right after Start()
    // cannot miss it and leave the thread listening.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!server_.is_running() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (options_.log != nullptr) {
      const char* scheme = spec_.control.tls_cert_file.empty() ? "http" : "https";
      std::fprintf(options_.log, "control API listening on %s://%s (docs/control-api.md)\n", scheme,
                   address().c_str());
      // The token is not printed: logs are read by more people than should hold it.
      std::fprintf(options_.log, "web page: %s://%s/#token=<the control token> (docs/web.md)\n",
                   scheme, address().c_str());
      std::fflush(options_.log);
    }
    return Status::Ok();
  }

  int port() const override { return port_; }
  std::string address() const override {
    return host_.find(':') != std::string::npos ? fmt::format("[{}]:{}", host_, port_)
                                                : fmt::format("{}:{}", host_, port_);
  }
  void Stop() override {
    server_.stop();
    if (thread_.joinable()) thread_.join();
    verify_.Stop();
  }

 private:
  void Route() {
    server_.set_pre_routing_handler(
        [this](const httplib::Request& request, httplib::Response& response) {
          // The page itself carries no data: it asks for the token and sends it with each call.
          if (request.method == "GET" && FindAsset(request.path) != nullptr) {
            return httplib::Server::HandlerResponse::Unhandled;
          }
          if (!Authorized(request, response)) return httplib::Server::HandlerResponse::Handled;
          return Refused(request, response) ? httplib::Server::HandlerResponse::Handled
                                            : httplib::Server::HandlerResponse::Unhandled;
        });
    RouteWeb();
    server_.Get("/v1/status", [this](const auto& request, auto& response) {
      Reply(request, response, [this] { return StatusBody(); });
    });
    server_.Get("/v1/flags", [this](const auto& request, auto& response) {
      Reply(request, response, [this]() -> Result<json> {
        CUTOVER_ASSIGN_OR_RETURN(std::vector<StageState> stages, ListStages(spec_, *state_));
        CUTOVER_ASSIGN_OR_RETURN(bool finished, Finished());
        json groups = json::array();
        for (const StageState& stage : stages) groups.push_back(StageJson(spec_, stage, finished));
        return json{{"groups", groups}, {"stages", kStageNames}};
      });
    });
    server_.Get(R"(/v1/flags/([^/]+))", [this](const auto& request, auto& response) {
      std::string group = request.matches[1];
      Reply(request, response, [this, group]() -> Result<json> {
        CUTOVER_ASSIGN_OR_RETURN(StageState stage, GetStage(spec_, *state_, group));
        CUTOVER_ASSIGN_OR_RETURN(bool finished, Finished());
        return StageJson(spec_, stage, finished);
      });
    });
    server_.Get(R"(/v1/flags/([^/]+)/history)", [this](const auto& request, auto& response) {
      std::string group = request.matches[1];
      Reply(request, response, [this, group]() -> Result<json> {
        CUTOVER_ASSIGN_OR_RETURN(std::vector<StageChange> changes,
                                 StageHistory(spec_, *state_, group));
        json out = json::array();
        for (const StageChange& change : changes) out.push_back(StageChangeJson(change));
        return json{{"group", group}, {"changes", out}};
      });
    });
    server_.Put(R"(/v1/flags/([^/]+))", [this](const auto& request, auto& response) {
      std::string group = request.matches[1];
      Reply(request, response, [this, group, &request]() { return PutFlag(group, request); });
    });
    server_.Get("/v1/ctl", [this](const auto& request, auto& response) {
      Reply(request, response, [this]() { return CtlJson(spec_, *state_); });
    });
    server_.Post("/v1/ctl", [this](const auto& request, auto& response) {
      Reply(request, response, [this, &request]() -> Result<json> {
        CUTOVER_ASSIGN_OR_RETURN(json body, BodyObject(request));
        CUTOVER_ASSIGN_OR_RETURN(CtlRequest ctl, control::CtlRequestFromJson(body));
        ctl.by = ApiBy(request, body);
        return ApplyCtl(spec_, *state_, ctl);
      });
    });
    server_.Post("/v1/fence", [this](const auto& request, auto& response) {
      Reply(request, response, [this, &request]() { return Fence(request); });
    });
    server_.Post("/v1/router-reports", [this](const auto& request, auto& response) {
      Reply(request, response, [this, &request]() -> Result<json> {
        CUTOVER_ASSIGN_OR_RETURN(json body, BodyObject(request));
        CUTOVER_ASSIGN_OR_RETURN(std::vector<std::string> ignored,
                                 control::AddRouterReport(spec_, *state_, body));
        return json{{"ok", true}, {"ignored", ignored}};
      });
    });
    control::AddOfrepRoutes(server_, [this]() -> Result<control::OfrepFlags> {
      control::OfrepFlags flags;
      CUTOVER_ASSIGN_OR_RETURN(flags.stages, ListStages(spec_, *state_));
      CUTOVER_ASSIGN_OR_RETURN(flags.finished, Finished());
      return flags;
    });
    server_.Get("/metrics", [this](const httplib::Request&, httplib::Response& response) {
      Result<std::string> text = control::RenderMetrics(spec_, *state_, pipeline::NowMs());
      if (!text.ok()) return SendStatus(response, text.status());
      response.set_content(*text, "text/plain; version=0.0.4; charset=utf-8");
    });
    server_.set_payload_max_length(kMaxBody);
    server_.set_error_handler([](const httplib::Request& request, httplib::Response& response) {
      if (!response.body.empty()) return;
      switch (response.status) {
        case 404:
          return SendError(response, 404, StatusCode::kNotFound,
                           fmt::format("no such endpoint: {} {}; see docs/control-api.md",
                                       request.method, request.path));
        case 413:
          return SendError(response, 413, StatusCode::kInvalidArgument,
                           "the request body is larger than 1MiB, the most the control API reads");
        case 414:
          return SendError(response, 414, StatusCode::kInvalidArgument,
                           "the request line is longer than 8192 bytes; see docs/control-api.md");
        case 400:
          return SendError(response, 400, StatusCode::kInvalidArgument,
                           "not an HTTP request the control API reads; see docs/control-api.md");
        default: return;
      }
    });
    // A handler that throws (it should return a Status) answers 500 with what, and the server
    // goes on serving.
    server_.set_exception_handler([](const httplib::Request& request, httplib::Response& response,
                                     std::exception_ptr error) {
      std::string what = "an unknown exception";
      try {
        if (error) std::rethrow_exception(error);
      } catch (const std::exception& exception) {
        what = exception.what();
      } catch (...) {
      }
      SendError(response, 500, StatusCode::kInternal,
                fmt::format("{} {} failed: {}; report this", request.method, request.path, what));
    });
  }

  // The web page (docs/web.md) and what only it needs: the status history, the verify run
  // from the page.
  void RouteWeb() {
    for (const control::WebAsset& asset : control::WebAssets()) {
      server_.Get(std::string(asset.path), [&asset](const httplib::Request&, auto& response) {
        response.set_header("Cache-Control", "no-cache");
        response.set_header("Content-Security-Policy",
                            "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'");
        response.set_content(std::string(asset.body), std::string(asset.content_type));
      });
    }
    server_.Get("/v1/history", [this](const auto& request, auto& response) {
      Reply(request, response, [this] { return state::ReadStatusHistory(*state_); });
    });
    server_.Get("/v1/verify", [this](const auto& request, auto& response) {
      Reply(request, response, [this]() -> Result<json> {
        json out = verify_.State();
        CUTOVER_ASSIGN_OR_RETURN(std::optional<state::VerifyReportRecord> report,
                                 state::ReadVerifyReport(*state_));
        out["report"] = report ? report->ToJson() : json();
        return out;
      });
    });
    server_.Post("/v1/verify", [this](const auto& request, auto& response) {
      Reply(request, response, [this, &request]() -> Result<json> {
        CUTOVER_ASSIGN_OR_RETURN(json body, BodyObject(request));
        CUTOVER_RETURN_IF_ERROR(control::CheckVerifyBody(body));
        CUTOVER_RETURN_IF_ERROR(verify_.Start(pipeline::NowMs()));
        if (options_.log != nullptr) {
          std::fprintf(options_.log, "control API: verify started by %s\n",
                       request.remote_addr.c_str());
          std::fflush(options_.log);
        }
        return verify_.State();
      });
    });
  }

  static const control::WebAsset* FindAsset(std::string_view path) {
    for (const control::WebAsset& asset : control::WebAssets()) {
      if (asset.path == path) return &asset;
    }
    return nullptr;
  }

  // Each group's next stage and its guard rails, met or not.
  Result<json> GuardsJson(const std::vector<StageState>& stages) {
    json out = json::array();
    for (const StageState& stage : stages) {
      CUTOVER_ASSIGN_OR_RETURN(std::vector<control::GuardCheck> checks,
                               control::NextStageChecks(spec_, *state_, stage));
      json items = json::array();
      for (const control::GuardCheck& check : checks) {
        items.push_back({{"name", check.name},
                         {"needs", check.needs},
                         {"met", check.met},
                         {"problems", check.problems}});
      }
      bool last = stage.stage == Stage::kTargetOnly;
      out.push_back(
          {{"group", stage.group},
           {"next",
            last ? json() : json(StageName(static_cast<Stage>(static_cast<int>(stage.stage) + 1)))},
           {"checks", items}});
    }
    return out;
  }

  bool Authorized(const httplib::Request& request, httplib::Response& response) {
    constexpr std::string_view kBearer = "bearer ";
    std::string header = request.get_header_value("Authorization");
    // The scheme is case-insensitive (RFC 9110); the token is compared as sent.
    bool has_bearer =
        header.size() > kBearer.size() &&
        std::equal(kBearer.begin(), kBearer.end(), header.begin(),
                   [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); });
    if (has_bearer &&
        TokenEquals(std::string_view(header).substr(kBearer.size()), spec_.control.token.value)) {
      return true;
    }
    // OFREP's other authentication scheme (docs/control-api.md, "Flags through OpenFeature").
    if (request.path.rfind("/ofrep/", 0) == 0 && request.has_header("X-API-Key") &&
        TokenEquals(request.get_header_value("X-API-Key"), spec_.control.token.value)) {
      return true;
    }
    response.set_header("WWW-Authenticate", "Bearer");
    SendError(response, 401, StatusCode::kFailedPrecondition,
              has_bearer       ? "wrong bearer token"
              : header.empty() ? "missing `Authorization: Bearer <token>` header; the token is "
                                 "the value of the spec's control.token_env (or token_file)"
                               : "the Authorization header is not `Bearer <token>`; the token is "
                                 "the value of the spec's control.token_env (or token_file)");
    if (options_.log != nullptr) {
      std::fprintf(options_.log, "control API: refused %s %s from %s: %s\n", request.method.c_str(),
                   request.path.c_str(), request.remote_addr.c_str(),
                   has_bearer ? "wrong token" : "no token");
      std::fflush(options_.log);
    }
    return false;
  }

  // Answers, before the body is read, a request the API refuses whatever its path: a body
  // without a length (httplib would read it until its 5 s read timeout: 411 at once instead), or
  // query parameters (no endpoint takes any: 400 naming them rather than ignoring them).
  bool Refused(const httplib::Request& request, httplib::Response& response) {
    const bool has_body =
        request.method == "POST" || request.method == "PUT" || request.method == "PATCH";
    std::string encoding = request.get_header_value("Transfer-Encoding");
    std::transform(encoding.begin(), encoding.end(), encoding.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (has_body && !request.has_header("Content-Length") && encoding != "chunked") {
      SendError(
          response, 411, StatusCode::kInvalidArgument,
          "a " + request.method + " needs a body with a Content-Length header; send {} for none");
      return true;
    }
    if (request.params.empty()) return false;
    std::vector<std::string> names;
    for (const auto& [name, value] : request.params) {
      if (names.empty() || names.back() != name) names.push_back(name);
    }
    SendError(response, 400, StatusCode::kInvalidArgument,
              fmt::format("unknown query parameter{} '{}'; no endpoint takes query parameters: "
                          "send the request's fields in its JSON body (docs/control-api.md)",
                          names.size() > 1 ? "s" : "", fmt::join(names, "', '")));
    return true;
  }

  template <typename Handler>
  void Reply(const httplib::Request&, httplib::Response& response, Handler handler) {
    Result<json> body = handler();
    if (!body.ok()) return SendStatus(response, body.status());
    SendJson(response, 200, *body);
  }

  // `cutover finish` completed and no `cutover run` has started CDC again since.
  Result<bool> Finished() {
    CUTOVER_ASSIGN_OR_RETURN(Phase phase, state_->GetPhase());
    return phase == Phase::kFinished;
  }

  Result<json> StatusBody() {
    CUTOVER_ASSIGN_OR_RETURN(std::string text, FormatStatus(spec_, /*json=*/true));
    json out = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!out.is_object()) return Status::Internal("the status record is not JSON");
    CUTOVER_ASSIGN_OR_RETURN(std::vector<StageState> stages, ListStages(spec_, *state_));
    CUTOVER_ASSIGN_OR_RETURN(bool finished, Finished());
    out["flags"] = json::array();
    for (const StageState& stage : stages) {
      out["flags"].push_back(StageJson(spec_, stage, finished));
    }
    CUTOVER_ASSIGN_OR_RETURN(std::optional<state::VerifyReportRecord> verify,
                             state::ReadVerifyReport(*state_));
    out["verify"] = verify ? verify->ToJson() : json();
    // The verify summary only: its listed differences can be long.
    if (verify) out["verify"].erase("tables");
    CUTOVER_ASSIGN_OR_RETURN(std::optional<state::LastFence> fence, state::ReadLastFence(*state_));
    out["fence"] = fence ? fence->ToJson() : json();
    CUTOVER_ASSIGN_OR_RETURN(control::RouterTotals totals, control::ReadRouterTotals(*state_));
    out["router"] = totals;
    CUTOVER_ASSIGN_OR_RETURN(out["guards"], GuardsJson(stages));
    CUTOVER_ASSIGN_OR_RETURN(std::vector<state::LastFence> fences,
                             state::ReadFenceHistory(*state_));
    out["fence_history"] = json::array();
    for (const state::LastFence& passed : fences) out["fence_history"].push_back(passed.ToJson());
    return out;
  }

  Result<json> PutFlag(const std::string& group, const httplib::Request& request) {
    CUTOVER_ASSIGN_OR_RETURN(json body, BodyObject(request));
    CUTOVER_ASSIGN_OR_RETURN(StageRequest change, control::FlagRequestFromJson(group, body));
    change.by = ApiBy(request, body);
    CUTOVER_ASSIGN_OR_RETURN(StageChange done, SetStage(spec_, *state_, change));
    CUTOVER_ASSIGN_OR_RETURN(StageState now, GetStage(spec_, *state_, group));
    CUTOVER_ASSIGN_OR_RETURN(bool finished, Finished());
    json out = StageJson(spec_, now, finished);
    out["change"] = done.sequence == 0 ? json() : StageChangeJson(done);
    return out;
  }

  Result<json> Fence(const httplib::Request& request) {
    CUTOVER_ASSIGN_OR_RETURN(json body, BodyObject(request));
    CUTOVER_ASSIGN_OR_RETURN(FenceOptions options, control::FenceOptionsFromJson(body));
    CUTOVER_ASSIGN_OR_RETURN(FenceResult fence, RunFence(spec_, options));
    return json{{"id", fence.id},
                {"written_at_ms", fence.written_at_ms},
                {"applied_at_ms", fence.applied_at_ms},
                {"lag_seconds", fence.lag_seconds},
                {"passed", true}};
  }

  // Constant after construction.
  const Spec spec_;
  const std::unique_ptr<StateStore> state_;  // thread-safe; shared by the handler threads
  const ControlServerOptions options_;

  control::BackgroundVerify verify_;  // POST /v1/verify; thread-safe
  const std::unique_ptr<httplib::Server> server_holder_;  // HTTP, or HTTPS (an SSLServer)
  httplib::Server& server_;  // *server_holder_; thread-safe; its own pool runs the handlers
  std::string host_;
  int port_ = -1;
  std::thread thread_;  // runs listen_after_bind until Stop
};

}  // namespace

Result<std::unique_ptr<ControlServer>> ControlServer::Start(const Spec& spec,
                                                            const ControlServerOptions& options) {
  if (spec.control.token.value.empty()) {
    return Status::FailedPrecondition(
        "control: the API never runs without a bearer token; set control.token_env (e.g. "
        "CUTOVER_CONTROL_TOKEN, exported with a long random value) or control.token_file");
  }
  CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<httplib::Server> http, MakeServer(spec.control));
  CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<StateStore> state, OpenControlState(spec));
  auto server =
      std::make_unique<HttpControlServer>(spec, std::move(state), options, std::move(http));
  CUTOVER_RETURN_IF_ERROR(server->Bind());
  return std::unique_ptr<ControlServer>(std::move(server));
}

}  // namespace cutover
