// SqlTokens: the tokenizer for MySQL/MariaDB statement text and the cursor over its tokens.
#include "ddl/sql_tokens.h"

#include <algorithm>

#include <fmt/format.h>

namespace cutover::ddl {
namespace {

constexpr size_t kNpos = std::string_view::npos;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsBinaryDigit(char c) { return c == '0' || c == '1'; }
bool IsHexDigit(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool IsSpace(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
// Names are ASCII letters, digits, _ and $, and any non-ASCII (UTF-8) byte.
bool IsWordChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsDigit(c) || c == '_' || c == '$' ||
         static_cast<unsigned char>(c) >= 0x80;
}

// `sql` from `offset`, quoted and cut short, for messages.
std::string Excerpt(std::string_view sql, size_t offset) {
  constexpr size_t kLength = 40;
  if (offset >= sql.size()) return "the end";
  return fmt::format("\"{}{}\"", sql.substr(offset, kLength),
                     offset + kLength < sql.size() ? "..." : "");
}

// Where the quoted text starting at `at` ends (after its closing quote); npos when it does not.
// A doubled quote stands for itself, and so does a backslashed character where escapes apply.
size_t QuotedEnd(std::string_view sql, size_t at, bool backslash_escapes) {
  char quote = sql[at];
  for (size_t pos = at + 1; pos < sql.size(); ++pos) {
    if (backslash_escapes && sql[pos] == '\\') {
      ++pos;
    } else if (sql[pos] == quote) {
      if (pos + 1 >= sql.size() || sql[pos + 1] != quote) return pos + 1;
      ++pos;
    }
  }
  return kNpos;
}

// Where the number starting at `at` ends, or `at` when the characters there make a name that
// starts with digits (MySQL takes "1abc" and "0x1g" as names).
size_t NumberEnd(std::string_view sql, size_t at) {
  size_t pos = at;
  auto skip = [&](bool (*accept)(char)) {
    while (pos < sql.size() && accept(sql[pos])) ++pos;
  };
  if (sql.substr(at, 2) == "0x" || sql.substr(at, 2) == "0b") {
    pos += 2;
    skip(sql[at + 1] == 'x' ? IsHexDigit : IsBinaryDigit);
  } else {
    skip(IsDigit);
    if (pos < sql.size() && sql[pos] == '.') {
      ++pos;
      skip(IsDigit);
    }
    if (pos < sql.size() && (sql[pos] == 'e' || sql[pos] == 'E')) {
      size_t exponent = pos + 1;
      if (exponent < sql.size() && (sql[exponent] == '+' || sql[exponent] == '-')) ++exponent;
      if (exponent < sql.size() && IsDigit(sql[exponent])) {
        pos = exponent;
        skip(IsDigit);
      }
    }
  }
  return pos < sql.size() && IsWordChar(sql[pos]) ? at : pos;
}

// Where the whitespace, comment or executable-comment marker at `at` ends; `at` when there is
// none; npos for a comment that is not closed. `executable` says whether the text is inside an
// executable comment, whose closing "*/" is skipped like a comment.
size_t IgnoredEnd(std::string_view sql, size_t at, bool* executable) {
  std::string_view rest = sql.substr(at);
  if (IsSpace(rest[0])) return at + 1;
  if (rest.starts_with("/*!") || rest.starts_with("/*M!")) {
    // The server runs the text when its version is at least the digits after the marker (five,
    // six in MariaDB's and newer MySQL's forms); the binlog's writer did, so it is statement.
    size_t pos = at + (rest[2] == '!' ? 3 : 4);
    for (int digits = 0; digits < 6 && pos < sql.size() && IsDigit(sql[pos]); ++digits) ++pos;
    *executable = true;
    return pos;
  }
  if (rest.starts_with("/*")) {
    size_t close = sql.find("*/", at + 2);
    return close == kNpos ? kNpos : close + 2;
  }
  if (*executable && rest.starts_with("*/")) {
    *executable = false;
    return at + 2;
  }
  // "--" starts a comment only before whitespace: 5--1 is five minus minus one.
  if (rest[0] == '#' || (rest.starts_with("--") && (rest.size() == 2 || IsSpace(rest[2])))) {
    size_t newline = sql.find('\n', at);
    return newline == kNpos ? sql.size() : newline + 1;
  }
  return at;
}

// The kind and end of the token starting at `at` (not whitespace nor a comment); npos for an
// unterminated string or quoted name. `after_name`: a name ends at `at`, so a dot is a dot.
size_t TokenEnd(std::string_view sql, size_t at, SqlQuoting quoting, bool after_name,
                TokenKind* kind) {
  std::string_view rest = sql.substr(at);
  char c = rest[0];
  char upper = AsciiUpper(c);
  bool prefixed =
      rest.size() > 1 && rest[1] == '\'' && (upper == 'X' || upper == 'B' || upper == 'N');
  if (c == '`' || (c == '"' && quoting.ansi_quotes)) {
    *kind = TokenKind::kQuotedName;
    return QuotedEnd(sql, at, false);
  }
  if (c == '\'' || c == '"' || prefixed) {
    *kind = TokenKind::kString;
    return QuotedEnd(sql, prefixed ? at + 1 : at, !quoting.no_backslash_escapes);
  }
  bool numeric = IsDigit(c) || (c == '.' && rest.size() > 1 && IsDigit(rest[1]) && !after_name);
  if (numeric && NumberEnd(sql, at) != at) {
    *kind = TokenKind::kNumber;
    return NumberEnd(sql, at);
  }
  if (IsWordChar(c)) {
    *kind = TokenKind::kWord;
    size_t end = at + 1;
    while (end < sql.size() && IsWordChar(sql[end])) ++end;
    return end;
  }
  *kind = TokenKind::kPunct;
  return at + 1;
}

}  // namespace

Status UnreadableSql(std::string_view sql, size_t offset, std::string_view what) {
  return Status::InvalidArgument(fmt::format("cannot read statement {}: {} at {}", Excerpt(sql, 0),
                                             what, Excerpt(sql, offset)));
}

Status Tokenize(std::string_view sql, SqlQuoting quoting, std::vector<Token>* tokens) {
  std::vector<size_t> open;  // offsets of the '(' not closed yet
  bool executable = false;
  size_t at = 0;
  while (at < sql.size()) {
    size_t ignored = IgnoredEnd(sql, at, &executable);
    if (ignored == kNpos) return UnreadableSql(sql, at, "a comment is not closed");
    if (ignored != at) {
      at = ignored;
      continue;
    }
    Token token;
    token.offset = at;
    token.depth = static_cast<int>(open.size());
    // ".5" right after a name is a qualifier's dot and a name (db.5t), not a number.
    bool after_name = !tokens->empty() && tokens->back().IsName() && tokens->back().end() == at;
    size_t end = TokenEnd(sql, at, quoting, after_name, &token.kind);
    if (end == kNpos) {
      return UnreadableSql(sql, at,
                           token.kind == TokenKind::kString ? "a string is not closed"
                                                            : "a quoted name is not closed");
    }
    if (sql[at] == '(' && token.kind == TokenKind::kPunct) open.push_back(at);
    if (sql[at] == ')' && token.kind == TokenKind::kPunct) {
      if (open.empty()) return UnreadableSql(sql, at, "a \")\" closes no \"(\"");
      open.pop_back();
      token.depth = static_cast<int>(open.size());
    }
    token.text = sql.substr(at, end - at);
    tokens->push_back(token);
    at = end;
  }
  if (!open.empty()) return UnreadableSql(sql, open.back(), "a \"(\" is not closed");
  return Status::Ok();
}

std::string NameOf(const Token& token) {
  if (token.kind != TokenKind::kQuotedName) return std::string(token.text);
  char quote = token.text.front();
  std::string_view inner = token.text.substr(1, token.text.size() - 2);
  std::string name;
  for (size_t pos = 0; pos < inner.size(); ++pos) {
    name += inner[pos];
    if (inner[pos] == quote) ++pos;
  }
  return name;
}

std::string JoinTokens(std::span<const Token> tokens) {
  std::string out;
  for (size_t idx = 0; idx < tokens.size(); ++idx) {
    if (idx > 0 && tokens[idx].offset != tokens[idx - 1].end()) out += ' ';
    out += tokens[idx].text;
  }
  return out;
}

size_t ClosingParen(std::span<const Token> tokens, size_t open) {
  for (size_t idx = open + 1; idx < tokens.size(); ++idx) {
    if (tokens[idx].Is(')') && tokens[idx].depth == tokens[open].depth) return idx;
  }
  return tokens.size();
}

std::vector<std::span<const Token>> SplitAtCommas(std::span<const Token> tokens, int depth) {
  std::vector<std::span<const Token>> parts;
  size_t start = 0;
  for (size_t idx = 0; idx <= tokens.size(); ++idx) {
    if (idx < tokens.size() && !(tokens[idx].Is(',') && tokens[idx].depth == depth)) continue;
    if (idx > start) parts.push_back(tokens.subspan(start, idx - start));
    start = idx + 1;
  }
  return parts;
}

bool TokenCursor::PeekWords(std::initializer_list<std::string_view> words) const {
  size_t ahead = 0;
  for (std::string_view word : words) {
    if (!PeekWord(word, ahead++)) return false;
  }
  return true;
}

bool TokenCursor::PeekAnyWord(std::initializer_list<std::string_view> words) const {
  return std::any_of(words.begin(), words.end(),
                     [&](std::string_view word) { return PeekWord(word); });
}

std::optional<std::string> TokenCursor::Name() {
  const Token* token = Peek();
  if (token == nullptr || !token->IsName()) return std::nullopt;
  Advance(1);
  return NameOf(*token);
}

bool TokenCursor::Advance(size_t count) {
  pos_ = std::min(pos_ + count, tokens_.size());
  return true;
}

}  // namespace cutover::ddl
