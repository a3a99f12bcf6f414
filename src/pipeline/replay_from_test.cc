// Tests of ParseReplayFrom: the three forms of `cutover replay --from`, and bad input (an offset
// that overflows, a malformed position or time) as InvalidArgument naming the text, never a throw.
#include "pipeline/replay_from.h"

#include <gtest/gtest.h>

namespace cutover::pipeline {
namespace {

TEST(ReplayFromTest, DigitsAreALogOffset) {
  Result<ReplayFrom> from = ParseReplayFrom("42");
  ASSERT_TRUE(from.ok()) << from.status().ToString();
  EXPECT_EQ(from->kind, ReplayFrom::Kind::kOffset);
  EXPECT_EQ(from->offset, 42u);
  from = ParseReplayFrom("18446744073709551615");
  ASSERT_TRUE(from.ok()) << from.status().ToString();
  EXPECT_EQ(from->offset, UINT64_MAX);
}

TEST(ReplayFromTest, AnOffsetThatOverflowsIsAnErrorNamingIt) {
  Result<ReplayFrom> from = ParseReplayFrom("99999999999999999999");
  ASSERT_FALSE(from.ok());
  EXPECT_EQ(from.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(from.status().message(),
            "--from: log offset '99999999999999999999' is out of range "
            "(0..18446744073709551615)");
}

TEST(ReplayFromTest, AUtcTimeInEitherSpelling) {
  for (const char* text : {"2026-11-21 20:00:00", "2026-11-21T20:00:00", "2026-11-21T20:00:00Z"}) {
    Result<ReplayFrom> from = ParseReplayFrom(text);
    ASSERT_TRUE(from.ok()) << text << ": " << from.status().ToString();
    EXPECT_EQ(from->kind, ReplayFrom::Kind::kTime) << text;
    EXPECT_EQ(from->time_ms, 1795291200000) << text;
  }
}

TEST(ReplayFromTest, ASourcePosition) {
  Result<ReplayFrom> from = ParseReplayFrom("0-1-42");
  ASSERT_TRUE(from.ok()) << from.status().ToString();
  EXPECT_EQ(from->kind, ReplayFrom::Kind::kPosition);
  EXPECT_EQ(from->position, *Position::Parse("gtid:0-1-42"));
  from = ParseReplayFrom("mysql-bin.000042:1234");
  ASSERT_TRUE(from.ok()) << from.status().ToString();
  EXPECT_EQ(from->kind, ReplayFrom::Kind::kPosition);
  EXPECT_EQ(from->position.Encode(), "file:mysql-bin.000042:1234");
}

TEST(ReplayFromTest, TextThatIsNoneOfThemIsAnErrorNamingIt) {
  for (const char* text : {"yesterday", "12abc", "-5", "2026-13-45 99:00:00",
                           "0-1-99999999999999999999", "mysql-bin.000042:99999999999999999999"}) {
    Result<ReplayFrom> from = ParseReplayFrom(text);
    ASSERT_FALSE(from.ok()) << text;
    EXPECT_EQ(from.status().code(), StatusCode::kInvalidArgument) << text;
    EXPECT_NE(from.status().message().find(std::string("--from ") + text + ": "),
              std::string_view::npos)
        << from.status().message();
  }
  Result<ReplayFrom> empty = ParseReplayFrom("");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace cutover::pipeline
