// Mapping loading: YAML mapping file -> validated rules, with errors naming file, path and fix.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "core/utf8.h"
#include "transform/lua_hook.h"
#include "transform/mapping_rules.h"

namespace cutover {
namespace {

using transform::SourceRule;
using transform::Template;
using transform::TypeRule;

// Collects the first error with its path; parsing stops at the first problem.
class Reader {
 public:
  explicit Reader(std::string origin) : origin_(std::move(origin)) {}
  Status Error(const std::string& path, const std::string& message) const {
    return Status::InvalidArgument(origin_ + ": " + path + ": " + message);
  }
  const std::string& origin() const { return origin_; }

  Status CheckFields(const YAML::Node& node, const std::string& path,
                     const std::set<std::string>& allowed,
                     const std::string& not_a_mapping = "must be a mapping") const {
    if (!node.IsMap()) return Error(path.empty() ? "top level" : path, not_a_mapping);
    CUTOVER_RETURN_IF_ERROR(CheckKeys(node, path, "a field name"));
    for (const auto& entry : node) {
      std::string name = entry.first.Scalar();
      if (allowed.count(name)) continue;
      std::string list;
      for (const std::string& field : allowed) list += (list.empty() ? "" : ", ") + field;
      return Error(Join(path, name), "unknown field; allowed: " + list);
    }
    return Status::Ok();
  }
  // Every key of the mapping `node` is plain text (`what`: "a column name") and written once: a
  // second entry would otherwise be dropped silently.
  Status CheckKeys(const YAML::Node& node, const std::string& path, const std::string& what) const {
    std::map<std::string, int> first_line;
    for (const auto& entry : node) {
      if (!entry.first.IsScalar()) {
        return Error(path.empty() ? "top level" : path, what + " must be plain text");
      }
      const std::string& name = entry.first.Scalar();
      auto [found, added] = first_line.emplace(name, entry.first.Mark().line + 1);
      if (!added) {
        return Error(Join(path, name), "duplicate field (first on line " +
                                           std::to_string(found->second) + "); keep only one");
      }
    }
    return Status::Ok();
  }
  // The scalar text of an enum-like `node`, or an error listing `allowed`.
  Result<std::string> Choice(const YAML::Node& node, const std::string& path,
                             const std::string& allowed) const {
    if (!node.IsScalar()) return Error(path, "must be a single value; allowed: " + allowed);
    return node.Scalar();
  }
  Result<bool> Bool(const YAML::Node& node, const std::string& path) const {
    bool value = false;
    if (!node.IsScalar() || !YAML::convert<bool>::decode(node, value)) {
      const std::string got = node.IsScalar()     ? "'" + node.Scalar() + "'"
                              : node.IsSequence() ? "a list"
                              : node.IsMap()      ? "a mapping"
                                                  : "nothing";
      return Error(path, "expected true or false, got " + got);
    }
    return value;
  }
  static std::string Join(const std::string& path, const std::string& name) {
    return path.empty() ? name : path + "." + name;
  }
  Result<std::string> String(const YAML::Node& node, const std::string& path) const {
    // An absent key of a const node is an invalid node: every query but IsDefined throws.
    if (!node.IsDefined()) return Error(path, "is required");
    if (!node.IsScalar() || node.Scalar().empty()) return Error(path, "must be a non-empty string");
    return node.Scalar();
  }
  Result<std::vector<std::string>> Strings(const YAML::Node& node, const std::string& path) const {
    if (!node.IsSequence()) return Error(path, "must be a list of column names");
    std::vector<std::string> out;
    for (size_t item_idx = 0; item_idx < node.size(); ++item_idx) {
      CUTOVER_ASSIGN_OR_RETURN(std::string item,
                               String(node[item_idx], path + "[" + std::to_string(item_idx) + "]"));
      out.push_back(item);
    }
    return out;
  }

 private:
  std::string origin_;
};

Result<Template> ParseTemplate(const Reader& reader, const YAML::Node& node,
                               const std::string& path) {
  CUTOVER_ASSIGN_OR_RETURN(std::string text, reader.String(node, path));
  Template parsed;
  parsed.source = text;
  std::string literal;
  for (size_t pos = 0; pos < text.size(); ++pos) {
    char c = text[pos];
    if ((c == '{' || c == '}') && pos + 1 < text.size() && text[pos + 1] == c) {
      literal += c;
      ++pos;
      continue;
    }
    if (c == '}')
      return reader.Error(path, "unmatched '}' in '" + text + "'; write '}}' for a brace");
    if (c != '{') {
      literal += c;
      continue;
    }
    size_t close = text.find('}', pos);
    if (close == std::string::npos || close == pos + 1) {
      return reader.Error(path, "'" + text +
                                    "' has an unclosed or empty '{'; write "
                                    "'{column}' or '{{' for a brace");
    }
    if (!literal.empty()) parsed.pieces.push_back({false, literal});
    literal.clear();
    parsed.pieces.push_back({true, text.substr(pos + 1, close - pos - 1)});
    pos = close;
  }
  if (!literal.empty()) parsed.pieces.push_back({false, literal});
  return parsed;
}

Result<KeyAttribute> ParseKeyAttribute(const Reader& reader, const YAML::Node& node,
                                       const std::string& path) {
  KeyAttribute key;
  if (!node.IsDefined()) return reader.Error(path, "is required");
  if (node.IsScalar()) {
    CUTOVER_ASSIGN_OR_RETURN(key.name, reader.String(node, path));
    return key;
  }
  CUTOVER_RETURN_IF_ERROR(reader.CheckFields(
      node, path, {"name", "type"}, "must be an attribute name or {name: ..., type: S|N|B}"));
  CUTOVER_ASSIGN_OR_RETURN(key.name, reader.String(node["name"], path + ".name"));
  if (node["type"]) {
    CUTOVER_ASSIGN_OR_RETURN(key.type, reader.String(node["type"], path + ".type"));
    if (key.type != "S" && key.type != "N" && key.type != "B") {
      return reader.Error(path + ".type", "'" + key.type + "' is not a key type; allowed: S, N, B");
    }
  }
  return key;
}

Result<DynamoIndex> ParseIndex(const Reader& reader, const YAML::Node& node,
                               const std::string& path) {
  CUTOVER_RETURN_IF_ERROR(
      reader.CheckFields(node, path, {"name", "partition_key", "sort_key", "build"}));
  DynamoIndex index;
  if (node["build"]) {
    CUTOVER_ASSIGN_OR_RETURN(
        std::string build, reader.Choice(node["build"], path + ".build", "after_load, with_table"));
    if (build != "after_load" && build != "with_table") {
      return reader.Error(path + ".build",
                          "'" + build + "' is not allowed; allowed: after_load, with_table");
    }
    index.with_table = build == "with_table";
  }
  CUTOVER_ASSIGN_OR_RETURN(index.name, reader.String(node["name"], path + ".name"));
  CUTOVER_ASSIGN_OR_RETURN(index.partition_key, ParseKeyAttribute(reader, node["partition_key"],
                                                                  path + ".partition_key"));
  if (node["sort_key"]) {
    CUTOVER_ASSIGN_OR_RETURN(index.sort_key,
                             ParseKeyAttribute(reader, node["sort_key"], path + ".sort_key"));
  }
  return index;
}

Result<DynamoTable> ParseTable(const Reader& reader, const YAML::Node& node,
                               const std::string& path) {
  CUTOVER_RETURN_IF_ERROR(
      reader.CheckFields(node, path, {"name", "partition_key", "sort_key", "indexes"}));
  DynamoTable table;
  CUTOVER_ASSIGN_OR_RETURN(table.name, reader.String(node["name"], path + ".name"));
  if (!node["partition_key"]) return reader.Error(path + ".partition_key", "is required");
  CUTOVER_ASSIGN_OR_RETURN(table.partition_key, ParseKeyAttribute(reader, node["partition_key"],
                                                                  path + ".partition_key"));
  if (node["sort_key"]) {
    CUTOVER_ASSIGN_OR_RETURN(table.sort_key,
                             ParseKeyAttribute(reader, node["sort_key"], path + ".sort_key"));
  }
  if (node["indexes"]) {
    if (!node["indexes"].IsSequence()) return reader.Error(path + ".indexes", "must be a list");
    for (size_t index_idx = 0; index_idx < node["indexes"].size(); ++index_idx) {
      CUTOVER_ASSIGN_OR_RETURN(DynamoIndex index,
                               ParseIndex(reader, node["indexes"][index_idx],
                                          path + ".indexes[" + std::to_string(index_idx) + "]"));
      table.indexes.push_back(std::move(index));
    }
  }
  return table;
}

Status ParseTypes(const Reader& reader, const YAML::Node& node, const std::string& path,
                  SourceRule* rule) {
  if (!node.IsMap()) return reader.Error(path, "must map column names to type rules");
  CUTOVER_RETURN_IF_ERROR(reader.CheckKeys(node, path, "a column name"));
  for (const auto& entry : node) {
    std::string column = entry.first.Scalar();
    std::string name = entry.second.IsScalar() ? entry.second.Scalar() : "";
    std::optional<TypeRule> type = transform::TypeRuleFromName(name);
    if (!type) {
      return reader.Error(reader.Join(path, column), "unknown type rule '" + name + "'; allowed: " +
                                                         transform::kTypeRuleNames);
    }
    rule->types[column] = *type;
  }
  return Status::Ok();
}

Status ParseLua(const Reader& reader, const YAML::Node& node, const std::string& path,
                SourceRule* rule) {
  std::filesystem::path file = std::filesystem::path(reader.origin()).parent_path();
  CUTOVER_ASSIGN_OR_RETURN(std::string name, reader.String(node, path));
  file /= name;
  Result<std::string> script =
      transform::ReadWholeFile(file, "Lua file", " (relative to the mapping file's directory)");
  if (!script.ok()) return reader.Error(path, std::string(script.status().message()));
  Result<std::shared_ptr<transform::LuaHook>> hook =
      transform::LuaHook::Create(*script, file.string());
  if (!hook.ok()) return reader.Error(path, std::string(hook.status().message()));
  rule->lua = std::move(hook).value();
  return Status::Ok();
}

Status ParseSourceOptions(const Reader& reader, const YAML::Node& node, const std::string& path,
                          SourceRule* rule) {
  if (node["include"]) {
    CUTOVER_ASSIGN_OR_RETURN(rule->include, reader.Strings(node["include"], path + ".include"));
  }
  if (node["exclude"]) {
    CUTOVER_ASSIGN_OR_RETURN(rule->exclude, reader.Strings(node["exclude"], path + ".exclude"));
  }
  if (node["rename"]) {
    if (!node["rename"].IsMap()) return reader.Error(path + ".rename", "must map columns to names");
    CUTOVER_RETURN_IF_ERROR(reader.CheckKeys(node["rename"], path + ".rename", "a column name"));
    for (const auto& entry : node["rename"]) {
      CUTOVER_ASSIGN_OR_RETURN(
          std::string name, reader.String(entry.second, path + ".rename." + entry.first.Scalar()));
      rule->rename[entry.first.Scalar()] = name;
    }
  }
  if (node["types"])
    CUTOVER_RETURN_IF_ERROR(ParseTypes(reader, node["types"], path + ".types", rule));
  if (node["temporal"]) {
    CUTOVER_ASSIGN_OR_RETURN(std::string name,
                             reader.Choice(node["temporal"], path + ".temporal",
                                           "iso8601, epoch_seconds, epoch_millis"));
    std::optional<TypeRule> type = transform::TypeRuleFromName(name);
    if (type != TypeRule::kIso8601 && type != TypeRule::kEpochSeconds &&
        type != TypeRule::kEpochMillis) {
      return reader.Error(path + ".temporal", "'" + name +
                                                  "' is not allowed; allowed: iso8601, "
                                                  "epoch_seconds, epoch_millis");
    }
    rule->temporal = *type;
  }
  if (node["nulls"]) {
    CUTOVER_ASSIGN_OR_RETURN(std::string nulls,
                             reader.Choice(node["nulls"], path + ".nulls", "omit, null"));
    if (nulls != "omit" && nulls != "null") {
      return reader.Error(path + ".nulls", "'" + nulls + "' is not allowed; allowed: omit, null");
    }
    rule->null_type = nulls == "null";
  }
  if (node["computed"]) {
    if (!node["computed"].IsMap()) {
      return reader.Error(path + ".computed", "must map attribute names to templates");
    }
    CUTOVER_RETURN_IF_ERROR(
        reader.CheckKeys(node["computed"], path + ".computed", "an attribute name"));
    for (const auto& entry : node["computed"]) {
      std::string name = entry.first.Scalar();
      CUTOVER_ASSIGN_OR_RETURN(Template value,
                               ParseTemplate(reader, entry.second, path + ".computed." + name));
      rule->computed.emplace_back(name, std::move(value));
    }
  }
  if (node["shared"]) {
    CUTOVER_ASSIGN_OR_RETURN(rule->shared, reader.Bool(node["shared"], path + ".shared"));
  }
  if (rule->shared && rule->include.empty()) {
    return reader.Error(path + ".include",
                        "is required with shared: true, so a delete knows which attributes are "
                        "this table's");
  }
  if (node["lua"]) CUTOVER_RETURN_IF_ERROR(ParseLua(reader, node["lua"], path + ".lua", rule));
  if (rule->lua && rule->shared) {
    return reader.Error(path + ".lua", "a Lua hook cannot write shared items; remove shared");
  }
  return Status::Ok();
}

Result<SourceRule> ParseSource(const Reader& reader, const std::string& name,
                               const YAML::Node& node, const Mapping::Impl& impl) {
  std::string path = "sources." + name;
  CUTOVER_RETURN_IF_ERROR(
      reader.CheckFields(node, path,
                         {"table", "pk", "sk", "include", "exclude", "rename", "types", "temporal",
                          "nulls", "computed", "shared", "lua"}));
  if (name.find('.') == std::string::npos) {
    return reader.Error(path, "source tables are named 'schema.table'");
  }
  SourceRule rule;
  rule.source = name;
  CUTOVER_ASSIGN_OR_RETURN(rule.table, reader.String(node["table"], path + ".table"));
  auto table = std::find_if(impl.tables.begin(), impl.tables.end(),
                            [&](const DynamoTable& t) { return t.name == rule.table; });
  if (table == impl.tables.end()) {
    return reader.Error(path + ".table", "'" + rule.table + "' is not declared under tables:");
  }
  if (!node["pk"]) return reader.Error(path + ".pk", "is required");
  CUTOVER_ASSIGN_OR_RETURN(rule.pk, ParseTemplate(reader, node["pk"], path + ".pk"));
  if (table->sort_key.has_value() != static_cast<bool>(node["sk"])) {
    return reader.Error(path + ".sk", table->sort_key
                                          ? "is required: table '" + rule.table +
                                                "' has sort key '" + table->sort_key->name + "'"
                                          : "table '" + rule.table + "' has no sort key");
  }
  if (node["sk"]) {
    CUTOVER_ASSIGN_OR_RETURN(rule.sk, ParseTemplate(reader, node["sk"], path + ".sk"));
  }
  CUTOVER_RETURN_IF_ERROR(ParseSourceOptions(reader, node, path, &rule));
  return rule;
}

void CollectSharedAttributes(Mapping::Impl* impl) {
  for (const auto& [name, rule] : impl->sources) {
    if (!rule.shared) continue;
    std::vector<std::string>& names = impl->shared_attributes[rule.table];
    for (const std::string& column : rule.include) {
      auto renamed = rule.rename.find(column);
      names.push_back(renamed == rule.rename.end() ? column : renamed->second);
    }
    for (const auto& [attribute, value] : rule.computed) names.push_back(attribute);
  }
}

Result<std::shared_ptr<Mapping::Impl>> ParseDocument(const Reader& reader, const YAML::Node& root) {
  CUTOVER_RETURN_IF_ERROR(reader.CheckFields(root, "", {"version", "tables", "sources"},
                                             "must be a mapping with tables and sources"));
  if (root["version"]) {
    CUTOVER_ASSIGN_OR_RETURN(std::string version, reader.Choice(root["version"], "version", "1"));
    if (version != "1") {
      return reader.Error("version", fmt::format("'{}' is not supported; allowed: 1", version));
    }
  }
  auto impl = std::make_shared<Mapping::Impl>();
  impl->origin = reader.origin();
  if (!root["tables"] || !root["tables"].IsSequence() || root["tables"].size() == 0) {
    return reader.Error("tables", "must list at least one DynamoDB table");
  }
  for (size_t table_idx = 0; table_idx < root["tables"].size(); ++table_idx) {
    CUTOVER_ASSIGN_OR_RETURN(
        DynamoTable table,
        ParseTable(reader, root["tables"][table_idx], "tables[" + std::to_string(table_idx) + "]"));
    for (const DynamoTable& earlier : impl->tables) {
      if (earlier.name != table.name) continue;
      return reader.Error("tables[" + std::to_string(table_idx) + "].name",
                          "'" + table.name + "' is declared twice; give each table one entry");
    }
    impl->tables.push_back(std::move(table));
  }
  if (!root["sources"] || !root["sources"].IsMap() || root["sources"].size() == 0) {
    return reader.Error("sources", "must map at least one source table 'schema.table'");
  }
  CUTOVER_RETURN_IF_ERROR(reader.CheckKeys(root["sources"], "sources", "a field name"));
  for (const auto& entry : root["sources"]) {
    std::string name = entry.first.Scalar();
    CUTOVER_ASSIGN_OR_RETURN(SourceRule rule, ParseSource(reader, name, entry.second, *impl));
    impl->sources.emplace(name, std::move(rule));
  }
  CollectSharedAttributes(impl.get());
  return impl;
}

// Text that is not UTF-8 would reach the items (a key template, an attribute name), which
// DynamoDB's JSON cannot carry: refused here, naming where.
Status CheckUtf8(std::string_view yaml, const std::filesystem::path& origin) {
  const std::optional<size_t> at = FirstInvalidUtf8(yaml);
  if (!at) return Status::Ok();
  const std::string_view before = yaml.substr(0, *at);
  const size_t line = 1 + static_cast<size_t>(std::count(before.begin(), before.end(), '\n'));
  const size_t line_start =
      before.rfind('\n') == std::string_view::npos ? 0 : before.rfind('\n') + 1;
  return Status::InvalidArgument(fmt::format(
      "{}:{}: invalid YAML: byte 0x{:02x} at column {} is not UTF-8; save the mapping file as "
      "UTF-8",
      origin.string(), line, static_cast<unsigned char>(yaml[*at]), *at - line_start + 1));
}

}  // namespace

Result<Mapping> Mapping::Parse(std::string_view yaml, const std::filesystem::path& origin) {
  CUTOVER_RETURN_IF_ERROR(CheckUtf8(yaml, origin));
  Reader reader(origin.string());
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(origin.string() + ": line " + std::to_string(e.mark.line + 1) +
                                   ": invalid YAML: " + e.msg +
                                   "; fix the YAML at that point (indentation, quotes, brackets)");
  }
  try {
    CUTOVER_ASSIGN_OR_RETURN(std::shared_ptr<Impl> impl, ParseDocument(reader, root));
    return Mapping(std::move(impl));
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(origin.string() + ":" + std::to_string(e.mark.line + 1) + ": " +
                                   e.msg);
  }
}

Result<Mapping> Mapping::Load(const std::filesystem::path& file) {
  CUTOVER_ASSIGN_OR_RETURN(
      std::string text, transform::ReadWholeFile(
                            file, "mapping file",
                            " (a spec's mapping: path is relative to the spec file's directory)"));
  return Parse(text, file);
}

namespace transform {

Result<std::string> ReadWholeFile(const std::filesystem::path& file, const std::string& what,
                                  const std::string& hint) {
  const std::string fix = "; check the path" + hint;
  std::error_code error;
  if (std::filesystem::is_directory(file, error)) {
    return Status::InvalidArgument("cannot read " + what + " " + file.string() +
                                   ": it is a directory" + fix);
  }
  errno = 0;
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return Status::InvalidArgument("cannot read " + what + " " + file.string() + ": " +
                                   std::strerror(errno) + fix);
  }
  // Bounded: /dev/zero given by mistake would otherwise be read forever.
  constexpr size_t kMaxFile = 16 << 20;
  std::string text;
  char buffer[65536];
  while (in.read(buffer, sizeof(buffer)) || in.gcount() > 0) {
    text.append(buffer, static_cast<size_t>(in.gcount()));
    if (text.size() > kMaxFile) {
      return Status::InvalidArgument("cannot read " + what + " " + file.string() +
                                     ": larger than 16MiB" + fix);
    }
  }
  return text;
}

}  // namespace transform

}  // namespace cutover
