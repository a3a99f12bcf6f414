// Tests of ParseInteger: whole texts only, ranges per type, errors that name the text.
#include "core/parse_number.h"

#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace cutover {
namespace {

TEST(ParseIntegerTest, ReadsWholeTexts) {
  EXPECT_EQ(*ParseInteger<uint64_t>("0", "offset"), 0u);
  EXPECT_EQ(*ParseInteger<uint64_t>("18446744073709551615", "offset"), UINT64_MAX);
  EXPECT_EQ(*ParseInteger<int64_t>("-9223372036854775808", "count"), INT64_MIN);
  EXPECT_EQ(*ParseInteger<int>("-1", "lane"), -1);
  EXPECT_EQ(*ParseInteger<uint32_t>("4294967295", "port"), UINT32_MAX);
  EXPECT_EQ(*ParseInteger<int>("ff", "byte", 16), 255);
  EXPECT_EQ(*ParseInteger<int>("0A", "byte", 16), 10);
}

TEST(ParseIntegerTest, AnOverflowIsAnErrorNamingTheText) {
  Result<uint64_t> big = ParseInteger<uint64_t>("99999999999999999999", "log offset");
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(big.status().message(),
            "log offset '99999999999999999999' is out of range (0..18446744073709551615)");
  Result<int> lane = ParseInteger<int>("2147483648", "lane");
  ASSERT_FALSE(lane.ok());
  EXPECT_EQ(lane.status().message(), "lane '2147483648' is out of range (-2147483648..2147483647)");
  EXPECT_FALSE(ParseInteger<int64_t>("-9223372036854775809", "count").ok());
}

TEST(ParseIntegerTest, TextThatIsNotAWholeNumberIsAnErrorNamingIt) {
  for (const char* text : {"", "abc", "12abc", " 12", "12 ", "+12", "1.5", "1e3", "0x10", "-"}) {
    Result<int64_t> parsed = ParseInteger<int64_t>(text, "row count");
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(parsed.status().message(), fmt::format("row count '{}' is not a whole number", text));
  }
  Result<uint64_t> negative = ParseInteger<uint64_t>("-1", "offset");
  ASSERT_FALSE(negative.ok());
  EXPECT_EQ(negative.status().message(), "offset '-1' is not a whole number");
  Result<int> hex = ParseInteger<int>("zz", "byte", 16);
  ASSERT_FALSE(hex.ok());
  EXPECT_EQ(hex.status().message(), "byte 'zz' is not a hexadecimal number");
}

TEST(ParseIntegerTest, ALongTextIsShortenedInTheMessage) {
  std::string text(200, 'x');
  Result<int> parsed = ParseInteger<int>(text, "lane");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(
      parsed.status().message(),
      fmt::format("lane '{}... (200 characters)' is not a whole number", std::string(64, 'x')));
}

}  // namespace
}  // namespace cutover
