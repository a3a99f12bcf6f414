// RouterCore: the stage cache, the background thread that polls the control API (stage,
// applied_through_ms), reports the counters, and re-checks shadow differences.
#include <condition_variable>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include <httplib.h>

#include "cutover/router.h"

namespace cutover {
namespace {

using Json = nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

// Shadow differences waiting for their re-check, at most; more are counted as unsettled.
constexpr size_t kMaxSuspects = 10000;

// A value of `key` at the top of `json` or one level down (the status record may be nested
// under "run").
std::optional<int64_t> FindInt(const Json& json, const std::string& key) {
  if (!json.is_object()) return std::nullopt;
  auto found = json.find(key);
  if (found != json.end() && found->is_number_integer()) return found->get<int64_t>();
  for (const auto& [name, value] : json.items()) {
    if (!value.is_object()) continue;
    auto inner = value.find(key);
    if (inner != value.end() && inner->is_number_integer()) return inner->get<int64_t>();
  }
  return std::nullopt;
}

}  // namespace

int64_t RouterNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct RouterCore::Impl {
  explicit Impl(RouterOptions router_options)
      : options(std::move(router_options)), client(options.control_url) {
    client.set_bearer_token_auth(options.token.c_str());
    if (!options.ca_file.empty()) client.set_ca_cert_path(options.ca_file.c_str());
    client.set_connection_timeout(std::chrono::seconds(1));
    client.set_read_timeout(std::chrono::seconds(2));
    client.set_write_timeout(std::chrono::seconds(2));
    thread = std::thread([this] { Loop(); });
  }
  ~Impl() {
    {
      std::lock_guard lock(mutex);
      stopping = true;
    }
    wake.notify_all();
    thread.join();
  }

  struct Suspect {
    int64_t read_ms = 0;
    std::function<Result<Recheck>()> recheck;
    int rounds = 0;
    int stable = 0;
  };

  void Loop() {
    auto last_report = SteadyClock::now();
    while (true) {
      Poll();
      RecheckDue();
      if (SteadyClock::now() - last_report >= options.report_every) {
        Report();
        last_report = SteadyClock::now();
      }
      std::unique_lock lock(mutex);
      wake.wait_for(lock, options.refresh, [this] { return stopping || stage_wanted; });
      stage_wanted = false;
      if (stopping) break;
    }
    Report();  // what happened since the last report
  }

  // The stage of the group and how far apply has got; failures keep what is cached.
  void Poll() {
    auto stage_reply = client.Get("/v1/flags/" + options.group);
    std::optional<Stage> fetched;
    if (stage_reply && stage_reply->status == 200) {
      Json body = Json::parse(stage_reply->body, nullptr, false);
      if (body.is_object() && body.contains("stage") && body["stage"].is_string()) {
        fetched = ParseStage(body["stage"].get<std::string>());
        if (fetched) {
          retired.store(body.contains("finished") && body["finished"].is_boolean() &&
                        body["finished"].get<bool>());
        }
      }
    }
    if (fetched) {
      stage.store(static_cast<int>(*fetched));
      if (!known.load()) {
        {
          std::lock_guard lock(mutex);  // WaitForStage checks `known` under it
          known.store(true);
        }
        known_changed.notify_all();
      }
    } else {
      stage_fetch_failures.fetch_add(1, std::memory_order_relaxed);
    }
    auto status_reply = client.Get("/v1/status");
    if (status_reply && status_reply->status == 200) {
      Json body = Json::parse(status_reply->body, nullptr, false);
      if (std::optional<int64_t> through = FindInt(body, "applied_through_ms")) {
        applied_through_ms.store(*through);
      }
    }
  }

  // Shadow differences whose read apply has passed: re-checked (outside the lock: the
  // application's read functions may take time).
  void RecheckDue() {
    int64_t through = applied_through_ms.load();
    std::deque<Suspect> due;
    {
      std::lock_guard lock(mutex);
      for (auto it = suspects.begin(); it != suspects.end();) {
        if (through > 0 && through >= it->read_ms + options.recheck_margin.count()) {
          due.push_back(std::move(*it));
          it = suspects.erase(it);
        } else {
          ++it;
        }
      }
    }
    std::deque<Suspect> again;
    for (Suspect& suspect : due) {
      ++suspect.rounds;
      Result<Recheck> result = suspect.recheck();
      if (result.ok() && !result->differ) {
        settled.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      if (result.ok()) {
        suspect.stable = result->source_unchanged ? suspect.stable + 1 : 0;
        // Twice the target still differed from a source answer that stood still while apply
        // passed it: the target is wrong.
        if (suspect.stable >= 2) {
          mismatches.fetch_add(1, std::memory_order_relaxed);
          continue;
        }
      }
      if (suspect.rounds >= options.recheck_rounds) {
        unsettled.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      suspect.read_ms = RouterNowMs();
      again.push_back(std::move(suspect));
    }
    std::lock_guard lock(mutex);
    for (Suspect& suspect : again) suspects.push_back(std::move(suspect));
  }

  // The counters since the last report that got through, as deltas.
  void Report() {
    RouterCounters now = Counters();
    Json body = {{"group", options.group},
                 {"reads", now.reads - reported.reads},
                 {"writes", now.writes - reported.writes},
                 {"secondary_write_failures",
                  now.secondary_write_failures - reported.secondary_write_failures},
                 {"target_read_failures", now.target_read_failures - reported.target_read_failures},
                 {"shadow_comparisons", now.shadow_comparisons - reported.shadow_comparisons},
                 {"shadow_mismatches", now.shadow_mismatches - reported.shadow_mismatches},
                 {"shadow_settled", now.shadow_settled - reported.shadow_settled},
                 {"shadow_unsettled", now.shadow_unsettled - reported.shadow_unsettled}};
    auto reply = client.Post("/v1/router-reports", body.dump(), "application/json");
    if (reply && reply->status / 100 == 2) reported = now;
  }

  RouterCounters Counters() const {
    RouterCounters out;
    out.reads = reads.load();
    out.writes = writes.load();
    out.secondary_write_failures = secondary_write_failures.load();
    out.target_read_failures = target_read_failures.load();
    out.shadow_comparisons = comparisons.load();
    out.shadow_mismatches = mismatches.load();
    out.shadow_settled = settled.load();
    out.shadow_unsettled = unsettled.load();
    out.stage_fetch_failures = stage_fetch_failures.load();
    return out;
  }

  // Constant after construction
  const RouterOptions options;
  // Only the background thread uses the client and `reported`.
  httplib::Client client;
  RouterCounters reported;

  std::atomic<int> stage{0};
  std::atomic<bool> known{false};
  std::atomic<bool> retired{false};  // the flag reply's "finished"
  std::atomic<int64_t> applied_through_ms{0};
  std::atomic<int64_t> reads{0}, writes{0}, secondary_write_failures{0}, target_read_failures{0},
      comparisons{0}, mismatches{0}, settled{0}, unsettled{0}, stage_fetch_failures{0};

  std::mutex mutex;  // guards the members below
  std::condition_variable wake;
  std::condition_variable known_changed;
  bool stopping = false;
  bool stage_wanted = false;
  std::deque<Suspect> suspects;

  std::thread thread;  // last: started once everything above exists
};

RouterCore::RouterCore(RouterOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {
  impl_->stage.store(static_cast<int>(impl_->options.fallback));
}

RouterCore::~RouterCore() = default;

Stage RouterCore::stage() const { return static_cast<Stage>(impl_->stage.load()); }
bool RouterCore::stage_known() const { return impl_->known.load(); }
bool RouterCore::source_retired() const { return impl_->retired.load(); }
RouterCounters RouterCore::counters() const { return impl_->Counters(); }

bool RouterCore::WaitForStage(std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mutex);
  impl_->stage_wanted = true;
  impl_->wake.notify_all();
  return impl_->known_changed.wait_for(lock, timeout, [this] { return impl_->known.load(); });
}

void RouterCore::CountRead() { impl_->reads.fetch_add(1, std::memory_order_relaxed); }
void RouterCore::CountWrite() { impl_->writes.fetch_add(1, std::memory_order_relaxed); }
void RouterCore::CountSecondaryWriteFailure() {
  impl_->secondary_write_failures.fetch_add(1, std::memory_order_relaxed);
}
void RouterCore::CountTargetReadFailure() {
  impl_->target_read_failures.fetch_add(1, std::memory_order_relaxed);
}
void RouterCore::CountComparison() { impl_->comparisons.fetch_add(1, std::memory_order_relaxed); }

void RouterCore::Suspect(int64_t read_ms, std::function<Result<Recheck>()> recheck) {
  std::lock_guard lock(impl_->mutex);
  if (impl_->suspects.size() >= kMaxSuspects) {
    impl_->unsettled.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  impl_->suspects.push_back(Impl::Suspect{read_ms, std::move(recheck), 0, 0});
}

}  // namespace cutover
