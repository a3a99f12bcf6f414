// The example's record: an order, as the orders service stores it in MariaDB (table `orders`:
// id BIGINT PRIMARY KEY, customer VARCHAR(40), status VARCHAR(20), total_cents BIGINT,
// version BIGINT) and in DynamoDB (the item cutover's mapping makes of that row:
// pk "ORDER#<id>" and one attribute per column), and as its HTTP API sends it (JSON).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace orders {

struct Order {
  int64_t id = 0;
  std::string customer;
  std::string status;
  int64_t total_cents = 0;
  int64_t version = 0;
  bool operator==(const Order& other) const = default;
};

inline nlohmann::json ToJson(const Order& order) {
  return {{"id", order.id},
          {"customer", order.customer},
          {"status", order.status},
          {"total_cents", order.total_cents},
          {"version", order.version}};
}

inline std::optional<Order> FromJson(const nlohmann::json& json) {
  if (!json.is_object()) return std::nullopt;
  try {
    Order order;
    order.id = json.at("id").get<int64_t>();
    order.customer = json.at("customer").get<std::string>();
    order.status = json.at("status").get<std::string>();
    order.total_cents = json.at("total_cents").get<int64_t>();
    order.version = json.at("version").get<int64_t>();
    return order;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

}  // namespace orders
