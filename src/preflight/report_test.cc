// Tests for the preflight report: text layout, JSON, skip handling and not-yet-available targets.
#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "cutover/preflight.h"

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

TEST(RunPreflightTest, UnreachableSourceFailsOnceAndSkipsTheRest) {
  PreflightReport report = RunPreflight(UnreachableSpec(TargetKind::kKafka));
  ASSERT_FALSE(report.checks.empty());
  EXPECT_EQ(report.checks[0].id, "source.reachable");
  EXPECT_EQ(report.checks[0].outcome, CheckOutcome::kFail);
  EXPECT_EQ(report.Count(CheckOutcome::kFail), 1);
  EXPECT_EQ(report.Count(CheckOutcome::kPass), 0);
  EXPECT_EQ(report.checks[1].observed, "not checked: source.reachable failed");
}

TEST(RunPreflightTest, DynamoDbAndKafkaTargetsSaySoPlainly) {
  for (TargetKind kind : {TargetKind::kDynamoDB, TargetKind::kKafka}) {
    PreflightReport report = RunPreflight(UnreachableSpec(kind));
    const CheckResult& last = report.checks.back();
    std::string name(TargetKindName(kind));
    EXPECT_EQ(last.id, "target." + name);
    EXPECT_EQ(last.outcome, CheckOutcome::kSkip);
    EXPECT_EQ(last.observed, "the target check for " + name +
                                 " is not available yet; this target was not checked");
  }
}

}  // namespace
}  // namespace cutover
