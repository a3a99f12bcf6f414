// Tests for OpenSource: each source kind is built without connecting (the first call that needs
// the server connects).
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "cutover/source.h"

#include "tests/support/paths.h"

namespace cutover {
namespace {

using Clock = std::chrono::steady_clock;

// TEST-NET-1 (RFC 5737): nothing answers there, so a connection attempt would hang until its
// timeout rather than fail fast; every call below must return long before that.
constexpr char kNowhere[] = "192.0.2.1";
constexpr auto kNoConnection = std::chrono::seconds(2);

std::optional<std::string> TestEnv(const std::string& name) {
  if (name.starts_with("CUTOVER_")) return std::string("test-secret");
  return std::nullopt;
}

// The example spec that migrates PostgreSQL to MariaDB, as a user would run it.
Spec PostgresExample() {
  LoadOptions options;
  options.getenv = TestEnv;
  Result<Spec> spec = LoadSpec(
      std::filesystem::path(testing::CheckoutDir()) / "examples/postgres-to-mariadb.yaml", options);
  EXPECT_TRUE(spec.ok()) << spec.status().ToString();
  Spec loaded = spec.ok() ? *std::move(spec) : Spec{};
  loaded.source.connection.host = kNowhere;
  return loaded;
}

TEST(OpenSourceTest, BuildsAPostgresSourceWithoutConnecting) {
  Spec spec = PostgresExample();
  ASSERT_EQ(spec.source.kind, SourceKind::kPostgres);
  auto began = Clock::now();
  Result<std::unique_ptr<Source>> source = OpenSource(spec);
  EXPECT_LT(Clock::now() - began, kNoConnection);
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  EXPECT_EQ((*source)->Engine(), "postgres");
}

TEST(OpenSourceTest, BuildsAMariaDbOrMySqlSourceWithoutConnecting) {
  for (SourceKind kind : {SourceKind::kMariaDB, SourceKind::kMySQL}) {
    Spec spec;
    spec.source.kind = kind;
    spec.source.connection.host = kNowhere;
    spec.source.connection.port = 3306;
    auto began = Clock::now();
    Result<std::unique_ptr<Source>> source = OpenSource(spec);
    EXPECT_LT(Clock::now() - began, kNoConnection);
    ASSERT_TRUE(source.ok()) << source.status().ToString();
    EXPECT_EQ((*source)->Engine(), SourceKindName(kind));
  }
}

}  // namespace
}  // namespace cutover
