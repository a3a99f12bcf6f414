// The stage through OpenFeature (OFREP) as applications meet it: a Node application using
// OpenFeature's own SDK and OFREP provider (tools/ofrep-client, from npm) reads its group's stage
// from `cutover serve` while `cutover flags set` moves it forward and back, and reads each stage
// in order; another reading the default group sees it unchanged. Over plain HTTP: the token is
// needed (Authorization: Bearer, or OFREP's X-API-Key), and the errors (FLAG_NOT_FOUND,
// INVALID_CONTEXT, PARSE_ERROR) and the bulk answer's ETag / If-None-Match are the protocol's.
// No database server is needed.
#include <nlohmann/json.hpp>

#include <gtest/gtest.h>
#include <httplib.h>

#include "cutover/stage.h"

#include "serve_support.h"
#include "tests/support/paths.h"

namespace cutover {
namespace {

using nlohmann::json;
using runtest::CutoverProcess;
using runtest::Process;

constexpr char kToken[] = "ofrep-test-token-3b9a70";

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

class OfrepTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = copytest::MakeTempDir("cutover_ofrep");
    spec_ = dir_ / "spec.yaml";
    copytest::WriteFile(spec_, fmt::format("name: ofrep\n"
                                           "source: {{kind: mariadb, port: 13306, user: cutover}}\n"
                                           "target: {{kind: mariadb, port: 13307, user: cutover}}\n"
                                           "tables: [{{match: \"cutover_test.*\"}}]\n"
                                           "state_dir: {}\n"
                                           "control:\n"
                                           "  listen: 127.0.0.1:0\n"
                                           "  token_env: CUTOVER_CONTROL_TOKEN\n"
                                           "  groups: {{orders: [\"cutover_test.orders\"]}}\n",
                                           (dir_ / "state").string()));
    port_ = runtest::StartServe(spec_, kToken, dir_ / "serve.out", &server_);
    ASSERT_NE(port_, 0);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static bool WaitUntil(const std::function<bool()>& done) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  // tools/ofrep-client/watch-stage.js polling the stage every 100 ms.
  std::unique_ptr<Process> WatchStage(const std::string& args, const std::string& output) {
    std::filesystem::path client =
        std::filesystem::path(testing::CheckoutDir()) / "tools" / "ofrep-client";
    EXPECT_TRUE(std::filesystem::exists(client / "node_modules" / "@openfeature"))
        << client << ": no node_modules; scripts/setup installs them (npm ci)";
    return std::make_unique<Process>(
        fmt::format("env CUTOVER_CONTROL_TOKEN={} node {} --url http://127.0.0.1:{} "
                    "--interval-ms 100 {}",
                    kToken, (client / "watch-stage.js").string(), port_, args),
        dir_ / output);
  }

  void SetStage(const std::string& group, const std::string& stage) {
    std::string command = fmt::format(
        "CUTOVER_CONTROL_TOKEN={} {} flags set {} {} {} --reason ofrep-test >> {} 2>&1", kToken,
        std::getenv("CUTOVER_BIN"), spec_.string(), group, stage, (dir_ / "flags.out").string());
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
  }

  httplib::Client Client() {
    httplib::Client client("127.0.0.1", port_);
    client.set_bearer_token_auth(kToken);
    return client;
  }

  std::filesystem::path dir_;
  std::filesystem::path spec_;
  std::unique_ptr<CutoverProcess> server_;
  int port_ = 0;
};

TEST_F(OfrepTest, AnOpenFeatureClientReadsEachStageAsItMoves) {
  std::unique_ptr<Process> orders = WatchStage("--group orders", "orders.out");
  std::unique_ptr<Process> whole = WatchStage("", "default.out");
  std::vector<std::string> expected;
  for (const char* stage :
       {"source_only", "dual_write", "shadow", "dual_write", "source_only", "dual_write"}) {
    if (!expected.empty()) SetStage("orders", stage);
    int index = static_cast<int>(*ParseStage(stage));
    expected.push_back(fmt::format(
        "stage={} reason=TARGETING_MATCH variant={} index={} group=orders", stage, stage, index));
    ASSERT_TRUE(WaitUntil([&] { return Lines(orders->Output()).size() >= expected.size(); }))
        << "the client did not read " << stage << ":\n"
        << orders->Output();
  }
  // Each stage read once, in order, and nothing else (no error on the way).
  EXPECT_EQ(Lines(orders->Output()), expected);
  // The default group did not move: its reader saw source_only only, as its static value.
  EXPECT_EQ(Lines(whole->Output()),
            std::vector<std::string>{
                "stage=source_only reason=STATIC variant=source_only index=0 group=default"});
  orders->Signal(SIGTERM);
  whole->Signal(SIGTERM);
  EXPECT_EQ(orders->Wait(), 0);
  EXPECT_EQ(whole->Wait(), 0);
}

TEST_F(OfrepTest, AWrongTokenOrAnUnknownGroupIsAnErrorTheClientSees) {
  std::unique_ptr<Process> unknown = WatchStage("--group payments", "unknown.out");
  ASSERT_TRUE(WaitUntil([&] { return !unknown->Output().empty(); }));
  EXPECT_EQ(Lines(unknown->Output()),
            std::vector<std::string>{
                "error=INVALID_CONTEXT message=\"context.group: no flag group 'payments'; the "
                "spec defines default, orders (control.groups adds groups)\""});
  unknown->Signal(SIGTERM);
  EXPECT_EQ(unknown->Wait(), 0);
  // The SDK reports a refused token as a GENERAL error and keeps the default value.
  std::filesystem::path client =
      std::filesystem::path(testing::CheckoutDir()) / "tools" / "ofrep-client" / "watch-stage.js";
  Process wrong(fmt::format("env CUTOVER_CONTROL_TOKEN=wrong node {} --url http://127.0.0.1:{} "
                            "--interval-ms 100 --seconds 1",
                            client.string(), port_),
                dir_ / "wrong.out");
  EXPECT_EQ(wrong.Wait(), 0);
  EXPECT_EQ(Lines(wrong.Output()), std::vector<std::string>{"error=GENERAL message=\"\""});
  EXPECT_NE(server_->Output().find(
                "control API: refused POST /ofrep/v1/evaluate/flags/cutover.stage from 127.0.0.1: "
                "wrong token"),
            std::string::npos)
      << server_->Output();
}

TEST_F(OfrepTest, TheProtocolsAnswersOverHttp) {
  httplib::Client anonymous("127.0.0.1", port_);
  httplib::Result refused =
      anonymous.Post("/ofrep/v1/evaluate/flags/cutover.stage", "{}", "application/json");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 401);
  // OFREP's API key header is the same token, on the OFREP endpoints only.
  httplib::Headers api_key = {{"X-API-Key", kToken}};
  httplib::Result by_key =
      anonymous.Post("/ofrep/v1/evaluate/flags/cutover.stage", api_key,
                     R"({"context": {"targetingKey": "a"}})", "application/json");
  ASSERT_TRUE(by_key);
  EXPECT_EQ(by_key->status, 200) << by_key->body;
  EXPECT_EQ(json::parse(by_key->body)["value"], "source_only");
  httplib::Result key_elsewhere = anonymous.Get("/v1/flags", api_key);
  ASSERT_TRUE(key_elsewhere);
  EXPECT_EQ(key_elsewhere->status, 401);
  httplib::Result wrong_key = anonymous.Post("/ofrep/v1/evaluate/flags/cutover.stage",
                                             {{"X-API-Key", "wrong"}}, "{}", "application/json");
  ASSERT_TRUE(wrong_key);
  EXPECT_EQ(wrong_key->status, 401);

  httplib::Client client = Client();
  httplib::Result missing = client.Post("/ofrep/v1/evaluate/flags/new-checkout",
                                        R"({"context": {}})", "application/json");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(json::parse(missing->body),
            json({{"key", "new-checkout"},
                  {"errorCode", "FLAG_NOT_FOUND"},
                  {"errorDetails",
                   "no flag 'new-checkout'; the flags are cutover.stage, "
                   "cutover.stage.default, cutover.stage.orders"}}));
  httplib::Result bad_context = client.Post("/ofrep/v1/evaluate/flags/cutover.stage",
                                            R"({"context": "orders"})", "application/json");
  ASSERT_TRUE(bad_context);
  EXPECT_EQ(bad_context->status, 400);
  EXPECT_EQ(json::parse(bad_context->body)["errorCode"], "INVALID_CONTEXT");
  httplib::Result not_json =
      client.Post("/ofrep/v1/evaluate/flags", "{\"context\":", "application/json");
  ASSERT_TRUE(not_json);
  EXPECT_EQ(not_json->status, 400);
  EXPECT_EQ(
      json::parse(not_json->body),
      json({{"errorCode", "PARSE_ERROR"},
            {"errorDetails", "the request body must be a JSON object: {\"context\": {...}}"}}));

  // Bulk: an ETag, 304 while it holds, a new answer once a stage moves.
  httplib::Result bulk =
      client.Post("/ofrep/v1/evaluate/flags", R"({"context": {}})", "application/json");
  ASSERT_TRUE(bulk);
  EXPECT_EQ(bulk->status, 200);
  std::string etag = bulk->get_header_value("ETag");
  ASSERT_FALSE(etag.empty());
  json flags = json::parse(bulk->body)["flags"];
  ASSERT_EQ(flags.size(), 3u);
  EXPECT_EQ(flags[2]["key"], "cutover.stage.orders");
  EXPECT_EQ(flags[2]["value"], "source_only");
  httplib::Headers cached = {{"If-None-Match", etag}};
  httplib::Result same =
      client.Post("/ofrep/v1/evaluate/flags", cached, R"({"context": {}})", "application/json");
  ASSERT_TRUE(same);
  EXPECT_EQ(same->status, 304);
  EXPECT_EQ(same->body, "");
  SetStage("orders", "dual_write");
  httplib::Result moved =
      client.Post("/ofrep/v1/evaluate/flags", cached, R"({"context": {}})", "application/json");
  ASSERT_TRUE(moved);
  EXPECT_EQ(moved->status, 200);
  EXPECT_NE(moved->get_header_value("ETag"), etag);
  json orders = json::parse(moved->body)["flags"][2];
  EXPECT_EQ(orders["value"], "dual_write");
  EXPECT_EQ(orders["metadata"]["stage_index"], 1);
  EXPECT_GT(orders["metadata"]["since_ms"].get<int64_t>(), 0);
}

}  // namespace
}  // namespace cutover
