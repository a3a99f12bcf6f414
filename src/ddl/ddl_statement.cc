// DdlStatement: the reader of the table DDL in a statement's tokens (sql_tokens.h). Statements
// are recognised by their leading words; each clause of an ALTER TABLE by the words that start it.
// What the reader does not know becomes kOther, never an error: the server has already accepted the
// statement, so an unknown clause means an unknown feature, not bad input.
#include "ddl/ddl_statement.h"

#include <algorithm>
#include <span>

#include <fmt/format.h>

namespace cutover::ddl {
namespace {

// MariaDB's lock wait clause after a table name: WAIT n | NOWAIT.
void SkipWait(TokenCursor& in) {
  if (in.Word("WAIT")) {
    in.Advance(1);
  } else {
    in.Word("NOWAIT");
  }
}

bool IsOperator(const Token& token) {
  if (token.kind != TokenKind::kPunct) return false;
  return std::string_view("+-*/%|&^<>=").find(token.text[0]) != std::string_view::npos;
}

// Reads the operand of a DEFAULT starting at `pos`; returns the index after it and clears
// `*constant` when the server computes it (a function, a name, an expression).
size_t ReadOperand(std::span<const Token> tokens, size_t pos, bool* constant) {
  if (pos >= tokens.size()) return pos;
  const Token& token = tokens[pos];
  auto next_is = [&](TokenKind kind) {
    return pos + 1 < tokens.size() && tokens[pos + 1].kind == kind;
  };
  auto after_strings = [&](size_t from) {
    // Adjacent strings are one: 'a' 'b' is 'ab'.
    while (from < tokens.size() && tokens[from].kind == TokenKind::kString) ++from;
    return from;
  };
  switch (token.kind) {
    case TokenKind::kNumber: return pos + 1;
    case TokenKind::kString: return after_strings(pos);
    case TokenKind::kQuotedName: *constant = false; return pos + 1;
    case TokenKind::kPunct:
      if (token.Is('(')) {
        *constant = false;
        return ClosingParen(tokens, pos) + 1;
      }
      if ((token.Is('-') || token.Is('+')) && next_is(TokenKind::kNumber)) return pos + 2;
      *constant = false;  // a sign before something else, ~, !
      return ReadOperand(tokens, pos + 1, constant);
    case TokenKind::kWord: break;
  }
  // A charset introducer (_utf8mb4'x', _binary 0x41) and a temporal literal (DATE '2020-01-01').
  if (token.text.starts_with("_") && next_is(TokenKind::kNumber)) return pos + 2;
  if (token.text.starts_with("_") && next_is(TokenKind::kString)) return after_strings(pos + 1);
  if ((token.IsWord("DATE") || token.IsWord("TIME") || token.IsWord("TIMESTAMP")) &&
      next_is(TokenKind::kString)) {
    return pos + 2;
  }
  if (token.IsWord("NULL") || token.IsWord("TRUE") || token.IsWord("FALSE")) return pos + 1;
  // CURRENT_TIMESTAMP, CURRENT_TIMESTAMP(6), NOW(), UUID(), a name.
  *constant = false;
  if (pos + 1 < tokens.size() && tokens[pos + 1].Is('(')) return ClosingParen(tokens, pos + 1) + 1;
  return pos + 1;
}

// Reads the DEFAULT expression starting at `pos` into `column`; returns the index after it.
// MySQL wants an expression in parentheses; MariaDB also takes a bare one (DEFAULT 1+2).
size_t ReadDefault(std::span<const Token> tokens, size_t pos, ColumnDefinition* column) {
  bool constant = true;
  size_t end = ReadOperand(tokens, pos, &constant);
  while (end + 1 < tokens.size() && IsOperator(tokens[end])) {
    constant = false;
    end = ReadOperand(tokens, end + 1, &constant);
  }
  end = std::min(end, tokens.size());
  column->default_sql = JoinTokens(tokens.subspan(pos, end - pos));
  column->default_is_constant = constant;
  return end;
}

// Reads a column definition (the name, then its type and attributes) into action->definition,
// FIRST / AFTER x into action->first and action->after. False when it does not start with a name.
bool ReadColumn(std::span<const Token> tokens, AlterAction* action) {
  TokenCursor in(tokens);
  std::optional<std::string> name = in.Name();
  if (!name) return false;
  ColumnDefinition& column = action->definition;
  column.name = *name;
  std::span<const Token> definition = in.Rest();
  int depth = tokens.front().depth;
  size_t size = definition.size();
  if (size >= 1 && definition[size - 1].IsWord("FIRST")) {
    action->first = true;
    definition = definition.first(size - 1);
  } else if (size >= 2 && definition[size - 2].IsWord("AFTER") && definition[size - 1].IsName()) {
    action->after = NameOf(definition[size - 1]);
    definition = definition.first(size - 2);
  }
  column.definition = JoinTokens(definition);
  for (size_t idx = 0; idx < definition.size(); ++idx) {
    const Token& token = definition[idx];
    if (token.depth != depth) continue;
    // SET DEFAULT is a foreign key's action (REFERENCES p (id) ON DELETE SET DEFAULT).
    if (token.IsWord("DEFAULT") && !(idx > 0 && definition[idx - 1].IsWord("SET"))) {
      idx = ReadDefault(definition, idx + 1, &column) - 1;
    } else if (token.IsWord("AS")) {  // [GENERATED ALWAYS] AS (expr)
      column.generated = true;
    } else if (token.IsWord("PRIMARY") ||
               (token.IsWord("KEY") && !(idx > 0 && definition[idx - 1].IsWord("UNIQUE")))) {
      column.primary_key = true;
    }
  }
  return true;
}

// Reads an index's [IF NOT EXISTS] [name] [USING type] (key parts) into `action`.
void ReadIndex(TokenCursor& in, AlterAction* action) {
  in.Words({"IF", "NOT", "EXISTS"});
  if (!in.PeekWord("USING") && in.Peek() != nullptr && in.Peek()->IsName()) {
    action->index = *in.Name();
  }
  if (in.Word("USING")) in.Advance(1);
  std::span<const Token> rest = in.Rest();
  if (rest.empty() || !rest[0].Is('(')) return;
  std::span<const Token> parts = rest.subspan(1, ClosingParen(rest, 0) - 1);
  for (std::span<const Token> part : SplitAtCommas(parts, rest[0].depth + 1)) {
    // A key part is a column with a prefix length or an order (c(10) DESC), or an expression in
    // parentheses with an order ((lower(c)) DESC).
    if (part[0].IsName()) {
      action->key_columns.push_back(NameOf(part[0]));
    } else {
      action->key_columns.push_back(
          JoinTokens(part.first(std::min(ClosingParen(part, 0) + 1, part.size()))));
    }
  }
}

// Reads a key or constraint ([CONSTRAINT [x]] PRIMARY KEY | UNIQUE | INDEX | KEY | FULLTEXT |
// SPATIAL | FOREIGN KEY | CHECK) as ALTER TABLE ... ADD and CREATE TABLE write it. False, with
// nothing consumed, when the words are not a key's.
bool ReadKey(TokenCursor& in, AlterAction* action) {
  bool constraint = in.Word("CONSTRAINT");
  std::optional<std::string> symbol;
  if (constraint) {
    in.Words({"IF", "NOT", "EXISTS"});
    if (!in.PeekAnyWord({"PRIMARY", "UNIQUE", "FOREIGN", "CHECK"})) symbol = in.Name();
  }
  if (in.Words({"PRIMARY", "KEY"})) {
    action->kind = AlterAction::Kind::kAddPrimaryKey;
    ReadIndex(in, action);
    action->index = "PRIMARY";  // whatever name is written, the server's is PRIMARY
  } else if (in.AnyWord({"UNIQUE", "FULLTEXT", "SPATIAL"})) {
    in.AnyWord({"INDEX", "KEY"});
    action->kind = AlterAction::Kind::kAddIndex;
    ReadIndex(in, action);
    // CONSTRAINT u UNIQUE (a): without a name of its own the index takes the constraint's.
    if (action->index.empty() && symbol) action->index = *symbol;
  } else if (in.AnyWord({"INDEX", "KEY"})) {
    action->kind = AlterAction::Kind::kAddIndex;
    ReadIndex(in, action);
  } else if (!constraint && !in.PeekAnyWord({"FOREIGN", "CHECK"})) {
    return false;
  }
  return true;
}

// Table options and clauses that change neither columns nor keys (AlterAction::Kind::kOptions).
bool IsOptionWord(const Token& token) {
  // Each word has a space on either side.
  static constexpr std::string_view kOptions =
      " ALGORITHM AUTO_INCREMENT AUTOEXTEND_SIZE AVG_ROW_LENGTH CHARACTER CHARSET CHECKSUM "
      " COLLATE COMMENT COMPRESSION CONNECTION DEFAULT DELAY_KEY_WRITE DISABLE ENABLE ENCRYPTED "
      " ENCRYPTION ENCRYPTION_KEY_ID ENGINE ENGINE_ATTRIBUTE FORCE INSERT_METHOD KEY_BLOCK_SIZE "
      " LOCK MAX_ROWS MIN_ROWS ORDER PACK_KEYS PAGE_CHECKSUM PAGE_COMPRESSED "
      " PAGE_COMPRESSION_LEVEL PASSWORD ROW_FORMAT STATS_AUTO_RECALC STATS_PERSISTENT "
      " STATS_SAMPLE_PAGES TABLE_CHECKSUM TABLESPACE TRANSACTIONAL ";
  if (token.kind != TokenKind::kWord) return false;
  std::string word = " ";
  for (char c : token.text) word += AsciiUpper(c);
  return kOptions.find(word + " ") != std::string_view::npos;
}

class Reader {
 public:
  Reader(std::string_view sql, std::string_view default_schema)
      : sql_(sql), default_schema_(default_schema) {}

  Result<DdlStatement> Read(std::span<const Token> tokens, const Status& lexed) const {
    TokenCursor in(tokens);
    DdlStatement statement;
    Form form = Recognize(in, &statement);
    if (form == nullptr) return DdlStatement{};
    // Only now: text that cannot be read fails table DDL, never another statement.
    if (!lexed.ok()) return lexed;
    CUTOVER_RETURN_IF_ERROR((this->*form)(in, &statement));
    return statement;
  }

 private:
  using Form = Status (Reader::*)(TokenCursor& in, DdlStatement* out) const;

  // Consumes the leading words of table DDL and says how to read the rest; null for others.
  static Form Recognize(TokenCursor& in, DdlStatement* out) {
    if (in.Word("ALTER")) {
      in.AnyWord({"ONLINE", "OFFLINE"});
      in.Word("IGNORE");
      return in.Word("TABLE") ? &Reader::ReadAlterTable : nullptr;
    }
    if (in.Word("CREATE")) {
      in.Words({"OR", "REPLACE"});
      out->temporary = in.Word("TEMPORARY");
      if (in.Word("TABLE")) return &Reader::ReadCreateTable;
      if (out->temporary) return nullptr;
      in.AnyWord({"ONLINE", "OFFLINE"});
      in.AnyWord({"UNIQUE", "FULLTEXT", "SPATIAL"});
      return in.Word("INDEX") ? &Reader::ReadCreateIndex : nullptr;
    }
    if (in.Word("DROP")) {
      out->temporary = in.Word("TEMPORARY");
      if (in.AnyWord({"TABLE", "TABLES"})) return &Reader::ReadDropTable;
      if (out->temporary) return nullptr;
      in.AnyWord({"ONLINE", "OFFLINE"});
      return in.Word("INDEX") ? &Reader::ReadDropIndex : nullptr;
    }
    if (in.Word("RENAME")) {
      return in.AnyWord({"TABLE", "TABLES"}) ? &Reader::ReadRenameTable : nullptr;
    }
    if (in.Word("TRUNCATE")) {
      in.Word("TABLE");
      return &Reader::ReadTruncate;
    }
    return nullptr;
  }

  Status Expected(const TokenCursor& in, std::string_view what) const {
    size_t offset = in.Peek() != nullptr ? in.Peek()->offset : sql_.size();
    return UnreadableSql(sql_, offset, fmt::format("expected {}", what));
  }

  // [schema.]name; the default schema for a bare name.
  Result<TableId> ReadTableName(TokenCursor& in) const {
    std::optional<std::string> first = in.Name();
    if (!first) return Expected(in, "a table name");
    if (!in.Punct('.')) return TableId{std::string(default_schema_), *first};
    std::optional<std::string> second = in.Name();
    if (!second) return Expected(in, "a table name after the schema");
    return TableId{*first, *second};
  }

  Status ReadAlterTable(TokenCursor& in, DdlStatement* out) const {
    out->kind = DdlKind::kAlterTable;
    in.Words({"IF", "EXISTS"});
    CUTOVER_ASSIGN_OR_RETURN(TableId table, ReadTableName(in));
    out->tables.push_back(std::move(table));
    SkipWait(in);
    for (std::span<const Token> clause : AlterClauses(in.Rest())) {
      CUTOVER_RETURN_IF_ERROR(ReadAlterClause(clause, out));
    }
    return Status::Ok();
  }

  // The clauses of an ALTER TABLE: separated by commas, except that partitioning follows the
  // last clause without one (ADD c INT PARTITION BY HASH (c)).
  static std::vector<std::span<const Token>> AlterClauses(std::span<const Token> tokens) {
    std::vector<std::span<const Token>> clauses;
    for (std::span<const Token> clause : SplitAtCommas(tokens, 0)) {
      for (size_t idx = 1; idx + 1 < clause.size(); ++idx) {
        if ((clause[idx].IsWord("PARTITION") && clause[idx + 1].IsWord("BY")) ||
            (clause[idx].IsWord("REMOVE") && clause[idx + 1].IsWord("PARTITIONING"))) {
          clauses.push_back(clause.first(idx));
          clause = clause.subspan(idx);
          idx = 0;
        }
      }
      clauses.push_back(clause);
    }
    return clauses;
  }

  Status ReadAlterClause(std::span<const Token> clause, DdlStatement* out) const {
    TokenCursor in(clause);
    AlterAction action;
    action.text = JoinTokens(clause);
    if (in.Word("ADD")) {
      if (!ReadKey(in, &action) && !in.PeekWord("PARTITION") && !in.PeekWords({"PERIOD", "FOR"}) &&
          !in.PeekWords({"SYSTEM", "VERSIONING"})) {
        in.Word("COLUMN");
        in.Words({"IF", "NOT", "EXISTS"});
        ReadAddColumns(in.Rest(), action, out);
        return Status::Ok();
      }
    } else if (in.Word("DROP")) {
      ReadDrop(in, &action);
    } else if (in.AnyWord({"MODIFY", "CHANGE"})) {
      bool change = clause[0].IsWord("CHANGE");
      in.Word("COLUMN");
      in.Words({"IF", "EXISTS"});
      std::optional<std::string> old_name = change ? in.Name() : std::nullopt;
      if ((!change || old_name) && ReadColumn(in.Rest(), &action)) {
        action.kind = AlterAction::Kind::kModifyColumn;
        action.column = change ? *old_name : action.definition.name;
        if (change) action.new_name = action.definition.name;
      }
    } else if (in.Word("ALTER")) {
      ReadAlterColumn(in, &action);
    } else if (in.Word("RENAME")) {
      CUTOVER_RETURN_IF_ERROR(ReadRename(in, &action, out));
    } else if (in.Words({"CONVERT", "TO"}) || IsOptionWord(clause[0])) {
      action.kind = AlterAction::Kind::kOptions;
    }
    out->actions.push_back(std::move(action));
    return Status::Ok();
  }

  // ADD [COLUMN] c def, and ADD [COLUMN] (c def, d def): one kAddColumn action per column.
  static void ReadAddColumns(std::span<const Token> tokens, const AlterAction& clause,
                             DdlStatement* out) {
    std::vector<std::span<const Token>> columns = {tokens};
    if (!tokens.empty() && tokens[0].Is('(')) {
      columns = SplitAtCommas(tokens.subspan(1, ClosingParen(tokens, 0) - 1), tokens[0].depth + 1);
    }
    for (std::span<const Token> column : columns) {
      AlterAction action;
      action.text = clause.text;
      if (ReadColumn(column, &action)) {
        action.kind = AlterAction::Kind::kAddColumn;
        action.column = action.definition.name;
      }
      out->actions.push_back(std::move(action));
    }
  }

  static void ReadDrop(TokenCursor& in, AlterAction* action) {
    if (in.Words({"PRIMARY", "KEY"})) {
      action->kind = AlterAction::Kind::kDropPrimaryKey;
    } else if (in.AnyWord({"INDEX", "KEY"})) {
      in.Words({"IF", "EXISTS"});
      SetDropIndex(in.Name(), action);
    } else if (!in.PeekAnyWord({"FOREIGN", "CONSTRAINT", "CHECK", "PARTITION"}) &&
               !in.Words({"SYSTEM", "VERSIONING"}) && !in.Words({"PERIOD", "FOR"})) {
      in.Word("COLUMN");
      in.Words({"IF", "EXISTS"});
      std::optional<std::string> column = in.Name();
      if (column) {
        action->kind = AlterAction::Kind::kDropColumn;
        action->column = *column;
      }
    }
  }

  // DROP INDEX `PRIMARY` is how a primary key is dropped by name.
  static void SetDropIndex(std::optional<std::string> name, AlterAction* action) {
    if (!name) return;
    action->kind = EqualsIgnoreCase(*name, "PRIMARY") ? AlterAction::Kind::kDropPrimaryKey
                                                      : AlterAction::Kind::kDropIndex;
    action->index = *name;
  }

  // ALTER [COLUMN] [IF EXISTS] c SET DEFAULT v | DROP DEFAULT; other ALTERs (INDEX, CHECK,
  // CONSTRAINT, SET VISIBLE) stay kOther.
  static void ReadAlterColumn(TokenCursor& in, AlterAction* action) {
    if (in.PeekAnyWord({"INDEX", "KEY", "CHECK", "CONSTRAINT"})) return;
    in.Word("COLUMN");
    in.Words({"IF", "EXISTS"});
    std::optional<std::string> column = in.Name();
    if (!column) return;
    if (in.Words({"SET", "DEFAULT"})) {
      action->kind = AlterAction::Kind::kSetDefault;
      std::span<const Token> rest = in.Rest();
      ReadDefault(rest, 0, &action->definition);
    } else if (in.Words({"DROP", "DEFAULT"})) {
      action->kind = AlterAction::Kind::kDropDefault;
    } else {
      return;
    }
    action->column = *column;
    action->definition.name = *column;
  }

  // RENAME COLUMN a TO b; RENAME INDEX / KEY (kOther); RENAME [TO | AS] t2.
  Status ReadRename(TokenCursor& in, AlterAction* action, DdlStatement* out) const {
    if (in.Word("COLUMN")) {
      std::optional<std::string> from = in.Name();
      std::optional<std::string> to = in.Word("TO") ? in.Name() : std::nullopt;
      if (from && to) {
        action->kind = AlterAction::Kind::kRenameColumn;
        action->column = *from;
        action->new_name = *to;
      }
      return Status::Ok();
    }
    if (in.PeekAnyWord({"INDEX", "KEY"})) return Status::Ok();
    in.AnyWord({"TO", "AS"});
    // A bare new name is in the session's default database, not the table's: USE b; ALTER
    // TABLE a.t RENAME t2 moves the table to b.t2, as RENAME TABLE would.
    CUTOVER_ASSIGN_OR_RETURN(TableId table, ReadTableName(in));
    action->kind = AlterAction::Kind::kRenameTable;
    out->renamed_to.push_back(std::move(table));
    return Status::Ok();
  }

  Status ReadCreateTable(TokenCursor& in, DdlStatement* out) const {
    out->kind = DdlKind::kCreateTable;
    in.Words({"IF", "NOT", "EXISTS"});
    CUTOVER_ASSIGN_OR_RETURN(TableId table, ReadTableName(in));
    out->tables.push_back(std::move(table));
    std::span<const Token> rest = in.Rest();
    bool parenthesized = !rest.empty() && rest[0].Is('(');
    TokenCursor after(rest.subspan(parenthesized ? 1 : 0));
    if (after.Word("LIKE")) {  // CREATE TABLE t (LIKE s) is CREATE TABLE t LIKE s
      CUTOVER_ASSIGN_OR_RETURN(TableId like, ReadTableName(after));
      out->like = std::move(like);
      return Status::Ok();
    }
    if (parenthesized && !after.PeekWord("SELECT")) {
      size_t close = ClosingParen(rest, 0);
      for (std::span<const Token> element :
           SplitAtCommas(rest.subspan(1, close - 1), rest[0].depth + 1)) {
        ReadCreateElement(element, out);
      }
      rest = rest.subspan(std::min(close + 1, rest.size()));
    }
    for (const Token& token : rest) {
      if (token.IsWord("SELECT")) out->from_select = true;
    }
    return Status::Ok();
  }

  static void ReadCreateElement(std::span<const Token> element, DdlStatement* out) {
    TokenCursor in(element);
    AlterAction action;
    action.text = JoinTokens(element);
    if (!ReadKey(in, &action) && !in.Words({"PERIOD", "FOR"}) && ReadColumn(element, &action)) {
      action.kind = AlterAction::Kind::kAddColumn;
      action.column = action.definition.name;
    }
    out->actions.push_back(std::move(action));
  }

  // CREATE [UNIQUE | FULLTEXT | SPATIAL] INDEX [IF NOT EXISTS] i [USING t] ON tbl (parts).
  Status ReadCreateIndex(TokenCursor& in, DdlStatement* out) const {
    out->kind = DdlKind::kAlterTable;
    AlterAction action;
    action.kind = AlterAction::Kind::kAddIndex;
    action.text = JoinTokens(in.Rest());
    in.Words({"IF", "NOT", "EXISTS"});
    std::optional<std::string> index = in.Name();
    if (!index) return Expected(in, "an index name");
    action.index = *index;
    if (in.Word("USING")) in.Advance(1);
    if (!in.Word("ON")) return Expected(in, "ON and the table");
    CUTOVER_ASSIGN_OR_RETURN(TableId table, ReadTableName(in));
    out->tables.push_back(std::move(table));
    ReadIndex(in, &action);
    out->actions.push_back(std::move(action));
    return Status::Ok();
  }

  // DROP INDEX [IF EXISTS] i ON tbl [ALGORITHM=...] [LOCK=...].
  Status ReadDropIndex(TokenCursor& in, DdlStatement* out) const {
    out->kind = DdlKind::kAlterTable;
    AlterAction action;
    action.text = JoinTokens(in.Rest());
    in.Words({"IF", "EXISTS"});
    std::optional<std::string> index = in.Name();
    if (!index) return Expected(in, "an index name");
    SetDropIndex(index, &action);
    if (!in.Word("ON")) return Expected(in, "ON and the table");
    CUTOVER_ASSIGN_OR_RETURN(TableId table, ReadTableName(in));
    out->tables.push_back(std::move(table));
    out->actions.push_back(std::move(action));
    return Status::Ok();
  }

  // DROP TABLE [IF EXISTS] a, b [WAIT n | NOWAIT] [RESTRICT | CASCADE].
  Status ReadDropTable(TokenCursor& in, DdlStatement* out) const {
    out->kind = DdlKind::kDropTable;
    in.Words({"IF", "EXISTS"});
    do {
      CUTOVER_ASSIGN_OR_RETURN(TableId table, ReadTableName(in));
      out->tables.push_back(std::move(table));
    } while (in.Punct(','));
    return Status::Ok();
  }

  // RENAME TABLE [IF EXISTS] a [WAIT n | NOWAIT] TO b, c TO d.
  Status ReadRenameTable(TokenCursor& in, DdlStatement* out) const {
    out->kind = DdlKind::kRenameTable;
    in.Words({"IF", "EXISTS"});
    do {
      CUTOVER_ASSIGN_OR_RETURN(TableId from, ReadTableName(in));
      SkipWait(in);
      if (!in.Word("TO")) return Expected(in, "TO and the new table name");
      CUTOVER_ASSIGN_OR_RETURN(TableId to, ReadTableName(in));
      out->tables.push_back(std::move(from));
      out->renamed_to.push_back(std::move(to));
    } while (in.Punct(','));
    return Status::Ok();
  }

  Status ReadTruncate(TokenCursor& in, DdlStatement* out) const {
    out->kind = DdlKind::kTruncate;
    CUTOVER_ASSIGN_OR_RETURN(TableId table, ReadTableName(in));
    out->tables.push_back(std::move(table));
    return Status::Ok();
  }

  std::string_view sql_;
  std::string_view default_schema_;
};

}  // namespace

std::string_view DdlKindName(DdlKind kind) {
  switch (kind) {
    case DdlKind::kOther: return "other";
    case DdlKind::kAlterTable: return "ALTER TABLE";
    case DdlKind::kCreateTable: return "CREATE TABLE";
    case DdlKind::kDropTable: return "DROP TABLE";
    case DdlKind::kRenameTable: return "RENAME TABLE";
    case DdlKind::kTruncate: return "TRUNCATE TABLE";
  }
  return "unknown";
}

std::string_view AlterActionKindName(AlterAction::Kind kind) {
  using Kind = AlterAction::Kind;
  switch (kind) {
    case Kind::kAddColumn: return "ADD COLUMN";
    case Kind::kDropColumn: return "DROP COLUMN";
    case Kind::kModifyColumn: return "MODIFY COLUMN";
    case Kind::kRenameColumn: return "RENAME COLUMN";
    case Kind::kSetDefault: return "SET DEFAULT";
    case Kind::kDropDefault: return "DROP DEFAULT";
    case Kind::kAddPrimaryKey: return "ADD PRIMARY KEY";
    case Kind::kDropPrimaryKey: return "DROP PRIMARY KEY";
    case Kind::kAddIndex: return "ADD INDEX";
    case Kind::kDropIndex: return "DROP INDEX";
    case Kind::kRenameTable: return "RENAME TABLE";
    case Kind::kOptions: return "options";
    case Kind::kOther: return "other";
  }
  return "unknown";
}

Result<DdlStatement> ParseDdl(std::string_view sql, std::string_view default_schema,
                              SqlQuoting quoting) {
  std::vector<Token> tokens;
  Status lexed = Tokenize(sql, quoting, &tokens);
  while (!tokens.empty() && tokens.back().Is(';') && tokens.back().depth == 0) tokens.pop_back();
  return Reader(sql, default_schema).Read(tokens, lexed);
}

}  // namespace cutover::ddl
