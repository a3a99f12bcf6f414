// Helpers shared by the DynamoDB integration tests: a Spec and sink pointed at dynalite, sample
// rows, and item lookups.
#pragma once

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "cutover/mapping.h"

#include "sink/dynamodb/client.h"
#include "sink/dynamodb/operations.h"
#include "sink/dynamodb/sink.h"
#include "support/servers.h"

namespace cutover::testing {

inline std::string DynaliteEndpoint() {
  ServerInfo dynalite = Dynalite();
  return "http://" + dynalite.host + ":" + std::to_string(dynalite.port);
}

// A spec whose target is dynalite and whose mapping file holds `mapping_yaml`.
inline Spec DynaliteSpec(const std::string& mapping_yaml, const std::string& endpoint) {
  std::filesystem::path dir = std::filesystem::temp_directory_path() / "cutover_dynamodb_test";
  std::filesystem::create_directories(dir);
  Spec spec;
  spec.name = "dynamo";
  spec.file = dir / "spec.yaml";
  spec.mapping =
      dir / ("mapping_" + std::to_string(std::hash<std::string>{}(mapping_yaml)) + ".yaml");
  std::ofstream(spec.mapping) << mapping_yaml;
  spec.target.kind = TargetKind::kDynamoDB;
  spec.target.dynamodb.endpoint = endpoint;
  spec.target.dynamodb.access_key_id = Secret{"test", Dynalite().user};
  spec.target.dynamodb.secret_access_key = Secret{"test", Dynalite().password};
  return spec;
}

// A client of the local dynalite (its keys as scripts/servers reports them).
inline std::unique_ptr<dynamodb::Client> DynaliteClient() {
  DynamoDbSpec dynamodb;
  dynamodb.endpoint = DynaliteEndpoint();
  dynamodb.access_key_id = Secret{"test", Dynalite().user};
  dynamodb.secret_access_key = Secret{"test", Dynalite().password};
  Result<std::unique_ptr<dynamodb::Client>> client = dynamodb::Client::Open(dynamodb);
  EXPECT_TRUE(client.ok()) << client.status().ToString();
  return client.ok() ? *std::move(client) : nullptr;
}

// Deletes a DynamoDB table if it exists and waits (at most 10 s) until it is gone.
inline void DropTableAndWait(dynamodb::Client& client, const std::string& table) {
  dynamodb::DeleteTable(client, table).IgnoreError();  // may not exist
  for (int attempt = 0; attempt < 100; ++attempt) {
    if (!dynamodb::DescribeTable(client, table).ok()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

inline SampleRows Rows(const std::string& json) {
  Result<SampleRows> rows = ParseSampleRows(json, "rows");
  EXPECT_TRUE(rows.ok()) << rows.status().ToString();
  return std::move(rows).value();
}

// Items keyed by their key attributes' JSON text.
inline std::map<std::string, nlohmann::json> ByKey(const std::vector<nlohmann::json>& items,
                                                   const std::vector<std::string>& key_names) {
  std::map<std::string, nlohmann::json> out;
  for (const nlohmann::json& item : items) {
    nlohmann::json key = nlohmann::json::object();
    for (const std::string& name : key_names) key[name] = item.at(name);
    out[key.dump()] = item;
  }
  return out;
}

// Compares two items attribute by attribute, so a failure names the attribute. Numbers compare
// by value (DynamoDB stores 1.50 as 1.5), sets regardless of order.
inline void ExpectSameItem(const nlohmann::json& expected_item, const nlohmann::json& actual_item) {
  nlohmann::json expected = CanonicalItem(expected_item);
  nlohmann::json actual = CanonicalItem(actual_item);
  for (const auto& [name, value] : expected.items()) {
    ASSERT_TRUE(actual.contains(name)) << "missing attribute " << name << " in " << actual.dump();
    EXPECT_EQ(value, actual[name]) << "attribute " << name;
  }
  for (const auto& [name, value] : actual.items()) {
    EXPECT_TRUE(expected.contains(name)) << "unexpected attribute " << name;
  }
}

}  // namespace cutover::testing
