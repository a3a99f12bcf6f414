// `cutover copy` MariaDB -> MariaDB: every type, composite and binary keys, a row filter and a
// column subset arrive row by row equal; a table without a key is refused by name.
#include <gtest/gtest.h>

#include "copy_support.h"

namespace cutover {
namespace {

using copytest::Lines;

class CopyMariaDbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::EnsureServer("mariadb-source"));
    ASSERT_TRUE(testing::EnsureServer("mariadb-target"));
    source_ = copytest::Connect(testing::MariaDbSource());
    target_ = copytest::Connect(testing::MariaDbTarget());
    ASSERT_NE(source_, nullptr);
    ASSERT_NE(target_, nullptr);
    db_ = "copy_test_" + std::to_string(getpid());
    target_db_ = db_ + "_t";
    dir_ = copytest::MakeTempDir("cutover_copy_mariadb");
    copytest::Exec(*target_, "DROP DATABASE IF EXISTS " + target_db_);
    copytest::Exec(*target_, "CREATE DATABASE " + target_db_);
  }
  void TearDown() override {
    if (source_) copytest::Exec(*source_, "DROP DATABASE IF EXISTS " + db_);
    if (target_) copytest::Exec(*target_, "DROP DATABASE IF EXISTS " + target_db_);
    std::filesystem::remove_all(dir_);
  }
  std::filesystem::path WriteSpec(const std::string& tables) {
    std::filesystem::path spec = dir_ / "spec.yaml";
    copytest::WriteFile(
        spec, copytest::CopySpec("copy-mariadb", testing::MariaDbSource(),
                                 copytest::MariaDbTargetYaml(testing::MariaDbTarget(), target_db_),
                                 tables, (dir_ / "state").string(), copytest::SmallChunks()));
    return spec;
  }
  void ExpectSame(const std::string& source_sql, const std::string& target_sql) {
    std::vector<std::string> expected = Lines(*source_, source_sql);
    EXPECT_FALSE(expected.empty()) << source_sql;
    EXPECT_EQ(Lines(*target_, target_sql), expected) << target_sql;
  }

  std::unique_ptr<mysql::Connection> source_;
  std::unique_ptr<mysql::Connection> target_;
  std::string db_;
  std::string target_db_;
  std::filesystem::path dir_;
};

TEST_F(CopyMariaDbTest, TargetEqualsSourceRowByRow) {
  copytest::CreateSourceSchema(*source_, db_);
  copytest::RunResult run = copytest::RunCopy(WriteSpec(copytest::SourceTablesYaml(db_)));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("start position (CDC starts here): gtid:"), std::string::npos)
      << run.output;
  for (const char* table : {"types", "composite", "binkey", "uniq_only"}) {
    std::string order = std::string(table) == "composite"   ? "tenant, line"
                        : std::string(table) == "binkey"    ? "code"
                        : std::string(table) == "uniq_only" ? "code"
                                                            : "id";
    ExpectSame("SELECT * FROM " + db_ + "." + table + " ORDER BY " + order,
               "SELECT * FROM " + target_db_ + "." + table + " ORDER BY " + order);
  }
  ExpectSame("SELECT id, payload FROM " + db_ + ".filtered WHERE status = 'active' ORDER BY id",
             "SELECT * FROM " + target_db_ + ".filtered ORDER BY id");
  EXPECT_EQ(Lines(*target_, "SELECT COUNT(*) FROM " + target_db_ + ".filtered"),
            std::vector<std::string>{"667"});
  // Secondary indexes were deferred and built after the load.
  EXPECT_EQ(Lines(*target_,
                  "SELECT INDEX_NAME FROM information_schema.STATISTICS WHERE "
                  "TABLE_SCHEMA = '" +
                      target_db_ +
                      "' AND TABLE_NAME = 'types' AND SEQ_IN_INDEX = 1 "
                      "ORDER BY INDEX_NAME"),
            (std::vector<std::string>{"k_vc", "PRIMARY", "u_bi"}));
}

TEST_F(CopyMariaDbTest, TableWithoutKeyIsRefusedByName) {
  copytest::Exec(*source_, "DROP DATABASE IF EXISTS " + db_);
  copytest::Exec(*source_, "CREATE DATABASE " + db_);
  copytest::Exec(*source_, "CREATE TABLE " + db_ + ".keyed (id INT PRIMARY KEY)");
  copytest::Exec(*source_, "CREATE TABLE " + db_ +
                               ".logs (at DATETIME, msg TEXT, "
                               "UNIQUE KEY maybe_null (at))");
  copytest::RunResult run = copytest::RunCopy(WriteSpec("  - match: \"" + db_ + ".*\"\n"));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.output.find("cutover copy: FailedPrecondition: table " + db_ +
                            ".logs has no primary key and no unique index over NOT NULL "
                            "columns; cutover copies and applies changes by key: add a primary "
                            "key or exclude it in `tables`"),
            std::string::npos)
      << run.output;
  EXPECT_TRUE(Lines(*target_, "SHOW TABLES FROM " + target_db_).empty());
}

}  // namespace
}  // namespace cutover
