// Integration test of the PostgreSQL source's schema and types against a real PostgreSQL 15
// (postgres-source): the table of every type (tests/support/postgres_types.h) loaded by
// LoadTableSchema, every value of its edge rows read by SELECT under SessionSettings() and
// parsed by ParsePostgresText into the exact Value, and LoadSelectedTables' selection, sorting,
// narrowing, key choice and refusals.
#include "support/postgres_types.h"

#include <cmath>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "db/postgres/connection.h"
#include "source/postgres/source_schema.h"
#include "source/postgres/types.h"
#include "support/connection_spec.h"
#include "support/servers.h"

namespace cutover::postgres {
namespace {

Value Dec(std::string_view text) { return Value::Dec(*Decimal::Parse(text)); }
Value Oth(std::string type, std::string text) {
  return Value::FromOther(Other{std::move(type), std::move(text)});
}
Value Day(int32_t year, uint8_t month, uint8_t day) {
  return Value::FromDate(Date{year, month, day, 0});
}
Value InfiniteDay(int8_t sign) { return Value::FromDate(Date{0, 0, 0, sign}); }
DateTime Clock(Date date, uint8_t hour, uint8_t minute, uint8_t second, uint32_t micros,
               uint8_t precision) {
  return DateTime{date, hour, minute, second, micros, precision};
}
Value Bits(uint64_t bits, uint8_t width) { return Value::FromBit(Bit{bits, width}); }

class PostgresTypesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::ServerInfo server = testing::PostgresSource();
    spec_ = testing::ConnectionFor(server, server.database);
    auto opened = Connection::Open(spec_);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    db_ = std::move(*opened);
    // hstore is a trusted extension: a database owner may create it. It is left in place (other
    // tests may be using it).
    with_hstore_ = db_->Execute("CREATE EXTENSION IF NOT EXISTS hstore").ok();
    Run("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
    Run("CREATE SCHEMA " + schema_);
    Run(testing::PostgresTypesSql(schema_, with_hstore_));
    Run(fmt::format(
        "CREATE TABLE {0}.nokey (a int, b text);"
        "CREATE UNLOGGED TABLE {0}.scratch (id int PRIMARY KEY);"
        "CREATE TABLE {0}.uniq (a int NOT NULL, b int NOT NULL, c int, UNIQUE (a, b));"
        "CREATE UNIQUE INDEX uniq_c ON {0}.uniq (c);"
        "CREATE UNIQUE INDEX uniq_partial ON {0}.uniq (a) WHERE a > 0;"
        "CREATE UNIQUE INDEX uniq_expr ON {0}.uniq ((a + 1));"
        "CREATE UNIQUE INDEX uniq_zb ON {0}.uniq (b) INCLUDE (c);"
        "CREATE INDEX uniq_hash ON {0}.uniq USING hash (c);"
        "CREATE TABLE {0}.parted (id int, k int, note text, PRIMARY KEY (id, k)) "
        "PARTITION BY RANGE (k);"
        "CREATE TABLE {0}.parted_1 PARTITION OF {0}.parted FOR VALUES FROM (0) TO (10);"
        "CREATE TABLE {0}.parted_2 PARTITION OF {0}.parted FOR VALUES FROM (10) TO (20);"
        "INSERT INTO {0}.parted SELECT g, g % 20 FROM generate_series(1, 100) g;"
        "ANALYZE {0}.parted_1; ANALYZE {0}.parted_2;",
        schema_));
  }
  void TearDown() override {
    if (db_ != nullptr) (void)db_->Execute("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
  }
  void Run(const std::string& sql) {
    Result<uint64_t> ran = db_->Execute(sql);
    ASSERT_TRUE(ran.ok()) << sql << ": " << ran.status().ToString();
  }
  TableId Table(std::string name) const { return TableId{schema_, std::move(name)}; }
  Spec SpecOf(std::vector<TableRule> rules) const {
    Spec spec;
    spec.tables = std::move(rules);
    return spec;
  }
  // The expected value of each column of `types` in rows 1, 2 and 3 (row 4 is all NULL).
  std::map<std::string, std::vector<Value>> Expected() const {
    const std::string mood_array = schema_ + ".mood[]";
    double inf = std::numeric_limits<double>::infinity();
    DateTime infinite;
    infinite.date.infinity = 1;
    infinite.precision = 3;
    DateTime minus_infinite;
    minus_infinite.date.infinity = -1;
    minus_infinite.precision = 6;
    std::map<std::string, std::vector<Value>> expected = {
        {"c_int2", {Value::Int(-32768), Value::Int(32767), Value::Int(0)}},
        {"c_int4", {Value::Int(-2147483648LL), Value::Int(2147483647), Value::Int(42)}},
        {"c_int8",
         {Value::Int(std::numeric_limits<int64_t>::min()),
          Value::Int(std::numeric_limits<int64_t>::max()), Value::Int(1)}},
        {"c_numeric",
         {Dec("NaN"), Dec("Infinity"),
          Dec("-123456789012345678901234567890.123456789012345678901234567890")}},
        {"c_numeric_ps", {Dec("-99999999.99"), Dec("99999999.99"), Dec("0.50")}},
        {"c_money", {Dec("-92233720368547758.08"), Dec("92233720368547758.07"), Dec("1.50")}},
        {"c_real",
         {Value::Float(-std::numeric_limits<float>::infinity()), Value(), Value::Float(-0.0f)}},
        {"c_double",
         {Value::Double(std::numeric_limits<double>::denorm_min()), Value::Double(inf),
          Value::Double(0.1)}},
        {"c_text", {Value::Str(""), Value::Str("ünï😀 \t\n\\ \"q\""), Value::Str("plain")}},
        {"c_varchar", {Value::Str("a"), Value::Str("0123456789"), Value::Str("mid")}},
        {"c_char", {Value::Str("a    "), Value::Str("abcde"), Value::Str("     ")}},
        {"c_bytea",
         {Value::Bytes(""), Value::Bytes(std::string("\0\xff\x10", 3)),
          Value::Bytes("\xde\xad\xbe\xef")}},
        {"c_bool", {Value::Bool(false), Value::Bool(true), Value::Bool(true)}},
        {"c_date", {InfiniteDay(-1), InfiniteDay(1), Day(-43, 3, 15)}},
        {"c_date2", {Day(-4712, 1, 1), Day(5874897, 12, 31), Day(2024, 2, 29)}},
        {"c_time",
         {Value::FromTime(Time{false, 0, 0, 0, 0, 6}), Value::FromTime(Time{false, 24, 0, 0, 0, 6}),
          Value::FromTime(Time{false, 12, 34, 56, 789000, 6})}},
        {"c_timetz",
         {Oth("time with time zone", "00:00:00+15:59"),
          Oth("time with time zone", "24:00:00-15:59"),
          Oth("time with time zone", "12:00:00.1+05:30")}},
        {"c_timestamp",
         {Value::FromDateTime(minus_infinite),
          Value::FromDateTime(Clock(Date{294276, 12, 31, 0}, 23, 59, 59, 999999, 6)),
          Value::FromDateTime(Clock(Date{-4712, 1, 1, 0}, 0, 0, 0, 0, 6))}},
        {"c_timestamptz",
         {Value::Timestamp(infinite),
          Value::Timestamp(Clock(Date{2024, 1, 1, 0}, 6, 30, 0, 500000, 3)),
          Value::Timestamp(Clock(Date{-999, 1, 1, 0}, 0, 0, 0, 0, 3))}},
        {"c_interval",
         {Oth("interval", "-178000000 years"),
          Oth("interval", "1 year 2 mons -3 days +04:05:06.789"), Oth("interval", "00:00:00")}},
        {"c_uuid",
         {Oth("uuid", "00000000-0000-0000-0000-000000000000"),
          Oth("uuid", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
          Oth("uuid", "6ba7b810-9dad-11d1-80b4-00c04fd430c8")}},
        {"c_json", {Value::Json("{\"b\":1,  \"a\":2}"), Value::Json("[]"), Value::Json("null")}},
        {"c_jsonb",
         {Value::Json("{\"a\": [1, 2], \"b\": 1}"), Value::Json("\"é\""), Value::Json("{}")}},
        {"c_int_array",
         {Oth("integer[]", "{1,NULL,3}"), Oth("integer[]", "{{1,2},{3,4}}"),
          Oth("integer[]", "{}")}},
        {"c_text_array",
         {Oth("text[]", "{\"a b\",\"c\\\"d\",NULL,\"NULL\"}"), Oth("text[]", "{}"),
          Oth("text[]", "{\"\"}")}},
        {"c_mood",
         {Value::FromEnum(Enum{1, "sad"}), Value::FromEnum(Enum{3, "happy"}),
          Value::FromEnum(Enum{2, "ok"})}},
        {"c_mood_array",
         {Oth(mood_array, "{sad,happy}"), Oth(mood_array, "{}"), Oth(mood_array, "{ok}")}},
        {"c_posint", {Value::Int(1), Value::Int(2147483647), Value::Int(5)}},
        {"c_price", {Dec("0.01"), Dec("999999.99"), Dec("1.00")}},
        {"c_posint_array",
         {Oth("integer[]", "{1,2}"), Oth("integer[]", "{}"), Oth("integer[]", "{3}")}},
        {"c_inet",
         {Oth("inet", "192.168.0.1/24"), Oth("inet", "::ffff:1.2.3.4"), Oth("inet", "10.0.0.1")}},
        {"c_cidr", {Oth("cidr", "10.0.0.0/8"), Oth("cidr", "2001:db8::/32"), Oth("cidr", "::/0")}},
        {"c_macaddr",
         {Oth("macaddr", "08:00:2b:01:02:03"), Oth("macaddr", "ff:ff:ff:ff:ff:ff"),
          Oth("macaddr", "00:00:00:00:00:00")}},
        {"c_macaddr8",
         {Oth("macaddr8", "08:00:2b:01:02:03:04:05"), Oth("macaddr8", "ff:ff:ff:ff:ff:ff:ff:ff"),
          Oth("macaddr8", "00:00:00:00:00:00:00:00")}},
        {"c_bit", {Bits(0, 3), Bits(7, 3), Bits(5, 3)}},
        {"c_bit64", {Bits(0, 64), Bits(~uint64_t{0}, 64), Bits((uint64_t{1} << 63) | 1, 64)}},
        {"c_varbit",
         {Oth("bit varying(8)", ""), Oth("bit varying(8)", "11111111"),
          Oth("bit varying(8)", "1")}},
        {"c_tsvector",
         {Oth("tsvector", "'a' 'cat' 'fat'"), Oth("tsvector", "'cat':2 'fat':1A"),
          Oth("tsvector", "")}},
        {"c_int4range",
         {Oth("int4range", "empty"), Oth("int4range", "[1,5)"), Oth("int4range", "(,)")}},
        {"c_multirange",
         {Oth("int4multirange", "{}"), Oth("int4multirange", "{[1,2),[5,6)}"),
          Oth("int4multirange", "{(,)}")}},
    };
    if (with_hstore_) {
      expected["c_hstore"] = {Oth("hstore", ""), Oth("hstore", "\"a\"=>\"1\", \"b c\"=>NULL"),
                              Oth("hstore", "\"x\"=>\"y\"")};
    }
    return expected;
  }

  const std::string schema_ = fmt::format("pgtypes_{}", getpid());
  ConnectionSpec spec_;
  std::unique_ptr<Connection> db_;
  bool with_hstore_ = false;
};

TEST_F(PostgresTypesTest, SchemaOfEveryType) {
  Result<TableSchema> schema = LoadTableSchema(*db_, Table("types"));
  ASSERT_TRUE(schema.ok()) << schema.status().ToString();
  std::vector<std::pair<std::string, std::string>> columns;
  for (const Column& column : schema->columns) {
    EXPECT_TRUE(column.type.postgres) << column.name;
    columns.emplace_back(column.name, column.type.source_name);
  }
  std::vector<std::pair<std::string, std::string>> expected = {
      {"id", "integer"},
      {"c_int2", "smallint"},
      {"c_int4", "integer"},
      {"c_int8", "bigint"},
      {"c_numeric", "numeric"},
      {"c_numeric_ps", "numeric(10,2)"},
      {"c_money", "money"},
      {"c_real", "real"},
      {"c_double", "double precision"},
      {"c_text", "text"},
      {"c_varchar", "character varying(10)"},
      {"c_char", "character(5)"},
      {"c_bytea", "bytea"},
      {"c_bool", "boolean"},
      {"c_date", "date"},
      {"c_date2", "date"},
      {"c_time", "time without time zone"},
      {"c_timetz", "time with time zone"},
      {"c_timestamp", "timestamp without time zone"},
      {"c_timestamptz", "timestamp(3) with time zone"},
      {"c_interval", "interval"},
      {"c_uuid", "uuid"},
      {"c_json", "json"},
      {"c_jsonb", "jsonb"},
      {"c_int_array", "integer[]"},
      {"c_text_array", "text[]"},
      {"c_mood", schema_ + ".mood"},
      {"c_mood_array", schema_ + ".mood[]"},
      {"c_posint", "integer"},  // domains as their base type
      {"c_price", "numeric(8,2)"},
      {"c_posint_array", "integer[]"},
      {"c_inet", "inet"},
      {"c_cidr", "cidr"},
      {"c_macaddr", "macaddr"},
      {"c_macaddr8", "macaddr8"},
      {"c_bit", "bit(3)"},
      {"c_bit64", "bit(64)"},
      {"c_varbit", "bit varying(8)"},
      {"c_tsvector", "tsvector"},
      {"c_int4range", "int4range"},
      {"c_multirange", "int4multirange"}};
  if (with_hstore_) expected.emplace_back("c_hstore", "hstore");
  EXPECT_EQ(columns, expected);  // c_generated left out
  const auto& by_name = [&](std::string_view name) -> const ColumnType& {
    return schema->columns[*schema->ColumnIndex(name)].type;
  };
  EXPECT_EQ(by_name("c_price").type, SqlType::kDecimal);
  EXPECT_EQ(by_name("c_price").precision, 8u);
  EXPECT_EQ(by_name("c_price").scale, 2u);
  EXPECT_EQ(by_name("c_mood").elements, (std::vector<std::string>{"sad", "ok", "happy"}));
  EXPECT_EQ(by_name("c_mood_array").elements, by_name("c_mood").elements);
  EXPECT_TRUE(by_name("c_int_array").elements.empty());
  EXPECT_EQ(by_name("c_timestamptz").fsp, 3);
  EXPECT_EQ(by_name("c_varchar").length, 10u);
  EXPECT_TRUE(by_name("c_jsonb").is_jsonb);
  EXPECT_FALSE(schema->columns[0].nullable);
  EXPECT_TRUE(schema->columns[1].nullable);
  EXPECT_EQ(schema->key, std::vector<size_t>{0});
  EXPECT_EQ(schema->key_index, "types_pkey");
  EXPECT_EQ(schema->charset, "utf8mb4");
  ASSERT_EQ(schema->indexes.size(), 1u);
  EXPECT_EQ(schema->indexes[0],
            (Index{"types_pkey",
                   {"id"},
                   true,
                   true,
                   "CREATE UNIQUE INDEX types_pkey ON " + schema_ + ".types USING btree (id)"}));
}

TEST_F(PostgresTypesTest, EveryValueReadExactly) {
  Result<TableSchema> schema = LoadTableSchema(*db_, Table("types"));
  ASSERT_TRUE(schema.ok()) << schema.status().ToString();
  for (const std::string& setting : SessionSettings()) Run(setting);
  std::string columns;
  for (const Column& column : schema->columns) {
    columns += (columns.empty() ? "" : ", ") + QuoteIdentifier(column.name);
  }
  Result<QueryResult> rows = db_->Query(
      fmt::format("SELECT {} FROM {}.types ORDER BY id", columns, QuoteIdentifier(schema_)));
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->rows.size(), 4u);
  std::map<std::string, std::vector<Value>> expected = Expected();
  for (size_t row_idx = 0; row_idx < 4; ++row_idx) {
    for (size_t column_idx = 1; column_idx < schema->columns.size(); ++column_idx) {
      const Column& column = schema->columns[column_idx];
      const std::optional<std::string>& text = rows->rows[row_idx][column_idx];
      SCOPED_TRACE(
          fmt::format("row {} column {}: '{}'", row_idx + 1, column.name, text.value_or("NULL")));
      if (row_idx == 3) {
        EXPECT_FALSE(text.has_value());
        continue;
      }
      ASSERT_TRUE(text.has_value());
      Result<Value> value = ParsePostgresText(column.type, *text);
      ASSERT_TRUE(value.ok()) << value.status().ToString();
      ASSERT_EQ(expected.count(column.name), 1u);
      const Value& want = expected[column.name][row_idx];
      if (want.is_null()) {  // real NaN, which is not == itself
        ASSERT_EQ(value->kind(), ValueKind::kFloat);
        EXPECT_TRUE(std::isnan(value->as_float()));
        continue;
      }
      EXPECT_EQ(*value, want) << value->ToText();
      if (column.name == "c_real" && row_idx == 2) {
        EXPECT_TRUE(std::signbit(value->as_float()));
      }
    }
  }
}

TEST_F(PostgresTypesTest, KeyIsTheSmallestUsableUniqueIndex) {
  Result<TableSchema> schema = LoadTableSchema(*db_, Table("uniq"));
  ASSERT_TRUE(schema.ok()) << schema.status().ToString();
  // uniq_c is over a nullable column, uniq_partial is partial, uniq_expr an expression: only
  // uniq_a_b_key and uniq_zb (its INCLUDE column is not part of the key) qualify.
  EXPECT_EQ(schema->key_index, "uniq_zb");
  EXPECT_EQ(schema->key, std::vector<size_t>{1});
  std::vector<std::pair<std::string, std::vector<std::string>>> indexes;
  for (const Index& index : schema->indexes) indexes.emplace_back(index.name, index.columns);
  EXPECT_EQ(indexes, (std::vector<std::pair<std::string, std::vector<std::string>>>{
                         {"uniq_a_b_key", {"a", "b"}},
                         {"uniq_c", {"c"}},
                         {"uniq_expr", {}},
                         {"uniq_hash", {}},
                         {"uniq_partial", {}},
                         {"uniq_zb", {"b"}}}));
  EXPECT_EQ(schema->indexes[4].definition, "CREATE UNIQUE INDEX uniq_partial ON " + schema_ +
                                               ".uniq USING btree (a) WHERE (a > 0)");
  EXPECT_FALSE(schema->indexes[0].primary);
  EXPECT_TRUE(schema->indexes[0].unique);

  Result<TableSchema> missing = LoadTableSchema(*db_, Table("nothing"));
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(),
            "table " + schema_ + ".nothing does not exist on the source");
}

TEST_F(PostgresTypesTest, SelectedTablesSortedNarrowedPartitionedAsOne) {
  Spec spec = SpecOf({TableRule{schema_ + ".types", {}, "", {"c_text", "c_mood"}, ""},
                      TableRule{schema_ + ".*", {"*.nokey", "*.scratch"}, "", {}, ""}});
  Result<std::vector<SourceTable>> tables = LoadSelectedTables(*db_, spec);
  ASSERT_TRUE(tables.ok()) << tables.status().ToString();
  std::vector<std::string> names;
  for (const SourceTable& table : *tables) names.push_back(table.schema.id.name);
  EXPECT_EQ(names, (std::vector<std::string>{"parted", "types", "uniq"}));
  const SourceTable& parted = (*tables)[0];
  EXPECT_EQ(parted.rows_estimate, 100);
  EXPECT_EQ(parted.schema.key_index, "parted_pkey");
  EXPECT_EQ(parted.schema.key, (std::vector<size_t>{0, 1}));
  const SourceTable& types = (*tables)[1];
  EXPECT_EQ(types.rule, &spec.tables[0]);
  std::vector<std::string> narrowed;
  for (const Column& column : types.narrowed.columns) narrowed.push_back(column.name);
  EXPECT_EQ(narrowed, (std::vector<std::string>{"id", "c_text", "c_mood"}));
  EXPECT_EQ(types.narrowed.key, std::vector<size_t>{0});
  EXPECT_EQ(types.schema.columns.size(), with_hstore_ ? 42u : 41u);
}

// Whether every change of a table carries whole rows (a resumed copy goes on within such a table
// and reads any other again whole, docs/copy.md): no column that can be TOASTed, or REPLICA
// IDENTITY FULL; for a partitioned table, of every leaf partition.
TEST_F(PostgresTypesTest, WholeRowChangesWithoutToastableColumnsOrWithReplicaIdentityFull) {
  Spec spec = SpecOf({TableRule{schema_ + ".*", {"*.nokey", "*.scratch"}, "", {}, ""}});
  auto whole_rows = [&] {
    std::map<std::string, bool> out;
    Result<std::vector<SourceTable>> tables = LoadSelectedTables(*db_, spec);
    EXPECT_TRUE(tables.ok()) << tables.status().ToString();
    if (!tables.ok()) return out;
    for (const SourceTable& table : *tables) out[table.schema.id.name] = table.whole_row_changes;
    return out;
  };
  EXPECT_EQ(whole_rows(),
            (std::map<std::string, bool>{{"parted", false}, {"types", false}, {"uniq", true}}));
  ASSERT_TRUE(db_->Execute(fmt::format("ALTER TABLE {0}.parted_1 REPLICA IDENTITY FULL; "
                                       "ALTER TABLE {0}.types REPLICA IDENTITY FULL",
                                       schema_))
                  .ok());
  EXPECT_EQ(whole_rows()["parted"], false);  // parted_2 still sends partial rows
  EXPECT_EQ(whole_rows()["types"], true);
  ASSERT_TRUE(
      db_->Execute(fmt::format("ALTER TABLE {0}.parted_2 REPLICA IDENTITY FULL", schema_)).ok());
  EXPECT_EQ(whole_rows()["parted"], true);
}

TEST_F(PostgresTypesTest, RefusesTablesWithoutKeyAndUnloggedOnes) {
  Result<std::vector<SourceTable>> no_key =
      LoadSelectedTables(*db_, SpecOf({TableRule{schema_ + ".*", {"*.scratch"}, "", {}, ""}}));
  EXPECT_EQ(no_key.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(no_key.status().message(),
            "table " + schema_ +
                ".nokey has no primary key and no unique index over NOT NULL columns; cutover "
                "copies and applies changes by key: add a primary key or exclude it in `tables`");
  Result<std::vector<SourceTable>> unlogged =
      LoadSelectedTables(*db_, SpecOf({TableRule{schema_ + ".scratch", {}, "", {}, ""}}));
  EXPECT_EQ(unlogged.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(
      unlogged.status().message(),
      fmt::format("table {0}.scratch is UNLOGGED: its changes are not written to the WAL, "
                  "so logical replication cannot follow them; ALTER TABLE \"{0}\".\"scratch\" "
                  "SET LOGGED, or exclude it in `tables`",
                  schema_));
  Result<std::vector<SourceTable>> bad_column =
      LoadSelectedTables(*db_, SpecOf({TableRule{schema_ + ".uniq", {}, "", {"nope"}, ""}}));
  EXPECT_EQ(bad_column.status().message(),
            fmt::format("tables entry '{0}.uniq': columns: table {0}.uniq has no column 'nope'",
                        schema_));
}

TEST_F(PostgresTypesTest, ColumnTypeByOidAsARelationMessageGivesIt) {
  Result<QueryResult> oid = db_->Query(
      "SELECT atttypid, atttypmod FROM pg_attribute WHERE attrelid = $1::regclass AND attname = "
      "'c_price'",
      {schema_ + ".types"});
  ASSERT_TRUE(oid.ok() && oid->rows.size() == 1);
  Result<ColumnType> price = LoadColumnType(
      *db_, static_cast<uint32_t>(std::stoul(*oid->rows[0][0])), std::stoi(*oid->rows[0][1]));
  ASSERT_TRUE(price.ok()) << price.status().ToString();
  EXPECT_EQ(price->source_name, "numeric(8,2)");
  EXPECT_EQ(LoadColumnType(*db_, 4294967295u, -1).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace cutover::postgres
