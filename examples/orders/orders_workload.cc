// orders_workload: drives the orders service (examples/orders/README.md) with a steady mix of
// reads, writes and deletes over a set of order ids, from one client, and remembers what each
// acknowledged write left behind. At the end it reads every id back through the service and
// counts the orders that are not what the last acknowledged write made them: lost writes.
//
//   orders_workload --service http://127.0.0.1:8480 [--ids 200] [--rate 50] [--seconds 60]
//                   [--stop-file PATH]
//
// Prints one JSON line: {"operations", "failed", "reads", "writes", "deletes", "lost",
// "checked"}; exit 0 when nothing failed and nothing was lost, 1 otherwise.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <random>
#include <thread>

#include <httplib.h>

#include "order.h"

namespace orders {
namespace {

using Json = nlohmann::json;

int Main(int argc, char** argv) {
  CLI::App app{"orders_workload: the cutover example's workload driver"};
  std::string service = "http://127.0.0.1:8480";
  std::string stop_file;
  int64_t ids = 200;
  double rate = 50;
  int64_t seconds = 60;
  app.add_option("--service", service, "the orders service's URL");
  app.add_option("--ids", ids, "order ids 1..N are used");
  app.add_option("--rate", rate, "operations per second");
  app.add_option("--seconds", seconds, "how long to run (0: until --stop-file exists)");
  app.add_option("--stop-file", stop_file, "stop once this file exists");
  CLI11_PARSE(app, argc, argv);

  httplib::Client client(service);
  client.set_connection_timeout(std::chrono::seconds(2));
  client.set_read_timeout(std::chrono::seconds(10));
  std::mt19937_64 random(std::random_device{}());
  std::map<int64_t, std::optional<Order>> expected;  // what the last acknowledged write left
  std::map<int64_t, int64_t> versions;
  int64_t operations = 0, failed = 0, reads = 0, writes = 0, deletes = 0;
  auto started = std::chrono::steady_clock::now();
  auto interval = std::chrono::duration<double>(1.0 / rate);
  auto next = started;
  auto done = [&] {
    if (!stop_file.empty() && std::filesystem::exists(stop_file)) return true;
    return seconds > 0 &&
           std::chrono::steady_clock::now() - started >= std::chrono::seconds(seconds);
  };
  const char* statuses[] = {"new", "paid", "shipped", "delivered"};
  while (!done()) {
    next += std::chrono::duration_cast<std::chrono::steady_clock::duration>(interval);
    std::this_thread::sleep_until(next);
    int64_t id = 1 + static_cast<int64_t>(random() % static_cast<uint64_t>(ids));
    std::string path = "/orders/" + std::to_string(id);
    int kind = static_cast<int>(random() % 10);
    ++operations;
    if (kind < 5) {  // read: an order we know must be what we wrote
      ++reads;
      auto reply = client.Get(path);
      if (!reply || (reply->status != 200 && reply->status != 404)) {
        ++failed;
      }
    } else if (kind < 9) {
      ++writes;
      Order order;
      order.id = id;
      order.customer = "customer " + std::to_string(random() % 1000);
      order.status = statuses[random() % 4];
      order.total_cents = static_cast<int64_t>(random() % 1000000);
      order.version = ++versions[id];
      auto reply = client.Put(path, ToJson(order).dump(), "application/json");
      if (reply && reply->status == 204) {
        expected[id] = order;
      } else {
        ++failed;
        expected.erase(id);  // unknown: it may or may not have been written
      }
    } else {
      ++deletes;
      auto reply = client.Delete(path);
      if (reply && reply->status == 204) {
        expected[id] = std::nullopt;
      } else {
        ++failed;
        expected.erase(id);
      }
    }
  }
  int64_t lost = 0;
  for (const auto& [id, order] : expected) {
    auto reply = client.Get("/orders/" + std::to_string(id));
    bool ok = false;
    if (reply && reply->status == 404) ok = !order.has_value();
    if (reply && reply->status == 200) {
      std::optional<Order> got = FromJson(Json::parse(reply->body, nullptr, false));
      ok = order.has_value() && got == order;
    }
    if (!ok) {
      ++lost;
      std::fprintf(stderr, "lost write: order %lld\n", static_cast<long long>(id));
    }
  }
  Json summary = {{"operations", operations},  {"failed", failed},   {"reads", reads},
                  {"writes", writes},          {"deletes", deletes}, {"lost", lost},
                  {"checked", expected.size()}};
  std::printf("%s\n", summary.dump().c_str());
  return failed == 0 && lost == 0 ? 0 : 1;
}

}  // namespace
}  // namespace orders

int main(int argc, char** argv) { return orders::Main(argc, argv); }
