// Test support for a PostgreSQL source into DynamoDB (dynalite): the PostgresSourceTest fixture
// with one DynamoDB table of its own (named after the schema, key pk and sk), a spec into it, and
// its items read back.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include <gtest/gtest.h>

#include "dynamodb_support.h"
#include "postgres_source_support.h"
#include "sink/dynamodb/operations.h"

namespace cutover::pgsource {

class PostgresSourceDynamoDbTest : public PostgresSourceTest {
 protected:
  using PostgresSourceTest::PostgresSourceTest;

  // The spec into dynalite: the mapping declares table_ (pk and sk of type S) and then
  // `sources_yaml` (its `sources:` entries); `extra` is the rest of the spec.
  void UseDynamoDbTarget(const std::string& sources_yaml, const std::string& extra) {
    ASSERT_TRUE(testing::EnsureServer("dynalite"));
    client_ = testing::DynaliteClient();
    ASSERT_NE(client_, nullptr);
    table_ = schema_;
    testing::DropTableAndWait(*client_, table_);
    std::filesystem::path mapping = dir_ / "mapping.yaml";
    copytest::WriteFile(mapping, "tables:\n  - {name: " + table_ +
                                     ", partition_key: pk, sort_key: sk}\nsources:\n" +
                                     sources_yaml);
    WriteSpec(
        "target:\n  kind: dynamodb\n  dynamodb:\n    endpoint: " + testing::DynaliteEndpoint() +
            "\n    access_key_id_env: DYN_KEY\n    secret_access_key_env: DYN_SECRET\n",
        extra + "mapping: " + mapping.string() + "\n");
  }
  void TearDown() override {
    if (client_ && !(HasFailure() && std::getenv("CUTOVER_TEST_KEEP") != nullptr)) {
      testing::DropTableAndWait(*client_, table_);
    }
    PostgresSourceTest::TearDown();
  }

  // The environment a cutover process needs for dynalite's keys (the spec names the variables).
  static std::string DynamoDbEnv() {
    return "DYN_KEY=" + testing::Dynalite().user + " DYN_SECRET=" + testing::Dynalite().password;
  }

  // Every item of table_, canonical (numbers by value), by "pk|sk"; none before the table exists.
  std::map<std::string, nlohmann::json> Items() {
    Result<std::vector<nlohmann::json>> items = dynamodb::ParallelScan(*client_, table_, 2);
    std::map<std::string, nlohmann::json> out;
    if (items.status().code() == StatusCode::kNotFound) return out;
    EXPECT_TRUE(items.ok()) << items.status().ToString();
    if (!items.ok()) return out;
    for (const nlohmann::json& item : *items) {
      out[item["pk"]["S"].get<std::string>() + "|" + item["sk"]["S"].get<std::string>()] =
          CanonicalItem(item);
    }
    return out;
  }

  // The first items only one side has or that differ, for a failure message.
  static std::string ItemsDiff(const std::map<std::string, nlohmann::json>& expected,
                               const std::map<std::string, nlohmann::json>& actual) {
    std::string out;
    int shown = 0;
    for (const auto& [key, item] : expected) {
      auto found = actual.find(key);
      if (found == actual.end()) {
        if (shown++ < 5) out += "  source only: " + item.dump().substr(0, 400) + "\n";
      } else if (found->second != item && shown++ < 10) {
        for (const auto& [name, value] : item.items()) {
          if (!found->second.contains(name)) {
            out += "  " + key + " " + name + " missing, expected " + value.dump().substr(0, 200) +
                   "\n";
          } else if (found->second[name] != value) {
            out += "  " + key + " " + name + " is " + found->second[name].dump().substr(0, 200) +
                   ", expected " + value.dump().substr(0, 200) + "\n";
          }
        }
        for (const auto& [name, value] : found->second.items()) {
          if (!item.contains(name))
            out += "  " + key + " " + name + " unexpected: " + value.dump().substr(0, 200) + "\n";
        }
      }
    }
    for (const auto& [key, item] : actual) {
      if (!expected.contains(key) && shown++ < 15) {
        out += "  target only: " + item.dump().substr(0, 400) + "\n";
      }
    }
    return out;
  }

  std::unique_ptr<dynamodb::Client> client_;
  std::string table_;
};

}  // namespace cutover::pgsource
