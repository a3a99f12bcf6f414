// Mapping loading: YAML mapping file -> validated rules, with errors naming file, path and fix.
#include <algorithm>
#include <fstream>
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
                     const std::set<std::string>& allowed) const {
    if (!node.IsMap()) return Error(path, "must be a mapping");
    for (const auto& entry : node) {
      std::string name = entry.first.as<std::string>();
      if (allowed.count(name)) continue;
      std::string list;
      for (const std::string& field : allowed) list += (list.empty() ? "" : ", ") + field;
      return Error(Join(path, name), "unknown field; allowed: " + list);
    }
    return Status::Ok();
  }
  static std::string Join(const std::string& path, const std::string& name) {
    return path.empty() ? name : path + "." + name;
  }
  Result<std::string> String(const YAML::Node& node, const std::string& path) const {
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
  if (node.IsScalar()) {
    CUTOVER_ASSIGN_OR_RETURN(key.name, reader.String(node, path));
    return key;
  }
  CUTOVER_RETURN_IF_ERROR(reader.CheckFields(node, path, {"name", "type"}));
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
    std::string build = node["build"].IsScalar() ? node["build"].Scalar() : "";
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
  for (const auto& entry : node) {
    std::string column = entry.first.as<std::string>();
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
  std::ifstream in(file);
  if (!in) return reader.Error(path, "cannot read Lua file '" + file.string() + "'");
  std::stringstream script;
  script << in.rdbuf();
  Result<std::shared_ptr<transform::LuaHook>> hook =
      transform::LuaHook::Create(script.str(), file.string());
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
    for (const auto& entry : node["rename"]) {
      CUTOVER_ASSIGN_OR_RETURN(
          std::string name,
          reader.String(entry.second, path + ".rename." + entry.first.as<std::string>()));
      rule->rename[entry.first.as<std::string>()] = name;
    }
  }
  if (node["types"])
    CUTOVER_RETURN_IF_ERROR(ParseTypes(reader, node["types"], path + ".types", rule));
  if (node["temporal"]) {
    std::string name = node["temporal"].IsScalar() ? node["temporal"].Scalar() : "";
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
    std::string nulls = node["nulls"].IsScalar() ? node["nulls"].Scalar() : "";
    if (nulls != "omit" && nulls != "null") {
      return reader.Error(path + ".nulls", "'" + nulls + "' is not allowed; allowed: omit, null");
    }
    rule->null_type = nulls == "null";
  }
  if (node["computed"]) {
    if (!node["computed"].IsMap()) {
      return reader.Error(path + ".computed", "must map attribute names to templates");
    }
    for (const auto& entry : node["computed"]) {
      std::string name = entry.first.as<std::string>();
      CUTOVER_ASSIGN_OR_RETURN(Template value,
                               ParseTemplate(reader, entry.second, path + ".computed." + name));
      rule->computed.emplace_back(name, std::move(value));
    }
  }
  if (node["shared"]) rule->shared = node["shared"].as<bool>(false);
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
  CUTOVER_RETURN_IF_ERROR(reader.CheckFields(root, "", {"version", "tables", "sources"}));
  if (root["version"] && root["version"].as<std::string>("") != "1") {
    return reader.Error("version", fmt::format("'{}' is not supported; allowed: 1",
                                               root["version"].as<std::string>("")));
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
    impl->tables.push_back(std::move(table));
  }
  if (!root["sources"] || !root["sources"].IsMap() || root["sources"].size() == 0) {
    return reader.Error("sources", "must map at least one source table 'schema.table'");
  }
  for (const auto& entry : root["sources"]) {
    std::string name = entry.first.as<std::string>();
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
    return Status::InvalidArgument(origin.string() + ":" + std::to_string(e.mark.line + 1) +
                                   ": invalid YAML: " + e.msg);
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
  std::ifstream in(file);
  if (!in) return Status::InvalidArgument("cannot read mapping file " + file.string());
  std::stringstream text;
  text << in.rdbuf();
  return Parse(text.str(), file);
}

}  // namespace cutover
