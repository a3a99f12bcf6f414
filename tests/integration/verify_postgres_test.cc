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
#include "verify_support.h"

namespace cutover {
namespace {

using nlohmann::json;
using verifytest::Listed;
using verifytest::ReadAll;
using verifytest::Verify;
using verifytest::VerifyRun;

// The report entry of `table`: its chunks (scan false) or the scan of its target for extra
// rows (scan true, tables keyed by text).
const json& EntryOf(const json& report, const std::string& table, bool scan = false) {
  static const json kNone;
  for (const json& entry : report["tables"]) {
    if (entry["table"] == table && entry["scan"] == scan) return entry;
  }
  ADD_FAILURE() << "no " << (scan ? "scan of " : "table ") << table << " in " << report.dump(2);
  return kNone;
}

class VerifyPostgresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::EnsureServer("mariadb-source"));
    ASSERT_TRUE(testing::EnsureServer("postgres-target"));
    source_ = copytest::Connect(testing::MariaDbSource());
    ASSERT_NE(source_, nullptr);
    testing::ServerInfo pg = testing::PostgresTarget();
    Result<std::unique_ptr<postgres::Connection>> target =
        postgres::Connection::Open(copytest::ConnectionFor(pg, pg.database));
    ASSERT_TRUE(target.ok()) << target.status().ToString();
    target_ = *std::move(target);
    db_ = "verify_pg_" + std::to_string(getpid());
    dir_ = copytest::MakeTempDir("cutover_verify_pg");
    spec_ = dir_ / "spec.yaml";
    PgExec("DROP SCHEMA IF EXISTS " + db_ + " CASCADE");
    copytest::CreateSourceSchema(*source_, db_);
    copytest::WriteFile(
        spec_, copytest::CopySpec("verify-pg", testing::MariaDbSource(),
                                  copytest::PostgresTargetYaml(testing::PostgresTarget()),
                                  copytest::SourceTablesYaml(db_), (dir_ / "state").string(),
                                  copytest::SmallChunks()));
    copytest::RunResult copy = copytest::RunCopy(spec_);
    ASSERT_EQ(copy.exit_code, 0) << copy.output;
  }
  void TearDown() override {
    if (HasFailure() && std::getenv("CUTOVER_TEST_KEEP") != nullptr) return;  // to investigate
    if (source_) copytest::Exec(*source_, "DROP DATABASE IF EXISTS " + db_);
    if (target_) PgExec("DROP SCHEMA IF EXISTS " + db_ + " CASCADE");
    std::filesystem::remove_all(dir_);
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

  void PgExec(const std::string& sql) {
    Result<uint64_t> result = target_->Execute(sql);
    ASSERT_TRUE(result.ok()) << sql << ": " << result.status().ToString();
  }

  std::unique_ptr<mysql::Connection> source_;
  std::unique_ptr<postgres::Connection> target_;
  std::string db_;
  std::filesystem::path dir_;
  std::filesystem::path spec_;
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
  EXPECT_EQ(run.report["tables"].size(), 6u) << run.out;
  VerifyRun text = Verify(dir_, spec_.string());
  ASSERT_EQ(text.exit_code, 0) << text.out << text.err;
  EXPECT_TRUE(text.out.ends_with("\n0 differences\n")) << text.out;
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
  VerifyRun full = Verify(dir_, spec_.string() + " --json");
  ASSERT_EQ(full.exit_code, 1) << full.out << full.err;
  // binkey's 16 chunks come first, so the 20th recorded chunk is composite's 4th.
  VerifyRun killed = Verify(dir_, spec_.string() + " --json",
                            "CUTOVER_TEST_PAUSE_AT=verify_chunk_recorded:20:kill");
  ASSERT_EQ(killed.signal, SIGKILL) << killed.exit_code << killed.out << killed.err;
  VerifyRun resumed = Verify(dir_, spec_.string() + " --json");
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

}  // namespace
}  // namespace cutover
