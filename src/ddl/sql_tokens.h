// SqlTokens: MySQL/MariaDB statement text split into tokens (names, quoted names, strings,
// numbers, punctuation) that know their parenthesis depth, and a cursor to read them with.
//
// The lexical rules are the server's: `name` with `` for a backquote, 'string' and "string" with
// doubled quotes and backslash escapes, /* */, -- and # comments, and executable comments
// (/*!50100 ... */, MariaDB's /*M!100301 ... */) whose text is part of the statement. Tokens view
// the statement text: keep it alive while they are used.
#pragma once

#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cutover/status.h"

#include "ddl/ascii.h"

namespace cutover::ddl {

// How the server read quotes and backslashes when it ran a statement (its sql_mode, which the
// QUERY event carries among its status variables). The defaults are the server's defaults.
struct SqlQuoting {
  bool ansi_quotes = false;           // ANSI_QUOTES: "x" is a name, not a string
  bool no_backslash_escapes = false;  // NO_BACKSLASH_ESCAPES: \ is an ordinary character
};

enum class TokenKind {
  kWord,        // a bare name or keyword: ALTER, t1, _utf8mb4, 1abc
  kQuotedName,  // `name` (and "name" under ANSI_QUOTES)
  kString,      // 'text', "text", and with a prefix: x'ff', b'101', N'text'
  kNumber,      // 5, 1.5, .5, 1e-3, 0x1F, 0b101 (a sign is a kPunct of its own)
  kPunct,       // any other single character: ( ) , . ; = - + @ ...
};

struct Token {
  TokenKind kind = TokenKind::kPunct;
  std::string_view text;  // as written (quotes and prefixes included), a view into the statement
  size_t offset = 0;      // where `text` starts in the statement
  int depth = 0;          // parentheses open around the token; a pair's own are at the outer depth

  size_t end() const { return offset + text.size(); }
  bool Is(char punct) const { return kind == TokenKind::kPunct && text[0] == punct; }
  bool IsWord(std::string_view word) const {
    return kind == TokenKind::kWord && EqualsIgnoreCase(text, word);
  }
  bool IsName() const { return kind == TokenKind::kWord || kind == TokenKind::kQuotedName; }
};

// Splits `sql` into tokens, dropping whitespace and comments, into `tokens`. On text it cannot
// read (an unterminated string, quoted name or comment; unbalanced parentheses) `tokens` holds
// the tokens before it and the result is InvalidArgument quoting the statement and the place.
Status Tokenize(std::string_view sql, SqlQuoting quoting, std::vector<Token>* tokens);

// InvalidArgument: "cannot read statement "<start>": <what> at "<text at offset>"".
Status UnreadableSql(std::string_view sql, size_t offset, std::string_view what);

// A name as the server reads it: a quoted name without its quotes, a doubled quote made one.
std::string NameOf(const Token& token);

// The tokens' text as written, comments dropped, whatever separated two tokens one space.
std::string JoinTokens(std::span<const Token> tokens);

// The index of the ')' closing the '(' at index `open`; tokens.size() when the span ends first.
size_t ClosingParen(std::span<const Token> tokens, size_t open);

// The runs of tokens between the commas at `depth`; empty runs (",,") are left out.
std::vector<std::span<const Token>> SplitAtCommas(std::span<const Token> tokens, int depth);

// A reader over a run of tokens (a statement, a clause). Keywords match without regard to case
// and only as bare words: `table` is a name, never the keyword.
class TokenCursor {
 public:
  explicit TokenCursor(std::span<const Token> tokens) : tokens_(tokens) {}

  // The token `ahead` places on; null past the end.
  const Token* Peek(size_t ahead = 0) const {
    return pos_ + ahead < tokens_.size() ? &tokens_[pos_ + ahead] : nullptr;
  }
  bool PeekWord(std::string_view word, size_t ahead = 0) const {
    const Token* token = Peek(ahead);
    return token != nullptr && token->IsWord(word);
  }
  bool PeekWords(std::initializer_list<std::string_view> words) const;    // all of them, in order
  bool PeekAnyWord(std::initializer_list<std::string_view> words) const;  // one of them

  // Each of these consumes what it looks for when that comes next, and says whether it did.
  bool Word(std::string_view word) { return PeekWord(word) && Advance(1); }
  bool Words(std::initializer_list<std::string_view> words) {
    return PeekWords(words) && Advance(words.size());
  }
  bool AnyWord(std::initializer_list<std::string_view> words) {
    return PeekAnyWord(words) && Advance(1);
  }
  bool Punct(char punct) { return Peek() != nullptr && Peek()->Is(punct) && Advance(1); }
  std::optional<std::string> Name();  // a bare or quoted name

  // The tokens not consumed yet.
  std::span<const Token> Rest() const { return tokens_.subspan(pos_); }
  // Moves on `count` tokens (at most to the end); returns true, for use in conditions.
  bool Advance(size_t count);

 private:
  std::span<const Token> tokens_;
  size_t pos_ = 0;
};

}  // namespace cutover::ddl
