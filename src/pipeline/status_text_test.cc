// Tests for FormatWatchLine: the one-line `cutover status --watch` from two status answers.
#include <gtest/gtest.h>

#include "cutover/run.h"

namespace cutover {
namespace {

nlohmann::json Status(int64_t copied, const char* phase, uint64_t applied) {
  return {{"migration", "shop"},
          {"phase", phase},
          {"tables",
           {{{"table", "shop.a"}, {"rows_copied", copied}, {"rows_estimate", 10000}},
            {{"table", "shop.b"}, {"rows_copied", 0}, {"rows_estimate", 10000}}}},
          {"cdc", {{"lag_seconds", 0.42}, {"applied_changes_total", applied}}},
          {"controls", {{"paused", {{"copy", false}, {"apply", true}}}}},
          {"throttle",
           {{"running", true},
            {"state",
             {{"copy",
               {{"held", true},
                {"reason", "source_load"},
                {"detail", "source Threads_running 7 > throttle.max_load.threads_running 3"}}},
              {"apply", {{"held", false}}}}}}}};
}

TEST(WatchLineTest, ShowsProgressRateEtaLagAppliedRateAndWhy) {
  nlohmann::json before = Status(4000, "copy", 100);
  nlohmann::json now = Status(6000, "copy", 300);
  EXPECT_EQ(FormatWatchLine(now, &before, 2.0),
            "shop phase copy; copy 6000/20000 rows (30.0%), 1000 rows/s, ETA 14s; lag 0.4 s, "
            "applied 100/s; state: copy HELD (source Threads_running 7 > "
            "throttle.max_load.threads_running 3); apply paused");
}

TEST(WatchLineTest, TheFirstLineAndAStalledCopyHaveNoEta) {
  nlohmann::json now = Status(6000, "copy", 300);
  EXPECT_EQ(FormatWatchLine(now, nullptr, 0),
            "shop phase copy; copy 6000/20000 rows (30.0%), ETA ?; lag 0.4 s; state: copy HELD "
            "(source Threads_running 7 > throttle.max_load.threads_running 3); apply paused");
  EXPECT_NE(FormatWatchLine(now, &now, 1.0).find("0 rows/s, ETA ?"), std::string::npos);
}

TEST(WatchLineTest, AfterTheCopyNoRateAndNoRunningRunIsSaid) {
  nlohmann::json now = {
      {"migration", "shop"}, {"phase", "cdc"}, {"tables", nlohmann::json::array()}};
  EXPECT_EQ(FormatWatchLine(now, nullptr, 0),
            "shop phase cdc (no cutover run running); copy 0/0 rows (100.0%); cdc not started; "
            "state: running");
}

}  // namespace
}  // namespace cutover
