// The seeded fault schedule (scenario.h DrawSchedule): the same seed gives the same schedule, and
// half-open links are drawn on both links, in CDC only.
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "scenario.h"

namespace cutover::fault {
namespace {

std::vector<std::string> Described(const std::vector<Fault>& schedule) {
  std::vector<std::string> lines;
  for (const Fault& fault : schedule) {
    lines.push_back(fault.phase + " " + std::to_string(fault.at_ms) + " " + fault.Describe());
  }
  return lines;
}

TEST(FaultSchedule, TheSameSeedGivesTheSameSchedule) {
  for (uint64_t seed : {1ull, 505ull, 16258614068923ull}) {
    EXPECT_EQ(Described(DrawSchedule(seed, true)), Described(DrawSchedule(seed, true))) << seed;
    EXPECT_EQ(DrawPair(seed), DrawPair(seed)) << seed;
  }
}

TEST(FaultSchedule, HalfOpenLinksAreDrawnOnBothLinksDuringCdcOnly) {
  std::set<std::string> half_open_links;
  for (uint64_t seed = 1; seed <= 500; ++seed) {
    for (const Fault& fault : DrawSchedule(seed, seed % 2 == 0)) {
      if (fault.kind != "half_open") continue;
      EXPECT_EQ(fault.phase, "cdc") << "seed " << seed;
      half_open_links.insert(fault.link);
    }
  }
  EXPECT_EQ(half_open_links, (std::set<std::string>{"source", "target"}));
}

TEST(FaultSchedule, RestartsOnlyWhenAllowed) {
  for (uint64_t seed = 1; seed <= 500; ++seed) {
    for (const Fault& fault : DrawSchedule(seed, false)) {
      EXPECT_NE(fault.kind, "restart") << "seed " << seed;
    }
  }
}

}  // namespace
}  // namespace cutover::fault
