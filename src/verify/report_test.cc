// Tests for the verify report as JSON (`cutover verify --json`, the stored record): the
// documented document, and the listed differences a table's progress keeps, which share the
// report's difference format.
#include <gtest/gtest.h>

#include "verify/progress.h"

namespace cutover::verify {
namespace {

VerifyDifference Different() {
  VerifyDifference difference;
  difference.kind = VerifyDifference::Kind::kDifferent;
  difference.key = "id=7";
  difference.column = "owner";
  difference.source_value = "owner 7";
  return difference;
}

TEST(VerifyReportJsonTest, TheReportIsTheDocumentedDocument) {
  VerifyReport report;
  VerifyTableReport table;
  table.table = "shop.accounts";
  table.target = "shop_t.accounts";
  table.rows = 1000;
  table.different = 1;
  table.missing = 1;
  table.chunks = table.chunks_checked = 2;
  table.done = true;
  table.listed = {Different(), VerifyDifference{VerifyDifference::Kind::kMissing, "id=10", "", "",
                                                std::nullopt, std::nullopt}};
  report.tables.push_back(table);
  report.complete = true;
  report.started_at_ms = 5;
  report.finished_at_ms = 9;
  report.repair = VerifyRepair{1, 2, 0, 1, 4};
  EXPECT_EQ(VerifyReportToJson(report), nlohmann::json::parse(R"({
      "complete": true, "resumed": false, "live": false, "continuous": false, "differences": 2,
      "started_at_ms": 5, "finished_at_ms": 9, "tables_glob": "",
      "repair": {"ranges": 1, "resent": 2, "deleted": 0, "left_to_cdc": 1,
                 "differences_before": 4},
      "tables": [{"table": "shop.accounts", "target": "shop_t.accounts", "scan": false,
                  "rows": 1000, "missing": 1, "extra": 0, "different": 1, "settled": 0,
                  "unsettled": 0, "chunks": 2, "chunks_checked": 2,
                  "chunks_compared_by_rows": 0, "done": true,
                  "differences": [
                    {"kind": "different", "key": "id=7", "column": "owner",
                     "source": "owner 7", "target": null},
                    {"kind": "missing", "key": "id=10"}]}]})"));
  report.continuous = true;
  report.seconds = 30;
  nlohmann::json continuous = VerifyReportToJson(report);
  EXPECT_EQ(continuous["seconds"], 30);
  EXPECT_EQ(continuous["keys_dropped"], 0);
}

TEST(VerifyReportJsonTest, ListedDifferencesRoundTripThroughATablesProgress) {
  TableVerifyState progress;
  progress.chunks = 3;
  progress.listed = {Different()};
  progress.listed.push_back(Different());
  progress.listed.back().kind = VerifyDifference::Kind::kExtra;
  progress.listed.back().source_row = "shop.orders id=3";
  TableVerifyState read = TableVerifyState::FromJson(progress.ToJson()).value();
  ASSERT_EQ(read.listed.size(), 2u);
  EXPECT_EQ(read.listed[0].kind, VerifyDifference::Kind::kDifferent);
  EXPECT_EQ(read.listed[0].column, "owner");
  EXPECT_EQ(read.listed[0].source_value, "owner 7");
  EXPECT_EQ(read.listed[0].target_value, std::nullopt);
  EXPECT_EQ(read.listed[1].kind, VerifyDifference::Kind::kExtra);
  EXPECT_EQ(read.listed[1].source_row, "shop.orders id=3");
  EXPECT_EQ(read.listed[1].column, "");  // only a "different" keeps its column
}

TEST(VerifyReportJsonTest, AnUnknownDifferenceKindIsNamed) {
  EXPECT_EQ(DifferenceFromJson(nlohmann::json::parse(R"({"kind":"gone","key":"id=1"})")).status(),
            Status::DataLoss(R"(state meta "verify.table/<schema.table>": listed.kind: "gone" )"
                             R"(is not missing, extra or different)"));
  EXPECT_EQ(DifferenceFromJson(nlohmann::json(3)).status().code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace cutover::verify
