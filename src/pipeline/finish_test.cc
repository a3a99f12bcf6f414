// Tests for ContinueAfterFinish: a finished migration goes on from a MariaDB/MySQL source, and is
// refused from a PostgreSQL source (finish dropped its slot), saying how to start again.
#include "cutover/finish.h"

#include <gtest/gtest.h>

namespace cutover {
namespace {

TEST(ContinueAfterFinishTest, MariaDbAndMySqlSourcesContinueWhereTheyStopped) {
  for (SourceKind kind : {SourceKind::kMariaDB, SourceKind::kMySQL}) {
    Spec spec;
    spec.source.kind = kind;
    EXPECT_TRUE(ContinueAfterFinish(spec).ok());
  }
}

TEST(ContinueAfterFinishTest, APostgresSourceIsRefusedWithTheWayToStartAgain) {
  Spec spec;
  spec.name = "shop";
  spec.source.kind = SourceKind::kPostgres;
  spec.source.slot = "cutover_shop";
  spec.source.publication = "shop_pub";
  spec.state_dir = "/srv/.cutover/shop";
  Status status = ContinueAfterFinish(spec);
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(),
            "migration shop is finished: `cutover finish` dropped its replication slot "
            "cutover_shop and its publication shop_pub on the source, so CDC cannot continue "
            "where it stopped. To migrate again from the start, remove the state_dir "
            "/srv/.cutover/shop (and drop the target tables, or set target.existing_tables: "
            "truncate) and run `cutover run` again: it copies afresh and creates a new slot "
            "(docs/cutover.md, \"Drain and finish\")");
}

}  // namespace
}  // namespace cutover
