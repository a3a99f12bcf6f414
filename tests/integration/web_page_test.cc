// The web page (docs/web.md) in headless Chromium against a running `cutover run` (MariaDB to
// MariaDB, the copy throttled to 200 rows/s so it can be watched, a write workload on the
// source): without the token the page asks for one and every data and action request is
// refused (401); with it the page shows each table's copy progress with rows/s and ETA and the
// lag plot, pausing copy from the page stops the progress and resuming continues it, a throttle
// by hand shows as a hold with its reason, the plot's past survives a reload, a stage move the
// guard rails refuse shows why, a verify and a fence run from the page meet the guard rails, and
// the changes applied show per table. Screenshots
// are kept in the build tree (web_page_test/page.png, page-end.png). POST /v1/verify runs one
// verify at a time.
//
// tests/integration/web/drive_page.mjs clicks through the page and reports what it showed;
// this test starts everything and asserts on the report.
#include <nlohmann/json.hpp>
#include <regex>

#include <gtest/gtest.h>
#include <httplib.h>

#include "run_support.h"
#include "support/servers.h"
#include "tests/support/paths.h"

namespace cutover {
namespace {

using nlohmann::json;
using runtest::CutoverProcess;

constexpr char kToken[] = "web-page-test-token-81c4";
constexpr int kRows = 3000;  // per table: 6,000 rows at 200 rows/s, about 30 s of copy

class WebPageTest : public runtest::WorkloadPairTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(SetUpPair("web_page", "cutover_web_page", kRows));
    WriteSpec("web-page",
              "parallelism: {chunk_rows: 100, copy_workers: 1}\n"
              "throttle: {copy_rows_per_second: 200}\n"
              "control: {listen: \"127.0.0.1:0\", token_env: CUTOVER_CONTROL_TOKEN}\n");
    artifacts_ = std::filesystem::path(testing::BuildDir()) / "web_page_test";
    std::filesystem::remove_all(artifacts_);
    std::filesystem::create_directories(artifacts_);
  }

  // Starts `cutover run` and returns the port of its control API.
  int StartRun() {
    run_ = std::make_unique<CutoverProcess>(
        "run " + spec_.string(), std::string("CUTOVER_CONTROL_TOKEN=") + kToken, dir_ / "run.out");
    std::regex listening(R"(web page: http://127\.0\.0\.1:(\d+)/#token=)");
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      std::smatch match;
      std::string output = run_->Output();
      if (std::regex_search(output, match, listening)) return std::stoi(match[1]);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "cutover run did not print the page's address: " << run_->Output();
    return 0;
  }

  // Runs the page driver; its report (JSON on stdout), or null after a failure it explains.
  json DrivePage(int port) {
    std::filesystem::path out = artifacts_ / "driver.out";
    std::string command = fmt::format(
        "node {}/tests/integration/web/drive_page.mjs --url http://127.0.0.1:{}/ --token {} "
        "--out {} > {} 2> {}",
        testing::CheckoutDir(), port, kToken, artifacts_.string(), out.string(),
        (artifacts_ / "driver.err").string());
    int status = std::system(command.c_str());
    std::ifstream in(out);
    std::stringstream read;
    read << in.rdbuf();
    std::string text = read.str();
    json report = json::parse(text, nullptr, /*allow_exceptions=*/false);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << "the page driver failed: " << text << "\ncutover run:\n"
        << run_->Output();
    return report;
  }

  std::filesystem::path artifacts_;
  std::unique_ptr<CutoverProcess> run_;
};

// Every data and action request without the token: 401 with the same answer, nothing done.
void ExpectActionsRefusedWithoutToken(int port) {
  httplib::Client client("127.0.0.1", port);
  const std::string refusal =
      R"x({"code":"FailedPrecondition","error":"missing `Authorization: Bearer <token>` header; )x"
      R"x(the token is the value of the spec's control.token_env (or token_file)"})x"
      "\n";
  struct Request {
    std::string method, path, body;
  };
  for (const Request& request : std::vector<Request>{
           {"POST", "/v1/ctl", R"({"action": "pause", "what": "copy", "reason": "x"})"},
           {"POST", "/v1/verify", "{}"},
           {"POST", "/v1/fence", "{}"},
           {"PUT", "/v1/flags/default", R"({"stage": "dual_write"})"},
           {"GET", "/v1/status", ""},
           {"GET", "/v1/history", ""}}) {
    httplib::Result result = request.method == "GET" ? client.Get(request.path)
                             : request.method == "PUT"
                                 ? client.Put(request.path, request.body, "application/json")
                                 : client.Post(request.path, request.body, "application/json");
    ASSERT_TRUE(result) << request.path;
    EXPECT_EQ(result->status, 401) << request.method << " " << request.path;
    EXPECT_EQ(result->body, refusal) << request.method << " " << request.path;
  }
  // The page itself carries no data and needs no token.
  httplib::Result page = client.Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(page->body.find("<title>cutover</title>"), std::string::npos);
  httplib::Result script = client.Get("/web/app.js");
  ASSERT_TRUE(script);
  EXPECT_EQ(script->status, 200);
  EXPECT_EQ(script->get_header_value("Content-Type"), "text/javascript; charset=utf-8");
  // Nothing the refused requests asked for happened.
  client.set_bearer_token_auth(kToken);
  json ctl = json::parse(client.Get("/v1/ctl")->body);
  EXPECT_EQ(ctl["paused"]["copy"], false);
  json flag = json::parse(client.Get("/v1/flags/default")->body);
  EXPECT_EQ(flag["stage"], "source_only");
}

// POST /v1/verify takes {} only and runs one verify at a time; GET /v1/verify says how it
// ended; GET /v1/history holds the samples the plot showed.
void ExpectVerifyEndpoints(int port) {
  httplib::Client client("127.0.0.1", port);
  client.set_bearer_token_auth(kToken);
  httplib::Result bad = client.Post("/v1/verify", R"({"tables": "x.*"})", "application/json");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(json::parse(bad->body)["error"],
            "POST /v1/verify takes an empty object ({}): it verifies every table");
  httplib::Result first = client.Post("/v1/verify", "{}", "application/json");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200) << first->body;
  EXPECT_EQ(json::parse(first->body)["running"], true);
  httplib::Result second = client.Post("/v1/verify", "{}", "application/json");
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 409);
  EXPECT_EQ(json::parse(second->body)["error"],
            "a verify started here is still running; wait for it (GET /v1/verify shows when it "
            "ends)");
  json verify;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  do {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    verify = json::parse(client.Get("/v1/verify")->body);
  } while (verify["running"] == true && std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(verify["running"], false);
  EXPECT_EQ(verify["error"], nullptr);
  EXPECT_EQ(verify["report"]["complete"], true);
  EXPECT_EQ(verify["report"]["differences"], 0);
  json history = json::parse(client.Get("/v1/history")->body);
  EXPECT_EQ(history["fields"], json::parse(R"(["at_ms", "lag_seconds", "lag_records",
                                               "applied_changes_total", "rows_copied"])"));
  EXPECT_GE(history["samples"].size(), 20u);
}

TEST_F(WebPageTest, ShowsTheMigrationAndSteersIt) {
  int port = StartRun();
  ASSERT_GT(port, 0);
  runtest::Workload workload(testing::MariaDbSource(), db_, kRows);
  workload.Start(std::chrono::milliseconds(20));
  ExpectActionsRefusedWithoutToken(port);

  json report = DrivePage(port);
  workload.Stop();
  ASSERT_TRUE(report.is_object());
  EXPECT_EQ(report["no_token"]["heading"], "This page needs the control token");
  EXPECT_EQ(report["no_token"]["main_hidden"], true);
  EXPECT_EQ(report["wrong_token"]["error"], "wrong bearer token");

  // Each table's progress, a rate and an ETA or "done"; the plot has points; the token left
  // the address bar.
  const json& progress = report["progress"];
  EXPECT_EQ(progress["tables"].size(), 2u) << progress;
  EXPECT_TRUE(progress["tables"].contains(db_ + ".accounts")) << progress;
  EXPECT_TRUE(progress["tables"].contains(db_ + ".lines")) << progress;
  EXPECT_GE(progress["plot_points"].get<int>(), 3);
  EXPECT_EQ(progress["hash"], "");
  EXPECT_TRUE(std::filesystem::file_size(artifacts_ / "page.png") > 10000);

  // Pause held the copy back (once the chunks read before it were written); resume continued it.
  const json& pause = report["pause"];
  EXPECT_EQ(pause["state_text"], "paused: from the web page");
  EXPECT_EQ(pause["paused_after"], pause["paused_at"]) << pause;
  EXPECT_GT(pause["resumed"].get<int64_t>(), pause["paused_after"].get<int64_t>()) << pause;
  // Throttled by hand from the page: held, and why.
  const std::string held = report["throttle"]["copy_state"];
  EXPECT_EQ(held.rfind("held back: ", 0), 0u) << report["throttle"];
  EXPECT_NE(held.find("from the web page"), std::string::npos) << report["throttle"];
  EXPECT_NE(
      report["throttle"]["why"].get<std::string>().find("throttled by hand: from the web page"),
      std::string::npos)
      << report["throttle"];
  EXPECT_GE(report["reload"]["points_after"].get<int>(),
            report["reload"]["points_before"].get<int>())
      << report["reload"];

  // The guard rail's refusal, as the API words it, shown on the page.
  const std::string refusal = report["refusal"]["text"];
  EXPECT_EQ(refusal.rfind("refused to move group 'default' from shadow to target_reads: ", 0), 0u)
      << refusal;
  EXPECT_NE(refusal.find("no verify has run yet"), std::string::npos) << refusal;

  // The verify from the page found the pair equal, per table.
  const json& verify = report["verify"];
  EXPECT_EQ(verify["summary"].get<std::string>().rfind("last verify: complete, 0 differences", 0),
            0u)
      << verify;
  ASSERT_EQ(verify["tables"].size(), 2u) << verify;
  for (const json& row : verify["tables"]) {
    EXPECT_NE(row[1], "0") << row;  // rows compared
    EXPECT_EQ(row[2], "0") << row;
    EXPECT_EQ(row[3], "0") << row;
    EXPECT_EQ(row[4], "0") << row;
  }

  // target_reads reached through the page; the fence and the changes applied per table.
  const json& end = report["end"];
  EXPECT_EQ(end["stage"], "target_reads");
  EXPECT_GE(end["fences"].get<int>(), 1);
  for (const std::string& table : {db_ + ".accounts", db_ + ".lines"}) {
    ASSERT_TRUE(end["applied"].contains(table)) << end;
    const json& counts = end["applied"][table];
    EXPECT_GT(counts[0].get<int64_t>() + counts[1].get<int64_t>() + counts[2].get<int64_t>(), 0)
        << table << " " << counts;
  }
  EXPECT_EQ(end["audit"].size(), 3u) << end;
  // The live controls' audit, newest first: the throttle off and on, the resume, the pause,
  // each from the page.
  ASSERT_EQ(end["controls"].size(), 4u) << end;
  const char* kControls[] = {
      ": throttle: ", ": throttle: ", ": resume copy: paused → running by api 127.0.0.1 (web page)",
      ": pause copy: running → paused by api 127.0.0.1 (web page)"};
  for (size_t index = 0; index < 4; ++index) {
    const std::string control = end["controls"][index];
    EXPECT_NE(control.find(kControls[index]), std::string::npos) << control;
    EXPECT_NE(control.find("(web page): from the web page"), std::string::npos) << control;
  }
  EXPECT_TRUE(std::filesystem::file_size(artifacts_ / "page-end.png") > 10000);
  ExpectVerifyEndpoints(port);
  runtest::StopRun(*run_);
}

}  // namespace
}  // namespace cutover
