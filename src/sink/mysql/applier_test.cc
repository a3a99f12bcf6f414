// Unit tests of the MariaDB/MySQL applier's statements for partial images.
#include "sink/mysql/applier.h"

#include <gtest/gtest.h>

#include "sink/common/test_support.h"

namespace cutover::mysql {
namespace {

using sink::testing::Document;

TableSchema Documents() { return *sink::testing::Documents(); }
Row Partial(int64_t id, int64_t n) { return Document(id, n, std::nullopt); }

TEST(MysqlPartialImageSqlTest, AnUpdateOfThePresentColumnsOnly) {
  // Never REPLACE (which would write doc as NULL) nor an insert of a missing key.
  EXPECT_EQ(PartialUpdateSql(Documents(), TableId{"shop", "docs"}, Partial(7, 3)),
            "UPDATE `shop`.`docs` SET `n` = 3 WHERE `id` = 7");
  Row set_null = Partial(7, 3);
  set_null.present = {true, false, true};  // doc present and NULL: set to NULL
  EXPECT_EQ(PartialUpdateSql(Documents(), TableId{"shop", "docs"}, set_null),
            "UPDATE `shop`.`docs` SET `doc` = NULL WHERE `id` = 7");
  Row key_only = Partial(7, 3);
  key_only.present = {true, false, false};
  EXPECT_EQ(PartialUpdateSql(Documents(), TableId{"shop", "docs"}, key_only), "");
}

TEST(MysqlPartialImageSqlTest, AMoveSetsTheNewKeyOnTheOldKeysRow) {
  Row old_key = Document(7, std::nullopt, std::nullopt);
  EXPECT_EQ(MoveSql(Documents(), TableId{"shop", "docs"}, old_key, Partial(8, 4)),
            "UPDATE `shop`.`docs` SET `id` = 8, `n` = 4 WHERE `id` = 7");
}

}  // namespace
}  // namespace cutover::mysql
