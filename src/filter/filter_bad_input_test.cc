// Tries the row filter parser with malformed and hostile conditions (truncated, misspelt,
// unsupported, nested thousands deep) and pins the exact error of each; none may crash.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "filter/filter.h"

namespace cutover::filter {
namespace {

struct BadFilter {
  std::string name;
  std::string text;
  std::string expected;
};

void PrintTo(const BadFilter& input, std::ostream* out) { *out << input.name; }

std::string Repeat(const std::string& piece, size_t times) {
  std::string out;
  for (size_t index = 0; index < times; ++index) out += piece;
  return out;
}

// "x = 0 OR x = 1 OR ..." with `terms` terms.
std::string OrChain(size_t terms) {
  std::string out = "x = 0";
  for (size_t term = 1; term < terms; ++term) out += " OR x = " + std::to_string(term);
  return out;
}

const char kTooDeep[] =
    "the filter nests more than 200 levels deep (parentheses, NOT, chained AND, OR and "
    "arithmetic); write it flatter, e.g. x IN (1, 2, 3) instead of x = 1 OR x = 2 OR x = 3";

std::vector<BadFilter> Cases() {
  return {
      {"Empty", "", "the filter is empty"},
      {"Blank", "  \t ", "the filter is empty"},
      {"OpenParen", "(", "at 2: expected a value, found the end"},
      {"CloseParen", ")", "at 1: expected a value, found ')'"},
      {"UnclosedParen", "(id = 1", "at 8: expected ')', found the end"},
      {"MissingRight", "id =", "at 5: expected a value, found the end"},
      {"MissingLeft", "= 1", "at 1: expected a value, found '='"},
      {"DoubleOperator", "id = = 1", "at 6: expected a value, found '='"},
      {"EmptyIn", "id IN ()", "at 8: expected a value, found ')'"},
      {"InWithoutParen", "id IN 1", "at 7: expected '(' after IN, found '1'"},
      {"BetweenWithoutAnd", "id BETWEEN 1",
       "at 13: expected AND in BETWEEN ... AND ..., found the end"},
      {"BetweenWithoutHigh", "id BETWEEN 1 AND", "at 17: expected a value, found the end"},
      {"LikeNumber", "id LIKE 5", "at 9: expected a 'pattern' string after LIKE, found '5'"},
      {"IsFive", "id IS 5", "at 7: expected NULL after IS, found '5'"},
      {"IsNot", "id IS NOT", "at 10: expected NULL after IS, found the end"},
      {"LoneNot", "NOT", "at 4: expected a value, found the end"},
      {"NotFive", "id NOT 5", "at 4: expected an operator or the end, found 'NOT'"},
      {"UnclosedCall", "LOWER(a", "at 8: expected ',' or ')' in the argument list, found the end"},
      {"NoArguments", "LOWER() = 'a'", "LOWER takes one argument"},
      {"TwoArguments", "LOWER(a, b) = 'a'", "LOWER takes one argument"},
      {"UnknownFunction", "SLEEP(10) = 0",
       "unknown function SLEEP: the filter language has COALESCE, LOWER, UPPER, ABS, YEAR, "
       "MONTH and DAY"},
      {"Division", "a / 2 = 1",
       "'/' is not supported: the server rounds decimal division to div_precision_increment "
       "digits, which cutover does not reproduce; multiply instead"},
      {"Modulo", "a % 2 = 1",
       "'%' is not supported: the server rounds decimal division to div_precision_increment "
       "digits, which cutover does not reproduce; multiply instead"},
      {"Exponent", "a = 1e5",
       "at 6: numbers with an exponent are not supported (write the digits)"},
      {"BadDate", "d = DATE '2024-13-01'",
       "DATE '2024-13-01' is not a valid literal: write DATE 'YYYY-MM-DD' or TIMESTAMP "
       "'YYYY-MM-DD hh:mm:ss[.ffffff]'"},
      {"BadTimestamp", "d = TIMESTAMP '2024-01-01 25:00:00'",
       "TIMESTAMP '2024-01-01 25:00:00' is not a valid literal: write DATE 'YYYY-MM-DD' or "
       "TIMESTAMP 'YYYY-MM-DD hh:mm:ss[.ffffff]'"},
      {"UnclosedString", "s = 'abc", "at 5: a string literal is not closed"},
      {"UnclosedQuotedName", "`abc = 1", "at 1: a `quoted` name is not closed"},
      {"Semicolon", "a = 1; DROP TABLE x", "at 6: unexpected character ';'"},
      {"LineComment", "a = 1 -- x",
       "at 7: comments are not supported in a filter; remove the comment"},
      {"BlockComment", "a = 1 /* x */",
       "at 7: comments are not supported in a filter; remove the comment"},
      {"At", "a @ 1", "at 3: unexpected character '@'"},
      {"LoneAnd", "AND", "at 1: expected a value, found 'AND'"},
      {"TrailingAnd", "a = 1 AND", "at 10: expected a value, found the end"},
      {"DoubleOr", "a = 1 OR OR b = 2", "at 10: expected a value, found 'OR'"},
      {"ReservedAsValue", "a = IN", "at 5: expected a value, found 'IN'"},
      {"Parens100000", Repeat("(", 100000) + "a = 1" + Repeat(")", 100000), kTooDeep},
      {"Not100000", Repeat("NOT ", 100000) + "a = 1", kTooDeep},
      {"Minus100000", "a = " + Repeat("- ", 100000) + "a", kTooDeep},
      {"LineCommentAtEnd", "a = 1 --",
       "at 7: comments are not supported in a filter; remove the comment"},
      {"DoubleNegationIsArithmetic", "a = 1 --1 AND", "at 14: expected a value, found the end"},
      {"Or10000", OrChain(10000), kTooDeep},
      {"Plus10000", "a = 1" + Repeat(" + a", 10000), kTooDeep},
      {"Call100000", Repeat("LOWER(", 100000) + "a" + Repeat(")", 100000) + " = 'a'", kTooDeep},
  };
}

class FilterBadInputTest : public ::testing::TestWithParam<BadFilter> {};

TEST_P(FilterBadInputTest, RefusedWithThePlaceAndTheReason) {
  const BadFilter& input = GetParam();
  Result<Filter> filter = Filter::Parse(input.text);
  ASSERT_FALSE(filter.ok()) << input.text.substr(0, 200);
  EXPECT_EQ(filter.status().code(), StatusCode::kInvalidArgument);
  const std::string message(filter.status().message());
  // The place ("at N: ") of the deep cases depends on where the limit is met; the rest is exact.
  const size_t reason = input.expected == kTooDeep ? message.find(": ") + 2 : 0;
  EXPECT_EQ(message.substr(reason), input.expected);
}

INSTANTIATE_TEST_SUITE_P(Malformed, FilterBadInputTest, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<BadFilter>& param) {
                           return param.param.name;
                         });

TEST(FilterBadInputTest, AHundredAndFiftyLevelsStillParse) {
  EXPECT_TRUE(Filter::Parse(Repeat("(", 150) + "a = 1" + Repeat(")", 150)).ok());
  EXPECT_TRUE(Filter::Parse(OrChain(150)).ok());
  EXPECT_TRUE(Filter::Parse("x IN (" + Repeat("1, ", 20000) + "2)").ok());
}

}  // namespace
}  // namespace cutover::filter
