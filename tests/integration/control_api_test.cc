// The control API as a user meets it: `cutover serve SPEC` refuses to start without a token,
// listens on 127.0.0.1 only, answers 401 without the token or with a wrong one; the flag stages
// round-trip through the API and `cutover flags` alike (same store, same audit), a guard rail
// refuses an unsafe change with why and how to force it, a forced change and going back at once
// are audited; router reports and the stages show in /metrics. No database server is needed.
#include <nlohmann/json.hpp>
#include <regex>

#include <gtest/gtest.h>
#include <httplib.h>
#include <ifaddrs.h>
#include <netinet/in.h>

#include "cutover/state_store.h"

#include "serve_support.h"

namespace cutover {
namespace {

using nlohmann::json;
using runtest::CutoverProcess;

constexpr char kToken[] = "control-test-token-6f1e2d";

struct CliResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

CliResult RunCli(const std::string& args, const std::filesystem::path& dir) {
  std::filesystem::path out = dir / "cli.out";
  std::string command = std::string("CUTOVER_CONTROL_TOKEN=") + kToken + " " +
                        std::getenv("CUTOVER_BIN") + " " + args + " > " + out.string() + " 2>&1";
  int status = std::system(command.c_str());
  std::ifstream in(out);
  std::stringstream text;
  text << in.rdbuf();
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, text.str()};
}

std::string SpecText(const std::filesystem::path& dir, bool with_token) {
  return fmt::format(
      "name: control-api\n"
      "source: {{kind: mariadb, port: 13306, user: cutover}}\n"
      "target: {{kind: mariadb, port: 13307, user: cutover}}\n"
      "tables: [{{match: \"cutover_test.*\"}}]\n"
      "state_dir: {}\n"
      "control:\n"
      "  listen: 127.0.0.1:0\n"
      "{}"
      "  groups: {{orders: [\"cutover_test.orders\"]}}\n",
      (dir / "state").string(), with_token ? "  token_env: CUTOVER_CONTROL_TOKEN\n" : "");
}

// The local IPv4 state of the listening TCP socket on `port` ("0100007F" is 127.0.0.1), from
// /proc/net/tcp; empty when none listens there.
std::vector<std::string> ListeningAddresses(int port) {
  std::ifstream in("/proc/net/tcp");
  std::string line;
  std::getline(in, line);  // header
  std::vector<std::string> out;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state;
    fields >> slot >> local >> remote >> state;
    size_t colon = local.find(':');
    if (state == "0A" && std::stoi(local.substr(colon + 1), nullptr, 16) == port) {
      out.push_back(local.substr(0, colon));
    }
  }
  return out;
}

// This host's IPv4 addresses other than loopback ones.
std::vector<std::string> OtherAddresses() {
  std::vector<std::string> out;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return out;
  for (ifaddrs* each = list; each != nullptr; each = each->ifa_next) {
    if (each->ifa_addr == nullptr || each->ifa_addr->sa_family != AF_INET) continue;
    char text[INET_ADDRSTRLEN];
    auto* address = reinterpret_cast<sockaddr_in*>(each->ifa_addr);
    inet_ntop(AF_INET, &address->sin_addr, text, sizeof(text));
    if (std::string(text).rfind("127.", 0) != 0) out.push_back(text);
  }
  freeifaddrs(list);
  return out;
}

class ControlApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = copytest::MakeTempDir("cutover_control_api");
    spec_ = dir_ / "spec.yaml";
    copytest::WriteFile(spec_, SpecText(dir_, true));
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Starts `cutover serve` and returns the port it reports.
  int Serve() { return runtest::StartServe(spec_, kToken, dir_ / "serve.out", &server_); }
  httplib::Client Client(int port, const std::string& token = kToken) {
    httplib::Client client("127.0.0.1", port);
    if (!token.empty()) client.set_bearer_token_auth(token.c_str());
    return client;
  }
  static json Body(const httplib::Result& result) {
    EXPECT_TRUE(result) << "no answer";
    if (!result) return json();
    return json::parse(result->body, nullptr, false);
  }
  static json Put(httplib::Client& client, const std::string& path, const json& body,
                  int expected_status) {
    httplib::Result result = client.Put(path.c_str(), body.dump(), "application/json");
    EXPECT_TRUE(result);
    if (!result) return json();
    EXPECT_EQ(result->status, expected_status) << result->body;
    return json::parse(result->body, nullptr, false);
  }

  std::filesystem::path dir_;
  std::filesystem::path spec_;
  std::unique_ptr<CutoverProcess> server_;
};

TEST_F(ControlApiTest, RefusesToStartWithoutAToken) {
  copytest::WriteFile(spec_, SpecText(dir_, false));
  CliResult result = RunCli("serve " + spec_.string(), dir_);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.output,
            "cutover serve: FailedPrecondition: control: the API never runs without a bearer "
            "token; set control.token_env (e.g. CUTOVER_CONTROL_TOKEN, exported with a long "
            "random value) or control.token_file\n");
}

TEST_F(ControlApiTest, NeedsTheTokenAndListensOnLoopbackOnly) {
  int port = Serve();
  ASSERT_GT(port, 0);
  EXPECT_EQ(ListeningAddresses(port), std::vector<std::string>{"0100007F"});
  for (const std::string& address : OtherAddresses()) {
    httplib::Client other(address, port);
    other.set_connection_timeout(std::chrono::seconds(2));
    EXPECT_FALSE(other.Get("/metrics")) << "answered on " << address;
  }

  httplib::Client anonymous = Client(port, "");
  httplib::Result none = anonymous.Get("/v1/flags");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
  EXPECT_EQ(none->get_header_value("WWW-Authenticate"), "Bearer");
  EXPECT_EQ(Body(none)["error"],
            "missing `Authorization: Bearer <token>` header; the token is the value of the "
            "spec's control.token_env (or token_file)");
  for (const char* path : {"/metrics", "/v1/status"}) {
    httplib::Result result = anonymous.Get(path);
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 401) << path;
  }
  httplib::Client wrong = Client(port, std::string(kToken) + "x");
  httplib::Result refused =
      wrong.Put("/v1/flags/default", R"({"stage":"dual_write"})", "application/json");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 401);
  EXPECT_EQ(Body(refused)["error"], "wrong bearer token");
  // Nothing changed behind the refusals.
  EXPECT_EQ(Body(Client(port).Get("/v1/flags/default"))["stage"], "source_only");
  EXPECT_NE(server_->Output().find("refused PUT /v1/flags/default from 127.0.0.1: wrong token"),
            std::string::npos);
}

TEST_F(ControlApiTest, StagesRoundTripThroughTheApiAndTheCli) {
  int port = Serve();
  ASSERT_GT(port, 0);
  httplib::Client client = Client(port);

  json flags = Body(client.Get("/v1/flags"));
  EXPECT_EQ(flags["stages"], json({"source_only", "dual_write", "shadow", "target_reads",
                                   "target_primary", "target_only"}));
  ASSERT_EQ(flags["groups"].size(), 2u);
  EXPECT_EQ(flags["groups"][1]["group"], "orders");
  EXPECT_EQ(flags["groups"][1]["tables"], json({"cutover_test.orders"}));
  EXPECT_EQ(flags["groups"][1]["stage"], "source_only");

  // API, then CLI, then API again: one store.
  json moved = Put(client, "/v1/flags/default",
                   {{"stage", "dual_write"}, {"reason", "start dual writes"}}, 200);
  EXPECT_EQ(moved["stage"], "dual_write");
  EXPECT_EQ(moved["stage_index"], 1);
  EXPECT_EQ(moved["change"]["sequence"], 1);
  EXPECT_EQ(moved["change"]["by"], "api 127.0.0.1");
  CliResult get = RunCli("flags get " + spec_.string() + " default", dir_);
  EXPECT_EQ(get.exit_code, 0);
  EXPECT_EQ(get.output.substr(0, get.output.find(" (since")), "default: dual_write");
  CliResult set = RunCli("flags set " + spec_.string() + " shadow --reason 'compare reads'", dir_);
  EXPECT_EQ(set.exit_code, 0) << set.output;
  EXPECT_NE(set.output.find("default: dual_write -> shadow by cli "), std::string::npos);
  EXPECT_EQ(Body(client.Get("/v1/flags/default"))["stage"], "shadow");

  // A guard rail: no verify has run, and no `cutover run` reports its lag.
  json refused = Put(client, "/v1/flags/default", {{"stage", "target_reads"}}, 409);
  EXPECT_EQ(refused["code"], "FailedPrecondition");
  std::string why = refused["error"].get<std::string>();
  EXPECT_EQ(why.rfind("refused to move group 'default' from shadow to target_reads: no verify "
                      "has run yet; run `cutover verify " +
                          spec_.string() +
                          "` until it "
                          "reports 0 differences; the CDC lag is unknown",
                      0),
            0u)
      << why;
  EXPECT_NE(why.find("force it with a reason: cutover flags set " + spec_.string() +
                     " default target_reads --force --reason \"...\" (API: PUT "
                     "/v1/flags/default with {\"stage\": \"target_reads\", \"force\": true, "
                     "\"reason\": \"...\"})"),
            std::string::npos);
  CliResult cli_refused = RunCli("flags set " + spec_.string() + " default target_reads", dir_);
  EXPECT_EQ(cli_refused.exit_code, 1);
  EXPECT_EQ(cli_refused.output, "cutover flags set: FailedPrecondition: " + why + "\n");

  // Forced, with a reason; then straight back to the start.
  Put(client, "/v1/flags/default", {{"stage", "target_reads"}, {"force", true}}, 400);
  json forced =
      Put(client, "/v1/flags/default",
          {{"stage", "target_reads"}, {"force", true}, {"reason", "verified by hand"}}, 200);
  EXPECT_EQ(forced["change"]["forced"], true);
  json back =
      Put(client, "/v1/flags/default", {{"stage", "source_only"}, {"reason", "rollback"}}, 200);
  EXPECT_EQ(back["stage"], "source_only");
  EXPECT_EQ(back["change"]["from"], "target_reads");
  EXPECT_EQ(back["change"]["forced"], false);

  json history = Body(client.Get("/v1/flags/default/history"));
  ASSERT_EQ(history["changes"].size(), 4u);
  std::vector<std::string> moves;
  for (const json& change : history["changes"]) {
    moves.push_back(change["from"].get<std::string>() + ">" + change["to"].get<std::string>() +
                    (change["forced"].get<bool>() ? " forced: " : ": ") +
                    change["reason"].get<std::string>());
  }
  EXPECT_EQ(moves, (std::vector<std::string>{"source_only>dual_write: start dual writes",
                                             "dual_write>shadow: compare reads",
                                             "shadow>target_reads forced: verified by hand",
                                             "target_reads>source_only: rollback"}));
  CliResult cli_history = RunCli("flags history " + spec_.string() + " default --json", dir_);
  EXPECT_EQ(cli_history.exit_code, 0);
  EXPECT_EQ(json::parse(cli_history.output), history["changes"]);
  EXPECT_EQ(Body(client.Get("/v1/flags/orders/history"))["changes"].size(), 0u);

  // Bad requests name the problem.
  EXPECT_EQ(Put(client, "/v1/flags/users", {{"stage", "shadow"}}, 404)["error"],
            "no flag group 'users'; the spec defines default, orders (control.groups adds "
            "groups)");
  EXPECT_EQ(Put(client, "/v1/flags/default", {{"stage", "target"}}, 400)["error"],
            "unknown stage 'target'; the stages are, in order: source_only, dual_write, shadow, "
            "target_reads, target_primary, target_only");
  httplib::Result missing = client.Get("/v1/nothing");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(Body(missing)["error"], "no such endpoint: GET /v1/nothing; see docs/control-api.md");
}

TEST_F(ControlApiTest, StatusFenceAndMetrics) {
  int port = Serve();
  ASSERT_GT(port, 0);
  httplib::Client client = Client(port);
  Put(client, "/v1/flags/orders", {{"stage", "dual_write"}}, 200);

  json report = {{"group", "orders"},         {"client", "orders-api-1"},
                 {"shadow_comparisons", 120}, {"shadow_mismatches", 2},
                 {"shadow_settled", 5},       {"secondary_write_failures", 1}};
  for (int round = 0; round < 2; ++round) {
    httplib::Result posted = client.Post("/v1/router-reports", report.dump(), "application/json");
    ASSERT_TRUE(posted);
    EXPECT_EQ(posted->status, 200) << posted->body;
  }

  json status = Body(client.Get("/v1/status"));
  EXPECT_EQ(status["migration"], "control-api");
  EXPECT_EQ(status["phase"], "new");
  EXPECT_EQ(status["flags"][1]["stage"], "dual_write");
  EXPECT_EQ(status["router"]["orders"]["shadow_comparisons"], 240);

  // No `cutover run` is running, so a fence cannot pass.
  httplib::Result fence = client.Post("/v1/fence", "{}", "application/json");
  ASSERT_TRUE(fence);
  EXPECT_EQ(fence->status, 409) << fence->body;
  EXPECT_EQ(Body(fence)["code"], "FailedPrecondition");

  httplib::Result metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  EXPECT_EQ(metrics->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  for (const char* line : {
           "cutover_info{migration=\"control-api\"} 1\n",
           "cutover_phase{phase=\"new\"} 1\n",
           "cutover_lag_seconds 0\n",
           "cutover_run_status_age_seconds -1\n",
           "cutover_verify_complete 0\n",
           "cutover_flag_stage{group=\"default\"} 0\n",
           "cutover_flag_stage{group=\"orders\"} 1\n",
           "cutover_flag_stage_info{group=\"orders\",stage=\"dual_write\"} 1\n",
           "# TYPE cutover_router_shadow_mismatches_total counter\n",
           "cutover_router_shadow_comparisons_total{group=\"orders\"} 240\n",
           "cutover_router_shadow_mismatches_total{group=\"orders\"} 4\n",
           "cutover_router_shadow_settled_total{group=\"orders\"} 10\n",
           "cutover_router_secondary_write_failures_total{group=\"orders\"} 2\n",
           "cutover_router_shadow_mismatches_total{group=\"default\"} 0\n",
       }) {
    EXPECT_NE(metrics->body.find(line), std::string::npos) << "missing:\n"
                                                           << line << "\nin:\n"
                                                           << metrics->body;
  }

  server_->Signal(SIGTERM);
  int code = -1;
  ASSERT_TRUE(server_->WaitFor(std::chrono::seconds(10), &code));
  EXPECT_EQ(code, 0);
  EXPECT_NE(server_->Output().find("cutover serve: stopped"), std::string::npos);
}

TEST_F(ControlApiTest, FlagRepliesSayWhenTheMigrationIsFinished) {
  int port = Serve();
  ASSERT_NE(port, 0);
  httplib::Client client = Client(port);
  EXPECT_EQ(Body(client.Get("/v1/flags/default"))["finished"], false);
  {
    // What `cutover finish` leaves behind; Routers then stop copying writes to the source.
    auto state = StateStore::Open(dir_ / "state");
    ASSERT_TRUE(state.ok()) << state.status().ToString();
    ASSERT_TRUE((*state)->SetPhase(Phase::kFinished).ok());
  }
  EXPECT_EQ(Body(client.Get("/v1/flags/default"))["finished"], true);
  EXPECT_EQ(Body(client.Get("/v1/flags"))["groups"][0]["finished"], true);
}

}  // namespace
}  // namespace cutover
