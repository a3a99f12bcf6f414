// `cutover copy` killed with SIGKILL at named points (a chunk read but not written, written
// but not recorded, recorded, an index built but not recorded), then run again: the target
// equals the source row by row (no missing, no duplicate rows) and every index exists.
#include <gtest/gtest.h>

#include "copy_support.h"

namespace cutover {
namespace {

using copytest::Lines;

class CopyResumeTest : public ::testing::TestWithParam<std::vector<std::string>> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::EnsureServer("mariadb-source"));
    ASSERT_TRUE(testing::EnsureServer("mariadb-target"));
    source_ = copytest::Connect(testing::MariaDbSource());
    target_ = copytest::Connect(testing::MariaDbTarget());
    ASSERT_NE(source_, nullptr);
    ASSERT_NE(target_, nullptr);
    db_ = "copy_resume_" + std::to_string(getpid());
    target_db_ = db_ + "_t";
    dir_ = copytest::MakeTempDir("cutover_copy_resume");
    copytest::Exec(*target_, "DROP DATABASE IF EXISTS " + target_db_);
    copytest::Exec(*target_, "CREATE DATABASE " + target_db_);
    copytest::CreateSourceSchema(*source_, db_);
    spec_ = dir_ / "spec.yaml";
    copytest::WriteFile(
        spec_, copytest::CopySpec("copy-resume", testing::MariaDbSource(),
                                  copytest::MariaDbTargetYaml(testing::MariaDbTarget(), target_db_),
                                  copytest::SourceTablesYaml(db_), (dir_ / "state").string(),
                                  copytest::SmallChunks()));
  }
  void TearDown() override {
    if (source_) copytest::Exec(*source_, "DROP DATABASE IF EXISTS " + db_);
    if (target_) copytest::Exec(*target_, "DROP DATABASE IF EXISTS " + target_db_);
    std::filesystem::remove_all(dir_);
  }
  // The migrated tables' indexes (not the copy's start watermark table on the source).
  std::vector<std::string> Indexes(mysql::Connection& sql, const std::string& db) {
    return Lines(sql,
                 "SELECT TABLE_NAME, INDEX_NAME, COLUMN_NAME, NON_UNIQUE FROM "
                 "information_schema.STATISTICS WHERE TABLE_SCHEMA = '" +
                     db +
                     "' AND TABLE_NAME <> 'filtered' AND TABLE_NAME <> 'cutover_watermarks' "
                     "ORDER BY TABLE_NAME, INDEX_NAME, "
                     "SEQ_IN_INDEX");
  }

  std::unique_ptr<mysql::Connection> source_;
  std::unique_ptr<mysql::Connection> target_;
  std::string db_;
  std::string target_db_;
  std::filesystem::path dir_;
  std::filesystem::path spec_;
};

TEST_P(CopyResumeTest, KilledThenRerunEndsEqualWithEveryIndex) {
  for (const std::string& point : GetParam()) {
    copytest::RunResult killed = copytest::RunCopy(spec_, "CUTOVER_TEST_PAUSE_AT=" + point);
    ASSERT_EQ(killed.signal, 9) << point << " exit " << killed.exit_code << ": " << killed.output;
  }
  copytest::RunResult rerun = copytest::RunCopy(spec_);
  ASSERT_EQ(rerun.exit_code, 0) << rerun.output;
  for (const char* table : {"types", "composite", "binkey", "uniq_only"}) {
    std::string order = std::string(table) == "composite" ? "tenant, line"
                        : std::string(table) == "binkey" || std::string(table) == "uniq_only"
                            ? "code"
                            : "id";
    std::vector<std::string> expected =
        Lines(*source_, "SELECT * FROM " + db_ + "." + table + " ORDER BY " + order);
    ASSERT_FALSE(expected.empty());
    EXPECT_EQ(Lines(*target_, "SELECT * FROM " + target_db_ + "." + table + " ORDER BY " + order),
              expected)
        << table;
  }
  EXPECT_EQ(Lines(*target_, "SELECT * FROM " + target_db_ + ".filtered ORDER BY id"),
            Lines(*source_, "SELECT id, payload FROM " + db_ +
                                ".filtered WHERE status = 'active' ORDER BY id"));
  EXPECT_EQ(Indexes(*target_, target_db_), Indexes(*source_, db_));
  // A run after completion has nothing left to do and changes nothing.
  copytest::RunResult again = copytest::RunCopy(spec_);
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(Lines(*target_, "SELECT COUNT(*) FROM " + target_db_ + ".composite"),
            std::vector<std::string>{"3000"});
}

INSTANTIATE_TEST_SUITE_P(
    KillPoints, CopyResumeTest,
    ::testing::Values(std::vector<std::string>{"after_read:7:kill"},
                      std::vector<std::string>{"after_write:7:kill"},
                      std::vector<std::string>{"after_record:7:kill"},
                      std::vector<std::string>{"after_index:1:kill"},
                      std::vector<std::string>{"after_write:3:kill", "after_read:9:kill",
                                               "after_write:12:kill", "after_index:2:kill"}),
    [](const ::testing::TestParamInfo<std::vector<std::string>>& param_info) {
      std::string name;
      for (const std::string& point : param_info.param) {
        name += (name.empty() ? "" : "_then_") + point.substr(0, point.find(':')) +
                point.substr(point.find(':') + 1, point.rfind(':') - point.find(':') - 1);
      }
      return name;
    });

}  // namespace
}  // namespace cutover
