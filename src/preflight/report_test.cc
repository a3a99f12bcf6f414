// Tests for the preflight report: text layout, JSON, skip handling, and the DynamoDB and Kafka
// target checks against endpoints where nothing listens.
#include <chrono>
#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "cutover/preflight.h"

#include "preflight/kafka_checks.h"

namespace cutover {
namespace {

PreflightReport SampleReport() {
  PreflightReport report;
  report.migration = "orders";
  report.checks = {
      CheckResult::Pass("source.reachable", "server is reachable", "connected"),
      CheckResult::Fail("source.binlog_format", "binlog_format is ROW",
                        "binlog_format is STATEMENT", "SET GLOBAL binlog_format = 'ROW';\nline 2"),
      CheckResult::Warn("source.gtid", "GTID position", "gtid_mode is OFF", "enable GTID"),
      CheckResult::Skip("target.dynamodb", "dynamodb target", "not available yet"),
  };
  return report;
}

TEST(FormatReportTextTest, AlignedLinesFixesAndSummary) {
  EXPECT_EQ(FormatReportText(SampleReport()),
            "cutover check: orders\n"
            "\n"
            "PASS  source.reachable      server is reachable   connected\n"
            "FAIL  source.binlog_format  binlog_format is ROW  binlog_format is STATEMENT\n"
            "      fix: SET GLOBAL binlog_format = 'ROW';\n"
            "           line 2\n"
            "WARN  source.gtid           GTID position         gtid_mode is OFF\n"
            "      fix: enable GTID\n"
            "SKIP  target.dynamodb       dynamodb target       not available yet\n"
            "\n"
            "1 passed, 1 failed, 1 warnings, 1 skipped\n");
}

TEST(FormatReportTextTest, SummaryWithoutSkips) {
  PreflightReport report;
  report.migration = "m";
  report.checks = {CheckResult::Pass("a", "t", "o")};
  EXPECT_EQ(FormatReportText(report),
            "cutover check: m\n\nPASS  a  t  o\n\n1 passed, 0 failed, 0 warnings\n");
  EXPECT_TRUE(report.ok());
}

TEST(FormatReportJsonTest, SameOutcomesAsTheReport) {
  nlohmann::json document = nlohmann::json::parse(FormatReportJson(SampleReport()));
  EXPECT_EQ(document["migration"], "orders");
  EXPECT_EQ(document["ok"], false);
  EXPECT_EQ(document["summary"]["passed"], 1);
  EXPECT_EQ(document["summary"]["failed"], 1);
  EXPECT_EQ(document["summary"]["warnings"], 1);
  EXPECT_EQ(document["summary"]["skipped"], 1);
  ASSERT_EQ(document["checks"].size(), 4u);
  EXPECT_EQ(document["checks"][1]["id"], "source.binlog_format");
  EXPECT_EQ(document["checks"][1]["outcome"], "fail");
  EXPECT_EQ(document["checks"][1]["fix"], "SET GLOBAL binlog_format = 'ROW';\nline 2");
  EXPECT_EQ(document["checks"][3]["outcome"], "skip");
}

TEST(FormatReportJsonTest, InvalidUtf8FromAServerDoesNotThrow) {
  PreflightReport report;
  report.checks = {CheckResult::Fail("x", "t", std::string("bad \xff byte"), "")};
  nlohmann::json document = nlohmann::json::parse(FormatReportJson(report));
  EXPECT_EQ(document["checks"][0]["observed"], "bad \xEF\xBF\xBD byte");
}

TEST(SkipRemainingTest, SkipsOnlyChecksNotYetReportedNamingTheFailure) {
  std::vector<CheckDefinition> definitions = {
      {"s.reachable", "reachable"}, {"s.credentials", "credentials"}, {"s.version", "version"}};
  std::vector<CheckResult> results = {CheckResult::Pass("s.reachable", "reachable", "ok"),
                                      CheckResult::Fail("s.credentials", "credentials", "no", "")};
  SkipRemaining(definitions, SkipReason(results), &results);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[2].id, "s.version");
  EXPECT_EQ(results[2].outcome, CheckOutcome::kSkip);
  EXPECT_EQ(results[2].observed, "not checked: s.credentials failed");
}

Spec UnreachableSpec(TargetKind target) {
  Spec spec;
  spec.name = "unit";
  spec.source.kind = SourceKind::kMariaDB;
  spec.source.connection.host = "127.0.0.1";
  spec.source.connection.port = 1;  // nothing listens on port 1: refused at once
  spec.source.connection.user = "nobody";
  spec.source.server_id = 7;
  spec.target.kind = target;
  return spec;
}

// A DynamoDB target at a port where nothing listens: refused at once, two tries.
Spec UnreachableDynamoDbSpec() {
  Spec spec = UnreachableSpec(TargetKind::kDynamoDB);
  spec.target.dynamodb.endpoint = "http://127.0.0.1:1";
  spec.target.dynamodb.access_key_id = Secret{"unit-key", "unit"};
  spec.target.dynamodb.secret_access_key = Secret{"unit-secret", "unit"};
  return spec;
}

TEST(RunPreflightTest, UnreachableSourceFailsOnceAndSkipsTheRest) {
  PreflightReport report = RunPreflight(UnreachableDynamoDbSpec());
  ASSERT_FALSE(report.checks.empty());
  EXPECT_EQ(report.checks[0].id, "source.reachable");
  EXPECT_EQ(report.checks[0].outcome, CheckOutcome::kFail);
  int source_failures = 0;
  for (const CheckResult& check : report.checks) {
    if (check.id.starts_with("source.") && check.outcome == CheckOutcome::kFail) ++source_failures;
    if (check.id.starts_with("source.")) {
      EXPECT_NE(check.outcome, CheckOutcome::kPass) << check.id;
    }
  }
  EXPECT_EQ(source_failures, 1);
  EXPECT_EQ(report.checks[1].observed, "not checked: source.reachable failed");
}

// A DynamoDB target: its key is found (never shown), the endpoint refuses: FAIL naming it.
TEST(RunPreflightTest, AnUnreachableDynamoDbEndpointFailsNamingIt) {
  PreflightReport report = RunPreflight(UnreachableDynamoDbSpec());
  ASSERT_GE(report.checks.size(), 2u);
  const CheckResult& credentials = report.checks[report.checks.size() - 2];
  const CheckResult& reachable = report.checks.back();
  EXPECT_EQ(credentials.id, "target.credentials");
  EXPECT_EQ(credentials.outcome, CheckOutcome::kPass);
  EXPECT_EQ(credentials.observed.find("unit-"), std::string::npos) << credentials.observed;
  EXPECT_EQ(reachable.id, "target.reachable");
  EXPECT_EQ(reachable.outcome, CheckOutcome::kFail);
  EXPECT_TRUE(reachable.observed.starts_with("http://127.0.0.1:1: ")) << reachable.observed;
}

// Kafka brokers where nothing listens: FAIL as soon as librdkafka says every broker is down,
// not after the 10 s wait.
TEST(RunPreflightTest, KafkaBrokersThatRefuseFailAtOnce) {
  Spec spec = UnreachableSpec(TargetKind::kKafka);
  spec.target.kafka.brokers = "127.0.0.1:1";
  const auto start = std::chrono::steady_clock::now();
  PreflightReport report = RunPreflight(spec);
  EXPECT_LT(std::chrono::steady_clock::now() - start, kKafkaCheckTimeout);
  const CheckResult& last = report.checks.back();
  EXPECT_EQ(last.id, "target.kafka.brokers");
  EXPECT_EQ(last.outcome, CheckOutcome::kFail);
  EXPECT_TRUE(
      last.observed.starts_with("no broker of target.kafka.brokers (127.0.0.1:1) can be reached: "))
      << last.observed;
  EXPECT_EQ(last.fix,
            "check that the brokers are up and reachable from here, and target.kafka.brokers, "
            "target.kafka.tls and target.kafka.sasl_mechanism against the brokers' listeners");
}

}  // namespace
}  // namespace cutover
