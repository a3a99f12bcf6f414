// Tries every field of a mapping file with malformed values (wrong type, empty, unknown values,
// duplicated keys, unreadable files) and pins the exact error: the file, the field path and
// what is allowed. Nothing throws and nothing is silently dropped.
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cutover/mapping.h"

namespace cutover {
namespace {

constexpr char kTables[] = "tables: [{name: t, partition_key: pk}]\n";

// A valid mapping whose source `a.b` has `more` added (flow-mapping pairs).
std::string Source(const std::string& more) {
  return std::string(kTables) + "sources:\n  a.b: {table: t, pk: \"K#{id}\"" +
         (more.empty() ? "" : ", " + more) + "}\n";
}
// A valid mapping whose table `t` has `more` added.
std::string Table(const std::string& more) {
  return "tables: [{name: t, partition_key: pk" + (more.empty() ? "" : ", " + more) +
         "}]\nsources:\n  a.b: {table: t, pk: x}\n";
}
std::string Index(const std::string& fields) { return Table("indexes: [{" + fields + "}]"); }

struct BadMapping {
  std::string name;
  std::string yaml;
  std::string expected;  // without "InvalidArgument: m.yaml: "
};

void PrintTo(const BadMapping& input, std::ostream* out) { *out << input.name; }

std::vector<BadMapping> Cases() {
  const std::string source_fields =
      "computed, exclude, include, lua, nulls, pk, rename, shared, sk, table, temporal, types";
  return {
      // The document.
      {"Empty", "", "top level: must be a mapping with tables and sources"},
      {"List", "- a\n", "top level: must be a mapping with tables and sources"},
      {"Scalar", "mapping\n", "top level: must be a mapping with tables and sources"},
      {"UnknownTopLevel", std::string(kTables) + "sources: {a.b: {table: t, pk: x}}\nsorces: 1\n",
       "sorces: unknown field; allowed: sources, tables, version"},
      {"DuplicateTopLevel", std::string(kTables) + kTables + "sources: {a.b: {table: t, pk: x}}\n",
       "tables: duplicate field (first on line 1); keep only one"},
      {"NonScalarKey", std::string(kTables) + "sources: {a.b: {table: t, pk: x}}\n[a]: 1\n",
       "top level: a field name must be plain text"},
      {"VersionTwo", "version: 2\n" + Source(""), "version: '2' is not supported; allowed: 1"},
      {"VersionList", "version: [1]\n" + Source(""), "version: must be a single value; allowed: 1"},
      // tables
      {"TablesMissing", "sources: {a.b: {table: t, pk: x}}\n",
       "tables: must list at least one DynamoDB table"},
      {"TablesEmpty", "tables: []\nsources: {a.b: {table: t, pk: x}}\n",
       "tables: must list at least one DynamoDB table"},
      {"TablesMapping", "tables: {name: t}\nsources: {a.b: {table: t, pk: x}}\n",
       "tables: must list at least one DynamoDB table"},
      {"TableScalar", "tables: [t]\nsources: {a.b: {table: t, pk: x}}\n",
       "tables[0]: must be a mapping"},
      {"TableUnknownField", Table("sortkey: sk"),
       "tables[0].sortkey: unknown field; allowed: indexes, name, partition_key, sort_key"},
      {"TableNameMissing", "tables: [{partition_key: pk}]\nsources: {a.b: {table: t, pk: x}}\n",
       "tables[0].name: is required"},
      {"TableNameList", "tables: [{name: [t], partition_key: pk}]\n",
       "tables[0].name: must be a non-empty string"},
      {"TableNameEmpty", "tables: [{name: \"\", partition_key: pk}]\n",
       "tables[0].name: must be a non-empty string"},
      {"TableDuplicateName",
       "tables: [{name: t, partition_key: pk}, {name: t, partition_key: pk}]\n"
       "sources: {a.b: {table: t, pk: x}}\n",
       "tables[1].name: 't' is declared twice; give each table one entry"},
      {"PartitionKeyMissing", "tables: [{name: t}]\n", "tables[0].partition_key: is required"},
      {"PartitionKeyList", "tables: [{name: t, partition_key: [pk]}]\n",
       "tables[0].partition_key: must be an attribute name or {name: ..., type: S|N|B}"},
      {"PartitionKeyBadType", "tables: [{name: t, partition_key: {name: pk, type: STRING}}]\n",
       "tables[0].partition_key.type: 'STRING' is not a key type; allowed: S, N, B"},
      {"PartitionKeyTypeList", "tables: [{name: t, partition_key: {name: pk, type: [S]}}]\n",
       "tables[0].partition_key.type: must be a non-empty string"},
      {"PartitionKeyUnknownField", "tables: [{name: t, partition_key: {name: pk, kind: S}}]\n",
       "tables[0].partition_key.kind: unknown field; allowed: name, type"},
      {"SortKeyEmpty", Table("sort_key: \"\""), "tables[0].sort_key: must be a non-empty string"},
      {"IndexesScalar", Table("indexes: by_x"), "tables[0].indexes: must be a list"},
      {"IndexScalar", Table("indexes: [by_x]"), "tables[0].indexes[0]: must be a mapping"},
      {"IndexUnknownField", Index("name: i, partition_key: x, projection: all"),
       "tables[0].indexes[0].projection: unknown field; allowed: build, name, partition_key, "
       "sort_key"},
      {"IndexBuildUnknown", Index("name: i, partition_key: x, build: later"),
       "tables[0].indexes[0].build: 'later' is not allowed; allowed: after_load, with_table"},
      {"IndexBuildList", Index("name: i, partition_key: x, build: [with_table]"),
       "tables[0].indexes[0].build: must be a single value; allowed: after_load, with_table"},
      {"IndexNameMissing", Index("partition_key: x"), "tables[0].indexes[0].name: is required"},
      {"IndexPartitionKeyMissing", Index("name: i"),
       "tables[0].indexes[0].partition_key: is required"},
      // sources
      {"SourcesMissing", kTables, "sources: must map at least one source table 'schema.table'"},
      {"SourcesList", std::string(kTables) + "sources: [a.b]\n",
       "sources: must map at least one source table 'schema.table'"},
      {"SourceNoDot", std::string(kTables) + "sources: {orders: {table: t, pk: x}}\n",
       "sources.orders: source tables are named 'schema.table'"},
      {"SourceScalar", std::string(kTables) + "sources: {a.b: t}\n",
       "sources.a.b: must be a mapping"},
      {"SourceDuplicate",
       std::string(kTables) + "sources:\n  a.b: {table: t, pk: x}\n  a.b: {table: t, pk: y}\n",
       "sources.a.b: duplicate field (first on line 3); keep only one"},
      {"SourceNonScalarKey", std::string(kTables) + "sources: {[a.b]: {table: t, pk: x}}\n",
       "sources: a field name must be plain text"},
      {"SourceUnknownField", Source("typs: {}"),
       "sources.a.b.typs: unknown field; allowed: " + source_fields},
      {"SourceTableMissing", std::string(kTables) + "sources: {a.b: {pk: x}}\n",
       "sources.a.b.table: is required"},
      {"SourceTableUndeclared", std::string(kTables) + "sources: {a.b: {table: u, pk: x}}\n",
       "sources.a.b.table: 'u' is not declared under tables:"},
      {"PkMissing", std::string(kTables) + "sources: {a.b: {table: t}}\n",
       "sources.a.b.pk: is required"},
      {"PkList", std::string(kTables) + "sources: {a.b: {table: t, pk: [x]}}\n",
       "sources.a.b.pk: must be a non-empty string"},
      {"PkUnclosedBrace", std::string(kTables) + "sources: {a.b: {table: t, pk: \"{id\"}}\n",
       "sources.a.b.pk: '{id' has an unclosed or empty '{'; write '{column}' or '{{' for a "
       "brace"},
      {"PkEmptyBrace", std::string(kTables) + "sources: {a.b: {table: t, pk: \"x{}\"}}\n",
       "sources.a.b.pk: 'x{}' has an unclosed or empty '{'; write '{column}' or '{{' for a "
       "brace"},
      {"PkStrayBrace", std::string(kTables) + "sources: {a.b: {table: t, pk: \"x}\"}}\n",
       "sources.a.b.pk: unmatched '}' in 'x}'; write '}}' for a brace"},
      {"SkWithoutSortKey", Source("sk: x"), "sources.a.b.sk: table 't' has no sort key"},
      {"IncludeScalar", Source("include: id"),
       "sources.a.b.include: must be a list of column names"},
      {"IncludeEmptyItem", Source("include: [id, \"\"]"),
       "sources.a.b.include[1]: must be a non-empty string"},
      {"ExcludeMapping", Source("exclude: {a: 1}"),
       "sources.a.b.exclude: must be a list of column names"},
      {"RenameList", Source("rename: [a]"), "sources.a.b.rename: must map columns to names"},
      {"RenameEmptyName", Source("rename: {a: \"\"}"),
       "sources.a.b.rename.a: must be a non-empty string"},
      {"RenameNonScalarKey", Source("rename: {[a]: b}"),
       "sources.a.b.rename: a column name must be plain text"},
      {"TypesList", Source("types: [bool]"),
       "sources.a.b.types: must map column names to type rules"},
      {"TypesUnknownRule", Source("types: {c: boolean}"),
       "sources.a.b.types.c: unknown type rule 'boolean'; allowed: default, string, number, "
       "bool, iso8601, epoch_seconds, epoch_millis, json, json_string, binary, string_set"},
      {"TypesListRule", Source("types: {c: [bool]}"),
       "sources.a.b.types.c: unknown type rule ''; allowed: default, string, number, bool, "
       "iso8601, epoch_seconds, epoch_millis, json, json_string, binary, string_set"},
      {"TypesNonScalarKey", Source("types: {[c]: bool}"),
       "sources.a.b.types: a column name must be plain text"},
      {"TemporalUnknown", Source("temporal: unix"),
       "sources.a.b.temporal: 'unix' is not allowed; allowed: iso8601, epoch_seconds, "
       "epoch_millis"},
      {"TemporalNotTemporal", Source("temporal: string"),
       "sources.a.b.temporal: 'string' is not allowed; allowed: iso8601, epoch_seconds, "
       "epoch_millis"},
      {"NullsUnknown", Source("nulls: skip"),
       "sources.a.b.nulls: 'skip' is not allowed; allowed: omit, null"},
      {"ComputedList", Source("computed: [a]"),
       "sources.a.b.computed: must map attribute names to templates"},
      {"ComputedBadTemplate", Source("computed: {g: \"{\"}"),
       "sources.a.b.computed.g: '{' has an unclosed or empty '{'; write '{column}' or '{{' for "
       "a brace"},
      {"ComputedNonScalarKey", Source("computed: {[g]: x}"),
       "sources.a.b.computed: an attribute name must be plain text"},
      {"SharedNotABoolean", Source("shared: yes please, include: [a]"),
       "sources.a.b.shared: expected true or false, got 'yes please'"},
      {"SharedList", Source("shared: [true], include: [a]"),
       "sources.a.b.shared: expected true or false, got a list"},
      {"SharedWithoutInclude", Source("shared: true"),
       "sources.a.b.include: is required with shared: true, so a delete knows which attributes "
       "are this table's"},
      {"LuaMissingFile", Source("lua: no_such_hook.lua"),
       "sources.a.b.lua: cannot read Lua file no_such_hook.lua: No such file or directory; check "
       "the path (relative to the mapping file's directory)"},
      {"LuaDirectory", Source("lua: ."),
       "sources.a.b.lua: cannot read Lua file .: it is a directory; check the path (relative to "
       "the mapping file's directory)"},
      {"LuaEndless", Source("lua: /dev/zero"),
       "sources.a.b.lua: cannot read Lua file /dev/zero: larger than 16MiB; check the path "
       "(relative to the mapping file's directory)"},
      {"LuaList", Source("lua: [a]"), "sources.a.b.lua: must be a non-empty string"},
  };
}

std::string TestName(const BadMapping& input) { return input.name; }

class MappingBadInputTest : public ::testing::TestWithParam<BadMapping> {};

TEST_P(MappingBadInputTest, NamesTheFieldAndWhatIsAllowed) {
  const BadMapping& input = GetParam();
  Result<Mapping> mapping = Mapping::Parse(input.yaml, "m.yaml");
  ASSERT_FALSE(mapping.ok()) << input.yaml;
  EXPECT_EQ(mapping.status().ToString(), "InvalidArgument: m.yaml: " + input.expected)
      << input.yaml;
}

INSTANTIATE_TEST_SUITE_P(EveryField, MappingBadInputTest, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<BadMapping>& param) {
                           return TestName(param.param);
                         });

TEST(MappingBadInputTest, SyntaxErrorNamesTheLine) {
  Result<Mapping> mapping = Mapping::Parse("tables: [{name: t\nsources: {", "m.yaml");
  ASSERT_FALSE(mapping.ok());
  EXPECT_EQ(mapping.status().ToString(),
            "InvalidArgument: m.yaml: line 2: invalid YAML: end of map flow not found; fix the "
            "YAML at that point (indentation, quotes, brackets)");
}

TEST(MappingBadInputTest, UnreadableFilesNameThePathAndTheReason) {
  const std::filesystem::path missing = "/nonexistent/cutover/m.yaml";
  EXPECT_EQ(Mapping::Load(missing).status().ToString(),
            "InvalidArgument: cannot read mapping file /nonexistent/cutover/m.yaml: No such file "
            "or directory; check the path (a spec's mapping: path is relative to the spec file's "
            "directory)");
  const std::filesystem::path directory = std::filesystem::temp_directory_path();
  EXPECT_EQ(Mapping::Load(directory).status().ToString(),
            "InvalidArgument: cannot read mapping file " + directory.string() +
                ": it is a directory; check the path (a spec's mapping: path is relative to the "
                "spec file's directory)");
}

TEST(MappingBadInputTest, AnEndlessFileIsRefusedNotReadForever) {
  EXPECT_EQ(Mapping::Load("/dev/zero").status().ToString(),
            "InvalidArgument: cannot read mapping file /dev/zero: larger than 16MiB; check the "
            "path (a spec's mapping: path is relative to the spec file's directory)");
}

TEST(MappingBadInputTest, SampleRowsFilesThatAreNotRowsSayWhatToWrite) {
  EXPECT_EQ(LoadSampleRows("/nonexistent/rows.json").status().ToString(),
            "InvalidArgument: cannot read sample rows file /nonexistent/rows.json: No such file or "
            "directory; check the path");
  EXPECT_EQ(LoadSampleRows("/").status().ToString(),
            "InvalidArgument: cannot read sample rows file /: it is a directory; check the path");
  EXPECT_EQ(ParseSampleRows("{\"table\": ", "rows.json").status().ToString(),
            "InvalidArgument: rows.json: not valid JSON; write one object {\"table\": ..., "
            "\"columns\": {...}, \"rows\": [...]} (docs/mapping.md)");
  EXPECT_EQ(ParseSampleRows("[1]", "rows.json").status().ToString(),
            "InvalidArgument: rows.json: not a JSON object; write one object {\"table\": ..., "
            "\"columns\": {...}, \"rows\": [...]} (docs/mapping.md)");
}

}  // namespace
}  // namespace cutover
