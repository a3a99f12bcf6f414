// PlanKeyBoundaries on the real source: a dense integer key is split arithmetically between its
// MIN and MAX (signed, negative and unsigned values beyond INT64_MAX included); a sparse or
// non-integer key falls back to sampling; every boundary lies inside the table's key span.
#include <gtest/gtest.h>

#include "copy_support.h"
#include "source/mysql/snapshot_reader.h"
#include "source/mysql/snapshot_schema.h"

namespace cutover {
namespace {

class KeySplitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::EnsureServer("mariadb-source"));
    source_ = copytest::Connect(testing::MariaDbSource());
    ASSERT_NE(source_, nullptr);
    db_ = "key_split_" + std::to_string(getpid());
    copytest::Exec(*source_, "DROP DATABASE IF EXISTS " + db_);
    copytest::Exec(*source_, "CREATE DATABASE " + db_);
  }
  void TearDown() override {
    if (source_) copytest::Exec(*source_, "DROP DATABASE IF EXISTS " + db_);
  }
  // The boundaries as the server renders them, e.g. {"-250", "0", "250"}.
  std::vector<std::string> Split(const std::string& table, int64_t rows_estimate, int ranges) {
    Result<TableSchema> schema = mysql::LoadTableSchema(*source_, TableId{db_, table});
    EXPECT_TRUE(schema.ok()) << schema.status().ToString();
    if (!schema.ok()) return {};
    Result<std::vector<Key>> keys =
        mysql::PlanKeyBoundaries(*source_, *schema, rows_estimate, ranges);
    EXPECT_TRUE(keys.ok()) << keys.status().ToString();
    if (!keys.ok()) return {};
    std::vector<std::string> rendered;
    for (const Key& key : *keys) {
      std::string text;
      for (const Value& value : key.values) {
        if (!text.empty()) text += '|';
        text += value.ToText();
      }
      rendered.push_back(text);
    }
    return rendered;
  }
  void Exec(const std::string& sql) { copytest::Exec(*source_, sql); }

  std::unique_ptr<mysql::Connection> source_;
  std::string db_;
};

TEST_F(KeySplitTest, DenseSignedKeySplitsEvenlyWithoutReadingRows) {
  Exec("CREATE TABLE " + db_ + ".t (id INT PRIMARY KEY, v INT)");
  Exec("INSERT INTO " + db_ + ".t SELECT CAST(seq AS SIGNED) - 500, seq FROM " + db_ +
       ".seq_0_to_999");
  EXPECT_EQ(Split("t", 1000, 4), (std::vector<std::string>{"-251", "-1", "249"}));
  // Each range holds about a quarter of the rows.
  EXPECT_EQ(copytest::Lines(*source_, "SELECT COUNT(*) FROM " + db_ +
                                          ".t GROUP BY id <= -251, id <= -1, id <= 249"),
            (std::vector<std::string>{"250", "250", "250", "250"}));
}

TEST_F(KeySplitTest, UnsignedKeyAboveInt64Max) {
  Exec("CREATE TABLE " + db_ + ".u (id BIGINT UNSIGNED PRIMARY KEY)");
  Exec("INSERT INTO " + db_ + ".u SELECT 18446744073709551615 - seq FROM " + db_ + ".seq_0_to_99");
  EXPECT_EQ(Split("u", 100, 2), (std::vector<std::string>{"18446744073709551565"}));
  Exec("CREATE TABLE " + db_ + ".full_span (id BIGINT PRIMARY KEY)");
  Exec("INSERT INTO " + db_ +
       ".full_span VALUES (-9223372036854775808), (0), (9223372036854775807)");
  // The span is 2^64 - 1 for 3 rows: far too sparse for arithmetic, so the keys are sampled.
  EXPECT_EQ(Split("full_span", 3, 3), (std::vector<std::string>{"-9223372036854775808", "0"}));
}

TEST_F(KeySplitTest, SparseAndNonIntegerKeysAreSampled) {
  Exec("CREATE TABLE " + db_ + ".sparse (id BIGINT PRIMARY KEY)");
  Exec("INSERT INTO " + db_ + ".sparse SELECT seq * 1000 FROM " + db_ + ".seq_1_to_100");
  // Arithmetic would give 25000, 50000, 75000 too, but only because the gaps are even: sampling
  // returns the key of row 25, 50 and 75.
  EXPECT_EQ(Split("sparse", 100, 4), (std::vector<std::string>{"25000", "50000", "75000"}));
  Exec("CREATE TABLE " + db_ + ".skewed (id BIGINT PRIMARY KEY)");
  Exec("INSERT INTO " + db_ + ".skewed SELECT seq FROM " + db_ + ".seq_1_to_99");
  Exec("INSERT INTO " + db_ + ".skewed VALUES (1000000)");
  EXPECT_EQ(Split("skewed", 100, 4), (std::vector<std::string>{"25", "50", "75"}));
  Exec("CREATE TABLE " + db_ + ".text_key (code VARCHAR(10) PRIMARY KEY)");
  Exec("INSERT INTO " + db_ + ".text_key SELECT CONCAT('k', LPAD(seq, 3, '0')) FROM " + db_ +
       ".seq_1_to_100");
  EXPECT_EQ(Split("text_key", 100, 2), (std::vector<std::string>{"k050"}));
}

TEST_F(KeySplitTest, EmptyTableAndSingleRangeHaveNoBoundaries) {
  Exec("CREATE TABLE " + db_ + ".empty (id INT PRIMARY KEY)");
  EXPECT_TRUE(Split("empty", 1000, 4).empty());
  Exec("INSERT INTO " + db_ + ".empty VALUES (1), (2)");
  EXPECT_TRUE(Split("empty", 1000, 1).empty());
}

}  // namespace
}  // namespace cutover
