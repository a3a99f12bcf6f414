// Filter: a table rule's row filter (`tables[].filter`), a small subset of SQL that cutover parses
// itself (docs/spec.md, "Row filters"), so that the same condition is pushed down to the source
// as SQL for the copy and evaluated by cutover on each change's images for CDC, with the server's
// result:
//   comparisons (= <> != < <= > >=), AND, OR, NOT, IN (...), BETWEEN ... AND ..., IS [NOT] NULL,
//   LIKE (% and _, backslash escapes), + - * on numbers, parentheses;
//   literals: integers, decimals, 'strings', DATE 'YYYY-MM-DD', TIMESTAMP 'YYYY-MM-DD hh:mm:ss[.f]',
//   TRUE, FALSE, NULL; columns by name (or `quoted`);
//   functions: COALESCE, LOWER, UPPER, ABS, YEAR, MONTH, DAY.
// Three-valued logic as in SQL: a row passes when the condition is TRUE (not NULL).
// What cutover cannot evaluate exactly is refused by Check with the reason (division, comparing
// numbers with strings, JSON/TIME/SET columns); text comparisons follow the column's collation
// for binary collations exactly, and for case-insensitive ones on ASCII text (a non-ASCII value
// under a case-insensitive collation is an error naming the row, never a guess).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cutover/change.h"
#include "cutover/schema.h"
#include "cutover/status.h"

namespace cutover::filter {

struct Node;  // the parsed expression (filter.cc)

class Filter {
 public:
  // Parses `text`. InvalidArgument naming the character position and what was expected, e.g.
  // "at 12: expected a value after '>='".
  static Result<Filter> Parse(std::string_view text);

  // The column names it reads, in first-use order.
  const std::vector<std::string>& columns() const { return columns_; }

  // Checks the filter against the table it filters: every column exists, and every operation is
  // one cutover evaluates exactly on those column types. InvalidArgument with the reason.
  Status Check(const TableSchema& schema) const;

  // The condition as MariaDB/MySQL SQL for the copy's WHERE: identifiers backtick-quoted, string
  // literals quoted, every operation parenthesized.
  std::string ToSql() const;

  // Whether `row` (a row of `schema`, every column present) passes: true only when the condition
  // is TRUE. FailedPrecondition naming the value when it cannot be decided exactly (non-ASCII
  // text under a case-insensitive collation, an overflow).
  Result<bool> Matches(const TableSchema& schema, const Row& row) const;

  ~Filter();
  Filter(Filter&&) noexcept;
  Filter& operator=(Filter&&) noexcept;
  Filter(const Filter&);
  Filter& operator=(const Filter&);

 private:
  Filter() = default;
  std::shared_ptr<const Node> root_;
  std::vector<std::string> columns_;
};

}  // namespace cutover::filter
