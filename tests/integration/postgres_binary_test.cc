// Integration test of BinaryValues against a real PostgreSQL 15 (postgres-source): for every type
// with a binary reader, its edge values and a few thousand generated ones (random numerics of
// every weight and scale, floats of every exponent, timestamps from 4714 BC to 294276 AD,
// intervals with mixed signs, timetz with random offsets...) read from their send form equal the
// same values read from their text output under SessionSettings(); then the same through
// pgoutput: one table's inserts, updates and deletes read from a slot in binary mode and from
// one in text mode give equal values, row by row.
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "db/postgres/connection.h"
#include "source/postgres/binary_values.h"
#include "source/postgres/pgoutput.h"
#include "source/postgres/source_schema.h"
#include "source/postgres/types.h"
#include "support/connection_spec.h"
#include "support/servers.h"

namespace cutover::postgres {
namespace {

// The bytes of a bytea's text output ("\\x" and hex digits: bytea_output is hex).
std::string Bytes(const std::string& bytea_text) {
  static const ColumnType bytea = ColumnTypeOf(PgType{"bytea", "pg_catalog", "bytea", 'b', -1, {}});
  Result<Value> bytes = ParsePostgresText(bytea, bytea_text);
  EXPECT_TRUE(bytes.ok()) << bytes.status().ToString();
  return bytes.ok() ? bytes->as_bytes() : "";
}

// One type: its column, its SQL type ({s}: the test's schema), an expression of g (1..N) that
// generates its values, and its edge values as VALUES rows of text literals.
struct TypeCase {
  std::string column;
  std::string type;
  std::string generated;
  std::string edges;
};

// A sign from g: + or -, alternating with different periods for different uses.
constexpr const char* kSign = "(CASE WHEN g % 2 = 0 THEN -1 ELSE 1 END)";

std::vector<TypeCase> Cases() {
  return {
      {"c_bool", "boolean", "g % 2 = 0", "('t'), ('f')"},
      {"c_int2", "smallint", "(floor(random() * 65536) - 32768)::int2", "('-32768'), ('32767')"},
      {"c_int4", "integer", "(floor(random() * 4294967296) - 2147483648)::int4",
       "('-2147483648'), ('2147483647'), ('0')"},
      {"c_int8", "bigint",
       fmt::format("((floor(random() * 2 ^ 62)::int8 * 2 + g % 2) * {})", kSign),
       "('-9223372036854775808'), ('9223372036854775807'), ('0')"},
      // Digit strings of every length and scale, shifted by 10^-30..10^30; random()s scaled by
      // 10^0..10^29; rounded to 0..19 fraction digits.
      {"c_numeric", "numeric",
       "CASE g % 3 "
       "WHEN 0 THEN ((CASE WHEN g % 2 = 0 THEN '-' ELSE '' END || "
       "translate(md5(g::text), 'abcdef', '123456') || '.' || "
       "left(translate(md5((g + 1)::text), 'abcdef', '789012'), g % 33))::numeric * "
       "power(10::numeric, g % 61 - 30)) "
       "WHEN 1 THEN (random() * 10 ^ (g % 30))::numeric "
       "ELSE round((random() - 0.5)::numeric, g % 20) END",
       "('NaN'), ('Infinity'), ('-Infinity'), ('0'), ('0.00'), ('-0.000'), ('1e-20'), ('0.0001'), "
       "('0.000120'), ('12345678901234567890.123'), ('1e1000'), ('1e-16383'), "
       "('-99999999999999999999.99999999999999999999')"},
      {"c_numeric_ps", "numeric(10,2)", "round(((random() - 0.5) * 1.9e8)::numeric, 2)",
       "('99999999.99'), ('-99999999.99'), ('0'), ('1.5')"},
      {"c_money", "money",
       "CASE WHEN g % 2 = 0 THEN (floor((random() - 0.5) * 1.8e19) / 100)::numeric::money "
       "ELSE ((random() - 0.5) * 2000)::numeric(10,2)::money END",
       "('-92233720368547758.08'), ('92233720368547758.07'), ('0'), ('-0.01')"},
      {"c_real", "real", fmt::format("((random() + 0.1) * {} * 10 ^ (g % 76 - 40))::float4", kSign),
       "('NaN'), ('Infinity'), ('-Infinity'), ('-0'), ('0'), ('1e-45'), ('1.17549435e-38'), "
       "('3.4028235e38'), ('-3.4028235e38')"},
      {"c_double", "double precision",
       fmt::format("CASE WHEN g % 5 = 0 THEN random() "
                   "ELSE (random() + 0.1) * {} * 10 ^ (g % 600 - 300) END",
                   kSign),
       "('NaN'), ('Infinity'), ('-Infinity'), ('-0'), ('5e-324'), ('1e-310'), "
       "('2.2250738585072014e-308'), ('1.7976931348623157e308'), ('-1.7976931348623157e308')"},
      {"c_text", "text",
       "repeat(md5(g::text), g % 4) || CASE WHEN g % 5 = 0 THEN chr(233) || chr(128512) ELSE '' "
       "END || CASE WHEN g % 7 = 0 THEN E' \\t\\n\\\\\"' ELSE '' END",
       "(''), ('ünï😀 \"q\"')"},
      {"c_varchar", "varchar(20)", "left(md5(g::text), g % 21)", "(''), ('01234567890123456789')"},
      {"c_char", "char(10)", "left(md5(g::text), g % 11)", "(''), ('a'), ('abcdefghij')"},
      {"c_bytea", "bytea", "decode(left(md5(g::text), 2 * (g % 17)), 'hex')",
       "('\\x'), ('\\x00ff10')"},
      // Any day PostgreSQL has (Julian day 0 to 2147483493), or one near 2000.
      {"c_date", "date",
       "CASE WHEN g % 2 = 0 THEN '4713-11-24 BC'::date + floor(random() * 2147483494)::int "
       "ELSE '2000-01-01'::date + floor((random() - 0.5) * 2e6)::int END",
       "('-infinity'), ('infinity'), ('4713-11-24 BC'), ('5874897-12-31'), ('0001-01-01'), "
       "('0001-12-31 BC'), ('2000-02-29'), ('1900-03-01')"},
      {"c_time", "time", "'00:00:00'::time + random() * interval '24 hours'",
       "('00:00:00'), ('24:00:00'), ('23:59:59.999999')"},
      {"c_time3", "time(3)", "'00:00:00'::time + random() * interval '24 hours'",
       "('12:34:56.789'), ('24:00:00')"},
      {"c_timetz", "timetz",
       "(('00:00:00'::time + random() * interval '24 hours')::text || "
       "CASE WHEN g % 2 = 0 THEN '+' ELSE '-' END || lpad((g % 16)::text, 2, '0') || ':' || "
       "lpad((g / 3 % 60)::text, 2, '0') || ':' || lpad((g / 7 % 4 * 15)::text, 2, '0'))::timetz",
       "('00:00:00+15:59'), ('24:00:00-15:59'), ('12:00:00.1+05:30'), ('00:00:00+00'), "
       "('23:59:59.999999+15:59:59'), ('00:00:00-15:59:59')"},
      {"c_timetz0", "timetz(0)",
       "(('00:00:00'::time + random() * interval '24 hours')::text || '-0' || g % 10)::timetz",
       "('24:00:00+15:59'), ('12:34:56.5-01')"},
      // Any second from 4714-11-24 BC to 294276-12-31 plus a random microsecond, or one near
      // 2000.
      {"c_timestamp", "timestamp",
       "CASE WHEN g % 2 = 0 THEN (to_timestamp(-210866803199 + random() * 9435184819198) "
       "AT TIME ZONE 'UTC') + (g % 1000000) * interval '1 microsecond' "
       "ELSE '2000-01-01'::timestamp + (random() - 0.5) * interval '200 years' END",
       "('-infinity'), ('infinity'), ('4714-11-24 00:00:00 BC'), "
       "('294276-12-31 23:59:59.999999'), ('2000-01-01 00:00:00'), "
       "('1999-12-31 23:59:59.999999'), ('0001-12-31 23:59:59.999999 BC')"},
      {"c_timestamptz", "timestamptz",
       "CASE WHEN g % 2 = 0 THEN to_timestamp(-210866803199 + random() * 9435184819198) + "
       "(g % 1000000) * interval '1 microsecond' "
       "ELSE '2000-01-01'::timestamptz + (random() - 0.5) * interval '200 years' END",
       "('-infinity'), ('infinity'), ('4714-11-24 00:00:00+00 BC'), "
       "('294276-12-31 23:59:59.999999+00'), ('0001-12-31 23:59:59.999999+00 BC')"},
      {"c_timestamptz3", "timestamptz(3)",
       "'2000-01-01'::timestamptz + (random() - 0.5) * interval '2000 years'",
       "('2024-01-01 12:00:00.1235+00'), ('infinity')"},
      // Months, days and time each zero, small or large, with independent signs.
      {"c_interval", "interval",
       "make_interval(months => CASE g % 3 WHEN 0 THEN 0 WHEN 1 THEN (random() * 30 - 15)::int "
       "ELSE ((random() - 0.5) * 4e9)::int8::int END, "
       "days => CASE g / 3 % 3 WHEN 0 THEN 0 WHEN 1 THEN (random() * 60 - 30)::int "
       "ELSE ((random() - 0.5) * 4e9)::int8::int END) + "
       "CASE g / 9 % 4 WHEN 0 THEN 0 WHEN 1 THEN (random() - 0.5) * 2e6 "
       "WHEN 2 THEN (random() - 0.5) * 2e11 ELSE (random() - 0.5) * 1.8e16 END "
       "* interval '1 microsecond'",
       "('00:00:00'), ('-00:00:01'), ('1 year 2 mons -3 days 04:05:06.789'), "
       "('-178000000 years'), ('178956970 years 7 mons'), ('-178956970 years -8 mons'), "
       "('-2147483648 days'), ('2147483647 days'), ('2562047788:00:54.775807'), "
       "('-2562047788:00:54.775807'), ('-1 days +04:05:06')"},
      {"c_interval_ym", "interval year to month",
       "make_interval(months => ((random() - 0.5) * 4e9)::int8::int)",
       "('-178956970 years -8 mons'), ('1 mon'), ('0')"},
      {"c_interval2", "interval(2)", "(random() - 0.5) * interval '100 days 12:00:00.999'",
       "('-00:00:00.01'), ('1 day -00:00:00.99')"},
      {"c_uuid", "uuid", "gen_random_uuid()",
       "('00000000-0000-0000-0000-000000000000'), ('ffffffff-ffff-ffff-ffff-ffffffffffff')"},
      {"c_json", "json",
       "CASE WHEN g % 2 = 0 THEN json_build_object('g', g, 's', md5(g::text), 'a', "
       "json_build_array(g, random())) ELSE ('{ \"x\" :  ' || g || ' }')::json END",
       "('[]'), ('null'), ('{\"b\":1,  \"a\":2}'), ('\"\\u00e9\"')"},
      {"c_jsonb", "jsonb",
       "jsonb_build_object('g', g, 's', md5(g::text), 'n', random(), 'u', chr(233 + g % 1000))",
       "('{}'), ('[]'), ('null'), ('{\"b\":1, \"a\":[1,2]}'), ('\"\\u00e9\"')"},
      {"c_mood", "{s}.mood", "(ARRAY['sad', 'ok', 'happy'])[g % 3 + 1]::{s}.mood",
       "('sad'), ('happy')"},
      {"c_posint", "{s}.posint", "g::{s}.posint", "('1'), ('2147483647')"},
      {"c_price", "{s}.price", "round((random() * 1e6)::numeric, 2)::{s}.price",
       "('-999999.99'), ('999999.99')"},
      {"c_bit1", "bit(1)", "(g % 2)::bit(1)", "('0'), ('1')"},
      {"c_bit7", "bit(7)", "(g % 128)::bit(7)", "('0000000'), ('1111111')"},
      {"c_bit64", "bit(64)",
       fmt::format("((floor(random() * 2 ^ 62)::int8 * 2 + g % 2) * {})::bit(64)", kSign),
       fmt::format("('{}'), ('{}')", std::string(64, '0'), std::string(64, '1'))},
  };
}

// "" when `bytes` reads as the Value `text` gives, else what differs.
std::string Mismatch(const ColumnType& type, const std::string& text, const std::string& bytes) {
  Result<Value> from_text = ParsePostgresText(type, text);
  Result<Value> from_binary = ParsePostgresBinary(type, bytes);
  if (!from_text.ok()) return "text: " + from_text.status().ToString();
  if (!from_binary.ok()) return "binary: " + from_binary.status().ToString();
  if (*from_binary == *from_text) return "";
  return fmt::format("'{}' ({}) read from binary {} as '{}' ({})", text,
                     ValueKindName(from_text->kind()), HexBytes(bytes), from_binary->ToText(),
                     ValueKindName(from_binary->kind()));
}

class PostgresBinaryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::ServerInfo server = testing::PostgresSource();
    auto opened = Connection::Open(testing::ConnectionFor(server, server.database));
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    db_ = std::move(*opened);
    // pg_logical_slot_get_binary_changes decodes in this session: the text values it gives are
    // what ParsePostgresText reads only under these settings.
    for (const std::string& setting : SessionSettings()) Run(setting);
    Run(
        fmt::format("DROP SCHEMA IF EXISTS {0} CASCADE; CREATE SCHEMA {0}; "
                    "CREATE TYPE {0}.mood AS ENUM ('sad', 'ok', 'happy'); "
                    "CREATE DOMAIN {0}.posint AS integer CHECK (VALUE > 0); "
                    "CREATE DOMAIN {0}.price AS numeric(8,2)",
                    schema_));
  }
  void TearDown() override {
    if (db_ == nullptr) return;
    for (const std::string& slot : {slot_ + "_text", slot_ + "_binary"}) {
      (void)db_->Execute(
          "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
          "WHERE slot_name = '" +
          slot + "'");
    }
    (void)db_->Execute("DROP PUBLICATION IF EXISTS " + slot_);
    (void)db_->Execute("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
  }
  void Run(const std::string& sql) {
    Result<uint64_t> ran = db_->Execute(sql);
    ASSERT_TRUE(ran.ok()) << sql << ": " << ran.status().ToString();
  }
  // `text` with each {s} replaced by the test's schema.
  std::string Sql(std::string text) const {
    for (size_t at = text.find("{s}"); at != std::string::npos; at = text.find("{s}", at)) {
      text.replace(at, 3, schema_);
    }
    return text;
  }
  // The ColumnType of `table`.`column`, as the change stream gets it (type OID and typmod).
  ColumnType TypeOf(const std::string& table, const std::string& column) {
    Result<QueryResult> attribute = db_->Query(fmt::format(
        "SELECT atttypid, atttypmod FROM pg_attribute WHERE attrelid = '{}.{}'::regclass AND "
        "attname = '{}'",
        schema_, table, column));
    EXPECT_TRUE(attribute.ok() && attribute->rows.size() == 1);
    if (!attribute.ok() || attribute->rows.size() != 1) return ColumnType();
    Result<ColumnType> type =
        LoadColumnType(*db_, std::stoul(*attribute->rows[0][0]), std::stoi(*attribute->rows[0][1]));
    EXPECT_TRUE(type.ok()) << type.status().ToString();
    return type.ok() ? *type : ColumnType();
  }
  // The slot's pgoutput messages (protocol 1), in binary mode or text mode, assembled.
  std::vector<PgTransaction> ReadSlot(const std::string& slot, bool binary) {
    Result<QueryResult> rows = db_->Query(
        fmt::format("SELECT data FROM pg_logical_slot_get_binary_changes('{}', NULL, NULL, "
                    "'proto_version', '1', 'publication_names', '{}', 'binary', '{}')",
                    slot, slot_, binary ? "true" : "false"));
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    std::vector<PgTransaction> out;
    if (!rows.ok()) return out;
    PgoutputAssembler assembler;
    for (const SqlRow& row : rows->rows) {
      Result<std::vector<PgTransaction>> done = assembler.Feed(Bytes(*row[0]));
      EXPECT_TRUE(done.ok()) << done.status().ToString();
      if (!done.ok()) break;
      for (PgTransaction& transaction : *done) out.push_back(std::move(transaction));
    }
    return out;
  }

  const std::string schema_ = fmt::format("pgbinary_{}", getpid());
  const std::string slot_ = fmt::format("cutover_pgbinary_{}", getpid());
  std::unique_ptr<Connection> db_;
};

TEST_F(PostgresBinaryTest, EveryValueReadsTheSameFromItsSendFormAsFromItsText) {
  constexpr size_t kGenerated = 3000;
  size_t checked = 0;
  for (const TypeCase& type_case : Cases()) {
    const std::string table = type_case.column;
    const std::string type = Sql(type_case.type);
    Run(
        fmt::format("CREATE TABLE {0}.{1} (v {2}); "
                    "INSERT INTO {0}.{1} SELECT {3} FROM generate_series(1, {4}) g; "
                    "INSERT INTO {0}.{1} SELECT v::{2} FROM (VALUES {5}) e(v)",
                    schema_, table, type, Sql(type_case.generated), kGenerated, type_case.edges));
    if (HasFatalFailure()) return;
    ColumnType column_type = TypeOf(table, "v");
    ASSERT_TRUE(HasBinaryReader(column_type)) << type;
    // The type's own send function (a domain's is its base type's).
    Result<QueryResult> rows = db_->Query(fmt::format(
        "SELECT v, {}(v) FROM {}.{}",
        *db_->Query(
                fmt::format("SELECT typsend::text FROM pg_type WHERE oid = '{}'::regtype", type))
             ->rows[0][0],
        schema_, table));
    ASSERT_TRUE(rows.ok()) << rows.status().ToString();
    ASSERT_GT(rows->rows.size(), kGenerated);
    size_t mismatches = 0;
    std::string first;
    for (const SqlRow& row : rows->rows) {
      std::string mismatch = Mismatch(column_type, *row[0], Bytes(*row[1]));
      if (mismatch.empty()) continue;
      if (mismatches++ == 0) first = mismatch;
    }
    EXPECT_EQ(mismatches, 0u) << type << ", of " << rows->rows.size()
                              << " values; the first: " << first;
    checked += rows->rows.size();
  }
  EXPECT_GT(checked, Cases().size() * kGenerated);
}

// Through pgoutput: the same inserts, updates and deletes (REPLICA IDENTITY FULL: old rows
// whole) read from a slot in binary mode and from one in text mode are the same rows; NULLs and
// an unchanged TOAST value come the same way in both.
TEST_F(PostgresBinaryTest, PgoutputBinaryTuplesEqualTextTuples) {
  const std::vector<TypeCase> cases = Cases();
  std::string definitions;
  std::string columns;
  std::string generated;
  for (const TypeCase& type_case : cases) {
    definitions += fmt::format(", {} {}", type_case.column, Sql(type_case.type));
    columns += (columns.empty() ? "" : ", ") + type_case.column;
    generated += (generated.empty() ? "" : ", ") + Sql(type_case.generated);
  }
  const std::string t = schema_ + ".t";
  Run(
      fmt::format("CREATE TABLE {} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY{}); "
                  "ALTER TABLE {} REPLICA IDENTITY FULL; CREATE PUBLICATION {} FOR TABLE {}",
                  t, definitions, t, slot_, t));
  for (const std::string& slot : {slot_ + "_text", slot_ + "_binary"}) {
    Run("SELECT pg_create_logical_replication_slot('" + slot + "', 'pgoutput')");
  }
  Run(fmt::format("INSERT INTO {} ({}) SELECT {} FROM generate_series(1, 300) g", t, columns,
                  generated));
  for (const TypeCase& type_case : cases) {  // each edge value in a row of its own
    Run(fmt::format("INSERT INTO {0} ({1}) SELECT v::{2} FROM (VALUES {3}) e(v)", t,
                    type_case.column, Sql(type_case.type), type_case.edges));
  }
  Run(
      fmt::format("UPDATE {} SET c_text = c_text || '!', c_int8 = c_int8 / 3, "
                  "c_interval = c_interval / 2, c_numeric = c_numeric * 2, "
                  "c_uuid = gen_random_uuid(), c_mood = 'ok', c_bit7 = ~c_bit7 WHERE id % 3 = 0",
                  t));
  Run(fmt::format("UPDATE {} SET c_jsonb = NULL, c_date = 'infinity' WHERE id % 7 = 0", t));
  // A value stored out of line (TOAST), then an update that leaves it as it is.
  Run(
      fmt::format("UPDATE {} SET c_text = (SELECT string_agg(md5(i::text), '') FROM "
                  "generate_series(1, 4000) i) WHERE id = 1; UPDATE {} SET c_int4 = 0 WHERE id = 1",
                  t, t));
  Run(fmt::format("DELETE FROM {} WHERE id % 5 = 0", t));

  std::vector<PgTransaction> text = ReadSlot(slot_ + "_text", false);
  std::vector<PgTransaction> binary = ReadSlot(slot_ + "_binary", true);
  ASSERT_EQ(text.size(), binary.size());
  std::map<uint32_t, std::vector<ColumnType>> types;  // by relation OID
  size_t rows = 0;
  size_t values = 0;
  size_t unchanged = 0;  // unchanged TOAST values
  size_t mismatches = 0;
  std::string first;
  auto compare = [&](const std::vector<ColumnType>& column_types, const PgTuple& text_tuple,
                     const PgTuple& binary_tuple, const std::string& where) {
    ASSERT_EQ(text_tuple.size(), column_types.size()) << where;
    ASSERT_EQ(binary_tuple.size(), column_types.size()) << where;
    ++rows;
    for (size_t column_idx = 0; column_idx < column_types.size(); ++column_idx) {
      const PgColumnValue& in_text = text_tuple[column_idx];
      const PgColumnValue& in_binary = binary_tuple[column_idx];
      const std::string at =
          fmt::format("{}, column {}", where, column_types[column_idx].source_name);
      if (in_text.kind != PgColumnValue::Kind::kText) {
        EXPECT_EQ(in_binary.kind, in_text.kind) << at;
        if (in_text.kind == PgColumnValue::Kind::kUnchanged) ++unchanged;
        continue;
      }
      ASSERT_EQ(in_binary.kind, PgColumnValue::Kind::kBinary) << at;
      ++values;
      std::string mismatch = Mismatch(column_types[column_idx], in_text.bytes, in_binary.bytes);
      if (!mismatch.empty() && mismatches++ == 0) first = at + ": " + mismatch;
    }
  };
  for (size_t transaction_idx = 0; transaction_idx < text.size(); ++transaction_idx) {
    const std::vector<PgMessage>& text_messages = text[transaction_idx].messages;
    const std::vector<PgMessage>& binary_messages = binary[transaction_idx].messages;
    ASSERT_EQ(text_messages.size(), binary_messages.size());
    for (size_t message_idx = 0; message_idx < text_messages.size(); ++message_idx) {
      const PgMessage& in_text = text_messages[message_idx];
      const PgMessage& in_binary = binary_messages[message_idx];
      ASSERT_EQ(in_text.type, in_binary.type);
      const std::string where =
          fmt::format("transaction {}, message {}", transaction_idx, message_idx);
      if (in_text.type == PgMessage::Type::kRelation) {
        std::vector<ColumnType>& column_types = types[in_text.relation.oid];
        column_types.clear();
        for (const PgRelationColumn& column : in_text.relation.columns) {
          Result<ColumnType> type = LoadColumnType(*db_, column.type_oid, column.type_modifier);
          ASSERT_TRUE(type.ok()) << type.status().ToString();
          EXPECT_TRUE(HasBinaryReader(*type)) << type->source_name;
          column_types.push_back(*type);
        }
        continue;
      }
      if (in_text.type != PgMessage::Type::kInsert && in_text.type != PgMessage::Type::kUpdate &&
          in_text.type != PgMessage::Type::kDelete) {
        continue;
      }
      ASSERT_TRUE(types.count(in_text.relation.oid)) << where;
      const std::vector<ColumnType>& column_types = types[in_text.relation.oid];
      ASSERT_EQ(in_text.old_kind, in_binary.old_kind) << where;
      ASSERT_EQ(in_text.old_tuple.has_value(), in_binary.old_tuple.has_value()) << where;
      ASSERT_EQ(in_text.new_tuple.has_value(), in_binary.new_tuple.has_value()) << where;
      if (in_text.old_tuple) compare(column_types, *in_text.old_tuple, *in_binary.old_tuple, where);
      if (in_text.new_tuple) compare(column_types, *in_text.new_tuple, *in_binary.new_tuple, where);
    }
  }
  // 300 generated rows and the edge rows (one value each) inserted; every third updated (old and
  // new rows), every seventh again; every fifth deleted.
  EXPECT_EQ(mismatches, 0u) << "of " << values << " values; the first: " << first;
  EXPECT_GT(rows, 600u);
  EXPECT_EQ(unchanged, 1u);
  EXPECT_GT(values, 500 * cases.size());
}

}  // namespace
}  // namespace cutover::postgres
