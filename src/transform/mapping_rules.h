// Mapping rules: the validated, internal form of a mapping file (what Mapping::Impl holds).
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cutover/mapping.h"

namespace cutover::transform {

class LuaHook;

// A key or computed-attribute template: literal text and {column} placeholders.
struct Template {
  struct Piece {
    bool is_column = false;
    std::string text;  // literal text, or the column name
  };
  std::string source;  // as written, for messages
  std::vector<Piece> pieces;
  // The single column when the template is exactly "{column}".
  std::optional<std::string> SingleColumn() const;
};

// How a column's values become attribute values (docs/mapping.md "Type rules").
enum class TypeRule {
  kDefault,       // by the value's kind (see AttributeFromValue)
  kString,        // S: the value's text
  kNumber,        // N
  kBool,          // BOOL: BIT(1), TINYINT(1), boolean
  kIso8601,       // S: ISO 8601 date/time (DATETIME as wall clock, TIMESTAMP with Z)
  kEpochSeconds,  // N: seconds since 1970-01-01 UTC (fraction kept)
  kEpochMillis,   // N: milliseconds since 1970-01-01 UTC
  kJson,          // M/L/...: the JSON document as DynamoDB values
  kJsonString,    // S: the JSON text
  kBinary,        // B
  kStringSet,     // SS: SET labels
};
std::optional<TypeRule> TypeRuleFromName(std::string_view name);
inline constexpr char kTypeRuleNames[] =
    "default, string, number, bool, iso8601, epoch_seconds, epoch_millis, json, json_string, "
    "binary, string_set";

struct SourceRule {
  std::string source;  // "shop.orders"
  std::string table;   // DynamoDB table
  Template pk;
  std::optional<Template> sk;
  std::vector<std::string> include;  // empty: every column
  std::vector<std::string> exclude;
  std::map<std::string, std::string> rename;  // column -> attribute
  std::map<std::string, TypeRule> types;      // column -> rule
  TypeRule temporal = TypeRule::kIso8601;     // default for DATE/DATETIME/TIMESTAMP
  bool null_type = false;  // NULL -> {"NULL": true} instead of omitting the attribute
  std::vector<std::pair<std::string, Template>> computed;  // attribute -> template
  bool shared = false;           // contributes its attributes to items other sources share
  std::shared_ptr<LuaHook> lua;  // optional hook that replaces the rules above
};

// The whole of `file`, or InvalidArgument "cannot read <what> <file>: <reason>; check the
// path<hint>" (a directory, a missing or unreadable file).
Result<std::string> ReadWholeFile(const std::filesystem::path& file, const std::string& what,
                                  const std::string& hint);

}  // namespace cutover::transform

namespace cutover {

struct Mapping::Impl {
  std::string origin;  // file name for messages
  std::vector<DynamoTable> tables;
  std::map<std::string, transform::SourceRule> sources;  // by "schema.table"
  // Per DynamoDB table: every attribute that shared sources write (for delete-if-empty).
  std::map<std::string, std::vector<std::string>> shared_attributes;
};

}  // namespace cutover
