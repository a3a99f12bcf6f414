// Schema comparison: the widening rules of docs/ddl.md.
#include "pipeline/schema_compare.h"

#include <algorithm>
#include <optional>

namespace cutover::pipeline {
namespace {

// The rank of an integer type (TINYINT 1 .. BIGINT 5), nullopt for others.
std::optional<int> IntegerRank(SqlType type) {
  switch (type) {
    case SqlType::kTinyInt: return 1;
    case SqlType::kSmallInt: return 2;
    case SqlType::kMediumInt: return 3;
    case SqlType::kInt: return 4;
    case SqlType::kBigInt: return 5;
    default: return std::nullopt;
  }
}

// TEXT and BLOB sizes (TINY 1 .. LONG 4), with whether the family is binary.
std::optional<int> LobRank(SqlType type, bool* binary) {
  switch (type) {
    case SqlType::kTinyText: *binary = false; return 1;
    case SqlType::kText: *binary = false; return 2;
    case SqlType::kMediumText: *binary = false; return 3;
    case SqlType::kLongText: *binary = false; return 4;
    case SqlType::kTinyBlob: *binary = true; return 1;
    case SqlType::kBlob: *binary = true; return 2;
    case SqlType::kMediumBlob: *binary = true; return 3;
    case SqlType::kLongBlob: *binary = true; return 4;
    default: return std::nullopt;
  }
}

// A text type's capacity in characters (VARCHAR/CHAR: the length; TEXT types: their limit in
// bytes, as characters are at most that many), nullopt for others.
std::optional<uint64_t> TextCapacity(const ColumnType& type) {
  switch (type.type) {
    case SqlType::kChar:
    case SqlType::kVarChar: return type.length;
    case SqlType::kTinyText: return 255;
    case SqlType::kText: return 65535;
    case SqlType::kMediumText: return 16777215;
    case SqlType::kLongText: return 4294967295ull;
    default: return std::nullopt;
  }
}

// Each field only where the type has it: information_schema and a TABLE_MAP fill the others
// differently (a display width, a charset for a number).
bool SameType(const ColumnType& a, const ColumnType& b) {
  if (a.type != b.type || a.is_unsigned != b.is_unsigned || a.is_jsonb != b.is_jsonb) {
    return false;
  }
  if (a.is_character() &&
      (a.charset != b.charset || a.elements != b.elements ||
       !(a.collation.empty() || b.collation.empty() || a.collation == b.collation))) {
    return false;
  }
  switch (a.type) {
    case SqlType::kChar:
    case SqlType::kVarChar:
    case SqlType::kBinary:
    case SqlType::kVarBinary:
    case SqlType::kBit: return a.length == b.length;
    case SqlType::kDecimal: return a.precision == b.precision && a.scale == b.scale;
    case SqlType::kTime:
    case SqlType::kDateTime:
    case SqlType::kTimestamp: return a.fsp == b.fsp;
    default: return true;
  }
}

bool TypeWidens(const ColumnType& from, const ColumnType& to) {
  if (SameType(from, to)) return true;
  if (auto old_rank = IntegerRank(from.type), new_rank = IntegerRank(to.type);
      old_rank && new_rank) {
    if (from.is_unsigned == to.is_unsigned) return *new_rank >= *old_rank;
    return from.is_unsigned && !to.is_unsigned && *new_rank > *old_rank;
  }
  if (from.type == SqlType::kDecimal && to.type == SqlType::kDecimal) {
    return from.is_unsigned == to.is_unsigned && to.scale >= from.scale &&
           to.precision - to.scale >= from.precision - from.scale;
  }
  if (from.type == SqlType::kFloat && to.type == SqlType::kDouble) {
    return from.is_unsigned == to.is_unsigned;
  }
  const bool same_text = from.charset == to.charset && from.collation == to.collation;
  if (from.type == SqlType::kVarBinary && to.type == SqlType::kVarBinary) {
    return to.length >= from.length;
  }
  bool from_binary = false;
  bool to_binary = false;
  std::optional<int> from_lob = LobRank(from.type, &from_binary);
  std::optional<int> to_lob = LobRank(to.type, &to_binary);
  if (from_lob && to_lob) {
    return from_binary == to_binary && *to_lob >= *from_lob && (from_binary || same_text);
  }
  if (from.type == SqlType::kVarBinary && to_lob && to_binary) return true;
  std::optional<uint64_t> from_chars = TextCapacity(from);
  std::optional<uint64_t> to_chars = TextCapacity(to);
  if (from_chars && to_chars && same_text) {
    // CHAR to CHAR keeps padding semantics; CHAR to VARCHAR/TEXT keeps the values (CHAR strips
    // trailing spaces when read); VARCHAR/TEXT to CHAR would strip them: no.
    if (to.type == SqlType::kChar && from.type != SqlType::kChar) return false;
    return *to_chars >= *from_chars;
  }
  if ((from.type == SqlType::kEnum && to.type == SqlType::kEnum) ||
      (from.type == SqlType::kSet && to.type == SqlType::kSet)) {
    return same_text && to.elements.size() >= from.elements.size() &&
           std::equal(from.elements.begin(), from.elements.end(), to.elements.begin());
  }
  const bool temporal = from.type == SqlType::kDateTime || from.type == SqlType::kTime ||
                        from.type == SqlType::kTimestamp;
  if (temporal && from.type == to.type) return to.fsp >= from.fsp;
  if (from.type == SqlType::kBit && to.type == SqlType::kBit) return to.length >= from.length;
  return false;
}

}  // namespace

bool Widens(const Column& from, const Column& to) { return TypeWidens(from.type, to.type); }

bool SameColumnType(const Column& a, const Column& b) {
  return a.nullable == b.nullable && SameType(a.type, b.type);
}

std::string ColumnText(const Column& column) {
  std::string type = column.type.source_name.empty()
                         ? std::string(SqlTypeName(column.type.type))
                         : column.type.source_name;
  return type + (column.nullable ? " NULL" : " NOT NULL");
}

}  // namespace cutover::pipeline
