// cdc_probe: end-to-end CDC lag, measured from outside. Inserts a probe row into a selected
// source table every 1/rate s and notes when its COMMIT returned; polls the target every 2 ms
// (--poll-ms) for new probe rows; the lag of a probe is the time from its source commit to the
// first poll that sees it on the target (so it includes capture, the change log, apply and the
// target's commit, plus up to one polling interval). Also samples a process's RSS every second
// (the `cutover run` under test). Prints one summary line per figure (bench/cdc_lag.sh).
// The target is the MariaDB table --target-table, or with --dynamodb-endpoint the DynamoDB table
// --dynamodb-table whose items are keyed by the probe's id (partition key --dynamodb-key, type
// N): each poll is then one consistent BatchGetItem of the probes sent and not yet seen, through
// cutover's own DynamoDB client (credentials as for a target: AWS_ACCESS_KEY_ID, ...).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "db/mysql/connection.h"
#include "sink/dynamodb/client.h"
#include "sink/dynamodb/operations.h"

namespace {

using Clock = std::chrono::steady_clock;
using cutover::ConnectionSpec;
using cutover::mysql::Connection;

ConnectionSpec Server(int port, const std::string& password) {
  ConnectionSpec spec;
  spec.host = "127.0.0.1";
  spec.port = port;
  spec.user = "cutover";
  spec.password = cutover::Secret{"bench", password};
  return spec;
}

std::unique_ptr<Connection> Open(int port, const std::string& password) {
  cutover::mysql::ConnectOptions options;
  options.use_database = false;
  auto connection = Connection::Open(Server(port, password), options);
  if (!connection.ok()) {
    std::fprintf(stderr, "connect %d: %s\n", port, connection.status().ToString().c_str());
    std::exit(1);
  }
  return *std::move(connection);
}

int64_t RssKib(int pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  }
  return -1;
}

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  size_t index = static_cast<size_t>(p / 100.0 * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(index, values.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"cutover CDC lag probe"};
  int source_port = 13306;
  int target_port = 13307;
  std::string source_table = "bench_cdc.cdc_probe";
  std::string target_table = "bench_cdc_t.cdc_probe";
  std::string password = "cutover-test";
  double seconds = 60;
  double rate = 10;
  int pid = 0;
  int poll_ms = 2;
  std::string dynamodb_endpoint;
  std::string dynamodb_table = "bench_cdc_probe";
  std::string dynamodb_key = "pk";
  app.add_option("--source-port", source_port);
  app.add_option("--target-port", target_port);
  app.add_option("--source-table", source_table, "db.table (id BIGINT PRIMARY KEY, sent ...)");
  app.add_option("--target-table", target_table);
  app.add_option("--seconds", seconds);
  app.add_option("--rate", rate, "probes per second");
  app.add_option("--pid", pid, "process whose RSS is sampled every second");
  app.add_option("--poll-ms", poll_ms, "pause between two polls of the target");
  app.add_option("--dynamodb-endpoint", dynamodb_endpoint,
                 "poll this DynamoDB-compatible server instead of the MariaDB target");
  app.add_option("--dynamodb-table", dynamodb_table);
  app.add_option("--dynamodb-key", dynamodb_key, "the items' partition key (type N, the id)");
  CLI11_PARSE(app, argc, argv);

  auto source = Open(source_port, password);
  std::unique_ptr<Connection> target;
  std::unique_ptr<cutover::dynamodb::Client> dynamodb;
  if (dynamodb_endpoint.empty()) {
    target = Open(target_port, password);
  } else {
    cutover::DynamoDbSpec spec;
    spec.endpoint = dynamodb_endpoint;
    auto client = cutover::dynamodb::Client::Open(spec);
    if (!client.ok()) {
      std::fprintf(stderr, "%s\n", client.status().ToString().c_str());
      return 1;
    }
    dynamodb = *std::move(client);
  }
  auto first = source->Query("SELECT COALESCE(MAX(id), 0) FROM " + source_table);
  if (!first.ok()) {
    std::fprintf(stderr, "%s\n", first.status().ToString().c_str());
    return 1;
  }
  int64_t next_id = std::stoll(first->rows[0][0].value_or("0")) + 1;
  const int64_t first_id = next_id;

  std::mutex mutex;
  std::vector<Clock::time_point> committed;  // by id - first_id
  std::vector<double> lags_ms;
  std::atomic<bool> done{false};
  std::atomic<int64_t> sent{0};

  // DynamoDB: the lanes go by item, so probes may become visible out of order; each poll asks
  // for every probe sent and not yet seen (normally one or two) and times each one found.
  auto poll_dynamodb = [&] {
    std::vector<bool> seen;  // by id - first_id
    size_t low = 0;          // every probe below it was seen
    for (;;) {
      bool finished = done.load();
      std::vector<nlohmann::json> keys;
      {
        std::lock_guard lock(mutex);
        seen.resize(committed.size(), false);
        while (low < seen.size() && seen[low]) ++low;
        for (size_t i = low; i < seen.size() && keys.size() < 100; ++i) {
          if (seen[i]) continue;
          keys.push_back(
              {{dynamodb_key, {{"N", std::to_string(first_id + static_cast<int64_t>(i))}}}});
        }
      }
      if (finished && keys.empty()) break;
      if (!keys.empty()) {
        auto items = cutover::dynamodb::BatchGet(*dynamodb, dynamodb_table, keys);
        auto now = Clock::now();
        if (!items.ok()) {
          // Not created yet (NotFound) or a failed call: the probes stay pending, try again.
          std::fprintf(stderr, "poll: %s\n", items.status().ToString().c_str());
        } else {
          std::lock_guard lock(mutex);
          for (const nlohmann::json& item : *items) {
            int64_t id = std::stoll(item.at(dynamodb_key).at("N").get<std::string>());
            size_t index = static_cast<size_t>(id - first_id);
            if (id < first_id || index >= seen.size() || seen[index]) continue;
            seen[index] = true;
            lags_ms.push_back(
                std::chrono::duration<double, std::milli>(now - committed[index]).count());
          }
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(poll_ms));
    }
  };

  std::thread poller([&] {
    if (dynamodb) {
      poll_dynamodb();
      return;
    }
    int64_t seen = first_id - 1;
    for (;;) {
      bool finished = done.load();
      auto result = target->Query("SELECT COALESCE(MAX(id), 0) FROM " + target_table);
      auto now = Clock::now();
      if (result.ok()) {
        int64_t max_id = std::stoll(result->rows[0][0].value_or("0"));
        std::lock_guard lock(mutex);
        for (int64_t id = seen + 1;
             id <= max_id && id - first_id < static_cast<int64_t>(committed.size()); ++id) {
          lags_ms.push_back(std::chrono::duration<double, std::milli>(
                                now - committed[static_cast<size_t>(id - first_id)])
                                .count());
          seen = id;
        }
      }
      if (finished && seen >= first_id + sent.load() - 1) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(poll_ms));
    }
  });

  std::vector<int64_t> rss;
  auto start = Clock::now();
  auto period = std::chrono::duration<double>(1.0 / rate);
  auto next_rss = start;
  for (int64_t n = 0;; ++n) {
    auto due = start + std::chrono::duration_cast<Clock::duration>(period * static_cast<double>(n));
    if (due - start > std::chrono::duration<double>(seconds)) break;
    std::this_thread::sleep_until(due);
    if (pid > 0 && Clock::now() >= next_rss) {
      rss.push_back(RssKib(pid));
      next_rss += std::chrono::seconds(1);
    }
    auto inserted =
        source->Execute(fmt::format("INSERT INTO {} VALUES ({}, NOW(6))", source_table, next_id));
    if (!inserted.ok()) {
      std::fprintf(stderr, "%s\n", inserted.status().ToString().c_str());
      return 1;
    }
    {
      std::lock_guard lock(mutex);
      committed.push_back(Clock::now());  // autocommit: the INSERT returned after its COMMIT
    }
    ++next_id;
    ++sent;
  }
  done = true;
  auto drain_deadline = Clock::now() + std::chrono::seconds(60);
  while (Clock::now() < drain_deadline) {
    {
      std::lock_guard lock(mutex);
      if (static_cast<int64_t>(lags_ms.size()) >= sent.load()) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (Clock::now() >= drain_deadline) {
    std::fprintf(stderr, "probes missing on the target after 60 s\n");
    poller.detach();
    return 1;
  }
  poller.join();
  std::printf("probes %zu\n", lags_ms.size());
  std::printf("lag_ms p50 %.1f p90 %.1f p99 %.1f max %.1f\n", Percentile(lags_ms, 50),
              Percentile(lags_ms, 90), Percentile(lags_ms, 99), Percentile(lags_ms, 100));
  if (!rss.empty()) {
    size_t window = std::min<size_t>(60, std::max<size_t>(rss.size() / 4, 1));
    auto mean = [&](size_t begin) {
      int64_t sum = 0;
      for (size_t i = begin; i < begin + window; ++i) sum += rss[i];
      return static_cast<double>(sum) / static_cast<double>(window) / 1024.0;
    };
    std::printf("rss_mib peak %.0f first_window_mean %.0f last_window_mean %.0f (window %zu s)\n",
                static_cast<double>(*std::max_element(rss.begin(), rss.end())) / 1024.0, mean(0),
                mean(rss.size() - window), window);
  }
  return 0;
}
