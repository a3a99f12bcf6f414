// Live controls and load-aware throttling of a running `cutover run` MariaDB -> MariaDB
// (docs/operations.md), against the real servers: `cutover ctl pause copy` stops the copy's
// progress within a second and `resume` continues it; `pause apply` in CDC stops the applied
// count while capture goes on, and resume catches up; `set throttle.apply_rows_per_second`
// changes the measured apply rate; every action is in `ctl history` with its reason; the target
// equals the source row by row at the end. A source kept busier than
// throttle.max_load.threads_running holds the copy back, status says why (CLI, /v1/status,
// /metrics), and raising the limit live releases it. Bad input gets exact errors and exit 2.
#include <algorithm>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>

#include <gtest/gtest.h>
#include <httplib.h>

#include "run_support.h"

namespace cutover {
namespace {

using copytest::Lines;
using json = nlohmann::json;
using namespace std::chrono_literals;

constexpr int kRows = 3000;
constexpr char kToken[] = "ctl-test-token";

// `count` sessions of their own on `server`, each running SELECT SLEEP(60) until End (or the
// destructor) ends them with KILL QUERY from `killer`.
class SleepingSessions {
 public:
  SleepingSessions(mysql::Connection& killer, int count) : killer_(killer) {
    for (int session = 0; session < count; ++session) {
      threads_.emplace_back([this] {
        auto sql = copytest::Connect(testing::MariaDbSource());
        if (sql == nullptr) return;
        {
          std::lock_guard lock(mutex_);
          ids_.push_back(Lines(*sql, "SELECT CONNECTION_ID()")[0]);
        }
        sql->Query("SELECT SLEEP(60)").status().IgnoreError();
      });
    }
  }
  ~SleepingSessions() { End(); }
  void End() {
    for (auto deadline = std::chrono::steady_clock::now() + 10s;
         Started() < threads_.size() && std::chrono::steady_clock::now() < deadline;) {
      std::this_thread::sleep_for(50ms);
    }
    std::vector<std::string> ids;
    {
      std::lock_guard lock(mutex_);
      ids.swap(ids_);
    }
    for (const std::string& id : ids) killer_.Execute("KILL QUERY " + id).status().IgnoreError();
    for (std::thread& thread : threads_) thread.join();
    threads_.clear();
  }

 private:
  size_t Started() {
    std::lock_guard lock(mutex_);
    return ids_.size();
  }
  mysql::Connection& killer_;
  std::mutex mutex_;
  std::vector<std::string> ids_;  // guarded by mutex_
  std::vector<std::thread> threads_;
};

class CtlTest : public runtest::WorkloadPairTest {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(SetUpPair("ctl_test", "cutover_ctl", kRows)); }

  // The spec with a throttled copy (6,000 rows at 1,000 rows/s: about 6 s) and the control
  // API on a free port, then `extra` inside `throttle`.
  void WriteCtlSpec(const std::string& throttle_extra) {
    WriteSpec("ctl-test", "parallelism: {copy_workers: 2, chunk_rows: 100, apply_lanes: 4}\n"
                          "throttle: {copy_rows_per_second: 1000" +
                              throttle_extra +
                              "}\n"
                              "control: {listen: \"127.0.0.1:0\", token_env: "
                              "CUTOVER_CONTROL_TOKEN}\n");
  }

  std::unique_ptr<runtest::CutoverProcess> StartRun() {
    return std::make_unique<runtest::CutoverProcess>(
        "run " + spec_.string() + " --status-every 1",
        std::string("CUTOVER_CONTROL_TOKEN=") + kToken, dir_ / "run.out");
  }

  // `cutover <args>`: its exit code and output.
  std::pair<int, std::string> Cutover(const std::string& args) {
    static int calls = 0;
    std::filesystem::path out = dir_ / ("cli" + std::to_string(++calls) + ".out");
    runtest::CutoverProcess process(args, std::string("CUTOVER_CONTROL_TOKEN=") + kToken, out);
    int code = process.Wait();
    return {code, process.Output()};
  }
  std::string Ctl(const std::string& words) {
    auto [code, output] = Cutover("ctl " + spec_.string() + " " + words);
    EXPECT_EQ(code, 0) << words << ": " << output;
    return output;
  }
  json StatusJson() {
    auto [code, output] = Cutover("status " + spec_.string() + " --json");
    EXPECT_EQ(code, 0) << output;
    return json::parse(output, nullptr, false);
  }
  static int64_t RowsCopied(const json& status) {
    int64_t rows = 0;
    for (const json& table : status["tables"]) rows += table["rows_copied"].get<int64_t>();
    return rows;
  }
  static uint64_t Cdc(const json& status, const char* field) {
    return status.contains("cdc") ? status["cdc"].value(field, uint64_t{0}) : 0;
  }

  // Polls `cutover status --json` until `done` holds, at most `timeout`.
  template <typename Done>
  bool WaitStatus(Done done, std::chrono::seconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      // Quietly: the run may not have made its state store yet.
      auto [code, output] = Cutover("status " + spec_.string() + " --json");
      json status = json::parse(output, nullptr, false);
      if (code == 0 && status.is_object() && status.contains("throttle") && done(status)) {
        return true;
      }
      std::this_thread::sleep_for(200ms);
    }
    return false;
  }

  int ApiPort(const runtest::Process& run) {
    std::regex listening(R"(control API listening on http://127\.0\.0\.1:(\d+))");
    auto deadline = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < deadline) {
      std::smatch match;
      std::string output = run.Output();
      if (std::regex_search(output, match, listening)) return std::stoi(match[1]);
      std::this_thread::sleep_for(50ms);
    }
    ADD_FAILURE() << "no control API: " << run.Output();
    return 0;
  }

  std::vector<std::string> Rows(mysql::Connection& sql, const std::string& db,
                                const std::string& table) {
    std::string order = table == "accounts" ? "id" : "order_id, line";
    return Lines(sql, "SELECT * FROM " + db + ".`" + table + "` ORDER BY " + order);
  }
  void ExpectTargetCatchesUp(std::chrono::seconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    auto equal = [&] {
      for (const char* table : {"accounts", "lines"}) {
        if (Rows(*source_, db_, table) != Rows(*target_, target_db_, table)) return false;
      }
      return true;
    };
    while (!equal() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(500ms);
    for (const char* table : {"accounts", "lines"}) {
      std::vector<std::string> source_rows = Rows(*source_, db_, table);
      std::vector<std::string> target_rows = Rows(*target_, target_db_, table);
      EXPECT_TRUE(target_rows == source_rows) << table << " differs:\n"
                                              << runtest::RowsDiff(source_rows, target_rows);
    }
  }
};

TEST_F(CtlTest, PauseResumeAndSetTakeEffectWithinASecondUnderAWorkload) {
  ASSERT_NO_FATAL_FAILURE(WriteCtlSpec(""));
  runtest::Workload workload(testing::MariaDbSource(), db_, kRows);
  workload.Start(10ms);  // capped: one small transaction every 10 ms at most
  auto run = StartRun();
  const int port = ApiPort(*run);
  ASSERT_TRUE(WaitStatus([](const json& s) { return RowsCopied(s) > 0; }, 30s));

  // Pause the copy: within a second its progress stops, and stays stopped.
  Ctl("pause copy --reason \"copy pause test\"");
  std::this_thread::sleep_for(1s);
  const int64_t copied = RowsCopied(StatusJson());
  EXPECT_LT(copied, 2 * kRows) << "the copy ended before the pause could be seen";
  std::this_thread::sleep_for(2s);
  json held = StatusJson();
  EXPECT_EQ(RowsCopied(held), copied) << "rows were copied while paused";
  // The run's status record (written every second) says why.
  EXPECT_EQ(held["throttle"]["state"]["copy"]["held"], true) << held.dump();
  EXPECT_EQ(held["throttle"]["state"]["copy"]["reason"], "paused");
  EXPECT_EQ(held["controls"]["paused"]["copy"], true);
  auto [status_code, status_text] = Cutover("status " + spec_.string());
  EXPECT_NE(status_text.find("copy: HELD (paused): paused: copy pause test"), std::string::npos)
      << status_text;

  // Resume through the API; the copy continues to its end.
  httplib::Client api("127.0.0.1", port);
  api.set_bearer_token_auth(kToken);
  httplib::Result resumed = api.Post(
      "/v1/ctl", json{{"action", "resume"}, {"what", "copy"}, {"reason", "api resume"}}.dump(),
      "application/json");
  ASSERT_TRUE(resumed);
  EXPECT_EQ(resumed->status, 200) << resumed->body;
  EXPECT_EQ(json::parse(resumed->body)["paused"]["copy"], false) << resumed->body;
  ASSERT_TRUE(WaitStatus([&](const json& s) { return RowsCopied(s) > copied; }, 3s));
  ASSERT_TRUE(runtest::WaitForCdc(*run)) << run->Output();

  // Pause apply in CDC: the applied count stops while capture goes on.
  Ctl("pause apply --reason \"apply pause test\"");
  std::this_thread::sleep_for(2s);  // the hold (< 0.5 s), then a status record written after it
  json before = StatusJson();
  std::this_thread::sleep_for(2s);
  json after = StatusJson();
  EXPECT_EQ(Cdc(after, "applied_changes_total"), Cdc(before, "applied_changes_total"))
      << "applied while paused";
  EXPECT_GT(Cdc(after, "captured_changes_total"), Cdc(before, "captured_changes_total"))
      << "capture stopped too";
  EXPECT_EQ(after["throttle"]["state"]["apply"]["reason"], "paused") << after.dump();
  // A fence would wait for an apply that is held: refused at once, saying how to go on.
  auto [fence_code, fence_text] = Cutover("fence " + spec_.string());
  EXPECT_EQ(fence_code, 2);  // as every fence that cannot run
  EXPECT_EQ(fence_text,
            "cutover fence: FailedPrecondition: the apply is paused by `cutover ctl`, "
            "so a fence cannot pass: cutover ctl " +
                spec_.string() + " resume apply first\n");
  Ctl("resume apply --reason \"apply resume test\"");
  ASSERT_TRUE(WaitStatus(
      [&](const json& s) {
        return Cdc(s, "applied_changes_total") > Cdc(after, "applied_changes_total") + 50;
      },
      5s));

  // A live apply rate: over 6 s the apply runs near it, and the backlog grows.
  Ctl("set throttle.apply_rows_per_second=30 --reason \"slow apply\"");
  std::this_thread::sleep_for(2s);
  json slow_start = StatusJson();
  auto slow_began = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(6s);
  json slow_end = StatusJson();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - slow_began).count();
  double applied_rate = static_cast<double>(Cdc(slow_end, "applied_changes_total") -
                                            Cdc(slow_start, "applied_changes_total")) /
                        seconds;
  double captured_rate = static_cast<double>(Cdc(slow_end, "captured_changes_total") -
                                             Cdc(slow_start, "captured_changes_total")) /
                         seconds;
  EXPECT_LE(applied_rate, 100.0) << "captured " << captured_rate << "/s";
  EXPECT_GT(applied_rate, 5.0);
  EXPECT_EQ(slow_end["controls"]["settings"]["throttle.apply_rows_per_second"]["source"], "live");
  Ctl("set throttle.apply_rows_per_second= --reason \"back to the spec\"");

  workload.Stop();
  EXPECT_EQ(workload.failures(), 0);
  ExpectTargetCatchesUp(90s);

  // Every action, with its reason, in the history.
  std::string history = Ctl("history");
  for (const char* line :
       {"pause copy: running -> paused by cli ", ": copy pause test\n",
        "resume copy: paused -> running by api 127.0.0.1: api resume\n",
        "pause apply: running -> paused by cli ", ": apply pause test\n",
        "resume apply: paused -> running by cli ", ": apply resume test\n",
        "set throttle.apply_rows_per_second: spec (0) -> 30 by cli ", ": slow apply\n",
        "set throttle.apply_rows_per_second: 30 -> spec (0) by cli ", ": back to the spec\n"}) {
    EXPECT_NE(history.find(line), std::string::npos) << line << "\n" << history;
  }
  runtest::StopRun(*run);
}

TEST_F(CtlTest, ALoadedSourceHoldsTheCopyAndStatusSaysWhy) {
  ASSERT_NO_FATAL_FAILURE(WriteCtlSpec(", max_load: {threads_running: 3}"));
  // Five sessions busy on the source (SELECT SLEEP), ended by KILL QUERY (End, or at the end).
  SleepingSessions sleepers(*source_, 5);
  std::this_thread::sleep_for(500ms);
  auto run = StartRun();
  const int port = ApiPort(*run);
  ASSERT_TRUE(WaitStatus(
      [](const json& s) { return s["throttle"]["state"]["copy"].value("held", false); }, 20s));
  json held = StatusJson();
  EXPECT_EQ(held["throttle"]["state"]["copy"]["reason"], "source_load") << held.dump();
  const int64_t copied = RowsCopied(held);
  std::this_thread::sleep_for(2s);
  EXPECT_EQ(RowsCopied(StatusJson()), copied) << "rows were copied while the source was loaded";
  auto [code, text] = Cutover("status " + spec_.string());
  EXPECT_TRUE(std::regex_search(
      text, std::regex(R"(copy: HELD \(source_load\): source Threads_running \d+ > )"
                       R"(throttle\.max_load\.threads_running 3\n)")))
      << text;
  {
    // --watch until SIGTERM (timeout's), a line every 200 ms.
    runtest::Process watching(std::string("env CUTOVER_CONTROL_TOKEN=") + kToken +
                                  " COPY_TEST_PASSWORD=cutover-test " + "timeout 1.5 " +
                                  std::getenv("CUTOVER_BIN") + " status " + spec_.string() +
                                  " --watch --every 200ms",
                              dir_ / "watch.out");
    watching.Wait();
  }
  std::string watch = runtest::Process("true", dir_ / "watch.out").Output();
  EXPECT_GE(std::count(watch.begin(), watch.end(), '\n'), 3) << watch;
  EXPECT_NE(watch.find("state: copy HELD (source Threads_running"), std::string::npos) << watch;
  httplib::Client api("127.0.0.1", port);
  api.set_bearer_token_auth(kToken);
  httplib::Result metrics = api.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("cutover_throttle_held{stage=\"copy\",reason=\"source_load\"} 1"),
            std::string::npos)
      << metrics->body;
  httplib::Result status = api.Get("/v1/status");
  ASSERT_TRUE(status);
  EXPECT_EQ(json::parse(status->body)["throttle"]["state"]["copy"]["reason"], "source_load");

  // Raised live, the limit lets the copy go on while the source is as busy as before.
  Ctl("set throttle.max_load.threads_running=50 --reason \"allow more load\"");
  EXPECT_TRUE(WaitStatus([&](const json& s) { return RowsCopied(s) > copied; }, 3s));
  // Lowered again, it holds again; switched off, the copy goes on to the end.
  Ctl("set throttle.max_load.threads_running=3 --reason \"hold again\"");
  EXPECT_TRUE(WaitStatus(
      [](const json& s) { return s["throttle"]["state"]["copy"]["reason"] == "source_load"; },
      3s));
  sleepers.End();
  // Off (other tests may keep the shared source busy): the copy goes on to its end.
  Ctl("set throttle.max_load.threads_running=0 --reason \"load check off\"");
  ASSERT_TRUE(runtest::WaitForCdc(*run)) << run->Output();
  metrics = api.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("cutover_throttle_held_seconds_total{stage=\"copy\",reason=\"source_load\"} "),
            std::string::npos)
      << metrics->body;
  ExpectTargetCatchesUp(60s);
  runtest::StopRun(*run);
}

// mariadb-replica replicates the source with MASTER_DELAY, so that its Seconds_Behind_Master
// grows while the source is written: over throttle.max_replica_lag it holds the copy; raised
// live, the copy goes on.
TEST_F(CtlTest, ALaggingReplicaHoldsTheCopy) {
  ASSERT_TRUE(testing::EnsureServer("mariadb-replica"));
  auto replica = copytest::Connect(testing::MariaDbReplica());
  ASSERT_NE(replica, nullptr);
  const testing::ServerInfo source = testing::MariaDbSource();
  std::string position = Lines(*source_, "SELECT @@gtid_current_pos")[0];
  copytest::Exec(*replica, "STOP SLAVE");
  copytest::Exec(*replica, "RESET SLAVE ALL");
  copytest::Exec(*replica, "SET GLOBAL gtid_slave_pos = '" + position + "'");
  copytest::Exec(*replica, fmt::format("CHANGE MASTER TO MASTER_HOST='{}', MASTER_PORT={}, "
                                       "MASTER_USER='{}', MASTER_PASSWORD='{}', "
                                       "MASTER_USE_GTID=slave_pos, MASTER_DELAY=3600",
                                       source.host, source.port, source.user, source.password));
  copytest::Exec(*replica, "START SLAVE");
  struct StopReplication {
    mysql::Connection& replica;
    ~StopReplication() {
      replica.Execute("STOP SLAVE").status().IgnoreError();
      replica.Execute("RESET SLAVE ALL").status().IgnoreError();
    }
  } stop_replication{*replica};
  // Writes on the source (capped: 5 a second) that the replica receives and delays.
  copytest::Exec(*source_, "CREATE TABLE " + db_ + ".ticks (id INT AUTO_INCREMENT PRIMARY KEY)");
  std::atomic<bool> stop_ticks{false};
  std::thread ticks([&] {
    auto sql = copytest::Connect(source);
    while (sql != nullptr && !stop_ticks) {
      sql->Execute("INSERT INTO " + db_ + ".ticks VALUES ()").status().IgnoreError();
      std::this_thread::sleep_for(200ms);
    }
  });
  struct JoinTicks {
    std::atomic<bool>& stop;
    std::thread& thread;
    ~JoinTicks() {
      stop = true;
      thread.join();
    }
  } join_ticks{stop_ticks, ticks};
  ASSERT_NO_FATAL_FAILURE(
      WriteCtlSpec(fmt::format(", replicas: [\"127.0.0.1:{}\"], "
                               "max_replica_lag: 2s",
                               testing::MariaDbReplica().port)));
  auto run = StartRun();
  ASSERT_TRUE(WaitStatus(
      [](const json& s) { return s["throttle"]["state"]["copy"]["reason"] == "replica_lag"; }, 30s))
      << StatusJson().dump();
  json held = StatusJson();
  EXPECT_TRUE(std::regex_search(
      held["throttle"]["state"]["copy"]["detail"].get<std::string>(),
      std::regex(R"(^replica 127\.0\.0\.1:\d+ lags \d+ s > throttle\.max_replica_lag 2 s$)")))
      << held.dump();
  const int64_t copied = RowsCopied(held);
  std::this_thread::sleep_for(2s);
  EXPECT_EQ(RowsCopied(StatusJson()), copied) << "rows were copied while the replica lagged";
  Ctl("set throttle.max_replica_lag=1h --reason \"the replica is a delayed one\"");
  EXPECT_TRUE(WaitStatus([&](const json& s) { return RowsCopied(s) > copied; }, 3s));
  ASSERT_TRUE(runtest::WaitForCdc(*run)) << run->Output();
  runtest::StopRun(*run);
}

TEST_F(CtlTest, BadInputGetsExactErrorsAndExitTwo) {
  ASSERT_NO_FATAL_FAILURE(WriteCtlSpec(""));
  const std::string ctl = "ctl " + spec_.string() + " ";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"set throttle.copy_rows=5",
       "cutover ctl: InvalidArgument: unknown setting 'throttle.copy_rows'; the live settings "
       "are throttle.copy_rows_per_second, throttle.apply_rows_per_second, "
       "throttle.max_load.threads_running, throttle.max_replica_lag, throttle.target_max_load, "
       "throttle.target_max_commit_latency\n"},
      {"set throttle.copy_rows_per_second=fast",
       "cutover ctl: InvalidArgument: throttle.copy_rows_per_second: 'fast' is not an integer "
       ">= 0 (rows per second; 0: unlimited)\n"},
      {"set throttle.max_replica_lag=soon",
       "cutover ctl: InvalidArgument: throttle.max_replica_lag: 'soon' is not a duration; write "
       "whole numbers with ms, s, m or h (at most 24h), e.g. 1500ms or 10s\n"},
      {"set throttle.copy_rows_per_second",
       "cutover ctl: InvalidArgument: set: expected KEY=VALUE (KEY= goes back to the spec's "
       "value), got 'throttle.copy_rows_per_second'\n"},
      {"pause everything",
       "cutover ctl: InvalidArgument: pause: unknown part 'everything'; pause copy, apply or "
       "all (nothing: all)\n"},
      {"throttle",
       "cutover ctl: InvalidArgument: throttle: a reason is required (--reason \"why\"; API: "
       "\"reason\"); it is shown in status and kept in the audit\n"},
      {"stop",
       "cutover ctl: InvalidArgument: unknown action 'stop'; expected one of: pause "
       "[copy|apply], resume [copy|apply], set KEY=VALUE, reset KEY, throttle [on|off] --reason "
       "R, show [--json], history [--json]\n"},
  };
  for (const auto& [words, expected] : cases) {
    auto [code, output] = Cutover(ctl + words);
    EXPECT_EQ(code, 2) << words;
    EXPECT_EQ(output, expected) << words;
  }
  // Nothing of that was recorded; good input is, and shows.
  EXPECT_EQ(Ctl("history"), "");
  EXPECT_EQ(Ctl("throttle --reason \"backup running\""),
            "copy: running\napply: running\nthrottled by hand: backup running\n"
            "throttle.apply_rows_per_second = 0 (spec)\n"
            "throttle.copy_rows_per_second = 1000 (spec)\n"
            "throttle.max_load.threads_running = 0 (spec)\n"
            "throttle.max_replica_lag = 10s (spec)\n"
            "throttle.target_max_commit_latency = 0s (spec)\n"
            "throttle.target_max_load = 0 (spec)\n");
  json shown = json::parse(Ctl("show --json"));
  EXPECT_EQ(shown["throttled_by_hand"], (json{{"on", true}, {"reason", "backup running"}}));
}

}  // namespace
}  // namespace cutover
