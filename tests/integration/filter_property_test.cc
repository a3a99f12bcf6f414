// The row filter evaluated by cutover against the server's own WHERE, on the same rows: a table
// of the types filters may use (TINYINT, INT, INT UNSIGNED, BIGINT, DECIMAL, FLOAT, DOUBLE, BIT,
// YEAR, VARCHAR and CHAR under a case-insensitive PAD SPACE collation, VARCHAR under a binary one,
// BINARY, ENUM, DATE, DATETIME, TIMESTAMP, NULLs everywhere) filled with thousands of
// random rows, read back as cutover reads them, and for each filter expression the ids the server
// selects (`SELECT id ... WHERE <the SQL cutover pushes down>`) equal the ids cutover's Matches
// keeps.
#include <array>
#include <random>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include "copy_support.h"
#include "filter/filter.h"
#include "source/mysql/snapshot_reader.h"
#include "source/mysql/snapshot_schema.h"

namespace cutover {
namespace {

constexpr int kRows = 3000;

class FilterPropertyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::EnsureServer("mariadb-source"));
    source_ = copytest::Connect(testing::MariaDbSource());
    ASSERT_NE(source_, nullptr);
    db_ = "filter_property_" + std::to_string(getpid());
    copytest::Exec(*source_, "DROP DATABASE IF EXISTS " + db_);
    copytest::Exec(*source_, "CREATE DATABASE " + db_);
    copytest::Exec(*source_,
                   "CREATE TABLE " + db_ +
                       ".t (id INT PRIMARY KEY, n BIGINT NULL, u INT UNSIGNED NULL, "
                       "d DECIMAL(10,3) NULL, f DOUBLE NULL, "
                       "s VARCHAR(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NULL, "
                       "b VARCHAR(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL, "
                       "day DATE NULL, at DATETIME(3) NULL, "
                       "e ENUM('new','paid','void') NULL, ti TINYINT NULL, fl FLOAT NULL, "
                       "c CHAR(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NULL, "
                       "bn BINARY(4) NULL, ts TIMESTAMP(3) NULL, y YEAR NULL, bt BIT(8) NULL)");
    std::mt19937 random(7);
    const char* const words[] = {"alpha", "Alpha", "ALPHA ", "beta", "b_ta", "b%ta", "",
                                 "gamma  ", "Zeta", "zeta", "a\\\\b", "it''s"};
    std::string values;
    for (int id = 1; id <= kRows; ++id) {
      auto maybe = [&](const std::string& value) {
        return random() % 7 == 0 ? std::string("NULL") : value;
      };
      auto word = [&] {  // appended, not "'" + std::string: GCC 12's -Wrestrict at -O3
        std::string quoted = "'";
        quoted += words[random() % std::size(words)];
        quoted += "'";
        return quoted;
      };
      // One value per column, each drawn in turn (the order of evaluation is fixed).
      std::vector<std::string> columns = {std::to_string(id)};
      columns.push_back(maybe(std::to_string(static_cast<int64_t>(random() % 2001) - 1000)));
      columns.push_back(maybe(std::to_string(random() % 500)));
      int64_t whole = static_cast<int64_t>(random() % 201) - 100;
      columns.push_back(maybe(fmt::format("{}.{:03}", whole, random() % 1000)));
      uint32_t tenths = random() % 1000;
      columns.push_back(maybe(fmt::format("{}.{}", tenths / 10, tenths % 10)));
      columns.push_back(maybe(word()));
      columns.push_back(maybe(word()));
      uint32_t month = 1 + random() % 12;
      columns.push_back(maybe(fmt::format("'2024-{:02}-{:02}'", month, 1 + random() % 28)));
      uint32_t day = 1 + random() % 28;
      uint32_t hour = random() % 24;
      uint32_t minute = random() % 60;
      uint32_t second = random() % 60;
      columns.push_back(maybe(fmt::format("'2024-06-{:02} {:02}:{:02}:{:02}.{:03}'", day, hour,
                                          minute, second, random() % 1000)));
      columns.push_back(maybe(fmt::format("'{}'", std::array{"new", "paid", "void"}[random() % 3])));
      columns.push_back(maybe(std::to_string(static_cast<int>(random() % 256) - 128)));
      uint32_t quarters = random() % 400;
      columns.push_back(maybe(fmt::format("{}.{}", quarters / 4, (quarters % 4) * 25)));
      columns.push_back(maybe(word()));
      columns.push_back(maybe(std::array{"'ab'", "'b'", "'abcd'", "'B'", "''"}[random() % 5]));
      columns.push_back(maybe(fmt::format("'2024-06-{:02} {:02}:{:02}:00.250'",
                                          1 + random() % 28, random() % 24, random() % 60)));
      columns.push_back(maybe(std::to_string(2020 + random() % 8)));
      columns.push_back(maybe(std::to_string(random() % 256)));
      if (!values.empty()) values += ',';
      values += fmt::format("({})", fmt::join(columns, ", "));
    }
    copytest::Exec(*source_, "INSERT INTO " + db_ + ".t VALUES " + values);
    schema_ = mysql::LoadTableSchema(*source_, TableId{db_, "t"}).value();
    rows_ = mysql::ReadKeyRange(*source_, schema_, "", std::nullopt, std::nullopt, 1000).value();
    ASSERT_EQ(rows_.size(), static_cast<size_t>(kRows));
  }
  void TearDown() override {
    if (source_) copytest::Exec(*source_, "DROP DATABASE IF EXISTS " + db_);
  }

  std::unique_ptr<mysql::Connection> source_;
  std::string db_;
  TableSchema schema_;
  std::vector<Row> rows_;
};

TEST_F(FilterPropertyTest, CutoverKeepsTheRowsTheServerSelects) {
  const char* const filters[] = {
      "n > 0",
      "n BETWEEN -10 AND 10 OR u IN (1, 2, 3, NULL)",
      "NOT (n >= 0) AND u <> 7",
      "n NOT IN (1, 2, NULL) OR u = 3",  // NOT IN with a NULL is never TRUE
      "d >= -1.5 AND d < 2.25",
      "d * 2 - n > 100",
      "-d = 0.5 OR ABS(d) BETWEEN 10 AND 10.5",
      "f > 50.5 OR f = 1.5",
      "s = 'alpha'",
      "s <> 'gamma' AND s > 'B'",
      "s LIKE 'a%' OR s LIKE '_eta'",
      "s LIKE 'b\\\\_ta' OR s LIKE 'b\\\\%ta'",
      "b = 'Alpha' OR b < 'Z'",
      "b LIKE '%ta' AND b <> 'zeta'",
      "LOWER(b) = 'zeta' OR UPPER(s) = 'BETA'",
      "s IS NULL OR b IS NOT NULL AND n IS NULL",
      "day >= '2024-06-01' AND day < DATE '2024-09-01'",
      "at > TIMESTAMP '2024-06-15 12:00:00.500'",
      "YEAR(day) = 2024 AND MONTH(day) IN (1, 12) OR DAY(at) = 7",
      "COALESCE(n, u, 0) > 100",
      "e = 'paid' OR e IN ('void') AND s = 'ALPHA'",
      "s = 'alpha ' OR b = 'gamma  '",
      "ti < -100 OR ti BETWEEN 0 AND 5",
      "fl > 50.5 OR fl = 10.25",
      "fl * 2 = 21.5 OR fl < 1",
      "c = 'alpha' OR c LIKE 'b%' OR c > 'Y'",
      "bn = 'ab' OR bn > 'b'",
      "ts >= '2024-06-15' AND ts < TIMESTAMP '2024-06-20 12:00:00'",
      "y = 2024 OR y > 2025 AND bt > 100",
      "bt BETWEEN 10 AND 20 OR bt = 255",
  };
  for (const char* text : filters) {
    SCOPED_TRACE(text);
    Result<filter::Filter> parsed = filter::Filter::Parse(text);
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    ASSERT_TRUE(parsed->Check(schema_).ok()) << parsed->Check(schema_).ToString();
    std::set<std::string> server;
    for (const std::string& id : copytest::Lines(
             *source_, "SELECT id FROM " + db_ + ".t WHERE " + parsed->ToSql() + " ORDER BY id")) {
      server.insert(id);
    }
    std::set<std::string> cutover;
    for (const Row& row : rows_) {
      Result<bool> kept = parsed->Matches(schema_, row);
      ASSERT_TRUE(kept.ok()) << kept.status().ToString();
      if (*kept) cutover.insert(row.values[0].ToText());
    }
    EXPECT_GT(server.size(), 0u);
    EXPECT_LT(server.size(), static_cast<size_t>(kRows));
    EXPECT_EQ(cutover, server);
  }
}

}  // namespace
}  // namespace cutover
