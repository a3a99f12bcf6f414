// `cutover run` from a PostgreSQL 15 source, end to end, over the table of every type with edge
// values (tests/support/postgres_types.h, with hstore): integers at their limits, numeric NaN and
// +-Infinity, real/double NaN, +-Infinity and -0, money, empty and unicode text, bytea with \x00,
// dates and timestamps at +-infinity and BC, time 24:00, interval, uuid, json/jsonb, arrays with
// NULL elements and two dimensions, an enum, domains, network addresses, bit/varbit, tsvector,
// ranges (empty) and hstore. The run copies it, then CDC carries inserts of every edge row,
// updates from one edge to the other (and from NULL to values and back), a key change and a
// delete. Into each target, compared independently of cutover:
//   - PostgreSQL: every column reads back as the same text the source shows;
//   - MariaDB: the values docs/type-mapping.md refuses are refused by the run (copy and CDC) and
//     by `check`, with the exact text; the holdable edges read back as the mapping stores them;
//   - DynamoDB: every item holds the attributes the mapping's rules make of the source's text.
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "postgres_source_dynamodb_support.h"
#include "run_support.h"
#include "source/postgres/types.h"
#include "support/postgres_types.h"
#include "verify_support.h"

namespace cutover {
namespace {

using copytest::Lines;
using namespace std::chrono_literals;
using namespace pgsource;
using nlohmann::json;

// How the DynamoDB target holds a column by default (docs/type-mapping.md), from the source's
// text (as the source's SELECT below spells it).
enum class Attribute { kN, kS, kBool, kB, kDate, kTime, kTimestamp, kTimestamptz, kJson, kBits };

struct TypeColumn {
  const char* name;
  const char* mariadb;  // a MariaDB expression giving the source's text ({} the column)
  const char* source;   // the source expression compared with it
  Attribute dynamodb;
};

constexpr const char* kTrimFraction = "TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM {}))";

// Every column of the types table but id (and the generated column cutover leaves out).
const std::vector<TypeColumn>& TypeColumns() {
  static const std::vector<TypeColumn> columns = {
      {"c_int2", "{}", "{}", Attribute::kN},
      {"c_int4", "{}", "{}", Attribute::kN},
      {"c_int8", "{}", "{}", Attribute::kN},
      {"c_numeric", kTrimFraction, "trim_scale({})", Attribute::kS},  // a `string` rule
      {"c_numeric_ps", "{}", "{}", Attribute::kN},
      {"c_money", "{}", "{}::numeric", Attribute::kN},
      // MariaDB shows FLOAT with 6 digits: both sides as the float's double value.
      {"c_real", "{} + 0e0", "replace({}::float8::text, 'e+', 'e')", Attribute::kS},
      {"c_double", "{}", "replace({}::text, 'e+', 'e')", Attribute::kS},
      {"c_text", "{}", "{}", Attribute::kS},
      {"c_varchar", "{}", "{}", Attribute::kS},
      {"c_char", "{}", "{}", Attribute::kS},
      {"c_bytea", "LOWER(HEX({}))", "encode({}, 'hex')", Attribute::kB},
      {"c_bool", "{}", "{}::int", Attribute::kBool},
      {"c_date", "{}", "{}", Attribute::kDate},
      {"c_date2", "{}", "{}", Attribute::kDate},
      {"c_time", kTrimFraction, "{}", Attribute::kTime},
      {"c_timetz", "{}", "{}", Attribute::kS},
      {"c_timestamp", kTrimFraction, "{}", Attribute::kTimestamp},
      {"c_timestamptz", "CONCAT(TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM {})), '+00')", "{}",
       Attribute::kTimestamptz},
      {"c_interval", "{}", "{}", Attribute::kS},
      {"c_uuid", "{}", "{}", Attribute::kS},
      {"c_json", "{}", "{}", Attribute::kJson},
      {"c_jsonb", "{}", "{}", Attribute::kJson},
      {"c_int_array", "{}", "{}", Attribute::kS},
      {"c_text_array", "{}", "{}", Attribute::kS},
      {"c_mood", "{}", "{}", Attribute::kS},
      {"c_mood_array", "{}", "{}", Attribute::kS},
      {"c_posint", "{}", "{}", Attribute::kN},
      {"c_price", "{}", "{}", Attribute::kN},
      {"c_posint_array", "{}", "{}", Attribute::kS},
      {"c_inet", "{}", "{}", Attribute::kS},
      {"c_cidr", "{}", "{}", Attribute::kS},
      {"c_macaddr", "{}", "{}", Attribute::kS},
      {"c_macaddr8", "{}", "{}", Attribute::kS},
      {"c_bit", "LPAD(BIN({}), 3, '0')", "{}", Attribute::kBits},
      {"c_bit64", "LPAD(BIN({}), 64, '0')", "{}", Attribute::kBits},
      {"c_varbit", "{}", "{}", Attribute::kS},
      {"c_tsvector", "{}", "{}", Attribute::kS},
      {"c_int4range", "{}", "{}", Attribute::kS},
      {"c_multirange", "{}", "{}", Attribute::kS},
      {"c_hstore", "{}", "{}", Attribute::kS},
  };
  return columns;
}

// A PostgreSQL date's text ("2024-02-29", "0044-03-15 BC", "infinity") as ISO 8601 with
// astronomical years ("-0043-03-15"), as docs/type-mapping.md writes it for DynamoDB.
std::string IsoDate(const std::string& text) {
  if (text == "infinity" || text == "-infinity") return text;
  const size_t dash = text.find('-');
  const bool bc = text.ends_with(" BC");
  if (!bc) return text;
  const long year = 1 - std::stol(text.substr(0, dash));
  const std::string rest = text.substr(dash, text.size() - 3 - dash);
  return (year < 0 ? "-" : "") + fmt::format("{:04d}", year < 0 ? -year : year) + rest;
}

// A timestamp's text ("2024-01-01 12:00:00.5", "4713-01-01 00:00:00 BC", "... +00") as ISO
// 8601 with `digits` fraction digits (and `Z` for a timestamptz).
std::string IsoTimestamp(std::string text, int digits, bool zoned) {
  if (text == "infinity" || text == "-infinity") return text;
  const bool bc = text.ends_with(" BC");
  if (bc) text.resize(text.size() - 3);
  if (zoned) text.resize(text.rfind('+'));
  const size_t space = text.find(' ');
  std::string date = text.substr(0, space) + (bc ? " BC" : "");
  std::string time = text.substr(space + 1);
  std::string fraction;
  if (size_t dot = time.find('.'); dot != std::string::npos) {
    fraction = time.substr(dot + 1);
    time.resize(dot);
  }
  fraction.resize(digits, '0');
  return IsoDate(date) + "T" + time + (digits > 0 ? "." + fraction : "") + (zoned ? "Z" : "");
}

json JsonAttribute(const json& value) {
  switch (value.type()) {
    case json::value_t::null: return {{"NULL", true}};
    case json::value_t::boolean: return {{"BOOL", value.get<bool>()}};
    case json::value_t::string: return {{"S", value.get<std::string>()}};
    case json::value_t::array: {
      json list = json::array();
      for (const json& element : value) list.push_back(JsonAttribute(element));
      return {{"L", list}};
    }
    case json::value_t::object: {
      json map = json::object();
      for (const auto& [name, element] : value.items()) map[name] = JsonAttribute(element);
      return {{"M", map}};
    }
    default: return {{"N", value.dump()}};
  }
}

// The source text of a column (as TypeColumn::source or the DynamoDB select spells it) as the
// attribute docs/type-mapping.md says DynamoDB holds.
json ExpectedAttribute(const std::string& name, Attribute kind, const std::string& text) {
  switch (kind) {
    case Attribute::kN: return {{"N", text}};
    case Attribute::kS: return {{"S", text}};
    case Attribute::kBool: return {{"BOOL", text == "t"}};
    case Attribute::kB: return {{"B", text}};
    case Attribute::kDate: return {{"S", IsoDate(text)}};
    case Attribute::kTime: {  // with the fraction of the column's precision (6)
      std::string time = text.substr(0, text.find('.'));
      std::string fraction =
          text.find('.') == std::string::npos ? "" : text.substr(text.find('.') + 1);
      fraction.resize(6, '0');
      return {{"S", time + "." + fraction}};
    }
    case Attribute::kTimestamp: return {{"S", IsoTimestamp(text, 6, false)}};
    case Attribute::kTimestamptz: return {{"S", IsoTimestamp(text, 3, true)}};
    case Attribute::kJson: return JsonAttribute(json::parse(text));
    case Attribute::kBits: return {{"N", std::to_string(std::stoull(text, nullptr, 2))}};
  }
  ADD_FAILURE() << name;
  return {};
}

class RunPostgresTypesTest : public PostgresSourceDynamoDbTest {
 protected:
  RunPostgresTypesTest() : PostgresSourceDynamoDbTest("pgtyp", /*workload_tables=*/false) {}

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(PostgresSourceDynamoDbTest::SetUp());
    // hstore is a trusted extension; it stays (other tests may use it).
    PgExec(*source_, "CREATE EXTENSION IF NOT EXISTS hstore");
    PgExec(*source_, testing::PostgresTypesSql(schema_, true));
    for (const std::string& setting : postgres::SessionSettings()) PgExec(*source_, setting);
    types_ = schema_ + ".types";
  }

  std::unique_ptr<runtest::CutoverProcess> StartRun(const std::string& env = "") {
    return std::make_unique<runtest::CutoverProcess>("run " + spec_.string() + " --status-every 1",
                                                     DynamoDbEnv() + " " + env, dir_ / "run.out");
  }
  // `cutover run` to CDC: the copy is done.
  std::unique_ptr<runtest::CutoverProcess> RunToCdc() {
    auto run = StartRun();
    EXPECT_TRUE(runtest::WaitForCdc(*run, 90s)) << run->Output();
    return run;
  }

  // The column list, with id first ("id, c_int2, ...").
  static std::string ColumnList(const char* TypeColumn::*expression = nullptr) {
    std::string list = "id";
    for (const TypeColumn& column : TypeColumns()) {
      list += ", " + (expression == nullptr
                          ? std::string(column.name)
                          : fmt::format(fmt::runtime(column.*expression), column.name));
    }
    return list;
  }

  // The changes CDC carries, to edge values `edges` holds (the table itself, or a copy of it
  // made holdable): rows 11..14 inserted with the values of 1..4; row 1 updated to the high
  // edges, row 2 to the low ones, row 4 from NULLs to ordinary values, row 11 to NULLs; row 3
  // deleted; row 14's key changed to 20; extra edges on row 12 (`row12_sql`, a SET list).
  void ChangeEveryColumn(const std::string& row12_sql) {
    std::string columns;
    for (const TypeColumn& column : TypeColumns()) {
      columns += (columns.empty() ? "" : ", ") + std::string(column.name);
    }
    auto copy_row = [&](int to, int from) {
      return fmt::format(
          "UPDATE {0} SET ({1}) = (SELECT {1} FROM {0} WHERE id = {2}) WHERE id = {3}", types_,
          columns, from, to);
    };
    PgExec(*source_,
           fmt::format("INSERT INTO {0} (id, {1}) SELECT id + 10, {1} FROM {0}", types_, columns));
    PgExec(*source_, "BEGIN; " + copy_row(1, 12) + "; " + copy_row(2, 11) + "; " + copy_row(4, 13) +
                         "; " + copy_row(11, 14) + "; COMMIT");
    PgExec(*source_, "DELETE FROM " + types_ + " WHERE id = 3");
    PgExec(*source_, "UPDATE " + types_ + " SET id = 20 WHERE id = 14");
    if (!row12_sql.empty())
      PgExec(*source_, "UPDATE " + types_ + " SET " + row12_sql + " WHERE id = 12");
  }

  // Waits (at most `timeout`) until `target_rows()` equals `source_rows()`, then expects it.
  template <typename SourceRows, typename TargetRows>
  void ExpectRowsEqual(SourceRows source_rows, TargetRows target_rows, const std::string& context) {
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (source_rows() != target_rows() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(300ms);
    }
    std::vector<std::string> expected = source_rows();
    std::vector<std::string> actual = target_rows();
    EXPECT_EQ(actual.size(), expected.size());
    EXPECT_TRUE(actual == expected) << runtest::RowsDiff(expected, actual) << context;
  }

  // The run's output once it ended (at most 60 s), and its exit code in *code.
  static std::string EndedOutput(runtest::CutoverProcess& run, int* code) {
    EXPECT_TRUE(run.WaitFor(60s, code)) << "still running:\n" << run.Output();
    return run.Output();
  }

  std::string types_;
};

// PostgreSQL -> PostgreSQL: the target's text of every column equals the source's, after the
// copy and after CDC.
TEST_F(RunPostgresTypesTest, IntoPostgresEveryValueReadsBackAsTheSource) {
  ASSERT_NO_FATAL_FAILURE(UsePostgresTarget(""));
  PgExec(*pg_target_, "CREATE EXTENSION IF NOT EXISTS hstore");
  for (const std::string& setting : postgres::SessionSettings()) PgExec(*pg_target_, setting);
  const std::string select = "SELECT " + ColumnList() + " FROM " + types_ + " ORDER BY id";
  auto source_rows = [&] { return PgLines(*source_, select); };
  auto target_rows = [&] { return PgLines(*pg_target_, select); };
  auto run = RunToCdc();
  ASSERT_FALSE(HasFailure());
  ExpectRowsEqual(source_rows, target_rows, "after the copy\n" + run->Output());
  ChangeEveryColumn(
      "c_numeric = '-Infinity', c_real = '-0', c_double = '-Infinity', c_text = '', c_bytea = "
      "'\\x00', c_date = '0001-01-01 BC', c_timestamptz = '-infinity', c_interval = '-1 "
      "days -00:00:01', c_int4range = 'empty', c_int_array = '{{NULL,NULL},{NULL,1}}'");
  ExpectRowsEqual(source_rows, target_rows, "after CDC\n" + run->Output());
  runtest::StopRun(*run);
}

// The source's values MariaDB cannot hold replaced by holdable edges (the limits of DECIMAL(65,30),
// FLOAT, DOUBLE, DATE, DATETIME).
constexpr const char* kHoldableSql =
    "UPDATE {0} SET c_numeric = "
    "'-99999999999999999999999999999999999.999999999999999999999999999999', c_real = "
    "'-3.4028235e+38', c_double = '-1.7976931348623157e+308', c_date = '0001-01-01', c_date2 = "
    "'1000-01-01', c_timestamp = '0001-01-01 00:00:00', c_timestamptz = '9999-12-31 "
    "23:59:59.999+00' WHERE id = 1;"
    "UPDATE {0} SET c_numeric = "
    "'99999999999999999999999999999999999.999999999999999999999999999999', c_real = "
    "'3.4028235e+38', c_double = '1.7976931348623157e+308', c_date = '9999-12-31', c_date2 = "
    "'1970-01-01', c_timestamp = '9999-12-31 23:59:59.999999' WHERE id = 2;"
    "UPDATE {0} SET c_real = '-1.5', c_date = '2000-02-29', c_timestamp = '1000-01-01 "
    "00:00:00.000001', c_timestamptz = '0001-01-01 00:00:00+00' WHERE id = 3";

// PostgreSQL -> MariaDB: `check` refuses a numeric wider than DECIMAL's limits, naming it; the
// run refuses NaN in the copy, naming the column.
TEST_F(RunPostgresTypesTest, IntoMariaDbCheckAndCopyRefuseWhatMariaDbCannotHold) {
  PgExec(*source_, "CREATE TABLE " + schema_ + ".wide (id int PRIMARY KEY, amount numeric(70,2))");
  ASSERT_NO_FATAL_FAILURE(UseMariaDbTarget(""));
  verifytest::VerifyRun check = verifytest::RunCutover(dir_, "check " + spec_.string());
  EXPECT_NE(check.exit_code, 0) << check.out << check.err;
  EXPECT_NE((check.out + check.err)
                .find(schema_ +
                      ".wide: column amount is numeric(70,2), which MariaDB/MySQL cannot hold "
                      "(DECIMAL has at most 65 digits, 30 after the point): leave it out with the "
                      "table's `columns` list, or narrow it on the source"),
            std::string::npos)
      << check.out << check.err;
  PgExec(*source_, "DROP TABLE " + schema_ + ".wide");

  auto run = StartRun();
  int code = 0;
  const std::string output = EndedOutput(*run, &code);
  EXPECT_NE(code, 0) << output;
  EXPECT_NE(output.find(types_ +
                        " column c_numeric: NaN has no MariaDB DECIMAL value; it is never written "
                        "altered: leave the column out with the table's `columns` list, or change "
                        "the value on the source"),
            std::string::npos)
      << output;
}

// PostgreSQL -> MariaDB: the holdable edges copied and changed through CDC read back as the
// mapping stores them; then a value MariaDB cannot hold, arriving through CDC, stops the run
// with the exact reason and is not written.
TEST_F(RunPostgresTypesTest, IntoMariaDbHoldableEdgesEqualAndCdcRefusesTheRest) {
  PgExec(*source_, fmt::format(fmt::runtime(kHoldableSql), types_));
  ASSERT_NO_FATAL_FAILURE(UseMariaDbTarget(""));
  auto source_rows = [&] {
    return PgLines(
        *source_, "SELECT " + ColumnList(&TypeColumn::source) + " FROM " + types_ + " ORDER BY id");
  };
  auto target_rows = [&] {
    return Lines(*maria_target_,
                 "SELECT " + ColumnList(&TypeColumn::mariadb) + " FROM " + types_ + " ORDER BY id");
  };
  auto run = RunToCdc();
  ASSERT_FALSE(HasFailure());
  ExpectRowsEqual(source_rows, target_rows, "after the copy\n" + run->Output());
  ChangeEveryColumn(
      "c_numeric = '0.000000000000000000000000000001', c_real = '1.5', c_double = "
      "'2.2250738585072014e-308', c_text = '', c_bytea = '\\x00'");
  ExpectRowsEqual(source_rows, target_rows, "after CDC\n" + run->Output());

  PgExec(*source_, "UPDATE " + types_ + " SET c_date = 'infinity' WHERE id = 1");
  int code = 0;
  const std::string output = EndedOutput(*run, &code);
  EXPECT_NE(code, 0) << output;
  EXPECT_NE(output.find(types_ +
                        " column c_date: the date infinity is outside MariaDB's years 1..9999; it "
                        "is never written altered: leave the column out with the table's "
                        "`columns` list, or change the value on the source"),
            std::string::npos)
      << output;
  EXPECT_EQ(Lines(*maria_target_, "SELECT c_date FROM " + types_ + " WHERE id = 1"),
            std::vector<std::string>{"9999-12-31"});
}

// PostgreSQL -> DynamoDB: without a rule, numeric NaN is refused naming the column; with the
// `string` rule on the columns that hold NaN and infinities, every item equals the source row
// as the mapping's rules make it, after the copy and after CDC.
TEST_F(RunPostgresTypesTest, IntoDynamoDbEveryItemHoldsTheMappedValues) {
  const std::string entry = "  " + types_ + ": {table: " + schema_ + ", pk: \"T#{id}\", sk: \"T\"";
  ASSERT_NO_FATAL_FAILURE(UseDynamoDbTarget(entry + "}\n", ""));
  {
    runtest::CutoverProcess refused("run " + spec_.string(), DynamoDbEnv(), dir_ / "refused.out");
    int code = 0;
    const std::string output = EndedOutput(refused, &code);
    EXPECT_NE(code, 0) << output;
    EXPECT_NE(output.find("column 'c_numeric': DECIMAL NaN has no DynamoDB number"),
              std::string::npos)
        << output;
  }
  std::filesystem::remove_all(dir_ / "state");
  PgExec(*source_, "SELECT pg_drop_replication_slot('" + SlotName() + "')");
  testing::DropTableAndWait(*client_, table_);
  ASSERT_NO_FATAL_FAILURE(UseDynamoDbTarget(
      entry + ", types: {c_numeric: string, c_real: string, c_double: string}}\n", ""));

  std::string select = "SELECT id";
  for (const TypeColumn& column : TypeColumns()) {
    // The source's own text; money as its number, bytea as base64 (docs/type-mapping.md).
    const std::string name = column.name;
    select += ", " + (column.dynamodb == Attribute::kB
                          ? "replace(encode(" + name + ", 'base64'), E'\\n', '')"
                          : name + (name == "c_money" ? "::numeric" : ""));
  }
  select += " FROM " + types_;
  auto expected_items = [&] {
    std::map<std::string, json> items;
    for (const std::vector<std::string>& cells : PgCells(*source_, select)) {
      json item = {
          {"pk", {{"S", "T#" + cells[0]}}}, {"sk", {{"S", "T"}}}, {"id", {{"N", cells[0]}}}};
      for (size_t column_idx = 0; column_idx < TypeColumns().size(); ++column_idx) {
        const TypeColumn& column = TypeColumns()[column_idx];
        const std::string& text = cells[column_idx + 1];
        if (text == "NULL") continue;
        item[column.name] = ExpectedAttribute(column.name, column.dynamodb, text);
      }
      items["T#" + cells[0] + "|T"] = CanonicalItem(item);
    }
    return items;
  };
  auto expect_items = [&](const std::string& context) {
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (expected_items() != Items() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(300ms);
    }
    std::map<std::string, json> expected = expected_items();
    std::map<std::string, json> actual = Items();
    EXPECT_TRUE(actual == expected) << ItemsDiff(expected, actual) << context;
  };
  auto run = RunToCdc();
  ASSERT_FALSE(HasFailure());
  expect_items("after the copy\n" + run->Output());
  ChangeEveryColumn(
      "c_numeric = '-Infinity', c_real = '-0', c_double = '-Infinity', c_text = '', "
      "c_bytea = '\\x00', c_date = '0001-01-01 BC'");
  expect_items("after CDC\n" + run->Output());
  runtest::StopRun(*run);
}

}  // namespace
}  // namespace cutover
