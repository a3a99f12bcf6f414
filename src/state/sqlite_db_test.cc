// SqliteDb's errors: a full database (SQLITE_FULL, here from PRAGMA max_page_count, as a full
// disk makes it) names the state store, says the disk is full and what to do, and is
// Unavailable (tried again).
#include "state/sqlite_db.h"

#include <gtest/gtest.h>

#include "state/test_support.h"

namespace cutover::state {
namespace {

TEST(SqliteDbTest, FullDatabaseSaysWhereAndWhatToDo) {
  TempDir tmp;
  auto db =
      SqliteDb::Open(tmp.path() / "state.db", /*read_only=*/false, std::chrono::milliseconds(100));
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  ASSERT_TRUE((*db)->Exec("CREATE TABLE t (v TEXT)").ok());
  ASSERT_TRUE((*db)->Exec("PRAGMA max_page_count = 8").ok());
  Status status;
  for (int row = 0; row < 1000 && status.ok(); ++row) {
    status = (*db)->Exec("INSERT INTO t VALUES (printf('%.2000c', 'x'))");
  }
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kUnavailable) << status.ToString();
  EXPECT_EQ(status.message(),
            "state store " + (tmp.path() / "state.db").string() +
                ": database or disk is full; No space left on device in " + tmp.path().string() +
                ": make room there (delete other files, grow the file system, or lower "
                "change_log.retention_size so applied segments are removed), then start `cutover "
                "run` again if it stopped; nothing written before was lost");
}

}  // namespace
}  // namespace cutover::state
