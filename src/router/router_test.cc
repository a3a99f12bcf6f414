// Tests for cutover::Router: which store each stage reads and writes, the secondary write that
// never fails the caller, the safe default while the control API is unreachable, lag-aware
// shadow comparisons (a lagging target settles, a wrong one is a mismatch), and the counters
// reported to the API. The control API is played by a small HTTP server with the routes the
// Router uses (docs/control-api.md); the real one is exercised by the integration tests.
#include "cutover/router.h"

#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>

namespace cutover {
namespace {

using namespace std::chrono_literals;
using Json = nlohmann::json;

// The routes of the control API the Router uses, with a stage and applied_through_ms the
// test sets, and the reports it received.
class ControlStandIn {
 public:
  ControlStandIn() {
    server_.Get("/v1/flags/default",
                [this](const httplib::Request& request, httplib::Response& response) {
                  if (!Authorized(request, response)) return;
                  std::lock_guard lock(mutex_);
                  response.set_content(
                      Json{{"group", "default"}, {"stage", stage_}, {"finished", finished_}}.dump(),
                      "application/json");
                });
    server_.Get("/v1/status", [this](const httplib::Request& request, httplib::Response& response) {
      if (!Authorized(request, response)) return;
      std::lock_guard lock(mutex_);
      response.set_content(Json{{"run", {{"applied_through_ms", applied_through_ms_}}}}.dump(),
                           "application/json");
    });
    server_.Post("/v1/router-reports",
                 [this](const httplib::Request& request, httplib::Response& response) {
                   if (!Authorized(request, response)) return;
                   Json body = Json::parse(request.body);
                   std::lock_guard lock(mutex_);
                   for (const auto& [name, value] : body.items()) {
                     if (value.is_number_integer()) reported_[name] += value.get<int64_t>();
                   }
                   response.status = 204;
                 });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~ControlStandIn() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void SetStage(const std::string& stage) {
    std::lock_guard lock(mutex_);
    stage_ = stage;
  }
  void SetFinished(bool finished) {
    std::lock_guard lock(mutex_);
    finished_ = finished;
  }
  void SetAppliedThrough(int64_t ms) {
    std::lock_guard lock(mutex_);
    applied_through_ms_ = ms;
  }
  int64_t Reported(const std::string& name) {
    std::lock_guard lock(mutex_);
    return reported_[name];
  }

 private:
  static bool Authorized(const httplib::Request& request, httplib::Response& response) {
    if (request.get_header_value("Authorization") == "Bearer secret") return true;
    response.status = 401;
    return false;
  }

  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::string stage_ = "source_only";
  bool finished_ = false;
  int64_t applied_through_ms_ = 0;
  std::map<std::string, int64_t> reported_;
};

// An application store: a map, with failures switched on by the test.
struct MapStore {
  std::mutex mutex;
  std::map<int, std::string> rows;
  bool fail_reads = false;
  bool fail_writes = false;
  int writes = 0;

  Router<int, std::string>::Store Functions() {
    return {[this](const int& key) -> Result<std::optional<std::string>> {
              std::lock_guard lock(mutex);
              if (fail_reads) return Status::Unavailable("store down");
              auto found = rows.find(key);
              if (found == rows.end()) return std::optional<std::string>();
              return std::optional<std::string>(found->second);
            },
            [this](const int& key, const std::optional<std::string>& value) -> Status {
              std::lock_guard lock(mutex);
              if (fail_writes) return Status::Unavailable("store down");
              ++writes;
              if (value) {
                rows[key] = *value;
              } else {
                rows.erase(key);
              }
              return Status::Ok();
            }};
  }
  void Set(int key, const std::string& value) {
    std::lock_guard lock(mutex);
    rows[key] = value;
  }
};

RouterOptions OptionsFor(const std::string& url) {
  RouterOptions options;
  options.control_url = url;
  options.token = "secret";
  options.refresh = 20ms;
  options.report_every = 50ms;
  options.recheck_margin = 10ms;
  return options;
}

template <typename Predicate>
bool Eventually(Predicate predicate, std::chrono::milliseconds timeout = 5s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return predicate();
}

TEST(RouterTest, StageNamesRoundTrip) {
  for (Stage stage : {Stage::kSourceOnly, Stage::kDualWrite, Stage::kShadow, Stage::kTargetReads,
                      Stage::kTargetPrimary, Stage::kTargetOnly}) {
    EXPECT_EQ(ParseStage(StageName(stage)), stage);
  }
  EXPECT_EQ(ParseStage("target-only"), std::nullopt);
}

TEST(RouterTest, UnreachableControlApiMeansSourceOnly) {
  MapStore source, target;
  source.Set(1, "from source");
  target.Set(1, "from target");
  Router<int, std::string> router(OptionsFor("http://127.0.0.1:1"), source.Functions(),
                                  target.Functions());
  EXPECT_FALSE(router.core().WaitForStage(200ms));
  EXPECT_EQ(router.stage(), Stage::kSourceOnly);
  EXPECT_EQ(router.Read(1).value(), "from source");
  ASSERT_TRUE(router.Write(2, "x").ok());
  EXPECT_EQ(source.writes, 1);
  EXPECT_EQ(target.writes, 0);
  EXPECT_GT(router.core().counters().stage_fetch_failures, 0);
}

TEST(RouterTest, AWrongTokenIsUnreachableToo) {
  ControlStandIn control;
  control.SetStage("target_only");
  MapStore source, target;
  RouterOptions options = OptionsFor(control.url());
  options.token = "wrong";
  Router<int, std::string> router(options, source.Functions(), target.Functions());
  EXPECT_FALSE(router.core().WaitForStage(200ms));
  EXPECT_EQ(router.stage(), Stage::kSourceOnly);
}

TEST(RouterTest, EachStageReadsAndWritesItsStores) {
  ControlStandIn control;
  struct Expected {
    std::string stage;
    std::string read_from;
    int source_writes;
    int target_writes;
  };
  for (const Expected& expected :
       {Expected{"source_only", "source", 1, 0}, Expected{"dual_write", "source", 1, 1},
        Expected{"shadow", "source", 1, 1}, Expected{"target_reads", "target", 1, 1},
        Expected{"target_primary", "target", 1, 1},
        // the source still gets a copy: going back loses nothing
        Expected{"target_only", "target", 1, 1}}) {
    control.SetStage(expected.stage);
    MapStore source, target;
    source.Set(1, "source");
    target.Set(1, "target");
    Router<int, std::string> router(OptionsFor(control.url()), source.Functions(),
                                    target.Functions());
    ASSERT_TRUE(router.core().WaitForStage(2s)) << expected.stage;
    EXPECT_EQ(StageName(router.stage()), expected.stage);
    EXPECT_EQ(router.Read(1).value(), expected.read_from) << expected.stage;
    ASSERT_TRUE(router.Write(7, "seven").ok()) << expected.stage;
    EXPECT_EQ(source.writes, expected.source_writes) << expected.stage;
    EXPECT_EQ(target.writes, expected.target_writes) << expected.stage;
  }
}

TEST(RouterTest, TargetOnlyWritesTheTargetFirstAndStopsCopyingOnceFinished) {
  ControlStandIn control;
  control.SetStage("target_only");
  MapStore source, target;
  Router<int, std::string> router(OptionsFor(control.url()), source.Functions(),
                                  target.Functions());
  ASSERT_TRUE(router.core().WaitForStage(2s));
  // The target is the primary: its failure fails the caller and the source is not written.
  target.fail_writes = true;
  EXPECT_FALSE(router.Write(1, "one").ok());
  EXPECT_EQ(source.writes, 0);
  // The source's failure is only counted.
  target.fail_writes = false;
  source.fail_writes = true;
  EXPECT_TRUE(router.Write(2, "two").ok());
  EXPECT_EQ(router.core().counters().secondary_write_failures, 1);
  source.fail_writes = false;
  ASSERT_TRUE(router.Write(3, "three").ok());
  EXPECT_EQ(source.writes, 1);
  // `cutover finish` done: the source is retired, only the target is written.
  control.SetFinished(true);
  ASSERT_TRUE(Eventually([&] { return router.core().source_retired(); }));
  ASSERT_TRUE(router.Write(4, "four").ok());
  EXPECT_EQ(source.writes, 1);
  EXPECT_EQ(target.writes, 3);
}

TEST(RouterTest, TheStageIsFollowedAsItChanges) {
  ControlStandIn control;
  MapStore source, target;
  source.Set(1, "source");
  target.Set(1, "target");
  Router<int, std::string> router(OptionsFor(control.url()), source.Functions(),
                                  target.Functions());
  ASSERT_TRUE(router.core().WaitForStage(2s));
  control.SetStage("target_reads");
  ASSERT_TRUE(Eventually([&] { return router.stage() == Stage::kTargetReads; }));
  EXPECT_EQ(router.Read(1).value(), "target");
  control.SetStage("source_only");  // back at once
  ASSERT_TRUE(Eventually([&] { return router.stage() == Stage::kSourceOnly; }));
  EXPECT_EQ(router.Read(1).value(), "source");
}

TEST(RouterTest, TheSecondaryWriteNeverFailsTheCaller) {
  ControlStandIn control;
  control.SetStage("dual_write");
  MapStore source, target;
  target.fail_writes = true;
  Router<int, std::string> router(OptionsFor(control.url()), source.Functions(),
                                  target.Functions());
  ASSERT_TRUE(router.core().WaitForStage(2s));
  EXPECT_TRUE(router.Write(1, "one").ok());
  EXPECT_EQ(source.rows.at(1), "one");
  EXPECT_EQ(router.core().counters().secondary_write_failures, 1);

  // target_primary: the target is primary; its failure is the caller's, and the source is not
  // written (the secondary write only follows a primary that succeeded).
  control.SetStage("target_primary");
  ASSERT_TRUE(Eventually([&] { return router.stage() == Stage::kTargetPrimary; }));
  Status failed = router.Write(2, "two");
  EXPECT_EQ(failed.code(), StatusCode::kUnavailable);
  EXPECT_FALSE(source.rows.contains(2));
  ASSERT_TRUE(Eventually([&] { return control.Reported("secondary_write_failures") == 1; }));
}

TEST(RouterTest, ShadowMismatchesAreLagAware) {
  ControlStandIn control;
  control.SetStage("shadow");
  MapStore source, target;
  source.Set(1, "new");  // the target has not applied it yet
  target.Set(1, "old");
  source.Set(2, "right");
  target.Set(2, "corrupted");
  Router<int, std::string> router(OptionsFor(control.url()), source.Functions(),
                                  target.Functions());
  ASSERT_TRUE(router.core().WaitForStage(2s));
  EXPECT_EQ(router.Read(1).value(), "new");  // the source's answer
  EXPECT_EQ(router.Read(2).value(), "right");
  std::this_thread::sleep_for(200ms);
  // Apply has not passed the reads: nothing is decided yet.
  EXPECT_EQ(router.core().counters().shadow_mismatches, 0);
  EXPECT_EQ(router.core().counters().shadow_settled, 0);
  target.Set(1, "new");                              // the lagging change arrives
  control.SetAppliedThrough(RouterNowMs() + 60000);  // and apply is past every read
  ASSERT_TRUE(Eventually([&] { return router.core().counters().shadow_mismatches == 1; }));
  RouterCounters counters = router.core().counters();
  EXPECT_EQ(counters.shadow_comparisons, 2);
  EXPECT_EQ(counters.shadow_settled, 1);
  EXPECT_EQ(counters.shadow_mismatches, 1);  // only the corrupted one
  ASSERT_TRUE(Eventually([&] { return control.Reported("shadow_mismatches") == 1; }));
  EXPECT_EQ(control.Reported("shadow_comparisons"), 2);
}

TEST(RouterTest, ATargetThatCannotAnswerInShadowIsCountedNotFatal) {
  ControlStandIn control;
  control.SetStage("shadow");
  MapStore source, target;
  source.Set(1, "one");
  target.fail_reads = true;
  Router<int, std::string> router(OptionsFor(control.url()), source.Functions(),
                                  target.Functions());
  ASSERT_TRUE(router.core().WaitForStage(2s));
  EXPECT_EQ(router.Read(1).value(), "one");
  EXPECT_EQ(router.core().counters().target_read_failures, 1);
}

}  // namespace
}  // namespace cutover
