// Spec loading: YAML text -> validated cutover::Spec, every problem reported, then defaults.
#include "cutover/spec.h"

#include <cstdlib>

#include <yaml-cpp/yaml.h>

#include "spec/diagnostics.h"
#include "spec/fields.h"
#include "spec/rules.h"
#include "spec/sections.h"
#include "spec/yaml_guard.h"

namespace cutover {
namespace {

using spec_internal::Diagnostics;
using spec_internal::Fields;
using spec_internal::ParseContext;
using spec_internal::Place;

constexpr std::string_view kTopLevelHelp =
    "a spec is a mapping with at least name, source, target and tables";

std::optional<std::string> ProcessEnv(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

std::string OriginName(const std::filesystem::path& origin) {
  return origin.empty() ? std::string("<spec>") : origin.string();
}

std::filesystem::path AbsoluteFile(const std::filesystem::path& origin) {
  std::error_code error;
  std::filesystem::path absolute = std::filesystem::absolute(origin, error);
  return error ? origin : absolute.lexically_normal();
}

std::filesystem::path BaseDir(const std::filesystem::path& origin) {
  if (origin.empty()) {
    std::error_code error;
    std::filesystem::path current = std::filesystem::current_path(error);
    return error ? std::filesystem::path(".") : current;
  }
  return AbsoluteFile(origin).parent_path();
}

// The 0-based line `line` of `text`.
std::string_view LineOf(std::string_view text, int line) {
  for (int skipped = 0; skipped < line; ++skipped) {
    size_t newline = text.find('\n');
    if (newline == std::string_view::npos) return {};
    text.remove_prefix(newline + 1);
  }
  return text.substr(0, text.find('\n'));
}

void ReportSyntaxError(const YAML::Exception& error, std::string_view yaml, Diagnostics& diag) {
  const int line = error.mark.is_null() ? 0 : error.mark.line;
  const int column = error.mark.is_null() ? 0 : error.mark.column;
  std::string_view text = LineOf(yaml, line);
  std::string_view indent = text.substr(0, text.find_first_not_of(" \t"));
  std::string fix = indent.find('\t') != std::string_view::npos
                        ? "indent with spaces: YAML does not allow tabs"
                        : "fix the YAML at that point (indentation, quotes, brackets)";
  diag.Add({line, column},
           "line " + std::to_string(line + 1) + ", column " + std::to_string(column + 1),
           "YAML syntax error: " + error.msg + "; " + fix);
}

// The single document of `yaml`, or nullopt after reporting why there is none.
std::optional<YAML::Node> LoadDocument(std::string_view yaml, Diagnostics& diag) {
  if (std::optional<spec_internal::StuckPoint> stuck = spec_internal::FindEndlessDocuments(yaml)) {
    diag.Add(
        {stuck->line, stuck->column},
        "line " + std::to_string(stuck->line + 1) + ", column " + std::to_string(stuck->column + 1),
        std::string("YAML syntax error: a value cannot start with '") + stuck->token +
            "' outside [ ] or { }; quote the text that starts with it or remove it");
    return std::nullopt;
  }
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(std::string(yaml));
  } catch (const YAML::Exception& error) {
    ReportSyntaxError(error, yaml, diag);
    return std::nullopt;
  }
  if (documents.size() > 1) {
    diag.Add({}, "top level",
             "the file holds " + std::to_string(documents.size()) +
                 " YAML documents; a spec is a single document, remove the '---' separators");
    return std::nullopt;
  }
  if (documents.empty() || documents[0].IsNull()) {
    diag.Add({}, "top level", "the spec is empty; " + std::string(kTopLevelHelp));
    return std::nullopt;
  }
  if (!documents[0].IsMap()) {
    diag.Add(spec_internal::PlaceOf(documents[0]), "top level",
             "expected a mapping, got " + spec_internal::Describe(documents[0]) + "; " +
                 std::string(kTopLevelHelp));
    return std::nullopt;
  }
  return documents[0];
}

void ParseName(Fields& root, std::string* name) {
  std::string text;
  if (root.ReadString("name", &text)) {
    if (std::optional<std::string> problem = spec_internal::NameProblem(text)) {
      root.Report("name", *problem);
    } else {
      *name = text;
    }
  }
  root.Require("name",
               "name the migration, e.g. name: shop-to-dynamo (state, slots and "
               "topics are named after it)");
}

int DefaultPort(bool postgres) { return postgres ? 5432 : 3306; }

std::string HostKey(const std::string& host) { return host == "localhost" ? "127.0.0.1" : host; }

// The target must not be the very database the source is.
void CheckTargetIsNotSource(const Spec& spec, Fields& root) {
  if (!IsSqlTarget(spec.target.kind)) return;
  const bool source_postgres = spec.source.kind == SourceKind::kPostgres;
  if (source_postgres != (spec.target.kind == TargetKind::kPostgres)) return;
  const ConnectionSpec& source = spec.source.connection;
  const ConnectionSpec& target = spec.target.connection;
  const int source_port = source.port != 0 ? source.port : DefaultPort(source_postgres);
  const int target_port = target.port != 0 ? target.port : DefaultPort(source_postgres);
  if (HostKey(source.host) != HostKey(target.host) || source_port != target_port ||
      source.database != target.database) {
    return;
  }
  std::string where = target.host + ":" + std::to_string(target_port);
  if (!target.database.empty()) where += ", database " + target.database;
  root.Report("target", "same server and database as the source (" + where +
                            "); point the target at another server or database");
}

std::string DefaultLogTopic(const std::string& name) { return "cutover." + name + ".log"; }

// A Kafka change log and a Kafka target's single topic must not be one topic (per-table target
// topics are <prefix>.<schema>.<table>).
void CheckKafkaTopics(const Spec& spec, Fields& root) {
  if (spec.target.kind != TargetKind::kKafka ||
      spec.change_log.kind != ChangeLogSpec::Kind::kKafka) {
    return;
  }
  const KafkaSpec& log = spec.change_log.kafka;
  const KafkaSpec& target = spec.target.kafka;
  std::string log_topic = log.topic.empty() ? DefaultLogTopic(spec.name) : log.topic;
  if (log.brokers != target.brokers || log_topic != target.topic) return;
  root.diag().Add(root.PlaceOf("change_log"), "change_log.kafka.topic",
                  "'" + log_topic +
                      "' is also the target's topic; give the change log a topic "
                      "of its own");
}

// A DynamoDB target takes its table names from the mapping file (sources.<table>.table), so a
// `rename` would be silently ignored; refuse it instead.
void CheckRenameOnDynamoDb(const Spec& spec, Fields& root) {
  if (spec.target.kind != TargetKind::kDynamoDB) return;
  const YAML::Node* list = root.Get("tables");
  if (list == nullptr || !list->IsSequence()) return;
  for (size_t index = 0; index < spec.tables.size() && index < list->size(); ++index) {
    if (spec.tables[index].rename.empty()) continue;
    const YAML::Node entry = (*list)[index];
    root.diag().Add(spec_internal::PlaceOf(entry["rename"]),
                    spec_internal::IndexPath("tables", index) + ".rename",
                    "not used by a dynamodb target; remove it and name the DynamoDB table in "
                    "the mapping file instead (sources.<schema.table>.table)");
  }
}

std::string SlotName(const std::string& name) {
  std::string slot = "cutover_" + name;
  for (char& c : slot) {
    if (c == '-') c = '_';
  }
  return slot;
}

void ApplyDefaults(const ParseContext& context, Spec* spec) {
  const bool source_postgres = spec->source.kind == SourceKind::kPostgres;
  ConnectionSpec& source = spec->source.connection;
  if (source.port == 0) source.port = DefaultPort(source_postgres);
  if (!source_postgres && spec->source.server_id == 0) {
    spec->source.server_id = DeriveServerId(spec->name);
  }
  if (source_postgres && spec->source.slot.empty()) spec->source.slot = SlotName(spec->name);
  if (source_postgres && spec->source.publication.empty()) {
    spec->source.publication = SlotName(spec->name);
  }
  if (IsSqlTarget(spec->target.kind) && spec->target.connection.port == 0) {
    spec->target.connection.port = DefaultPort(spec->target.kind == TargetKind::kPostgres);
  }
  if (spec->target.kind == TargetKind::kKafka && spec->target.kafka.topic_prefix.empty()) {
    spec->target.kafka.topic_prefix = spec->name;
  }
  if (spec->change_log.kind == ChangeLogSpec::Kind::kKafka &&
      spec->change_log.kafka.topic.empty()) {
    spec->change_log.kafka.topic = DefaultLogTopic(spec->name);
  }
  if (spec->state_dir.empty()) {
    spec->state_dir = (context.base_dir / ".cutover" / spec->name).lexically_normal();
  }
}

// Parses every section of `root` in document order; problems go to `root.diag()`.
void ParseSections(Fields& root, const ParseContext& context, Spec* spec) {
  ParseName(root, &spec->name);
  const size_t problems_before = root.diag().size();
  spec_internal::ParseSource(root, context, &spec->source);
  spec_internal::ParseTarget(root, context, &spec->target);
  const bool endpoints_valid = root.diag().size() == problems_before;
  spec_internal::ParseTables(root, &spec->tables);
  spec_internal::ReadPath(root, "mapping", context, false, &spec->mapping);
  spec_internal::ParseChangeLog(root, context, &spec->change_log);
  spec_internal::ParseParallelism(root, &spec->parallelism);
  spec_internal::ParseThrottle(root, &spec->throttle);
  spec_internal::ReadPath(root, "state_dir", context, false, &spec->state_dir);
  spec_internal::ParseControl(root, context, &spec->control);
  root.ReportUnknown();
  if (endpoints_valid) CheckTargetIsNotSource(*spec, root);
  if (!spec->name.empty()) CheckKafkaTopics(*spec, root);
  CheckRenameOnDynamoDb(*spec, root);
}

}  // namespace

Result<Spec> ParseSpec(std::string_view yaml, const std::filesystem::path& origin,
                       const LoadOptions& options) {
  Diagnostics diag(OriginName(origin));
  ParseContext context{BaseDir(origin), options.getenv != nullptr ? options.getenv : ProcessEnv};
  std::optional<YAML::Node> document = LoadDocument(yaml, diag);
  if (!document) return diag.ToStatus();
  Spec spec;
  spec.file = origin.empty() ? std::filesystem::path() : AbsoluteFile(origin);
  try {
    Fields root(&*document, "", Place{}, diag);
    ParseSections(root, context, &spec);
  } catch (const YAML::Exception& error) {
    // yaml-cpp throws only on misuse of a node; keep it a spec error naming the place.
    ReportSyntaxError(error, yaml, diag);
  }
  if (!diag.empty()) return diag.ToStatus();
  ApplyDefaults(context, &spec);
  return spec;
}

Result<Spec> LoadSpec(const std::filesystem::path& file, const LoadOptions& options) {
  std::string text;
  std::string reason;
  if (!spec_internal::ReadTextFile(file, &text, &reason)) {
    return Status::InvalidArgument(OriginName(file) + ": cannot read the spec file: " + reason +
                                   "; check the path");
  }
  return ParseSpec(text, file, options);
}

}  // namespace cutover
