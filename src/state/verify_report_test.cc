// Tests for the stored verify report: a full report round-trips in the format docs/verify.md
// shows, a summary written by hand (or by an older cutover) reads with defaults, continuous
// reports go to their own key, and malformed reports are named errors down to the field.
#include "state/verify_report.h"

#include <gtest/gtest.h>

#include "state/test_support.h"

namespace cutover::state {
namespace {

VerifyReportRecord Report() {
  VerifyReportRecord report;
  report.complete = true;
  report.differences = 2;
  report.started_at_ms = 1795338723118;
  report.finished_at_ms = 1795338724950;
  VerifyTableRecord orders;
  orders.table = "shop.orders";
  orders.target = "shop";
  orders.rows = 500;
  orders.missing = 1;
  orders.different = 1;
  orders.chunks = orders.chunks_checked = orders.chunks_compared_by_rows = 1;
  orders.done = true;
  orders.differences.push_back({"missing", "id=3", "shop.orders id=3", "", {}, {}});
  orders.differences.push_back({"different", "id=7", "", "owner", "owner 7", std::nullopt});
  report.tables.push_back(orders);
  VerifyTableRecord scan;
  scan.table = scan.target = "shop";
  scan.scan = true;
  scan.rows = 499;
  scan.done = true;
  report.tables.push_back(scan);
  return report;
}

TEST(VerifyReportTest, ARoundTripKeepsEveryField) {
  VerifyReportRecord report = Report();
  report.repair = VerifyRepairRecord{1, 10, 2, 3, 4};
  VerifyReportRecord read = VerifyReportRecord::FromJson(report.ToJson().dump()).value();
  EXPECT_EQ(read.ToJson(), report.ToJson());
  ASSERT_EQ(read.tables.size(), 2u);
  EXPECT_EQ(read.tables[0].differences[1].column, "owner");
  EXPECT_EQ(read.tables[0].differences[1].source, "owner 7");
  EXPECT_EQ(read.tables[0].differences[1].target, std::nullopt);
  EXPECT_TRUE(read.tables[1].scan);
  ASSERT_TRUE(read.repair.has_value());
  EXPECT_EQ(read.repair->left_to_cdc, 3);
}

TEST(VerifyReportTest, TheFormatIsTheDocumentedOne) {
  nlohmann::json json = Report().ToJson();
  EXPECT_EQ(json["tables"][0],
            nlohmann::json::parse(R"({"table": "shop.orders", "target": "shop", "scan": false,
                "rows": 500, "missing": 1, "extra": 0, "different": 1, "settled": 0,
                "unsettled": 0, "chunks": 1, "chunks_checked": 1, "chunks_compared_by_rows": 1,
                "done": true, "differences": [
                  {"kind": "missing", "key": "id=3", "source_row": "shop.orders id=3"},
                  {"kind": "different", "key": "id=7", "column": "owner", "source": "owner 7",
                   "target": null}]})"));
  json.erase("tables");
  EXPECT_EQ(json, nlohmann::json::parse(R"({"complete": true, "resumed": false, "live": false,
      "continuous": false, "differences": 2, "started_at_ms": 1795338723118,
      "finished_at_ms": 1795338724950, "tables_glob": ""})"));
}

TEST(VerifyReportTest, ASummaryWithoutTablesReadsWithDefaults) {
  // What the guard rails need, as tests and older reports have it.
  VerifyReportRecord summary =
      VerifyReportRecord::FromJson(R"({"complete":true,"differences":0,"started_at_ms":5,)"
                                   R"("tables_glob":"","future":{"x":1}})")
          .value();
  EXPECT_TRUE(summary.complete);
  EXPECT_EQ(summary.started_at_ms, 5);
  EXPECT_TRUE(summary.tables.empty());
  EXPECT_FALSE(summary.repair.has_value());
  VerifyReportRecord counts =
      VerifyReportRecord::FromJson(R"({"tables":[{"table":"shop.orders","missing":1}]})").value();
  ASSERT_EQ(counts.tables.size(), 1u);
  EXPECT_EQ(counts.tables[0].missing, 1);
  EXPECT_EQ(counts.tables[0].target, "");
  EXPECT_FALSE(counts.complete);
}

TEST(VerifyReportTest, MalformedReportsAreDataLossNamingTheField) {
  auto error = [](std::string_view text) { return VerifyReportRecord::FromJson(text).status(); };
  EXPECT_EQ(
      error(R"({"complete":1})"),
      Status::DataLoss(R"(state meta "verify.report": complete: expected true or false, found 1)"));
  EXPECT_EQ(error(R"({"tables":[{"table":"a"},{"table":"b","missing":"1"}]})"),
            Status::DataLoss(R"(state meta "verify.report": tables[1].missing: expected an )"
                             R"(integer, found "1")"));
  EXPECT_EQ(error(R"({"tables":[{"differences":[{"kind":"gone"}]}]})"),
            Status::DataLoss(R"(state meta "verify.report": tables[0].differences[0].kind: )"
                             R"("gone" is not missing, extra or different)"));
  EXPECT_EQ(
      error(R"({"tables":[3]})"),
      Status::DataLoss(R"(state meta "verify.report": tables[0]: expected an object, found 3)"));
  EXPECT_EQ(error(R"({"tables":{}})"),
            Status::DataLoss(R"(state meta "verify.report": tables: expected a list, found {})"));
  EXPECT_EQ(error("nan").code(), StatusCode::kDataLoss);
}

TEST(VerifyReportTest, AContinuousReportHasItsOwnKey) {
  TempDir tmp;
  auto state = StateStore::Open(tmp.state_dir()).value();
  EXPECT_EQ(ReadVerifyReport(*state).value(), std::nullopt);
  VerifyReportRecord continuous;
  continuous.continuous = true;
  continuous.seconds = 30;
  continuous.keys_dropped = 4;
  ASSERT_TRUE(WriteVerifyReport(*state, continuous).ok());
  EXPECT_EQ(ReadVerifyReport(*state).value(), std::nullopt);  // not the last pass's report
  VerifyReportRecord stored =
      VerifyReportRecord::FromJson(state->GetMeta(kContinuousVerifyReportKey).value().value())
          .value();
  EXPECT_EQ(stored.seconds, 30);
  EXPECT_EQ(stored.keys_dropped, 4);
  EXPECT_FALSE(Report().ToJson().contains("seconds"));  // only in continuous reports

  ASSERT_TRUE(WriteVerifyReport(*state, Report()).ok());
  EXPECT_EQ(ReadVerifyReport(*state).value()->ToJson(), Report().ToJson());
}

}  // namespace
}  // namespace cutover::state
