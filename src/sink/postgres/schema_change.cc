// SchemaChange: source column definitions and defaults read into PostgreSQL DDL.
#include "sink/postgres/schema_change.h"

#include <vector>

#include <fmt/format.h>

#include "db/postgres/connection.h"
#include "ddl/sql_tokens.h"
#include "sink/postgres/copy_text.h"
#include "sink/postgres/type_mapping.h"

namespace cutover::postgres {
namespace {

// The content of a quoted MySQL string token ('a''b', "x", N'y') with the server's escapes
// undone; nullopt for a prefixed literal whose content is not text (x'ff', b'101').
std::optional<std::string> StringContent(std::string_view token) {
  if (!token.empty() && (token[0] == 'N' || token[0] == 'n')) token.remove_prefix(1);
  if (token.size() < 2 || (token[0] != '\'' && token[0] != '"')) return std::nullopt;
  const char quote = token[0];
  std::string out;
  for (size_t pos = 1; pos + 1 < token.size(); ++pos) {
    char c = token[pos];
    if (c == quote) {  // a doubled quote
      out += c;
      ++pos;
      continue;
    }
    if (c != '\\' || pos + 2 >= token.size()) {
      out += c;
      continue;
    }
    char next = token[++pos];
    switch (next) {
      case '0': out += '\0'; break;
      case 'b': out += '\b'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'Z': out += '\x1a'; break;
      case '%':
      case '_': out += '\\'; out += next; break;  // kept escaped, as the server does
      default: out += next;
    }
  }
  return out;
}

// The value text of a constant DEFAULT's tokens, as the server would hand it out over the text
// protocol before conversion to the column type; nullopt for what is not a plain constant.
// `quoted` says whether it was a string (a number or TRUE/FALSE otherwise); NULL gives "".
std::optional<std::string> ConstantText(std::span<const ddl::Token> tokens, bool* is_null,
                                        bool* quoted) {
  *is_null = false;
  *quoted = false;
  size_t pos = 0;
  // A charset introducer (_utf8mb4'x') or a temporal literal's keyword (DATE '2024-01-01').
  if (pos < tokens.size() && tokens[pos].kind == ddl::TokenKind::kWord &&
      (tokens[pos].text.starts_with("_") || tokens[pos].IsWord("DATE") ||
       tokens[pos].IsWord("TIME") || tokens[pos].IsWord("TIMESTAMP")) &&
      tokens.size() > 1) {
    ++pos;
  }
  if (pos == tokens.size()) return std::nullopt;
  const ddl::Token& first = tokens[pos];
  if (first.kind == ddl::TokenKind::kString) {
    std::string text;
    for (; pos < tokens.size(); ++pos) {  // 'a' 'b' is 'ab'
      if (tokens[pos].kind != ddl::TokenKind::kString) return std::nullopt;
      std::optional<std::string> content = StringContent(tokens[pos].text);
      if (!content) return std::nullopt;
      text += *content;
    }
    *quoted = true;
    return text;
  }
  if (pos + 1 == tokens.size() && first.IsWord("NULL")) {
    *is_null = true;
    return std::string();
  }
  if (pos + 1 == tokens.size() && first.IsWord("TRUE")) return std::string("1");
  if (pos + 1 == tokens.size() && first.IsWord("FALSE")) return std::string("0");
  std::string sign;
  if (first.Is('-') || first.Is('+')) {
    if (first.Is('-')) sign = "-";
    ++pos;
  }
  if (pos + 1 != tokens.size() || tokens[pos].kind != ddl::TokenKind::kNumber) return std::nullopt;
  std::string_view number = tokens[pos].text;
  // 0x1F and 0b101 are byte strings to the server, not numbers.
  if (number.size() > 1 && number[0] == '0' && (number[1] == 'x' || number[1] == 'b')) {
    return std::nullopt;
  }
  return sign + std::string(number);
}

// The integer types by range, narrowest first: a move to a later one keeps every value.
int IntegerRank(std::string_view type) {
  static const std::vector<std::string_view> kRanks = {"smallint", "integer", "bigint",
                                                       "numeric(20,0)"};
  for (size_t rank = 0; rank < kRanks.size(); ++rank) {
    if (kRanks[rank] == type) return static_cast<int>(rank);
  }
  return -1;
}

bool IsInteger(const ColumnType& type) {
  switch (type.type) {
    case SqlType::kTinyInt:
    case SqlType::kSmallInt:
    case SqlType::kMediumInt:
    case SqlType::kInt:
    case SqlType::kBigInt:
    case SqlType::kYear: return true;
    default: return false;
  }
}

// True when every value of a `from` column is a value of a `to` column, unchanged, once both
// are mapped (the caller knows their PostgreSQL types differ).
bool PostgresWidens(const ColumnType& from, const ColumnType& to, const std::string& from_pg,
                    const std::string& to_pg) {
  if (IsInteger(from) && IsInteger(to)) return IntegerRank(from_pg) < IntegerRank(to_pg);
  if (IsInteger(from) && to.type == SqlType::kDecimal) {
    // An integer fits numeric(p,s) with enough digits before the point.
    static constexpr uint32_t kDigits[] = {5, 10, 19, 20};
    int rank = IntegerRank(from_pg);
    return rank >= 0 && to.precision - to.scale >= kDigits[rank];
  }
  if (from.type == SqlType::kDecimal && to.type == SqlType::kDecimal) {
    return to.scale >= from.scale && to.precision - to.scale >= from.precision - from.scale;
  }
  bool from_chars = from_pg.starts_with("varchar") || from_pg == "text";
  if (from_chars && to_pg == "text") return from.type != SqlType::kEnum && from.type != SqlType::kSet;
  if (from_pg.starts_with("varchar") && to_pg.starts_with("varchar")) {
    return from.length != 0 && (to.length == 0 || to.length >= from.length);
  }
  if (from.type == to.type &&
      (from.type == SqlType::kDateTime || from.type == SqlType::kTimestamp)) {
    return to.fsp >= from.fsp;
  }
  return false;
}

}  // namespace

Result<Column> ColumnFromDefinition(const std::string& name, std::string_view definition) {
  std::vector<ddl::Token> tokens;
  CUTOVER_RETURN_IF_ERROR(ddl::Tokenize(definition, {}, &tokens));
  if (tokens.empty() || tokens[0].kind != ddl::TokenKind::kWord) {
    return Status::InvalidArgument(
        fmt::format("column {}: no type at the start of \"{}\"", name, definition));
  }
  // The type: its name, its arguments in parentheses, then UNSIGNED / SIGNED / ZEROFILL.
  size_t end = 1;
  if (end < tokens.size() && tokens[end].Is('(')) end = ddl::ClosingParen(tokens, end) + 1;
  while (end < tokens.size() && (tokens[end].IsWord("UNSIGNED") || tokens[end].IsWord("SIGNED") ||
                                 tokens[end].IsWord("ZEROFILL"))) {
    ++end;
  }
  end = std::min(end, tokens.size());
  std::string type_text(
      definition.substr(tokens[0].offset, tokens[end - 1].end() - tokens[0].offset));
  std::string charset;
  std::string collation;
  Column column;
  column.name = name;
  column.nullable = true;
  for (size_t idx = end; idx < tokens.size(); ++idx) {
    const ddl::Token& token = tokens[idx];
    if (token.depth != 0) continue;
    bool has_next = idx + 1 < tokens.size();
    if (token.IsWord("NOT") && has_next && tokens[idx + 1].IsWord("NULL")) {
      column.nullable = false;
    } else if (token.IsWord("PRIMARY")) {
      column.nullable = false;
    } else if (token.IsWord("CHARSET") && has_next) {
      charset = ddl::NameOf(tokens[idx + 1]);
    } else if (token.IsWord("CHARACTER") && idx + 2 < tokens.size() &&
               tokens[idx + 1].IsWord("SET")) {
      charset = ddl::NameOf(tokens[idx + 2]);
    } else if (token.IsWord("COLLATE") && has_next) {
      collation = ddl::NameOf(tokens[idx + 1]);
    }
  }
  CUTOVER_ASSIGN_OR_RETURN(column.type, ParseMysqlColumnType(type_text, charset, collation));
  return column;
}

std::optional<std::string> DefaultLiteral(const ColumnType* type, std::string_view mysql_default) {
  std::vector<ddl::Token> tokens;
  if (!ddl::Tokenize(mysql_default, {}, &tokens).ok()) return std::nullopt;
  bool is_null = false;
  bool quoted = false;
  std::optional<std::string> text = ConstantText(tokens, &is_null, &quoted);
  if (!text) return std::nullopt;
  if (is_null) return std::string("NULL");
  if (type == nullptr) return QuoteLiteral(*text);
  // The statement's text is UTF-8; read it so, whatever the column's charset.
  ColumnType as_written = *type;
  if (as_written.is_character()) as_written.charset = Charset::kUtf8;
  // A BIT column's text-protocol value is bytes, not the digits of a number.
  if (as_written.type == SqlType::kBit) return std::nullopt;
  Result<Value> value = ParseMysqlText(as_written, *text);
  if (!value.ok()) return std::nullopt;
  ValueAdjustments adjustments;
  Result<std::optional<std::string>> rendered = PostgresText(as_written, *value, &adjustments);
  if (!rendered.ok()) return std::nullopt;
  if (!rendered->has_value()) return std::string("NULL");
  return QuoteLiteral(**rendered);
}

Result<std::string> ValueLiteral(const ColumnType& type, const Value& value) {
  ValueAdjustments adjustments;
  CUTOVER_ASSIGN_OR_RETURN(std::optional<std::string> text,
                           PostgresText(type, value, &adjustments));
  return text ? QuoteLiteral(*text) : std::string("NULL");
}

Result<std::string> AddColumnSql(const TableId& target, const Column& column,
                                 const std::string& default_literal) {
  CUTOVER_ASSIGN_OR_RETURN(std::string type, PostgresType(column.type));
  std::string name = QuoteIdentifier(column.name);
  std::string sql = fmt::format("ALTER TABLE {} ADD COLUMN IF NOT EXISTS {} {}",
                                QuoteQualified(target.schema, target.name), name, type);
  if (!default_literal.empty()) sql += " DEFAULT " + default_literal;
  if (!column.nullable) sql += " NOT NULL";
  std::string check = PostgresCheck(column.type, name);
  if (!check.empty()) sql += fmt::format(" CHECK ({})", check);
  return sql;
}

Result<std::optional<std::string>> WidenColumnSql(const TableId& target, const Column& from,
                                                  const Column& to) {
  CUTOVER_ASSIGN_OR_RETURN(std::string from_pg, PostgresType(from.type));
  CUTOVER_ASSIGN_OR_RETURN(std::string to_pg, PostgresType(to.type));
  if (from_pg == to_pg && PostgresCheck(from.type, "c") == PostgresCheck(to.type, "c")) {
    return std::optional<std::string>();
  }
  const bool both_postgres = from.type.postgres && to.type.postgres;
  if (from_pg == to_pg || (!both_postgres && !PostgresWidens(from.type, to.type, from_pg, to_pg))) {
    return std::optional<std::string>(std::string());
  }
  return std::optional<std::string>(fmt::format("ALTER TABLE {} ALTER COLUMN {} TYPE {}",
                                                QuoteQualified(target.schema, target.name),
                                                QuoteIdentifier(to.name), to_pg));
}

}  // namespace cutover::postgres
