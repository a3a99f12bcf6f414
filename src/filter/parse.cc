// The filter language's tokenizer and recursive-descent parser, and its SQL rendering.
#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "filter/filter.h"
#include "filter/node.h"

namespace cutover::filter {
namespace {

enum class TokenKind { kEnd, kNumber, kString, kIdentifier, kQuoted, kSymbol };

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;  // the number, the string's value, the identifier, the symbol
  size_t at = 0;     // 1-based character position
};

std::string Upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

Result<std::vector<Token>> Tokenize(std::string_view text) {
  std::vector<Token> tokens;
  size_t at = 0;
  auto error = [&](size_t where, std::string_view what) {
    return Status::InvalidArgument(fmt::format("at {}: {}", where + 1, what));
  };
  while (at < text.size()) {
    char c = text[at];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++at;
      continue;
    }
    // SQL's comments would silently change the condition: MySQL reads `a = 1 -- x` as a = 1,
    // the arithmetic below as a = 1 - (-x).
    const std::string_view rest = text.substr(at);
    if (rest.starts_with("/*") || rest == "--" ||
        (rest.starts_with("--") && std::isspace(static_cast<unsigned char>(rest[2])))) {
      return error(at, "comments are not supported in a filter; remove the comment");
    }
    Token token;
    token.at = at + 1;
    if (std::isdigit(static_cast<unsigned char>(c)) ||
        (c == '.' && at + 1 < text.size() && std::isdigit(static_cast<unsigned char>(text[at + 1])))) {
      size_t start = at;
      bool dot = false;
      while (at < text.size() &&
             (std::isdigit(static_cast<unsigned char>(text[at])) || (text[at] == '.' && !dot))) {
        dot = dot || text[at] == '.';
        ++at;
      }
      if (at < text.size() && (text[at] == 'e' || text[at] == 'E')) {
        return error(at, "numbers with an exponent are not supported (write the digits)");
      }
      token.kind = TokenKind::kNumber;
      token.text = std::string(text.substr(start, at - start));
    } else if (c == '\'' || c == '"') {
      // A string literal: a doubled quote or a backslash escape stands for the character.
      char quote = c;
      ++at;
      std::string value;
      bool closed = false;
      while (at < text.size()) {
        char d = text[at];
        if (d == '\\' && at + 1 < text.size()) {
          char next = text[at + 1];
          switch (next) {
            case 'n': value += '\n'; break;
            case 't': value += '\t'; break;
            case '0': value += '\0'; break;
            // As in MySQL: \% and \_ keep their backslash, so a LIKE pattern escapes them.
            case '%':
            case '_': value += '\\'; value += next; break;
            default: value += next;
          }
          at += 2;
          continue;
        }
        if (d == quote) {
          if (at + 1 < text.size() && text[at + 1] == quote) {
            value += quote;
            at += 2;
            continue;
          }
          ++at;
          closed = true;
          break;
        }
        value += d;
        ++at;
      }
      if (!closed) return error(token.at - 1, "a string literal is not closed");
      token.kind = TokenKind::kString;
      token.text = std::move(value);
    } else if (c == '`') {
      size_t end = text.find('`', at + 1);
      if (end == std::string_view::npos) return error(at, "a `quoted` name is not closed");
      token.kind = TokenKind::kQuoted;
      token.text = std::string(text.substr(at + 1, end - at - 1));
      at = end + 1;
    } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t start = at;
      while (at < text.size() && (std::isalnum(static_cast<unsigned char>(text[at])) ||
                                  text[at] == '_' || text[at] == '$')) {
        ++at;
      }
      token.kind = TokenKind::kIdentifier;
      token.text = std::string(text.substr(start, at - start));
    } else {
      static const char* const kSymbols[] = {"<=", ">=", "<>", "!=", "=", "<", ">", "(", ")",
                                             ",",  "+",  "-",  "*",  "/", "%"};
      bool matched = false;
      for (const char* symbol : kSymbols) {
        std::string_view s(symbol);
        if (text.substr(at, s.size()) == s) {
          token.kind = TokenKind::kSymbol;
          token.text = std::string(s);
          at += s.size();
          matched = true;
          break;
        }
      }
      if (!matched) return error(at, fmt::format("unexpected character '{}'", c));
    }
    tokens.push_back(std::move(token));
  }
  Token end;
  end.at = text.size() + 1;
  tokens.push_back(end);
  return tokens;
}

// The deepest a filter may nest (parentheses, NOT, chained AND/OR and arithmetic). Parsing,
// rendering, checking, evaluating and freeing a filter recurse once per level, so a deeper one
// (a generated `x = 1 OR x = 2 OR ...` of thousands of terms) would overflow the stack.
constexpr size_t kMaxDepth = 200;

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  Result<NodePtr> Parse() {
    CUTOVER_ASSIGN_OR_RETURN(NodePtr root, Or());
    CUTOVER_RETURN_IF_ERROR(CheckDepth());
    if (Peek().kind != TokenKind::kEnd) return Expected("an operator or the end");
    return root;
  }

 private:
  const Token& Peek(size_t ahead = 0) const {
    return tokens_[std::min(next_ + ahead, tokens_.size() - 1)];
  }
  bool IsKeyword(std::string_view keyword, size_t ahead = 0) const {
    const Token& token = Peek(ahead);
    return token.kind == TokenKind::kIdentifier && Upper(token.text) == keyword;
  }
  bool IsSymbol(std::string_view symbol) const {
    return Peek().kind == TokenKind::kSymbol && Peek().text == symbol;
  }
  Status Expected(std::string_view what) const {
    const Token& token = Peek();
    std::string found = token.kind == TokenKind::kEnd ? "the end" : "'" + token.text + "'";
    return Status::InvalidArgument(fmt::format("at {}: expected {}, found {}", token.at, what, found));
  }

  NodePtr Make(NodeKind kind, std::string text, std::vector<NodePtr> children) {
    auto node = std::make_shared<Node>();
    node->kind = kind;
    node->text = std::move(text);
    node->children = std::move(children);
    for (const NodePtr& child : node->children) {
      node->depth = std::max(node->depth, child->depth + 1);
    }
    deepest_ = std::max(deepest_, node->depth);
    return node;
  }

  // Counts one level of the parser's recursion while it lives.
  class Nested {
   public:
    explicit Nested(Parser& parser) : parser_(parser) { ++parser_.nesting_; }
    ~Nested() { --parser_.nesting_; }
    Nested(const Nested&) = delete;
    Nested& operator=(const Nested&) = delete;

   private:
    Parser& parser_;
  };
  // An error once the filter nests deeper than kMaxDepth; checked before every level more.
  Status CheckDepth() const {
    if (nesting_ <= kMaxDepth && deepest_ <= kMaxDepth) return Status::Ok();
    return Status::InvalidArgument(fmt::format(
        "at {}: the filter nests more than {} levels deep (parentheses, NOT, chained AND, OR "
        "and arithmetic); write it flatter, e.g. x IN (1, 2, 3) instead of x = 1 OR x = 2 OR "
        "x = 3",
        Peek().at, kMaxDepth));
  }

  Result<NodePtr> Or() {
    Nested nested(*this);
    CUTOVER_RETURN_IF_ERROR(CheckDepth());
    CUTOVER_ASSIGN_OR_RETURN(NodePtr left, And());
    while (IsKeyword("OR")) {
      ++next_;
      CUTOVER_ASSIGN_OR_RETURN(NodePtr right, And());
      left = Make(NodeKind::kOr, "OR", {left, right});
    }
    return left;
  }

  Result<NodePtr> And() {
    CUTOVER_ASSIGN_OR_RETURN(NodePtr left, Not());
    while (IsKeyword("AND")) {
      ++next_;
      CUTOVER_ASSIGN_OR_RETURN(NodePtr right, Not());
      left = Make(NodeKind::kAnd, "AND", {left, right});
    }
    return left;
  }

  Result<NodePtr> Not() {
    if (IsKeyword("NOT")) {
      ++next_;
      Nested nested(*this);
      CUTOVER_RETURN_IF_ERROR(CheckDepth());
      CUTOVER_ASSIGN_OR_RETURN(NodePtr operand, Not());
      return Make(NodeKind::kNot, "NOT", {operand});
    }
    return Predicate();
  }

  Result<NodePtr> Predicate() {
    CUTOVER_ASSIGN_OR_RETURN(NodePtr left, Sum());
    static const char* const kComparisons[] = {"=", "<>", "!=", "<", "<=", ">", ">="};
    for (const char* op : kComparisons) {
      if (IsSymbol(op)) {
        ++next_;
        CUTOVER_ASSIGN_OR_RETURN(NodePtr right, Sum());
        return Make(NodeKind::kCompare, std::string(op) == "!=" ? "<>" : op, {left, right});
      }
    }
    if (IsKeyword("IS")) {
      ++next_;
      bool negated = IsKeyword("NOT");
      if (negated) ++next_;
      if (!IsKeyword("NULL")) return Expected("NULL after IS");
      ++next_;
      return Make(NodeKind::kIsNull, negated ? "IS NOT NULL" : "IS NULL", {left});
    }
    bool negated = IsKeyword("NOT") &&
                   (IsKeyword("IN", 1) || IsKeyword("BETWEEN", 1) || IsKeyword("LIKE", 1));
    if (negated) ++next_;
    NodePtr predicate;
    if (IsKeyword("IN")) {
      ++next_;
      if (!IsSymbol("(")) return Expected("'(' after IN");
      ++next_;
      std::vector<NodePtr> children{left};
      while (true) {
        CUTOVER_ASSIGN_OR_RETURN(NodePtr item, Sum());
        children.push_back(item);
        if (IsSymbol(",")) {
          ++next_;
          continue;
        }
        if (!IsSymbol(")")) return Expected("',' or ')' in the IN list");
        ++next_;
        break;
      }
      predicate = Make(NodeKind::kIn, "IN", std::move(children));
    } else if (IsKeyword("BETWEEN")) {
      ++next_;
      CUTOVER_ASSIGN_OR_RETURN(NodePtr low, Sum());
      if (!IsKeyword("AND")) return Expected("AND in BETWEEN ... AND ...");
      ++next_;
      CUTOVER_ASSIGN_OR_RETURN(NodePtr high, Sum());
      predicate = Make(NodeKind::kBetween, "BETWEEN", {left, low, high});
    } else if (IsKeyword("LIKE")) {
      ++next_;
      if (Peek().kind != TokenKind::kString) return Expected("a 'pattern' string after LIKE");
      NodePtr pattern = Make(NodeKind::kString, Peek().text, {});
      ++next_;
      predicate = Make(NodeKind::kLike, "LIKE", {left, pattern});
    } else {
      if (negated) return Expected("IN, BETWEEN or LIKE after NOT");
      return left;
    }
    if (negated) return Make(NodeKind::kNot, "NOT", {predicate});
    return predicate;
  }

  Result<NodePtr> Sum() {
    CUTOVER_ASSIGN_OR_RETURN(NodePtr left, Product());
    while (IsSymbol("+") || IsSymbol("-")) {
      std::string op = Peek().text;
      ++next_;
      CUTOVER_ASSIGN_OR_RETURN(NodePtr right, Product());
      left = Make(NodeKind::kArithmetic, op, {left, right});
    }
    return left;
  }

  Result<NodePtr> Product() {
    CUTOVER_ASSIGN_OR_RETURN(NodePtr left, Unary());
    while (IsSymbol("*") || IsSymbol("/") || IsSymbol("%")) {
      std::string op = Peek().text;
      ++next_;
      CUTOVER_ASSIGN_OR_RETURN(NodePtr right, Unary());
      left = Make(NodeKind::kArithmetic, op, {left, right});
    }
    return left;
  }

  Result<NodePtr> Unary() {
    if (IsSymbol("-")) {
      ++next_;
      Nested nested(*this);
      CUTOVER_RETURN_IF_ERROR(CheckDepth());
      CUTOVER_ASSIGN_OR_RETURN(NodePtr operand, Unary());
      if (operand->kind == NodeKind::kNumber && !operand->text.starts_with("-")) {
        operand->text = "-" + operand->text;
        return operand;
      }
      return Make(NodeKind::kArithmetic, "-", {Make(NodeKind::kNumber, "0", {}), operand});
    }
    return Primary();
  }

  Result<NodePtr> Primary() {
    CUTOVER_RETURN_IF_ERROR(CheckDepth());
    const Token token = Peek();
    switch (token.kind) {
      case TokenKind::kNumber: ++next_; return Make(NodeKind::kNumber, token.text, {});
      case TokenKind::kString: ++next_; return Make(NodeKind::kString, token.text, {});
      case TokenKind::kQuoted: ++next_; return Make(NodeKind::kColumn, token.text, {});
      case TokenKind::kSymbol:
        if (token.text == "(") {
          ++next_;
          CUTOVER_ASSIGN_OR_RETURN(NodePtr inner, Or());
          if (!IsSymbol(")")) return Expected("')'");
          ++next_;
          return inner;
        }
        return Expected("a value");
      case TokenKind::kEnd: return Expected("a value");
      case TokenKind::kIdentifier: break;
    }
    std::string word = Upper(token.text);
    ++next_;
    if (word == "NULL") return Make(NodeKind::kNull, "NULL", {});
    if (word == "TRUE") return Make(NodeKind::kNumber, "1", {});
    if (word == "FALSE") return Make(NodeKind::kNumber, "0", {});
    if ((word == "DATE" || word == "TIMESTAMP") && Peek().kind == TokenKind::kString) {
      std::string literal = Peek().text;
      ++next_;
      return Make(word == "DATE" ? NodeKind::kDate : NodeKind::kTimestamp, literal, {});
    }
    if (IsSymbol("(")) {
      ++next_;
      std::vector<NodePtr> arguments;
      if (!IsSymbol(")")) {
        while (true) {
          CUTOVER_ASSIGN_OR_RETURN(NodePtr argument, Or());
          arguments.push_back(argument);
          if (IsSymbol(",")) {
            ++next_;
            continue;
          }
          break;
        }
      }
      if (!IsSymbol(")")) return Expected("',' or ')' in the argument list");
      ++next_;
      return Make(NodeKind::kCall, word, std::move(arguments));
    }
    static const char* const kReserved[] = {"AND", "OR", "NOT", "IS", "IN", "BETWEEN", "LIKE"};
    for (const char* reserved : kReserved) {
      if (word == reserved) {
        return Status::InvalidArgument(
            fmt::format("at {}: expected a value, found '{}'", token.at, token.text));
      }
    }
    return Make(NodeKind::kColumn, token.text, {});
  }

  std::vector<Token> tokens_;
  size_t next_ = 0;
  size_t nesting_ = 0;  // levels of Or, NOT and unary minus being parsed
  size_t deepest_ = 0;  // the greatest depth of a node made so far
};

void CollectColumns(const Node& node, std::vector<std::string>* columns) {
  if (node.kind == NodeKind::kColumn &&
      std::find(columns->begin(), columns->end(), node.text) == columns->end()) {
    columns->push_back(node.text);
  }
  for (const NodePtr& child : node.children) CollectColumns(*child, columns);
}

std::string QuoteString(std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'') out += "''";
    else if (c == '\\') out += "\\\\";
    else if (c == '\0') out += "\\0";
    else out += c;
  }
  return out + "'";
}

std::string Sql(const Node& node) {
  auto child = [&](size_t index) { return Sql(*node.children[index]); };
  switch (node.kind) {
    case NodeKind::kNull: return "NULL";
    case NodeKind::kNumber: return node.text;
    case NodeKind::kString: return QuoteString(node.text);
    case NodeKind::kDate: return "DATE " + QuoteString(node.text);
    case NodeKind::kTimestamp: return "TIMESTAMP " + QuoteString(node.text);
    case NodeKind::kColumn: {
      std::string out = "`";
      for (char c : node.text) out += c == '`' ? std::string("``") : std::string(1, c);
      return out + "`";
    }
    case NodeKind::kNot: return "(NOT " + child(0) + ")";
    case NodeKind::kAnd:
    case NodeKind::kOr:
    case NodeKind::kCompare:
    case NodeKind::kArithmetic: return "(" + child(0) + " " + node.text + " " + child(1) + ")";
    case NodeKind::kIsNull: return "(" + child(0) + " " + node.text + ")";
    case NodeKind::kLike: return "(" + child(0) + " LIKE " + child(1) + ")";
    case NodeKind::kBetween:
      return "(" + child(0) + " BETWEEN " + child(1) + " AND " + child(2) + ")";
    case NodeKind::kIn: {
      std::string out = "(" + child(0) + " IN (";
      for (size_t index = 1; index < node.children.size(); ++index) {
        if (index > 1) out += ", ";
        out += child(index);
      }
      return out + "))";
    }
    case NodeKind::kCall: {
      std::string out = node.text + "(";
      for (size_t index = 0; index < node.children.size(); ++index) {
        if (index > 0) out += ", ";
        out += child(index);
      }
      return out + ")";
    }
  }
  return "";
}

}  // namespace

Result<Filter> Filter::Parse(std::string_view text) {
  CUTOVER_ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenize(text));
  if (tokens.size() == 1) return Status::InvalidArgument("the filter is empty");
  Parser parser(std::move(tokens));
  CUTOVER_ASSIGN_OR_RETURN(NodePtr root, parser.Parse());
  CUTOVER_RETURN_IF_ERROR(CheckShape(*root));
  Filter filter;
  CollectColumns(*root, &filter.columns_);
  filter.root_ = std::move(root);
  return filter;
}

std::string Filter::ToSql() const { return Sql(*root_); }

Filter::~Filter() = default;
Filter::Filter(Filter&&) noexcept = default;
Filter& Filter::operator=(Filter&&) noexcept = default;
Filter::Filter(const Filter&) = default;
Filter& Filter::operator=(const Filter&) = default;

}  // namespace cutover::filter
