// FirstInvalidUtf8 and ToUtf8's reading of UTF-8 (value_text.cc): the Unicode standard's
// well-formed sequences only (table 3-7), so that no text nlohmann::json refuses to print
// (finding 13 of docs/fuzzing.md: lead bytes 0xF5-0xFF were read as three-byte leads).
#include "core/utf8.h"

#include <string>

#include <gtest/gtest.h>

#include "cutover/value.h"

namespace cutover {
namespace {

TEST(Utf8Test, WellFormedSequencesPass) {
  for (std::string text :
       {std::string("plain"), std::string("\xc2\x80"), std::string("\xdf\xbf"),
        std::string("\xe0\xa0\x80"), std::string("\xed\x9f\xbf"), std::string("\xef\xbf\xbf"),
        std::string("\xf0\x90\x80\x80"), std::string("\xf4\x8f\xbf\xbf"),
        std::string("a\xe2\x82\xac"
                    "b")}) {
    EXPECT_EQ(FirstInvalidUtf8(text), std::nullopt) << text;
    EXPECT_EQ(ToUtf8(text, Charset::kUtf8), text);
  }
}

TEST(Utf8Test, IllFormedSequencesAreFoundWhereTheyStart) {
  const std::string replacement = "\xef\xbf\xbd";
  struct Case {
    std::string text;
    size_t at;
  };
  for (const Case& c : std::vector<Case>{
           {"ab\xf5\x8e\x90", 2},            // above U+10FFFF (the fuzzer's input)
           {"\xf8\x88\x80\x80\x80", 0},      // five-byte form
           {"\xfc\x84\x80\x80\x80\x80", 0},  // six-byte form
           {"x\xfe", 1},
           {"x\xff", 1},
           {"\xc0\xaf", 0},          // overlong '/'
           {"\xc1\xbf", 0},          // overlong
           {"\xe0\x80\xaf", 0},      // overlong
           {"\xed\xa0\x80", 0},      // surrogate
           {"\xf0\x80\x80\xaf", 0},  // overlong
           {"\xf4\x90\x80\x80", 0},  // above U+10FFFF
           {"ok\xe2\x82", 2},        // cut short
           {"\x80", 0},              // a continuation byte alone
       }) {
    EXPECT_EQ(FirstInvalidUtf8(c.text), c.at) << testing::PrintToString(c.text);
    // ToUtf8 replaces what is not UTF-8: its result is UTF-8.
    std::string fixed = ToUtf8(c.text, Charset::kUtf8);
    EXPECT_EQ(FirstInvalidUtf8(fixed), std::nullopt) << testing::PrintToString(fixed);
    EXPECT_NE(fixed.find(replacement), std::string::npos) << testing::PrintToString(fixed);
  }
}

}  // namespace
}  // namespace cutover
