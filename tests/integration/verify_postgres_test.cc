// `cutover verify` after `cutover copy` MariaDB -> PostgreSQL: the copy tests' schema (every
// column type with edge values, a composite text key under a case-insensitive collation, a
// binary key, a filtered table with a column subset, a table keyed by a unique index) gives
// 0 differences and exit 0; a target corrupted on purpose (columns updated, rows deleted,
// rows inserted, keys changed) gives exactly those keys, with the first differing column and
// both values, and exit 1; an unreachable target exits 2.
#include <csignal>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <set>

#include <gtest/gtest.h>

#include "copy_support.h"
#include "db/postgres/connection.h"
#include "run_support.h"
#include "source/mysql/snapshot_schema.h"
#include "verify/postgres_checksum_sql.h"
#include "verify_support.h"

namespace cutover {
namespace {

using nlohmann::json;
using verifytest::EntryOf;
using verifytest::Listed;
using verifytest::ReadAll;
using verifytest::Verify;
using verifytest::VerifyRun;
using namespace std::chrono_literals;

// Both servers, a source database and a target schema named `db_` (<prefix>_<pid>), a
// temporary directory for the spec and the state; all removed afterwards (kept after a failure
// with CUTOVER_TEST_KEEP set, to investigate).
class PostgresPairTest : public ::testing::Test {
 protected:
  // Call with ASSERT_NO_FATAL_FAILURE from SetUp.
  void Open(const std::string& prefix) {
    ASSERT_TRUE(testing::EnsureServer("mariadb-source"));
    ASSERT_TRUE(testing::EnsureServer("postgres-target"));
    source_ = copytest::Connect(testing::MariaDbSource());
    ASSERT_NE(source_, nullptr);
    testing::ServerInfo pg = testing::PostgresTarget();
    Result<std::unique_ptr<postgres::Connection>> target =
        postgres::Connection::Open(copytest::ConnectionFor(pg, pg.database));
    ASSERT_TRUE(target.ok()) << target.status().ToString();
    target_ = *std::move(target);
    db_ = prefix + "_" + std::to_string(getpid());
    dir_ = copytest::MakeTempDir("cutover_" + prefix);
    spec_ = dir_ / "spec.yaml";
    PgExec("DROP SCHEMA IF EXISTS " + db_ + " CASCADE");
  }
  void TearDown() override {
    if (HasFailure() && std::getenv("CUTOVER_TEST_KEEP") != nullptr) return;  // to investigate
    if (source_) copytest::Exec(*source_, "DROP DATABASE IF EXISTS " + db_);
    if (target_) PgExec("DROP SCHEMA IF EXISTS " + db_ + " CASCADE");
    if (!migration_.empty()) {  // the applier's checkpoint of a `cutover run`
      PgExec("DELETE FROM cutover.cutover_checkpoints WHERE migration = '" + migration_ + "'");
    }
    std::filesystem::remove_all(dir_);
  }
  void PgExec(const std::string& sql) {
    Result<uint64_t> result = target_->Execute(sql);
    ASSERT_TRUE(result.ok()) << sql << ": " << result.status().ToString();
  }

  std::unique_ptr<mysql::Connection> source_;
  std::unique_ptr<postgres::Connection> target_;
  std::string db_;
  std::string migration_;  // set by a test that runs `cutover run`
  std::filesystem::path dir_;
  std::filesystem::path spec_;
};

class VerifyPostgresTest : public PostgresPairTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(Open("verify_pg"));
    copytest::CreateSourceSchema(*source_, db_);
    CreateChecksumTable();
    copytest::WriteFile(
        spec_, copytest::CopySpec("verify-pg", testing::MariaDbSource(),
                                  copytest::PostgresTargetYaml(testing::PostgresTarget()),
                                  copytest::SourceTablesYaml(db_), (dir_ / "state").string(),
                                  copytest::SmallChunks()));
    copytest::RunResult copy = copytest::RunCopy(spec_);
    ASSERT_EQ(copy.exit_code, 0) << copy.output;
  }
  // typesum: every type of docs/type-mapping.md but JSON, 300 rows of varied values (zero
  // dates, negative times, floats of every magnitude, text with '|', latin1, '' and NULL) and a
  // row of NULLs, so that the checksums of a faithful copy are equal in several chunks.
  void CreateChecksumTable() {
    copytest::Exec(*source_, "SET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION'");
    copytest::Exec(
        *source_,
        "CREATE TABLE " + db_ +
            ".typesum (id INT PRIMARY KEY, ti TINYINT, tu TINYINT UNSIGNED, si SMALLINT, "
            "su SMALLINT UNSIGNED, mi MEDIUMINT, mu MEDIUMINT UNSIGNED, i INT, iu INT UNSIGNED, "
            "bi BIGINT, bu BIGINT UNSIGNED, de DECIMAL(30,10), du DECIMAL(10,2) UNSIGNED, "
            "fl FLOAT, dbl DOUBLE, bt BIT(10), b64 BIT(64), yr YEAR, d DATE, t TIME(3), t0 TIME, "
            "dt DATETIME(6), dt0 DATETIME, ts TIMESTAMP(6) NULL DEFAULT NULL, c CHAR(5), "
            "vc VARCHAR(100), tx TEXT, mt MEDIUMTEXT, bn BINARY(4), vb VARBINARY(20), bl BLOB, "
            "en ENUM('x','y z'), st SET('a','b','c'), l1 VARCHAR(20) CHARACTER SET latin1, "
            "g POINT)");
    copytest::Exec(
        *source_,
        "INSERT INTO " + db_ +
            ".typesum SELECT seq, seq % 256 - 128, seq % 256, seq * 100 - 15000, seq * 200, "
            "-seq * 1000, seq * 5000, seq * 7919 - 1000000, seq * 14000000, "
            "seq * -30000000000007, 18446744073709551615 - seq, seq * 1234.5678901234 - 100000, "
            "seq / 7, IF(seq % 2, -1, 1) * seq * 1.1e-3, "
            "IF(seq % 3, -1, 1) * POW(10, seq % 40 - 20) * seq / 7, seq % 1024, "
            "18446744073709551615 - seq * 999, IF(seq % 50 = 0, 0, 1901 + seq % 255), "
            "IF(seq % 37 = 0, '0000-00-00', '0999-12-31' + INTERVAL seq * 40 DAY), "
            "SEC_TO_TIME(seq * 10007.125 - 1500000), SEC_TO_TIME(seq * 301 - 45000), "
            "TIMESTAMPADD(MICROSECOND, seq * 98765432101, '1000-01-01'), "
            "IF(seq % 41 = 0, '0000-00-00 00:00:00', '2024-02-29 23:59:59' - INTERVAL seq HOUR), "
            "IF(seq % 10 = 0, NULL, IF(seq % 43 = 0, '0000-00-00 00:00:00', "
            "FROM_UNIXTIME(seq * 1000003.25))), LEFT(MD5(seq), 5), "
            "CONCAT('v|', seq, ' é✓ ', REPEAT('x', seq % 10)), "
            "IF(seq % 11 = 0, '', CONCAT('line', CHAR(10), seq, '|')), "
            "REPEAT('ü', seq % 5), UNHEX(LPAD(HEX(seq * 65599), 8, '0')), "
            "IF(seq % 13 = 0, X'', UNHEX(MD5(seq))), UNHEX(REPEAT('FF00', seq % 7)), "
            "ELT(1 + seq % 2, 'x', 'y z'), MAKE_SET(seq % 8, 'a', 'b', 'c'), "
            "CONCAT('café €', seq), POINT(seq, -seq / 3) "
            "FROM (SELECT CAST(seq AS SIGNED) AS seq FROM seq_1_to_300) AS numbers");
    copytest::Exec(*source_,
                   "INSERT INTO " + db_ +
                       ".typesum VALUES (1000, 127, 255, 32767, 65535, -8388608, 16777215, "
                       "-2147483648, 4294967295, -9223372036854775808, 18446744073709551615, "
                       "'-12345678901234567890.0123456789', 99999999.99, -3.5, "
                       "1.7976931348623157e308, b'1111111111', b'0', 2155, '2024-00-10', "
                       "'-838:59:59.000', '838:59:59', '9999-12-31 23:59:59.999999', "
                       "'2024-00-10 00:00:00', '2038-01-19 03:14:07.999999', '', '', NULL, '', "
                       "X'', X'', X'', 'x', '', '', NULL), (1001, NULL, NULL, NULL, NULL, NULL, "
                       "NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
                       "NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
                       "NULL, NULL, NULL, NULL, NULL), (1002, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, "
                       "-0.0, 2.2250738585072014e-308, 0, 0, 0, '0000-00-00', '00:00:00', "
                       "'-00:00:00.5', '0000-00-00 00:00:00', '0000-00-00 00:00:00', "
                       "'1970-01-01 00:00:01', 'a', 'NULL', '|', 'x', 0x7C7C7C7C, 0xFF, 0x00, "
                       "'y z', 'a,b,c', '|', POINT(0, 0))");
  }

  // Corrupts the target: see ReportsExactlyTheCorruptedKeys.
  void CorruptTarget() {
    std::string types = db_ + ".types";
    // Values: a fraction one microsecond off, a JSON document, two columns of one row (the
    // first in column order is named).
    PgExec("UPDATE " + types + " SET dt = '1000-01-01 00:00:00.000001' WHERE id = 1");
    PgExec("UPDATE " + types + " SET js = '{\"a\": [1, 2.5, true]}' WHERE id = 2");
    PgExec("UPDATE " + types + " SET de = 0.5, ti = 1 WHERE id = 3");
    // Integer key: deleted, inserted before the first, between and after the last key, changed.
    std::string uniq = db_ + ".uniq_only";
    PgExec("DELETE FROM " + uniq + " WHERE code IN (3, 6)");
    PgExec("INSERT INTO " + uniq + " VALUES (0, 'zero'), (4, 'four'), (5000, 'late')");
    PgExec("UPDATE " + uniq + " SET code = 9999 WHERE code = 30");
    PgExec("UPDATE " + uniq + " SET v = 'x' WHERE code = 300");
    // Text key (utf8mb4_general_ci on the source): a key changed only by case, a row deleted,
    // a row added whose key MariaDB would take for an existing one (trailing space), a value.
    std::string composite = db_ + ".composite";
    PgExec("UPDATE " + composite + " SET tenant = 'b' WHERE tenant = 'B' AND line = 7");
    PgExec("DELETE FROM " + composite + " WHERE tenant = 'é' AND line = 3");
    PgExec("INSERT INTO " + composite + " VALUES ('Zed ', 4, 1, 'pad')");
    PgExec("UPDATE " + composite + " SET qty = 99 WHERE tenant = 'a' AND line = 6");
    // Binary key; a row of the filtered table that the filter leaves out.
    PgExec("UPDATE " + db_ + ".binkey SET v = 0 WHERE code = ''::bytea");
    PgExec("INSERT INTO " + db_ + ".binkey VALUES ('\\x0000'::bytea, 5)");
    PgExec("INSERT INTO " + db_ + ".filtered VALUES (3, 'p3')");
  }
};

TEST_F(VerifyPostgresTest, EveryTypeIsEqualAfterTheCopy) {
  VerifyRun run = Verify(dir_, spec_.string() + " --json");
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(run.report["differences"], 0) << run.out;
  EXPECT_EQ(run.report["complete"], true);
  EXPECT_EQ(EntryOf(run.report, db_ + ".types")["rows"], 3);
  EXPECT_EQ(EntryOf(run.report, db_ + ".composite")["rows"], 3000);
  EXPECT_EQ(EntryOf(run.report, db_ + ".binkey")["rows"], 1503);
  EXPECT_EQ(EntryOf(run.report, db_ + ".filtered")["rows"], 667);
  EXPECT_EQ(EntryOf(run.report, db_ + ".uniq_only")["rows"], 700);
  // The text-keyed table's target is scanned once for rows no source key accounts for.
  EXPECT_EQ(EntryOf(run.report, db_ + ".composite", true)["rows"], 3000);
  EXPECT_EQ(EntryOf(run.report, db_ + ".typesum")["rows"], 303);
  EXPECT_EQ(run.report["tables"].size(), 7u) << run.out;
  VerifyRun text = Verify(dir_, spec_.string());
  ASSERT_EQ(text.exit_code, 0) << text.out << text.err;
  EXPECT_TRUE(text.out.ends_with("\n0 differences\n")) << text.out;
}

// The canonical row text of every typesum row, computed by MariaDB over the source and by
// PostgreSQL over the copy, is the same byte for byte, column by column (a mismatch names the
// column); so are the whole-table checksums; and verify settles every chunk of typesum by its
// checksums (no chunk read row by row), while the text-keyed table goes row by row.
TEST_F(VerifyPostgresTest, ChecksumsAreEqualAfterTheCopyColumnByColumn) {
  Result<TableSchema> schema = mysql::LoadTableSchema(*source_, TableId{db_, "typesum"});
  ASSERT_TRUE(schema.ok()) << schema.status().ToString();
  ASSERT_EQ(verify::PostgresChecksumGap(*schema), std::nullopt);
  std::string source_fields = "`id`";
  std::string target_fields = "\"id\"::text AS key_text";
  for (const Column& column : schema->columns) {
    source_fields += ", " + verify::SourceCanonicalField(column).value();
    target_fields += ", " + verify::TargetCanonicalField(column).value();
  }
  source_fields += ", " + verify::SourceCanonicalRow(*schema);
  target_fields += ", " + verify::TargetCanonicalRow(*schema);
  Result<mysql::QueryResult> source_rows =
      source_->Query("SELECT " + source_fields + " FROM " + db_ + ".typesum ORDER BY id");
  ASSERT_TRUE(source_rows.ok()) << source_rows.status().ToString();
  Result<postgres::QueryResult> target_rows = target_->Query(
      "SELECT " + target_fields + " FROM " + db_ + ".typesum AS t ORDER BY t.id", {});
  ASSERT_TRUE(target_rows.ok()) << target_rows.status().ToString();
  ASSERT_EQ(source_rows->rows.size(), 303u);
  ASSERT_EQ(target_rows->rows.size(), 303u);
  int mismatches = 0;
  for (size_t row = 0; row < source_rows->rows.size(); ++row) {
    for (size_t field = 0; field <= schema->columns.size() + 1; ++field) {
      const std::optional<std::string>& want = source_rows->rows[row][field];
      const std::optional<std::string>& have = target_rows->rows[row][field];
      if (want == have || ++mismatches > 20) continue;
      std::string name = field == 0                        ? "id"
                         : field <= schema->columns.size() ? schema->columns[field - 1].name
                                                           : "(row)";
      ADD_FAILURE() << "id " << source_rows->rows[row][0].value_or("NULL") << " " << name
                    << ": MariaDB " << want.value_or("NULL") << ", PostgreSQL "
                    << have.value_or("NULL");
    }
  }
  EXPECT_EQ(mismatches, 0);
  schema->id = TableId{db_, "typesum"};
  Result<std::string> source_sql =
      verify::BuildSourcePostgresChecksum(*schema, std::nullopt, std::nullopt, "");
  postgres::Params params;
  Result<std::string> target_sql =
      verify::BuildTargetPostgresChecksum(*schema, std::nullopt, std::nullopt, &params);
  ASSERT_TRUE(source_sql.ok() && target_sql.ok());
  Result<mysql::QueryResult> source_sum = source_->Query(*source_sql);
  Result<postgres::QueryResult> target_sum = target_->Query(*target_sql, params);
  ASSERT_TRUE(source_sum.ok()) << source_sum.status().ToString();
  ASSERT_TRUE(target_sum.ok()) << target_sum.status().ToString();
  EXPECT_EQ(source_sum->rows[0][0], "303");
  EXPECT_EQ(target_sum->rows[0][0], "303");
  EXPECT_EQ(source_sum->rows[0][1], verify::TargetHashAsSource(target_sum->rows[0][1]));
  EXPECT_NE(source_sum->rows[0][1], "0");

  VerifyRun run = Verify(dir_, spec_.string() + " --json --chunk-time 0");
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  const json& typesum = EntryOf(run.report, db_ + ".typesum");
  EXPECT_EQ(typesum["rows"], 303);
  EXPECT_EQ(typesum["chunks"], 4);
  EXPECT_EQ(typesum["chunks_compared_by_rows"], 0) << typesum;
  // MariaDB's JSON is LONGTEXT (copied as text): types has checksums too.
  for (const char* table : {".binkey", ".filtered", ".uniq_only", ".types"}) {
    EXPECT_EQ(EntryOf(run.report, db_ + table)["chunks_compared_by_rows"], 0) << table;
  }
  // A text key (composite): row by row.
  const json& composite = EntryOf(run.report, db_ + ".composite");
  EXPECT_EQ(composite["chunks_compared_by_rows"], composite["chunks"]) << composite;

  // A target column of another type than the copy's, where the canonical text's functions do
  // not apply (extract(year from text)): the table goes row by row, which finds it equal.
  PgExec("ALTER TABLE " + db_ + ".typesum ALTER COLUMN t TYPE text");
  VerifyRun kept =
      Verify(dir_, spec_.string() + " --json --chunk-time 0 --tables " + db_ + ".typesum");
  ASSERT_EQ(kept.exit_code, 0) << kept.out << kept.err;
  const json& kept_entry = EntryOf(kept.report, db_ + ".typesum");
  EXPECT_EQ(kept_entry["rows"], 303);
  EXPECT_EQ(kept_entry["chunks_compared_by_rows"], 4) << kept_entry;
}

// Each planted difference (one value of each type, '' and NULL both ways, a missing row, an
// extra row before the first key and after the last) is found by the checksums and reported
// with exactly its key and column; only the chunks holding them are read row by row.
TEST_F(VerifyPostgresTest, ChecksumsFindEachPlantedDifference) {
  std::string table = db_ + ".typesum";
  std::vector<std::pair<int, std::string>> changes = {
      {11, "ti = 99"},
      {12, "tu = 0"},
      {13, "si = 1"},
      {14, "su = 1"},
      {15, "mi = 1"},
      {16, "mu = 1"},
      {17, "i = 1"},
      {18, "iu = 1"},
      {19, "bi = 1"},
      {20, "bu = 1"},
      {21, "de = 0.0000000001"},
      {22, "du = 0"},
      {23, "fl = fl * 1.000001"},
      {24, "dbl = dbl * 1.0000000000000004"},
      {25, "bt = B'0000000000'"},
      {26, "b64 = b64 # 1::bigint::bit(64)"},
      {27, "yr = 1999"},
      {28, "d = d + 1"},
      {29, "t = t + interval '0.001 second'"},
      {30, "t0 = t0 + interval '24 hours' - interval '1 day'"},  // "1 day" is no TIME
      {31, "dt = dt + interval '1 microsecond'"},
      {32, "dt0 = dt0 + interval '1 second'"},
      {33, "ts = ts + interval '1 microsecond'"},
      {34, "c = 'ZZZZZ'"},
      {35, "vc = vc || ' '"},
      {36, "tx = ''"},
      {44, "tx = NULL"},  // '' on the source
      {37, "mt = mt || 'x'"},
      {38, "bn = '\\x00000000'"},
      {39, "vb = vb || '\\x00'::bytea"},
      {40, "bl = bl || '\\x01'::bytea"},
      {41, "en = CASE WHEN en = 'x' THEN 'y z' ELSE 'x' END"},
      {42, "st = 'c'"},
      {45, "l1 = l1 || 'é'"},
      {46, "g = g || '\\x00'::bytea"},
      {1001, "tx = ''"},  // NULL on the source
  };
  // A report lists 20 differences: two rounds, the first one's rows put back in between.
  PgExec("CREATE TABLE " + table + "_copied AS SELECT * FROM " + table);
  auto corrupt = [&](size_t from, size_t to) {
    std::set<std::string> want;
    for (size_t at = from; at < to; ++at) {
      const auto& [id, assignment] = changes[at];
      PgExec("UPDATE " + table + " SET " + assignment + " WHERE id = " + std::to_string(id));
      want.insert("different id=" + std::to_string(id) + " " +
                  assignment.substr(0, assignment.find(' ')));
    }
    return want;
  };
  auto check = [&](const std::set<std::string>& want, int different, int missing, int extra,
                   int by_rows) {
    VerifyRun run = Verify(dir_, spec_.string() + " --json --chunk-time 0 --tables " + table);
    ASSERT_EQ(run.exit_code, 1) << run.out << run.err;
    const json& entry = EntryOf(run.report, table);
    std::set<std::string> found;
    for (const json& difference : entry["differences"]) {
      std::string line =
          difference["kind"].get<std::string>() + " " + difference["key"].get<std::string>();
      if (difference["kind"] == "different") line += " " + difference["column"].get<std::string>();
      found.insert(line);
    }
    EXPECT_EQ(found, want) << entry.dump(2);
    EXPECT_EQ(entry["different"], different);
    EXPECT_EQ(entry["missing"], missing);
    EXPECT_EQ(entry["extra"], extra);
    EXPECT_EQ(entry["rows"], 303);
    EXPECT_EQ(entry["chunks"], 4);
    EXPECT_EQ(entry["chunks_compared_by_rows"], by_rows) << entry;
  };
  std::set<std::string> first = corrupt(0, 17);
  PgExec("DELETE FROM " + table + " WHERE id = 50");
  PgExec("INSERT INTO " + table + " (id) VALUES (-5), (100000)");
  first.insert({"missing id=50", "extra id=-5", "extra id=100000"});
  check(first, 17, 1, 2, 2);  // the first chunk and the last
  PgExec("DELETE FROM " + table + " WHERE id NOT IN (SELECT id FROM " + table + "_copied)");
  PgExec("DELETE FROM " + table + " WHERE id <= 50");
  PgExec("INSERT INTO " + table + " SELECT * FROM " + table + "_copied WHERE id <= 50");
  check(corrupt(17, changes.size()), 19, 0, 0, 2);  // ids up to 46, and 1001
}

TEST_F(VerifyPostgresTest, ReportsExactlyTheCorruptedKeys) {
  CorruptTarget();
  std::string types = db_ + ".types";
  std::string uniq = db_ + ".uniq_only";
  std::string composite = db_ + ".composite";
  VerifyRun run = Verify(dir_, spec_.string() + " --json");
  ASSERT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_EQ(run.report["differences"], 19) << run.out;
  const json& types_entry = EntryOf(run.report, types);
  EXPECT_EQ(types_entry["different"], 3);
  EXPECT_EQ(Listed(types_entry),
            (std::set<std::string>{
                "different id=1 dt \"1000-01-01 00:00:00.000000\" \"1000-01-01 00:00:00.000001\"",
                "different id=2 js \"[]\" \"{\\\"a\\\": [1, 2.5, true]}\"",
                "different id=3 ti \"NULL\" \"1\""}))
      << types_entry.dump(2);
  const json& uniq_entry = EntryOf(run.report, uniq);
  EXPECT_EQ(uniq_entry["rows"], 700);
  EXPECT_EQ(uniq_entry["missing"], 3);
  EXPECT_EQ(uniq_entry["extra"], 4);
  EXPECT_EQ(uniq_entry["different"], 1);
  EXPECT_EQ(Listed(uniq_entry),
            (std::set<std::string>{"missing code=3", "missing code=6", "missing code=30",
                                   "extra code=0", "extra code=4", "extra code=5000",
                                   "extra code=9999", "different code=300 v \"v100\" \"x\""}))
      << uniq_entry.dump(2);
  const json& composite_entry = EntryOf(run.report, composite);
  EXPECT_EQ(Listed(composite_entry),
            (std::set<std::string>{"missing tenant=B line=7", "missing tenant=é line=3",
                                   "different tenant=a line=6 qty \"6\" \"99\""}))
      << composite_entry.dump(2);
  EXPECT_EQ(composite_entry["extra"], 0);
  const json& composite_scan = EntryOf(run.report, composite, true);
  EXPECT_EQ(composite_scan["rows"], 3000);
  EXPECT_EQ(Listed(composite_scan),
            (std::set<std::string>{"extra tenant=b line=7", "extra tenant=Zed  line=4"}))
      << composite_scan.dump(2);
  EXPECT_EQ(Listed(EntryOf(run.report, db_ + ".binkey")),
            (std::set<std::string>{"different code=0x v \"-3\" \"0\"", "extra code=0x0000"}));
  EXPECT_EQ(Listed(EntryOf(run.report, db_ + ".filtered")), (std::set<std::string>{"extra id=3"}));

  VerifyRun text = Verify(dir_, spec_.string());
  EXPECT_EQ(text.exit_code, 1) << text.out << text.err;
  EXPECT_TRUE(text.out.ends_with("\n19 differences\n")) << text.out;

  // One chunk per table: binkey's 1504 target rows are read in two keyset pages of 1000.
  VerifyRun whole = Verify(dir_, spec_.string() + " --json --chunk-rows 5000");
  ASSERT_EQ(whole.exit_code, 1) << whole.out << whole.err;
  EXPECT_EQ(whole.report["differences"], 19) << whole.out;
  for (const char* table : {".types", ".uniq_only", ".composite", ".binkey", ".filtered"}) {
    EXPECT_EQ(Listed(EntryOf(whole.report, db_ + table)), Listed(EntryOf(run.report, db_ + table)))
        << table;
  }
  EXPECT_EQ(EntryOf(whole.report, db_ + ".binkey")["chunks"], 1);
}

// Killed inside the text-keyed table: the next run continues, and the scan of that table
// knows the keys of the chunks the killed run checked (they are not extra).
TEST_F(VerifyPostgresTest, KilledVerifyContinuesAndScansForTheRealExtrasOnly) {
  CorruptTarget();
  VerifyRun full = Verify(dir_, spec_.string() + " --json --chunk-time 0");
  ASSERT_EQ(full.exit_code, 1) << full.out << full.err;
  // binkey's 16 chunks come first (--chunk-time 0: checksums do not grow them), so the 20th
  // recorded chunk is composite's 4th.
  VerifyRun killed = Verify(dir_, spec_.string() + " --json --chunk-time 0",
                            "CUTOVER_TEST_PAUSE_AT=verify_chunk_recorded:20:kill");
  ASSERT_EQ(killed.signal, SIGKILL) << killed.exit_code << killed.out << killed.err;
  VerifyRun resumed = Verify(dir_, spec_.string() + " --json --chunk-time 0");
  ASSERT_EQ(resumed.exit_code, 1) << resumed.out << resumed.err;
  EXPECT_EQ(resumed.report["resumed"], true);
  EXPECT_EQ(resumed.report["differences"], 19) << resumed.out;
  const json& composite = EntryOf(resumed.report, db_ + ".composite");
  EXPECT_EQ(composite["chunks_checked"], composite["chunks"].get<int64_t>() - 4) << composite;
  for (const char* table : {".binkey", ".composite", ".uniq_only"}) {
    EXPECT_EQ(Listed(EntryOf(resumed.report, db_ + table)),
              Listed(EntryOf(full.report, db_ + table)))
        << table;
  }
  EXPECT_EQ(Listed(EntryOf(resumed.report, db_ + ".composite", true)),
            (std::set<std::string>{"extra tenant=b line=7", "extra tenant=Zed  line=4"}));
}

TEST_F(VerifyPostgresTest, UnreachableTargetExitsTwo) {
  std::string spec_text = ReadAll(spec_);
  std::string port = std::to_string(testing::PostgresTarget().port);
  spec_text.replace(spec_text.find("port: " + port), 6 + port.size(), "port: 1");
  std::filesystem::path down = dir_ / "down.yaml";
  copytest::WriteFile(down, spec_text);
  VerifyRun run = Verify(dir_, down.string());
  EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
  EXPECT_NE(run.err.find("cutover verify: "), std::string::npos) << run.err;
  EXPECT_EQ(run.out, "");
}

TEST_F(VerifyPostgresTest, MissingTargetTableExitsTwo) {
  PgExec("DROP TABLE " + db_ + ".binkey");
  VerifyRun run = Verify(dir_, spec_.string());
  EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
  EXPECT_NE(run.err.find("reading target table " + db_ + ".binkey"), std::string::npos) << run.err;
}

// `cutover run` into PostgreSQL: the workload tables (integer keys) copied and followed.
class VerifyPostgresRepairTest : public PostgresPairTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(Open("verify_pgr"));
    migration_ = "verify-pgr-" + std::to_string(getpid());
    runtest::CreateWorkloadSchema(*source_, db_, 2000);
    copytest::Exec(*source_, "CREATE TABLE " + db_ +
                                 ".tags (name VARCHAR(20) PRIMARY KEY, n INT) "
                                 "COLLATE utf8mb4_general_ci");
    copytest::Exec(*source_,
                   "INSERT INTO " + db_ + ".tags VALUES ('a', 1), ('b', 2), ('c', 3), ('d', 4)");
    copytest::WriteFile(
        spec_,
        copytest::CopySpec(migration_, testing::MariaDbSource(),
                           copytest::PostgresTargetYaml(testing::PostgresTarget()),
                           "  - match: \"" + db_ + ".*\"\n", (dir_ / "state").string(),
                           "parallelism: {copy_workers: 2, chunk_rows: 200, apply_lanes: 2}\n"));
  }
};

// Differences planted in the target while `cutover run` follows the source (values changed,
// NULL and '' both ways, rows deleted, extra rows before the first key, between keys and after
// the last): `verify --repair --delete-extra` sends the differing chunks again through the
// change log, the applier writes them and deletes the extra rows; the verify after the repair
// and the next one find nothing, by checksums alone. Then the same in a table keyed by text.
TEST_F(VerifyPostgresRepairTest, RepairMendsThePostgresTargetThroughTheRunningCapture) {
  runtest::CutoverProcess run("run " + spec_.string() + " --status-every 1", "", dir_ / "run.out");
  ASSERT_TRUE(runtest::WaitForCdc(run)) << run.Output();
  std::string accounts = db_ + ".accounts";
  std::string lines = db_ + ".lines";
  PgExec("UPDATE " + accounts + " SET owner = 'mallory' WHERE id IN (7, 950)");
  PgExec("UPDATE " + accounts + " SET note = '' WHERE id = 3");  // NULL on the source
  PgExec("UPDATE " + accounts + " SET note = NULL WHERE id = 4");
  PgExec("DELETE FROM " + accounts + " WHERE id IN (10, 20)");
  PgExec("INSERT INTO " + accounts +
         " VALUES (0, 'ghost', 1, '2024-01-01', NULL), (5000, 'late', 2, '2024-01-01', 'x')");
  PgExec("UPDATE " + lines + " SET qty = 77 WHERE order_id = 100 AND line = 1");
  PgExec("DELETE FROM " + lines + " WHERE order_id = 200 AND line = 2");
  PgExec("INSERT INTO " + lines + " VALUES (5, 7, 'between', 1)");
  VerifyRun repaired = Verify(dir_, spec_.string() + " --json --repair --delete-extra");
  ASSERT_EQ(repaired.exit_code, 0) << repaired.out << repaired.err << run.Output();
  EXPECT_EQ(repaired.report["differences"], 0) << repaired.out;
  EXPECT_EQ(repaired.report["repair"]["differences_before"], 11) << repaired.out;
  EXPECT_EQ(repaired.report["repair"]["deleted"], 3) << repaired.out;  // ids 0, 5000; (5,7)
  EXPECT_EQ(repaired.report["repair"]["left_to_cdc"], 0) << repaired.out;

  VerifyRun again = Verify(dir_, spec_.string() + " --json");
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
  for (const char* table : {".accounts", ".lines"}) {
    const json& entry = EntryOf(again.report, db_ + table);
    EXPECT_EQ(entry["rows"], 2000) << table;
    EXPECT_EQ(entry["chunks_compared_by_rows"], 0) << entry;
  }

  // A table keyed by text: its different row is sent again; its extra rows (found by the scan
  // after the table, in no chunk's range), one of them differing from a source key only by
  // case, are deleted by their keys inside a watermark window (docs/verify.md, "Repair").
  PgExec("UPDATE " + db_ + ".tags SET n = 99 WHERE name = 'b'");
  PgExec("INSERT INTO " + db_ + ".tags VALUES ('zz', 1), ('B', 5)");
  VerifyRun text_keys = Verify(dir_, spec_.string() + " --json --repair --delete-extra");
  ASSERT_EQ(text_keys.exit_code, 0) << text_keys.out << text_keys.err;
  EXPECT_EQ(text_keys.report["repair"]["differences_before"], 3) << text_keys.out;
  EXPECT_EQ(text_keys.report["repair"]["deleted"], 2) << text_keys.out;
  EXPECT_EQ(text_keys.report["differences"], 0) << text_keys.out;
  Result<postgres::QueryResult> tags =
      target_->Query("SELECT name, n FROM " + db_ + ".tags ORDER BY name COLLATE \"C\"");
  ASSERT_TRUE(tags.ok()) << tags.status().ToString();
  std::vector<std::string> names;
  for (const postgres::SqlRow& row : tags->rows) names.push_back(*row[0] + "=" + *row[1]);
  EXPECT_EQ(names, (std::vector<std::string>{"a=1", "b=2", "c=3", "d=4"}));
  run.Signal(SIGTERM);
  int code = 0;
  ASSERT_TRUE(run.WaitFor(30s, &code)) << run.Output();
  EXPECT_EQ(code, 0) << run.Output();
}

}  // namespace
}  // namespace cutover
