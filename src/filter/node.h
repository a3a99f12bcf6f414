// The filter's parsed form, shared by the parser (parse.cc) and the evaluator (evaluate.cc).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cutover/status.h"

namespace cutover::filter {

enum class NodeKind {
  kNull,        // NULL
  kNumber,      // text: "-12", "3.50"
  kString,      // text: the value
  kDate,        // text: "2024-01-31"
  kTimestamp,   // text: "2024-01-31 10:00:00[.ffffff]"
  kColumn,      // text: the column name
  kNot,         // children: operand
  kAnd,         // children: left, right
  kOr,          // children: left, right
  kCompare,     // text: = <> < <= > >=; children: left, right
  kArithmetic,  // text: + - * / %; children: left, right
  kIsNull,      // text: "IS NULL" or "IS NOT NULL"; children: operand
  kIn,          // children: operand, items...
  kBetween,     // children: operand, low, high
  kLike,        // children: operand, pattern (a kString)
  kCall,        // text: the function name, upper case; children: arguments
};

struct Node;
using NodePtr = std::shared_ptr<Node>;

struct Node {
  NodeKind kind = NodeKind::kNull;
  std::string text;
  std::vector<NodePtr> children;
  size_t depth = 1;  // nodes on the longest path down from this one, this one included
};

// The checks that need no table: known functions with their argument counts, valid DATE and
// TIMESTAMP literals, no division (evaluate.cc). InvalidArgument with the reason.
Status CheckShape(const Node& node);

}  // namespace cutover::filter
