// dynamodb_raw_bench: the write ceiling of a DynamoDB-compatible server, measured by the
// smallest client that can reach it: BatchWriteItem requests of 25 items, built and serialized
// before the clock starts, sent over keep-alive HTTP connections (one per thread), each signed
// with SigV4 just before it is sent. No source, mapping or batching logic runs while timed, so
// what is left is the server's own speed (and this loop's, which is small).
//   dynamodb_raw_bench --endpoint http://127.0.0.1:18000 --table T --rows ROWS.tsv
//                      [--concurrency 1,2,4,8] [--limit N]
//   dynamodb_raw_bench --rows ROWS.tsv --print-items 3
//   dynamodb_raw_bench --table T --count | --drop    (items in T by a COUNT scan; delete T)
// ROWS.tsv: `id<TAB>k<TAB>c<TAB>pad` lines (sysbench's sbtest columns, as `mariadb --batch
// --skip-column-names` prints them). Each row becomes the item cutover's mapping `pk: "{id}"`
// (partition key pk of type N) makes of it: pk and id as N, k as N, c and pad as S.
// Before each concurrency level the table is deleted and created again (on-demand, key pk N).
// Prints one line per level and a `ceiling` line (the best level); bench/dynamodb_load.sh runs
// it next to `cutover copy` (docs/benchmarks.md).
#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "sink/dynamodb/client.h"
#include "sink/dynamodb/http_connection.h"
#include "sink/dynamodb/operations.h"
#include "sink/dynamodb/sigv4.h"

namespace cutover::bench {
namespace {

using dynamodb::Json;

constexpr size_t kBatchItems = 25;

// Splits a `mariadb --batch` line on tabs. The sbtest columns hold digits and dashes only, so
// no escapes can occur; a line with another column count is an error.
bool SplitRow(const std::string& line, std::vector<std::string>* cells) {
  cells->clear();
  size_t start = 0;
  while (true) {
    size_t tab = line.find('\t', start);
    cells->push_back(
        line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
    if (tab == std::string::npos) break;
    start = tab + 1;
  }
  return cells->size() == 4;
}

Json ItemOf(const std::vector<std::string>& cells) {
  return {{"pk", {{"N", cells[0]}}},
          {"id", {{"N", cells[0]}}},
          {"k", {{"N", cells[1]}}},
          {"c", {{"S", cells[2]}}},
          {"pad", {{"S", cells[3]}}}};
}

Result<std::vector<Json>> ReadItems(const std::string& path, size_t limit) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("cannot read " + path);
  std::vector<Json> items;
  std::string line;
  std::vector<std::string> cells;
  while (items.size() < limit && std::getline(in, line)) {
    if (!SplitRow(line, &cells)) {
      return Status::InvalidArgument(path + ": line " + std::to_string(items.size() + 1) +
                                     " does not have 4 tab-separated columns");
    }
    items.push_back(ItemOf(cells));
  }
  return items;
}

// The request bodies, 25 items each, serialized once.
std::vector<std::string> BuildBodies(const std::vector<Json>& items, const std::string& table) {
  std::vector<std::string> bodies;
  for (size_t start = 0; start < items.size(); start += kBatchItems) {
    Json requests = Json::array();
    for (size_t item_idx = start; item_idx < std::min(items.size(), start + kBatchItems);
         ++item_idx) {
      requests.push_back({{"PutRequest", {{"Item", items[item_idx]}}}});
    }
    bodies.push_back(Json{{"RequestItems", {{table, requests}}}}.dump());
  }
  return bodies;
}

struct Target {
  std::string url;
  std::string host;
  std::string region;
  dynamodb::Credentials credentials;
};

// One signed POST; an error unless the server took every item.
Status Send(dynamodb::HttpConnection& connection, const Target& target, const std::string& body) {
  dynamodb::SignableRequest request;
  request.method = "POST";
  request.headers = {{"Content-Type", "application/x-amz-json-1.0"},
                     {"Host", target.host},
                     {"X-Amz-Date", dynamodb::AmzDate(std::chrono::system_clock::now())},
                     {"X-Amz-Target", "DynamoDB_20120810.BatchWriteItem"}};
  request.body = body;
  dynamodb::SignatureParts signature = dynamodb::SignV4(
      request, target.credentials,
      dynamodb::SigningScope{target.region, "dynamodb", request.headers[2].second});
  request.headers.push_back({"Authorization", signature.authorization});
  CUTOVER_ASSIGN_OR_RETURN(dynamodb::HttpResponse response,
                           connection.Post(target.url, request.headers, body));
  if (response.status != 200) {
    return Status::Internal("HTTP " + std::to_string(response.status) + ": " +
                            response.body.substr(0, 300));
  }
  // A ceiling that dropped unprocessed items would not be one: refuse them instead.
  if (response.body != R"({"UnprocessedItems":{}})") {
    Json json = Json::parse(response.body, nullptr, false);
    if (!json.is_object() || !json.value("UnprocessedItems", Json::object()).empty()) {
      return Status::Internal("items left unprocessed: " + response.body.substr(0, 300));
    }
  }
  return Status::Ok();
}

Status Recreate(dynamodb::Client& client, const std::string& table) {
  Status deleted = dynamodb::DeleteTable(client, table);
  if (!deleted.ok() && deleted.code() != StatusCode::kNotFound) return deleted;
  while (true) {
    Result<Json> description = dynamodb::DescribeTable(client, table);
    if (description.status().code() == StatusCode::kNotFound) break;
    CUTOVER_RETURN_IF_ERROR(description.status());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  DynamoTable definition;
  definition.name = table;
  definition.partition_key = KeyAttribute{"pk", "N"};
  return dynamodb::CreateTable(client, definition, dynamodb::CreateTableOptions{});
}

// Sends every body with `threads` connections; returns the seconds taken.
Result<double> RunLevel(const Target& target, const std::vector<std::string>& bodies, int threads) {
  std::atomic<size_t> next{0};
  std::vector<Status> statuses(threads);
  auto started = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (int thread_idx = 0; thread_idx < threads; ++thread_idx) {
    workers.emplace_back([&, thread_idx] {
      dynamodb::HttpConnection connection(std::chrono::milliseconds(60000));
      for (size_t body_idx = next++; body_idx < bodies.size(); body_idx = next++) {
        statuses[thread_idx] = Send(connection, target, bodies[body_idx]);
        if (!statuses[thread_idx].ok()) {
          next = bodies.size();
          return;
        }
      }
    });
  }
  for (std::thread& worker : workers) worker.join();
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  for (const Status& status : statuses) CUTOVER_RETURN_IF_ERROR(status);
  return seconds;
}

// Items in `table`, by a consistent COUNT scan (dynalite keeps no ItemCount).
Result<uint64_t> CountItems(dynamodb::Client& client, const std::string& table) {
  uint64_t count = 0;
  Json request = {{"TableName", table}, {"Select", "COUNT"}, {"ConsistentRead", true}};
  while (true) {
    CUTOVER_ASSIGN_OR_RETURN(Json response, client.Call("Scan", request));
    count += response.value("Count", uint64_t{0});
    if (!response.contains("LastEvaluatedKey")) return count;
    request["ExclusiveStartKey"] = response["LastEvaluatedKey"];
  }
}

int Run(int argc, char** argv) {
  CLI::App app("DynamoDB BatchWriteItem ceiling");
  std::string endpoint = "http://127.0.0.1:18000", table = "bench_raw", rows_path;
  std::string region = "us-east-1";
  std::vector<int> levels = {1, 2, 4, 8};
  size_t limit = SIZE_MAX, print_items = 0;
  app.add_option("--endpoint", endpoint, "server URL");
  app.add_option("--region", region, "signing region");
  app.add_option("--table", table, "table to (re)create and fill");
  bool count = false, drop = false;
  app.add_option("--rows", rows_path, "id, k, c, pad as tab-separated lines");
  app.add_flag("--count", count, "print the number of items in --table and exit");
  app.add_flag("--drop", drop, "delete --table (if it exists) and exit");
  app.add_option("--concurrency", levels, "concurrency levels")->delimiter(',');
  app.add_option("--limit", limit, "rows to use at most");
  app.add_option("--print-items", print_items, "print the first N items as JSON and exit");
  CLI11_PARSE(app, argc, argv);

  dynamodb::ClientOptions options;
  options.region = region;
  options.endpoint = endpoint;
  options.credentials = {"bench", "bench-secret", ""};
  dynamodb::Client client(options);
  if (count) {
    Result<uint64_t> items = CountItems(client, table);
    if (!items.ok()) {
      std::fprintf(stderr, "dynamodb_raw_bench: %s\n", items.status().ToString().c_str());
      return 1;
    }
    std::printf("%llu\n", static_cast<unsigned long long>(*items));
    return 0;
  }
  if (drop) {
    Status deleted = dynamodb::DeleteTable(client, table);
    if (deleted.ok() || deleted.code() == StatusCode::kNotFound) return 0;
    std::fprintf(stderr, "dynamodb_raw_bench: %s\n", deleted.ToString().c_str());
    return 1;
  }
  if (rows_path.empty()) {
    std::fprintf(stderr, "dynamodb_raw_bench: --rows is required\n");
    return 2;
  }
  Result<std::vector<Json>> items = ReadItems(rows_path, print_items ? print_items : limit);
  if (!items.ok()) {
    std::fprintf(stderr, "dynamodb_raw_bench: %s\n", items.status().ToString().c_str());
    return 1;
  }
  if (print_items) {
    std::printf("%s\n", Json(*items).dump().c_str());
    return 0;
  }
  std::vector<std::string> bodies = BuildBodies(*items, table);
  size_t item_count = items->size();
  items->clear();
  items->shrink_to_fit();

  Target target{endpoint, "", region, options.credentials};
  if (target.url.back() != '/') target.url += '/';
  size_t host_start = target.url.find("://") + 3;
  target.host = target.url.substr(host_start, target.url.find('/', host_start) - host_start);

  double best = 0;
  int best_level = 0;
  for (int level : levels) {
    if (Status status = Recreate(client, table); !status.ok()) {
      std::fprintf(stderr, "dynamodb_raw_bench: %s\n", status.ToString().c_str());
      return 1;
    }
    Result<double> seconds = RunLevel(target, bodies, level);
    if (!seconds.ok()) {
      std::fprintf(stderr, "dynamodb_raw_bench: concurrency %d: %s\n", level,
                   seconds.status().ToString().c_str());
      return 1;
    }
    double rate = item_count / *seconds;
    std::printf("concurrency=%d items=%zu requests=%zu seconds=%.2f items_per_second=%.0f\n", level,
                item_count, bodies.size(), *seconds, rate);
    std::fflush(stdout);
    if (rate > best) {
      best = rate;
      best_level = level;
    }
  }
  std::printf("ceiling items_per_second=%.0f concurrency=%d\n", best, best_level);
  return 0;
}

}  // namespace
}  // namespace cutover::bench

int main(int argc, char** argv) { return cutover::bench::Run(argc, argv); }
