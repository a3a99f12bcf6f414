// Tests for the progress text and the copy summary.
#include "pipeline/copy_progress.h"

#include <gtest/gtest.h>

#include "cutover/copy.h"

namespace cutover::pipeline {
namespace {

TEST(CopyProgressTest, PlainLinesShowActiveTablesWithRateAndEta) {
  CopyProgress progress;
  progress.AddTable("shop.orders", 1000, 200);
  progress.AddTable("shop.items", 50, 0);
  progress.SetStatus("shop.orders", "copying");
  progress.AddRows("shop.orders", 300);
  auto later = CopyProgress::Clock::now() + std::chrono::seconds(10);
  // 300 rows this run in ~10 s: 30 rows/s, 500 left: ETA about 17 s.
  EXPECT_EQ(progress.Render(false, later),
            "shop.orders 500/1000 (50%) 30 rows/s ETA 0:00:17 copying\n");
  EXPECT_EQ(progress.RowsDone("shop.orders"), 500);
  EXPECT_EQ(progress.RowsThisRun("shop.orders"), 300);
}

TEST(CopyProgressTest, TerminalBarListsEveryTable) {
  CopyProgress progress;
  progress.AddTable("a.t", 100, 100);
  progress.SetStatus("a.t", "done");
  progress.AddTable("b.t", 0, 0);
  EXPECT_EQ(progress.Render(true, CopyProgress::Clock::now()),
            "a.t [########################] 100/100 (100%) 0 rows/s ETA 0:00:00 done\n"
            "b.t [########################] 0/0 (100%) 0 rows/s ETA - pending\n");
}

TEST(CopyProgressTest, EtaFormat) {
  EXPECT_EQ(FormatEta(-1), "-");
  EXPECT_EQ(FormatEta(3725), "1:02:05");
}

TEST(CopySummaryTest, RateUsesThisRunsRows) {
  CopyReport report;
  report.start = Position::Decode("gtid:0-1-5").value();
  report.seconds = 2;
  report.tables.push_back(TableCopyReport{"shop.orders", "shop.orders", 1000, 400, 1 << 20, 2, 2});
  std::string text = FormatCopySummary(report);
  EXPECT_NE(text.find("shop.orders                                      1000        1.0       2.0  "
                      "       200       2"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("start position (CDC starts here): gtid:0-1-5\n"), std::string::npos);
}

}  // namespace
}  // namespace cutover::pipeline
