// DdlStatement: the table DDL of a binlog QUERY event (ALTER, CREATE, DROP, RENAME and TRUNCATE
// TABLE, CREATE and DROP INDEX), classified and read into what change capture needs to follow a
// table's schema: which tables, and which columns and keys each statement adds, changes or drops.
//
// Pure: text in, a DdlStatement out. The text is what the server wrote into the QUERY event,
// which is the statement as the client sent it (comments, executable comments and case kept) or,
// for statements the server rewrites (DROP TABLE of several tables, CREATE TABLE ... SELECT under
// row-based logging), the server's own form.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cutover/schema.h"
#include "cutover/status.h"

#include "ddl/sql_tokens.h"

namespace cutover::ddl {

enum class DdlKind {
  kOther,        // not table DDL: DML, GRANT, CREATE USER/VIEW/PROCEDURE/TRIGGER/DATABASE, SET, ...
  kAlterTable,   // ALTER TABLE; also CREATE INDEX and DROP INDEX (one kAddIndex/kDropIndex action)
  kCreateTable,  // CREATE [OR REPLACE] [TEMPORARY] TABLE, including ... LIKE and ... SELECT
  kDropTable,    // DROP [TEMPORARY] TABLE[S]
  kRenameTable,  // RENAME TABLE[S]
  kTruncate,     // TRUNCATE [TABLE]: every row goes, and no row event says so
};
std::string_view DdlKindName(DdlKind kind);  // "ALTER TABLE", "CREATE TABLE", ..., "other"

// A column as an ADD, MODIFY or CHANGE (or a CREATE TABLE's column list) defines it.
struct ColumnDefinition {
  std::string name;  // the column's name after the statement (CHANGE: the new name)
  // The text after the name, without a trailing FIRST / AFTER x: "INT NOT NULL DEFAULT 5". Tokens
  // as written; comments dropped and each run of whitespace between tokens written as one space.
  std::string definition;
  // The DEFAULT expression as written ("5", "-1.5", "'a''b'", "_utf8mb4'x'", "NULL",
  // "current_timestamp()", "(1+2)"); nullopt when the definition has no DEFAULT.
  std::optional<std::string> default_sql;
  // True when default_sql is a literal: a number, a string (with or without a charset
  // introducer), b'..', x'..', 0x.., NULL, TRUE, FALSE, DATE/TIME/TIMESTAMP '..'. False for
  // functions (CURRENT_TIMESTAMP, NOW(), UUID()) and expressions (in parentheses or not), whose
  // value the server computes per row. True when there is no DEFAULT.
  bool default_is_constant = true;
  // GENERATED ALWAYS AS (expr) or AS (expr), VIRTUAL, STORED or PERSISTENT.
  bool generated = false;
  // PRIMARY KEY (or KEY, which means the same in a column definition) among the attributes.
  bool primary_key = false;
};

struct AlterAction {
  enum class Kind {
    kAddColumn,
    kDropColumn,
    kModifyColumn,  // MODIFY and CHANGE
    kRenameColumn,
    kSetDefault,     // ALTER [COLUMN] c SET DEFAULT v: definition.default_sql and its constancy
    kDropDefault,    // ALTER [COLUMN] c DROP DEFAULT
    kAddPrimaryKey,  // ADD [CONSTRAINT [x]] PRIMARY KEY (...)
    kDropPrimaryKey,
    kAddIndex,     // ADD [CONSTRAINT [x]] UNIQUE / INDEX / KEY / FULLTEXT / SPATIAL; CREATE INDEX
    kDropIndex,    // DROP INDEX / KEY; DROP INDEX i ON t
    kRenameTable,  // RENAME [TO | AS] t2: DdlStatement::renamed_to holds t2
    // Table options and clauses that neither add, drop nor rename a column nor change a key:
    // ENGINE=, ALGORITHM=, LOCK=, COMMENT=, AUTO_INCREMENT=, ROW_FORMAT=, [DEFAULT] CHARSET=,
    // FORCE, ORDER BY, DISABLE/ENABLE KEYS, and CONVERT TO CHARACTER SET, which does change the
    // charset of every character column (and may widen TEXT types) without naming them.
    kOptions,
    // Anything else: foreign keys, CHECK constraints, partitioning (DROP and TRUNCATE PARTITION
    // remove rows without writing row events), RENAME INDEX, ALTER INDEX, system versioning,
    // DISCARD/IMPORT TABLESPACE, and clauses this reader does not know.
    kOther,
  };
  Kind kind = Kind::kOther;
  std::string column;           // the column acted on (CHANGE and RENAME COLUMN: the old name)
  std::string new_name;         // CHANGE and RENAME COLUMN: the new name (may equal `column`)
  ColumnDefinition definition;  // ADD, MODIFY, CHANGE (definition.name is the resulting name);
                                // SET DEFAULT (default_sql and default_is_constant only)
  // Where ADD, MODIFY or CHANGE puts the column: FIRST, AFTER `after`, or (neither) where it
  // was (MODIFY, CHANGE) or last (ADD). Row events list columns in table order, so this matters.
  bool first = false;
  std::string after;
  // ADD/DROP INDEX, CREATE/DROP INDEX: the index's name ("PRIMARY" for the primary key); empty
  // when ADD INDEX names none (the server then names it after its first column).
  std::string index;
  std::vector<std::string> key_columns;  // ADD PRIMARY KEY / INDEX: the key parts' column names
                                         // (a functional key part: its expression, as written)
  // The clause as written (spacing as in `definition`), for messages; ADD COLUMN (a INT, b INT)
  // gives each of its actions the whole clause.
  std::string text;
};
std::string_view AlterActionKindName(AlterAction::Kind kind);  // "ADD COLUMN", "DROP COLUMN", ...

struct DdlStatement {
  DdlKind kind = DdlKind::kOther;
  // The tables the statement acts on, schema-qualified (the default schema applied to bare
  // names). ALTER, CREATE, TRUNCATE, CREATE/DROP INDEX: one; DROP TABLE: all listed; RENAME
  // TABLE: the old names.
  std::vector<TableId> tables;
  // RENAME TABLE a TO b, c TO d: the new names, parallel to `tables`; ALTER TABLE a RENAME [TO |
  // AS] b: {b}. A bare new name takes the default schema even in ALTER TABLE s.a RENAME b: the
  // server moves the table to the session's database.
  std::vector<TableId> renamed_to;
  // ALTER TABLE (and CREATE/DROP INDEX): the actions in order, one per comma-separated clause
  // (ADD COLUMN (a INT, b INT) gives one per column). CREATE TABLE: one kAddColumn per column
  // and one kAddPrimaryKey / kAddIndex / kOther per key or constraint of its column list.
  std::vector<AlterAction> actions;
  bool temporary = false;       // CREATE / DROP TEMPORARY TABLE
  std::optional<TableId> like;  // CREATE TABLE t LIKE s: s
  bool from_select = false;     // CREATE TABLE t [(...)] [AS] SELECT: columns come from a query,
                                // so `actions` do not list them all
};

// Classifies and reads one statement of a QUERY event. `default_schema` is the event's default
// database, applied to unqualified table names ("" leaves them without a schema).
// Never fails on a statement it does not recognise as table DDL: those are kOther, whatever
// their text. A recognised statement whose clauses it does not know still parses (the clause is
// a kOther action). Fails, InvalidArgument quoting the offending part, only for table DDL it
// cannot read: an unterminated string, name or comment, unbalanced parentheses, a missing table
// name.
Result<DdlStatement> ParseDdl(std::string_view sql, std::string_view default_schema,
                              SqlQuoting quoting = {});

}  // namespace cutover::ddl
