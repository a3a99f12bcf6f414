// Tests of the statement tokenizer: token kinds and boundaries, depths, comments and the
// helpers the DDL reader builds on.
#include "ddl/sql_tokens.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace cutover::ddl {
namespace {

std::string_view KindName(TokenKind kind) {
  switch (kind) {
    case TokenKind::kWord: return "word";
    case TokenKind::kQuotedName: return "name";
    case TokenKind::kString: return "string";
    case TokenKind::kNumber: return "number";
    case TokenKind::kPunct: return "punct";
  }
  return "?";
}

// "kind:text" per token, space-separated; the status when tokenizing fails.
std::string Describe(std::string_view sql, SqlQuoting quoting = {}) {
  std::vector<Token> tokens;
  Status status = Tokenize(sql, quoting, &tokens);
  if (!status.ok()) return status.ToString();
  std::string out;
  for (const Token& token : tokens) {
    out += fmt::format("{}{}:{}", out.empty() ? "" : " ", KindName(token.kind), token.text);
  }
  return out;
}

std::vector<Token> Tokens(std::string_view sql) {
  std::vector<Token> tokens;
  EXPECT_TRUE(Tokenize(sql, {}, &tokens).ok()) << sql;
  return tokens;
}

TEST(SqlTokens, KindsOfTokens) {
  EXPECT_EQ(Describe("ALTER `t``1` 'a''b' \"c\" 5 -1.5;"),
            "word:ALTER name:`t``1` string:'a''b' string:\"c\" number:5 punct:- number:1.5 "
            "punct:;");
  EXPECT_EQ(Describe("x'ff' X'0A' b'101' N'abc' _utf8mb4'x' 0x1F 0b101"),
            "string:x'ff' string:X'0A' string:b'101' string:N'abc' word:_utf8mb4 string:'x' "
            "number:0x1F number:0b101");
  EXPECT_EQ(Describe("\"c\"", {.ansi_quotes = true}), "name:\"c\"");
}

TEST(SqlTokens, NumbersAndNamesThatStartWithDigits) {
  EXPECT_EQ(Describe("1e5 1.5e-3 .5 5. 1abc 0x1g 12e db.5t db. 5"),
            "number:1e5 number:1.5e-3 number:.5 number:5. word:1abc word:0x1g word:12e word:db "
            "punct:. word:5t word:db punct:. number:5");
}

TEST(SqlTokens, CommentsAreDroppedAndExecutableCommentsKept) {
  EXPECT_EQ(Describe("a /* b */ c -- d\ne # f\ng --h"),
            "word:a word:c word:e word:g punct:- "
            "punct:- word:h");
  EXPECT_EQ(Describe("a /*!50100 b */ c /*M!100301 d*/ e /*!f*/"),
            "word:a word:b word:c word:d word:e word:f");
  // Outside an executable comment "*/" is two punctuation tokens, as the server reads it.
  EXPECT_EQ(Describe("a */"), "word:a punct:* punct:/");
}

TEST(SqlTokens, DepthCountsTheParenthesesAroundEachToken) {
  std::vector<Token> tokens = Tokens("a (b, (c)) d");
  std::vector<int> depths;
  for (const Token& token : tokens) depths.push_back(token.depth);
  EXPECT_EQ(depths, (std::vector<int>{0, 0, 1, 1, 1, 2, 1, 0, 0}));
  EXPECT_EQ(ClosingParen(tokens, 1), 7u);
  EXPECT_EQ(ClosingParen(tokens, 4), 6u);
}

TEST(SqlTokens, StringsKeepBackslashEscapesUnlessTheModeSaysOtherwise) {
  EXPECT_EQ(Describe(R"('a\'b' c)"), R"(string:'a\'b' word:c)");
  EXPECT_EQ(Describe(R"('a\' b)", {.no_backslash_escapes = true}), R"(string:'a\' word:b)");
  // A backquoted name never has backslash escapes.
  EXPECT_EQ(Describe(R"(`a\` b)"), R"(name:`a\` word:b)");
}

TEST(SqlTokens, UnreadableTextKeepsTheTokensBeforeIt) {
  std::vector<Token> tokens;
  Status status = Tokenize("ALTER TABLE t ADD c 'x", {}, &tokens);
  EXPECT_EQ(status.ToString(),
            "InvalidArgument: cannot read statement \"ALTER TABLE t ADD c 'x\": a string is not "
            "closed at \"'x\"");
  EXPECT_EQ(tokens.size(), 5u);
  EXPECT_EQ(Describe("a) b"),
            "InvalidArgument: cannot read statement \"a) b\": a \")\" closes no \"(\" at \") b\"");
}

TEST(SqlTokens, NamesJoinAndSplit) {
  std::vector<Token> tokens = Tokens("`a``b` \"c\" d");
  EXPECT_EQ(NameOf(tokens[0]), "a`b");
  EXPECT_EQ(NameOf(tokens[2]), "d");

  std::vector<Token> spaced = Tokens("INT(10)  UNSIGNED /* x */ NOT\nNULL");
  EXPECT_EQ(JoinTokens(spaced), "INT(10) UNSIGNED NOT NULL");

  std::vector<Token> list = Tokens("a, b(1, 2), , c");
  std::vector<std::string> parts;
  for (std::span<const Token> part : SplitAtCommas(list, 0)) parts.push_back(JoinTokens(part));
  EXPECT_EQ(parts, (std::vector<std::string>{"a", "b(1, 2)", "c"}));
}

TEST(SqlTokens, CursorMatchesKeywordsOnlyAsBareWords) {
  std::vector<Token> tokens = Tokens("if Not exists `table` x");
  TokenCursor in(tokens);
  EXPECT_FALSE(in.Words({"IF", "EXISTS"}));
  EXPECT_TRUE(in.Words({"IF", "NOT", "EXISTS"}));
  EXPECT_FALSE(in.Word("TABLE"));
  EXPECT_EQ(in.Name(), "table");
  EXPECT_TRUE(in.AnyWord({"Y", "X"}));
  EXPECT_EQ(in.Peek(), nullptr);
  EXPECT_EQ(in.Name(), std::nullopt);
}

}  // namespace
}  // namespace cutover::ddl
