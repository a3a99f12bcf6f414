// Mapping: YAML errors, key templates, type rules, shared items, Lua hooks and sample rows.
#include "cutover/mapping.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace cutover {
namespace {

constexpr char kMapping[] = R"x(
version: 1
tables:
  - name: shop
    partition_key: pk
    sort_key: sk
sources:
  shop.customers:
    table: shop
    pk: "CUSTOMER#{id}"
    sk: "PROFILE"
    exclude: [secret]
    rename: {email: Email}
    types: {active: bool}
    computed: {entity: "customer", gsi1: "EMAIL#{email}"}
  shop.orders:
    table: shop
    pk: "CUSTOMER#{customer_id}"
    sk: "ORDER#{id}"
    temporal: epoch_seconds
)x";

constexpr char kCustomers[] = R"x({"table": "shop.customers",
  "columns": {"id": "bigint unsigned", "email": "varchar(100)", "secret": "varchar(10)",
              "active": "tinyint(1)", "balance": "decimal(20,4)", "tags": "set('a','b','c')",
              "prefs": "json", "photo": "blob", "note": "text"},
  "rows": [{"id": 18446744073709551615, "email": "a@x.io", "secret": "s", "active": 1,
            "balance": "12345678901234.5000", "tags": "a,c", "prefs": {"k": [1, "two", null]},
            "photo": "0x00ff", "note": null}]})x";

Mapping Load(const char* yaml) {
  Result<Mapping> mapping = Mapping::Parse(yaml, "mapping.yaml");
  EXPECT_TRUE(mapping.ok()) << mapping.status().ToString();
  return std::move(mapping).value();
}

TEST(MappingTest, MapsEveryTypeRule) {
  Mapping mapping = Load(kMapping);
  SampleRows sample = ParseSampleRows(kCustomers, "rows.json").value();
  std::vector<ItemOp> ops = mapping.MapRow(sample.schema, sample.rows[0]).value();
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0].kind, ItemOp::Kind::kPut);
  EXPECT_EQ(ops[0].source, "shop.customers id=18446744073709551615");
  EXPECT_EQ(ops[0].item.dump(),
            R"x({"Email":{"S":"a@x.io"},"active":{"BOOL":true},)x"
            R"x("balance":{"N":"12345678901234.5000"},"entity":{"S":"customer"},)x"
            R"x("gsi1":{"S":"EMAIL#a@x.io"},"id":{"N":"18446744073709551615"},)x"
            R"x("photo":{"B":"AP8="},"pk":{"S":"CUSTOMER#18446744073709551615"},)x"
            R"x("prefs":{"M":{"k":{"L":[{"N":"1"},{"S":"two"},{"NULL":true}]}}},)x"
            R"x("sk":{"S":"PROFILE"},"tags":{"SS":["a","c"]}})x");
}

TEST(MappingTest, TemporalRules) {
  Mapping mapping = Load(kMapping);
  SampleRows sample =
      ParseSampleRows(R"x({"table":"shop.orders","columns":{"id":"int","customer_id":"int",
        "placed":"datetime(3)","paid":"timestamp"},
        "rows":[{"id":7,"customer_id":3,"placed":"2024-01-02 03:04:05.250",
                 "paid":"1970-01-02 00:00:00"}]})x",
                      "rows.json")
          .value();
  std::vector<ItemOp> ops = mapping.MapRow(sample.schema, sample.rows[0]).value();
  EXPECT_EQ(ops[0].item["placed"].dump(), R"x({"N":"1704164645.250"})x");
  EXPECT_EQ(ops[0].item["paid"].dump(), R"x({"N":"86400"})x");
  EXPECT_EQ(ops[0].key.dump(), R"x({"pk":{"S":"CUSTOMER#3"},"sk":{"S":"ORDER#7"}})x");
}

TEST(MappingTest, KeyTemplateOnNullColumnNamesTheRow) {
  Mapping mapping = Load(kMapping);
  SampleRows sample = ParseSampleRows(
                          R"x({"table":"shop.orders","columns":{"id":"int","customer_id":"int"},
          "rows":[{"id":7,"customer_id":null}]})x",
                          "rows.json")
                          .value();
  Result<std::vector<ItemOp>> ops = mapping.MapRow(sample.schema, sample.rows[0]);
  EXPECT_EQ(ops.status().ToString(),
            "InvalidArgument: shop.orders id=7: column 'customer_id' is NULL in template "
            "'CUSTOMER#{customer_id}'");
}

TEST(MappingTest, UnknownTemplateColumn) {
  Mapping mapping = Load(kMapping);
  SampleRows sample =
      ParseSampleRows(
          R"x({"table":"shop.orders","columns":{"id":"int","custid":"int"},"rows":[]})x",
          "rows.json")
          .value();
  EXPECT_EQ(mapping.Check(sample.schema).ToString(),
            "InvalidArgument: mapping.yaml: sources.shop.orders.pk: unknown column "
            "'customer_id' in template 'CUSTOMER#{customer_id}'");
}

TEST(MappingTest, FileErrorsNamePathAndFix) {
  auto error = [](const std::string& yaml) {
    return Mapping::Parse(yaml, "m.yaml").status().ToString();
  };
  EXPECT_EQ(error("tables: [{name: t, partition_key: pk}]\nsources:\n  a.b: {table: t, pk: x, "
                  "typs: {}}"),
            "InvalidArgument: m.yaml: sources.a.b.typs: unknown field; allowed: computed, "
            "exclude, include, lua, nulls, pk, rename, shared, sk, table, temporal, types");
  EXPECT_EQ(error("tables: [{name: t, partition_key: pk}]\nsources:\n  a.b: {table: u, pk: x}"),
            "InvalidArgument: m.yaml: sources.a.b.table: 'u' is not declared under tables:");
  EXPECT_EQ(error("tables: [{name: t, partition_key: {name: pk, type: X}}]"),
            "InvalidArgument: m.yaml: tables[0].partition_key.type: 'X' is not a key type; "
            "allowed: S, N, B");
  EXPECT_EQ(error("tables: [{name: t, partition_key: pk}]\nsources:\n  a.b: {table: t, pk: x, "
                  "types: {c: nummber}}"),
            "InvalidArgument: m.yaml: sources.a.b.types.c: unknown type rule 'nummber'; "
            "allowed: default, string, number, bool, iso8601, epoch_seconds, epoch_millis, "
            "json, json_string, binary, string_set");
  EXPECT_EQ(error("tables: [{name: t, partition_key: pk, sort_key: sk}]\nsources:\n  a.b: "
                  "{table: t, pk: x}"),
            "InvalidArgument: m.yaml: sources.a.b.sk: is required: table 't' has sort key 'sk'");
  EXPECT_EQ(error("tables: [{name: t, partition_key: pk}]\nsources:\n  a.b: {table: t, pk: "
                  "\"A#{id\"}"),
            "InvalidArgument: m.yaml: sources.a.b.pk: 'A#{id' has an unclosed or empty '{'; "
            "write '{column}' or '{{' for a brace");
  EXPECT_EQ(error("tables: [{name: t, partition_key: pk}]\nsources:\n  a.b: {table: t, pk: x, "
                  "shared: true}"),
            "InvalidArgument: m.yaml: sources.a.b.include: is required with shared: true, so a "
            "delete knows which attributes are this table's");
}

// Fuzz finding 7 (docs/fuzzing.md; fuzz/crashes/fuzz_mapping/crash-0f1e8d82...): a byte that is
// not UTF-8 in a key template reached the item key, whose JSON the DynamoDB writer could not
// serialize (an exception out of the sink).
TEST(MappingTest, TextThatIsNotUtf8IsRefusedNamingWhere) {
  EXPECT_EQ(Mapping::Parse("tables: [{name: t, partition_key: pk}]\nsources:\n  a.b: {table: t, "
                           "pk: \"ORDER\xdc{id}\"}\n",
                           "m.yaml")
                .status()
                .ToString(),
            "InvalidArgument: m.yaml:3: invalid YAML: byte 0xdc at column 29 is not UTF-8; save "
            "the mapping file as UTF-8");
  EXPECT_EQ(Mapping::Parse("# caf\xe9 (Latin-1)\ntables: []\n", "m.yaml").status().ToString(),
            "InvalidArgument: m.yaml:1: invalid YAML: byte 0xe9 at column 6 is not UTF-8; save "
            "the mapping file as UTF-8");
  // Finding 10 (crash-55df2a59...): the first check read past a text ending in a cut sequence.
  EXPECT_EQ(Mapping::Parse("\xef", "m.yaml").status().ToString(),
            "InvalidArgument: m.yaml:1: invalid YAML: byte 0xef at column 1 is not UTF-8; save "
            "the mapping file as UTF-8");
  EXPECT_EQ(Mapping::Parse("a: 1\nb: \xef\xbfx", "m.yaml").status().ToString(),
            "InvalidArgument: m.yaml:2: invalid YAML: byte 0xef at column 4 is not UTF-8; save "
            "the mapping file as UTF-8");
  // Finding 13 (crash-b467ddd7...): lead bytes 0xf5-0xff were read as three-byte leads, so a key
  // template holding one passed and nlohmann::json threw printing the item's key.
  EXPECT_EQ(Mapping::Parse("tables: [{name: t, partition_key: pk}]\nsources:\n  a.b: {table: t, "
                           "pk: \"X\xf5\x8e\x90{id}\"}\n",
                           "m.yaml")
                .status()
                .ToString(),
            "InvalidArgument: m.yaml:3: invalid YAML: byte 0xf5 at column 25 is not UTF-8; save "
            "the mapping file as UTF-8");
  Result<Mapping> utf8 = Mapping::Parse(
      "# caf\xc3\xa9\ntables: [{name: t, partition_key: pk}]\nsources:\n  a.b: {table: t, pk: "
      "\"ORDER\xc3\x9c{id}\"}\n",
      "m.yaml");
  EXPECT_TRUE(utf8.ok()) << utf8.status().ToString();
}

TEST(MappingTest, NumericKeyNeedsSingleNumericColumn) {
  Mapping mapping = Load(
      "tables: [{name: t, partition_key: {name: id, type: N}}]\n"
      "sources:\n  a.b: {table: t, pk: \"ID#{id}\"}");
  SampleRows sample =
      ParseSampleRows(R"x({"table":"a.b","columns":{"id":"int"},"rows":[]})x", "r").value();
  EXPECT_EQ(mapping.Check(sample.schema).ToString(),
            "InvalidArgument: mapping.yaml: sources.a.b.pk: key attribute 'id' has type N, so "
            "the template must be one numeric column like '{id}', not 'ID#{id}'");
}

TEST(MappingTest, PrimaryKeyChangeDeletesOldItem) {
  Mapping mapping = Load(kMapping);
  SampleRows sample = ParseSampleRows(
                          R"x({"table":"shop.orders","columns":{"id":"int","customer_id":"int"},
          "rows":[{"id":7,"customer_id":3},{"id":8,"customer_id":3}]})x",
                          "r")
                          .value();
  Change change;
  change.table = sample.schema.id;
  change.op = ChangeOp::kUpdate;
  change.before = sample.rows[0];
  change.after = sample.rows[1];
  change.schema = std::make_shared<TableSchema>(sample.schema);
  std::vector<ItemOp> ops = mapping.MapChange(change).value();
  ASSERT_EQ(ops.size(), 2u);
  EXPECT_EQ(ops[0].kind, ItemOp::Kind::kDelete);
  EXPECT_EQ(ops[0].key.dump(), R"x({"pk":{"S":"CUSTOMER#3"},"sk":{"S":"ORDER#7"}})x");
  EXPECT_EQ(ops[1].kind, ItemOp::Kind::kPut);
  EXPECT_EQ(ops[1].key.dump(), R"x({"pk":{"S":"CUSTOMER#3"},"sk":{"S":"ORDER#8"}})x");
}

TEST(MappingTest, SharedItemDeleteRemovesOnlyItsAttributes) {
  Mapping mapping = Load(R"x(
tables: [{name: users, partition_key: pk}]
sources:
  app.users: {table: users, pk: "U#{id}", include: [id, name], shared: true}
  app.profiles: {table: users, pk: "U#{user_id}", include: [bio], shared: true}
)x");
  SampleRows sample = ParseSampleRows(
                          R"x({"table":"app.profiles","columns":{"user_id":"int","bio":"text"},
          "rows":[{"user_id":1,"bio":"hi"}]})x",
                          "r")
                          .value();
  std::vector<ItemOp> put = mapping.MapRow(sample.schema, sample.rows[0]).value();
  EXPECT_EQ(
      ItemOpToJson(put[0]).dump(),
      R"x({"key":{"pk":{"S":"U#1"}},"op":"update","set":{"bio":{"S":"hi"}},"table":"users"})x");
  Change change;
  change.table = sample.schema.id;
  change.op = ChangeOp::kDelete;
  change.before = sample.rows[0];
  change.schema = std::make_shared<TableSchema>(sample.schema);
  std::vector<ItemOp> ops = mapping.MapChange(change).value();
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0].remove, std::vector<std::string>{"bio"});
  EXPECT_TRUE(ops[0].delete_if_empty);
  EXPECT_EQ(ops[0].shared_attributes, (std::vector<std::string>{"bio", "id", "name"}));
}

TEST(MappingTest, NumbersBeyondDynamoDbAreErrorsNamingTheColumn) {
  Mapping mapping = Load(
      "tables: [{name: t, partition_key: pk}]\n"
      "sources:\n  a.b: {table: t, pk: \"X#{id}\"}");
  SampleRows sample =
      ParseSampleRows(
          R"x({"table":"a.b","columns":{"id":"int","dec":"decimal(65,30)","d":"double"},
          "rows":[{"id":1,"dec":"12345678901234567890.123456789012345678901"},
                  {"id":2,"d":1e-200}]})x",
          "r")
          .value();
  EXPECT_EQ(mapping.MapRow(sample.schema, sample.rows[0]).status().ToString(),
            "InvalidArgument: a.b id=1: column 'dec': "
            "12345678901234567890.123456789012345678901 has 41 significant digits; "
            "DynamoDB numbers keep at most 38 (map the column with type rule 'string' to keep "
            "every digit)");
  EXPECT_EQ(mapping.MapRow(sample.schema, sample.rows[1]).status().ToString(),
            "InvalidArgument: a.b id=2: column 'd': 1e-200 is outside DynamoDB's number range "
            "1E-130 to 9.99E+125 (map the column with type rule 'string')");
}

TEST(MappingTest, CanonicalNumbers) {
  EXPECT_EQ(CanonicalNumber("1.50"), "1.5");
  EXPECT_EQ(CanonicalNumber("-0.000"), "0");
  EXPECT_EQ(CanonicalNumber("2.5e-3"), "0.0025");
  EXPECT_EQ(CanonicalNumber("1e3"), "1000");
  EXPECT_EQ(CanonicalNumber("007.10"), "7.1");
  EXPECT_EQ(CanonicalNumber("-18446744073709551615"), "-18446744073709551615");
}

TEST(MappingTest, LuaHookFromMappingFileMakesSeveralItems) {
  std::filesystem::path dir = std::filesystem::temp_directory_path() / "cutover_mapping_lua";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "hook.lua") << R"x(
function transform(table, row)
  return {
    {pk = "ORDER#" .. row.id, sk = "META", total = row.total},
    {pk = "CUSTOMER#" .. row.customer_id, sk = "ORDER#" .. row.id},
  }
end)x";
  std::ofstream(dir / "mapping.yaml")
      << "tables: [{name: shop, partition_key: pk, sort_key: sk}]\n"
         "sources:\n  shop.orders: {table: shop, pk: x, sk: x, lua: hook.lua}\n";
  Mapping mapping = Mapping::Load(dir / "mapping.yaml").value();
  SampleRows sample = ParseSampleRows(
                          R"x({"table":"shop.orders","columns":{"id":"int","customer_id":"int",
           "total":"decimal(10,2)"},"rows":[{"id":5,"customer_id":9,"total":"1.50"}]})x",
                          "r")
                          .value();
  std::vector<ItemOp> ops = mapping.MapRow(sample.schema, sample.rows[0]).value();
  ASSERT_EQ(ops.size(), 2u);
  EXPECT_EQ(ops[0].item.dump(),
            R"x({"pk":{"S":"ORDER#5"},"sk":{"S":"META"},"total":{"S":"1.50"}})x");
  EXPECT_EQ(ops[1].key.dump(), R"x({"pk":{"S":"CUSTOMER#9"},"sk":{"S":"ORDER#5"}})x");
  Change change;
  change.table = sample.schema.id;
  change.op = ChangeOp::kDelete;
  change.before = sample.rows[0];
  change.schema = std::make_shared<TableSchema>(sample.schema);
  std::vector<ItemOp> deletes = mapping.MapChange(change).value();
  ASSERT_EQ(deletes.size(), 2u);
  EXPECT_EQ(deletes[1].kind, ItemOp::Kind::kDelete);
  EXPECT_EQ(deletes[1].key.dump(), R"x({"pk":{"S":"CUSTOMER#9"},"sk":{"S":"ORDER#5"}})x");
}

TEST(MappingTest, SampleRowErrors) {
  EXPECT_EQ(ParseSampleRows(R"x({"table":"a.b","columns":{"id":"int"},"rows":[{"idd":1}]})x", "r")
                .status()
                .ToString(),
            "InvalidArgument: r: rows[0].idd: not in columns");
  EXPECT_EQ(ParseSampleRows(R"x({"table":"a.b","columns":{"id":"intt"},"rows":[]})x", "r")
                .status()
                .ToString(),
            "InvalidArgument: r: columns.id: unsupported column type 'intt'");
}

TEST(MappingTest, AnExponentWithAPlusSignIsReadByValue) {
  Mapping mapping = Load(
      "tables: [{name: t, partition_key: pk}]\n"
      "sources:\n  a.b: {table: t, pk: \"X#{id}\"}");
  SampleRows sample = ParseSampleRows(
                          R"x({"table":"a.b","columns":{"id":"int","d":"double"},
          "rows":[{"id":1,"d":1e100},{"id":2,"d":1e300}]})x",
                          "r")
                          .value();
  Result<std::vector<ItemOp>> in_range = mapping.MapRow(sample.schema, sample.rows[0]);
  ASSERT_TRUE(in_range.ok()) << in_range.status().ToString();
  EXPECT_EQ((*in_range)[0].item["d"].dump(), R"x({"N":"1e+100"})x");
  EXPECT_EQ(mapping.MapRow(sample.schema, sample.rows[1]).status().ToString(),
            "InvalidArgument: a.b id=2: column 'd': 1e+300 is outside DynamoDB's number range "
            "1E-130 to 9.99E+125 (map the column with type rule 'string')");
}

TEST(MappingTest, CanonicalNumberLeavesTextWithABadExponentAsItIs) {
  EXPECT_EQ(CanonicalNumber("2e+3"), "2000");
  for (const char* text :
       {"1e", "1e+", "1e-", "1ex", "1e99999999999999999999", "1e5000", "1e-5000"}) {
    EXPECT_EQ(CanonicalNumber(text), text);
  }
}

TEST(MappingTest, SampleRowsWithBadBinaryOrBitTextAreErrorsNamingTheCell) {
  auto error = [](const char* columns, const char* row) {
    std::string json = std::string(R"x({"table":"a.b","columns":{"id":"int",)x") + columns +
                       R"x(},"rows":[{"id":1,)x" + row + "}]}";
    return ParseSampleRows(json, "r").status().ToString();
  };
  EXPECT_EQ(error(R"x("photo":"blob")x", R"x("photo":"0xzz")x"),
            "InvalidArgument: r: rows[0].photo: binary values are written as 0x followed by hex "
            "digits: byte 'zz' is not a hexadecimal number");
  EXPECT_EQ(error(R"x("photo":"blob")x", R"x("photo":"0x-1")x"),
            "InvalidArgument: r: rows[0].photo: binary values are written as 0x followed by hex "
            "digits: byte '-1' is not a hexadecimal number");
  EXPECT_EQ(error(R"x("flags":"bit(8)")x", R"x("flags":"abc")x"),
            "InvalidArgument: r: rows[0].flags: BIT value 'abc' is not a whole number");
  EXPECT_EQ(error(R"x("flags":"bit(64)")x", R"x("flags":"99999999999999999999")x"),
            "InvalidArgument: r: rows[0].flags: BIT value '99999999999999999999' is out of range "
            "(0..18446744073709551615)");
}

// Partial row images (PostgreSQL's unchanged TOAST values): `note` absent. The mapping of
// shop.docs into table shop with `computed` attributes.
Mapping DocsMapping(const std::string& computed) {
  std::string yaml = R"x(
version: 1
tables:
  - name: shop
    partition_key: pk
    sort_key: sk
sources:
  shop.docs:
    table: shop
    pk: "DOC#{id}"
    sk: "DOC"
    computed: )x";
  yaml += computed;
  yaml += '\n';
  return Load(yaml.c_str());
}

SampleRows Docs() {
  return ParseSampleRows(R"x({"table": "shop.docs",
    "columns": {"id": "int", "title": "varchar(20)", "note": "text", "tag": "varchar(5)"},
    "key": ["id"],
    "rows": [{"id": 7, "title": "t", "note": null, "tag": null}]})x",
                         "rows.json")
      .value();
}

TEST(MappingTest, APartialRowIsAConditionalUpdateOfWhatItHas) {
  Mapping mapping = DocsMapping(R"x({label: "{title}", about: "{note}"})x");
  SampleRows sample = Docs();
  Row row = sample.rows[0];
  row.present = {true, true, false, true};  // note absent; tag present and NULL
  std::vector<ItemOp> ops = mapping.MapRow(sample.schema, row).value();
  ASSERT_EQ(ops.size(), 1u);
  // Never a put (which would drop `note` and `about`): SET what is there, REMOVE what is NULL,
  // only on an item that exists; `about` (over `note` alone) is left as it is.
  EXPECT_EQ(ops[0].kind, ItemOp::Kind::kUpdate);
  EXPECT_TRUE(ops[0].if_exists);
  EXPECT_EQ(ops[0].key.dump(), R"x({"pk":{"S":"DOC#7"},"sk":{"S":"DOC"}})x");
  EXPECT_EQ(ops[0].item.dump(), R"x({"id":{"N":"7"},"label":{"S":"t"},"title":{"S":"t"}})x");
  EXPECT_EQ(ops[0].remove, std::vector<std::string>{"tag"});
}

TEST(MappingTest, APartialRowThatATemplateNeedsWholeIsRefused) {
  Mapping mapping = DocsMapping(R"x({label: "{title}", mixed: "{title}/{note}"})x");
  SampleRows sample = Docs();
  Row row = sample.rows[0];
  row.present = {true, true, false, true};
  // `mixed` needs note, which the change does not carry, and title, which it changed.
  Result<std::vector<ItemOp>> ops = mapping.MapRow(sample.schema, row);
  ASSERT_FALSE(ops.ok());
  EXPECT_NE(ops.status().message().find("template '{title}/{note}' uses a column this row image "
                                        "does not carry"),
            std::string::npos)
      << ops.status().ToString();
  EXPECT_NE(ops.status().message().find("REPLICA IDENTITY FULL"), std::string::npos);
  // A key template over an absent column cannot even be routed.
  row.present = {false, true, true, true};
  EXPECT_FALSE(mapping.ItemKeyOf(sample.schema, row).ok());
}

TEST(MappingTest, APartialRowMovedToAnotherItemCopiesTheOldItemsAttributesFirst) {
  Mapping mapping = DocsMapping("{}");
  SampleRows sample = Docs();
  Change change;
  change.table = sample.schema.id;
  change.op = ChangeOp::kUpdate;
  change.schema = std::make_shared<TableSchema>(sample.schema);
  change.before = Row{{Value::Int(7), Value::Null(), Value::Null(), Value::Null()},
                      {true, false, false, false}};  // the old key only
  change.after = Row{{Value::Int(8), Value::Str("t"), Value::Null(), Value::Null()},
                     {true, true, false, true}};
  std::vector<ItemOp> ops = mapping.MapChange(change).value();
  ASSERT_EQ(ops.size(), 2u);
  EXPECT_EQ(ops[0].kind, ItemOp::Kind::kUpdate);
  EXPECT_EQ(ops[0].key.dump(), R"x({"pk":{"S":"DOC#8"},"sk":{"S":"DOC"}})x");
  ASSERT_TRUE(ops[0].copy_from.has_value());
  EXPECT_EQ(ops[0].copy_from->dump(), R"x({"pk":{"S":"DOC#7"},"sk":{"S":"DOC"}})x");
  EXPECT_EQ(ops[0].copied, (std::vector<std::string>{"id", "title", "note", "tag"}));
  EXPECT_EQ(ops[1].kind, ItemOp::Kind::kDelete);  // after the copy
  EXPECT_EQ(ops[1].key.dump(), R"x({"pk":{"S":"DOC#7"},"sk":{"S":"DOC"}})x");
}

}  // namespace
}  // namespace cutover
