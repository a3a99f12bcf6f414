// orders_service: the example application of a cutover (examples/orders/README.md). A small
// HTTP API over orders (GET/PUT/DELETE /orders/<id>) whose every read and write goes through
// cutover::Router, with MariaDB as the source store and DynamoDB as the target, so the flag
// stage set with `cutover flags set` moves its reads and writes between them.
//
//   orders_service --spec SPEC --table shop.orders --dynamodb-table shop_orders
//                  [--listen 127.0.0.1:8480] [--control http://127.0.0.1:8470]
//                  [--token-env CUTOVER_CONTROL_TOKEN] [--group default]
//
// The spec is the migration's: its source connection is the MariaDB the service uses, its
// DynamoDB target the table the mapping writes (the service writes exactly the items the
// mapping makes of a row: pk "ORDER#<id>" and the columns as attributes).
#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <httplib.h>

#include "cutover/router.h"
#include "cutover/spec.h"

#include "db/mysql/connection.h"
#include "order.h"
#include "sink/dynamodb/client.h"
#include "sink/dynamodb/operations.h"

namespace orders {
namespace {

std::atomic<bool> g_stop{false};
extern "C" void OnSignal(int) { g_stop = true; }

using cutover::Result;
using cutover::Status;
using Json = nlohmann::json;

// The source store: MariaDB, one connection behind a mutex (the example is not about pooling).
class MariaDbOrders {
 public:
  MariaDbOrders(std::unique_ptr<cutover::mysql::Connection> connection, std::string table)
      : connection_(std::move(connection)), table_(std::move(table)) {}

  Result<std::optional<Order>> Read(int64_t id) {
    std::lock_guard lock(mutex_);
    CUTOVER_ASSIGN_OR_RETURN(
        cutover::mysql::QueryResult result,
        connection_->Query(
            fmt::format("SELECT id, customer, status, total_cents, version FROM {} WHERE id = {}",
                        table_, id)));
    if (result.rows.empty()) return std::optional<Order>();
    const auto& row = result.rows[0];
    Order order;
    order.id = std::stoll(row[0].value_or("0"));
    order.customer = row[1].value_or("");
    order.status = row[2].value_or("");
    order.total_cents = std::stoll(row[3].value_or("0"));
    order.version = std::stoll(row[4].value_or("0"));
    return std::optional<Order>(order);
  }

  Status Write(int64_t id, const std::optional<Order>& order) {
    std::lock_guard lock(mutex_);
    if (!order) {
      return connection_->Execute(fmt::format("DELETE FROM {} WHERE id = {}", table_, id)).status();
    }
    return connection_
        ->Execute(fmt::format(
            "INSERT INTO {} (id, customer, status, total_cents, version) VALUES ({}, {}, {}, {}, "
            "{}) ON DUPLICATE KEY UPDATE customer = VALUES(customer), status = VALUES(status), "
            "total_cents = VALUES(total_cents), version = VALUES(version)",
            table_, id, connection_->QuoteString(order->customer),
            connection_->QuoteString(order->status), order->total_cents, order->version))
        .status();
  }

 private:
  std::mutex mutex_;
  std::unique_ptr<cutover::mysql::Connection> connection_;
  const std::string table_;
};

// The target store: the DynamoDB items cutover's mapping makes of an orders row.
class DynamoDbOrders {
 public:
  DynamoDbOrders(std::unique_ptr<cutover::dynamodb::Client> client, std::string table)
      : client_(std::move(client)), table_(std::move(table)) {}

  static Json Key(int64_t id) { return {{"pk", {{"S", fmt::format("ORDER#{}", id)}}}}; }

  Result<std::optional<Order>> Read(int64_t id) {
    CUTOVER_ASSIGN_OR_RETURN(std::vector<Json> items,
                             cutover::dynamodb::BatchGet(*client_, table_, {Key(id)}));
    if (items.empty()) return std::optional<Order>();
    const Json& item = items[0];
    Order order;
    order.id = std::stoll(item["id"]["N"].get<std::string>());
    order.customer = item.contains("customer") ? item["customer"]["S"].get<std::string>() : "";
    order.status = item.contains("status") ? item["status"]["S"].get<std::string>() : "";
    order.total_cents = std::stoll(item["total_cents"]["N"].get<std::string>());
    order.version = std::stoll(item["version"]["N"].get<std::string>());
    return std::optional<Order>(order);
  }

  Status Write(int64_t id, const std::optional<Order>& order) {
    if (!order) return cutover::dynamodb::DeleteItem(*client_, table_, Key(id));
    Json item = Key(id);
    item["id"] = {{"N", std::to_string(order->id)}};
    item["customer"] = {{"S", order->customer}};
    item["status"] = {{"S", order->status}};
    item["total_cents"] = {{"N", std::to_string(order->total_cents)}};
    item["version"] = {{"N", std::to_string(order->version)}};
    return cutover::dynamodb::PutItem(*client_, table_, std::move(item));
  }

 private:
  std::unique_ptr<cutover::dynamodb::Client> client_;
  const std::string table_;
};

int Main(int argc, char** argv) {
  CLI::App app{"orders_service: the cutover example application"};
  std::string spec_file, table, dynamodb_table,
      listen = "127.0.0.1:8480", control = "http://127.0.0.1:8470",
      token_env = "CUTOVER_CONTROL_TOKEN", group = "default";
  app.add_option("--spec", spec_file, "the migration spec (its source and DynamoDB target)")
      ->required();
  app.add_option("--table", table, "the orders table on the source (schema.table)")->required();
  app.add_option("--dynamodb-table", dynamodb_table, "the DynamoDB table the mapping writes")
      ->required();
  app.add_option("--listen", listen, "host:port of the service's HTTP API");
  app.add_option("--control", control, "the control API's URL");
  app.add_option("--token-env", token_env, "environment variable holding the control API token");
  app.add_option("--group", group, "the flag group to follow");
  CLI11_PARSE(app, argc, argv);

  Result<cutover::Spec> spec = cutover::LoadSpec(spec_file);
  if (!spec.ok()) {
    std::fprintf(stderr, "orders_service: %s\n", spec.status().ToString().c_str());
    return 2;
  }
  cutover::mysql::ConnectOptions options;
  options.use_database = false;
  auto mariadb = cutover::mysql::Connection::Open(spec->source.connection, options);
  auto dynamodb = cutover::dynamodb::Client::Open(spec->target.dynamodb);
  if (!mariadb.ok() || !dynamodb.ok()) {
    std::fprintf(stderr, "orders_service: %s\n",
                 (!mariadb.ok() ? mariadb.status() : dynamodb.status()).ToString().c_str());
    return 2;
  }
  size_t dot = table.find('.');
  std::string quoted = dot == std::string::npos
                           ? "`" + table + "`"
                           : "`" + table.substr(0, dot) + "`.`" + table.substr(dot + 1) + "`";
  MariaDbOrders source(*std::move(mariadb), quoted);
  DynamoDbOrders target(*std::move(dynamodb), dynamodb_table);

  cutover::RouterOptions router_options;
  router_options.control_url = control;
  const char* token = std::getenv(token_env.c_str());
  router_options.token = token != nullptr ? token : "";
  router_options.group = group;
  using OrderRouter = cutover::Router<int64_t, Order>;
  OrderRouter router(router_options,
                     OrderRouter::Store{[&](const int64_t& id) { return source.Read(id); },
                                        [&](const int64_t& id, const std::optional<Order>& order) {
                                          return source.Write(id, order);
                                        }},
                     OrderRouter::Store{[&](const int64_t& id) { return target.Read(id); },
                                        [&](const int64_t& id, const std::optional<Order>& order) {
                                          return target.Write(id, order);
                                        }});
  router.core().WaitForStage(std::chrono::seconds(5));

  httplib::Server server;
  auto fail = [](httplib::Response& response, const Status& status) {
    response.status = 503;
    response.set_content(Json{{"error", status.ToString()}}.dump(), "application/json");
  };
  server.Get(R"(/orders/(\d+))", [&](const httplib::Request& request, httplib::Response& response) {
    Result<std::optional<Order>> order = router.Read(std::stoll(request.matches[1]));
    if (!order.ok()) return fail(response, order.status());
    if (!*order) {
      response.status = 404;
      return;
    }
    response.set_content(ToJson(**order).dump(), "application/json");
  });
  server.Put(R"(/orders/(\d+))", [&](const httplib::Request& request, httplib::Response& response) {
    std::optional<Order> order = FromJson(Json::parse(request.body, nullptr, false));
    int64_t id = std::stoll(request.matches[1]);
    if (!order || order->id != id) {
      response.status = 400;
      response.set_content(R"({"error": "the body must be an order with this id"})",
                           "application/json");
      return;
    }
    Status written = router.Write(id, order);
    if (!written.ok()) return fail(response, written);
    response.status = 204;
  });
  server.Delete(R"(/orders/(\d+))",
                [&](const httplib::Request& request, httplib::Response& response) {
                  Status written = router.Write(std::stoll(request.matches[1]), std::nullopt);
                  if (!written.ok()) return fail(response, written);
                  response.status = 204;
                });
  server.Get("/health", [&](const httplib::Request&, httplib::Response& response) {
    cutover::RouterCounters counters = router.core().counters();
    response.set_content(Json{{"stage", cutover::StageName(router.stage())},
                              {"stage_known", router.core().stage_known()},
                              {"secondary_write_failures", counters.secondary_write_failures},
                              {"shadow_mismatches", counters.shadow_mismatches}}
                             .dump(),
                         "application/json");
  });
  size_t colon = listen.rfind(':');
  std::string host = listen.substr(0, colon);
  int port = std::stoi(listen.substr(colon + 1));
  std::fprintf(stderr, "orders_service: listening on %s:%d, stage %s\n", host.c_str(), port,
               std::string(cutover::StageName(router.stage())).c_str());
  // SIGTERM/SIGINT stop the server; the Router then sends its last report as it is destroyed.
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGINT, OnSignal);
  std::thread stopper([&] {
    while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    server.stop();
  });
  bool listened = server.listen(host, port);
  g_stop = true;
  stopper.join();
  return listened ? 0 : 2;
}

}  // namespace
}  // namespace orders

int main(int argc, char** argv) { return orders::Main(argc, argv); }
