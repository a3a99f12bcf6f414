// Tests for the MySQL source preflight's pure logic: grants, retention and key choice.
#include "source/mysql/preflight.h"

#include <gtest/gtest.h>

namespace cutover::mysql {
namespace {

TEST(ParseGlobalGrantsTest, AllPrivilegesOnStarStarGrantsEverything) {
  GlobalGrants grants = ParseGlobalGrants(
      {"GRANT ALL PRIVILEGES ON *.* TO `cutover`@`127.0.0.1` IDENTIFIED BY PASSWORD '*AB' WITH "
       "GRANT OPTION"});
  EXPECT_TRUE(grants.all);
  EXPECT_TRUE(MissingReplicationPrivileges(grants).empty());
}

TEST(ParseGlobalGrantsTest, SchemaLevelGrantsDoNotCount) {
  GlobalGrants grants = ParseGlobalGrants(
      {"GRANT USAGE ON *.* TO `cutover_limited`@`127.0.0.1` IDENTIFIED BY PASSWORD '*AB'",
       "GRANT ALL PRIVILEGES ON `cutover_test`.* TO `cutover_limited`@`127.0.0.1`",
       "GRANT REPLICATION SLAVE ON `db`.* TO `x`@`%`"});
  EXPECT_FALSE(grants.all);
  EXPECT_EQ(MissingReplicationPrivileges(grants),
            (std::vector<std::string>{"REPLICATION SLAVE", "REPLICATION CLIENT"}));
}

TEST(ParseGlobalGrantsTest, BinlogMonitorStandsForReplicationClient) {
  GlobalGrants grants = ParseGlobalGrants(
      {"GRANT SELECT, RELOAD, REPLICATION SLAVE, BINLOG MONITOR ON *.* TO `cdc`@`%`"});
  EXPECT_TRUE(grants.Has("REPLICATION SLAVE"));
  EXPECT_TRUE(MissingReplicationPrivileges(grants).empty());
}

TEST(ParseGlobalGrantsTest, MySqlListsWithoutSpacesAndColumnGrants) {
  GlobalGrants grants = ParseGlobalGrants(
      {"GRANT SELECT (`a`, `b`), INSERT ON *.* TO `u`@`%`",
       "GRANT REPLICATION CLIENT,BACKUP_ADMIN ON *.* TO `u`@`%`", "GRANT `role1`@`%` TO `u`@`%`"});
  EXPECT_TRUE(grants.Has("REPLICATION CLIENT"));
  EXPECT_TRUE(grants.Has("BACKUP_ADMIN"));
  EXPECT_TRUE(grants.Has("SELECT (`A`, `B`)"));
  EXPECT_EQ(MissingReplicationPrivileges(grants), (std::vector<std::string>{"REPLICATION SLAVE"}));
}

TEST(BinlogRetentionSecondsTest, SecondsWinThenDaysThenNever) {
  EXPECT_EQ(BinlogRetentionSeconds("604800", "7.000000"), 604800);
  EXPECT_EQ(BinlogRetentionSeconds("0", "2"), 172800);
  EXPECT_EQ(BinlogRetentionSeconds("", "0.5"), 43200);
  EXPECT_EQ(BinlogRetentionSeconds("0", "0"), 0);
  EXPECT_EQ(BinlogRetentionSeconds("", ""), 0);
  EXPECT_EQ(BinlogRetentionSeconds("3600", ""), 3600);
}

TEST(ChooseTableKeyTest, PrimaryKeyFirst) {
  TableKey key = ChooseTableKey(
      {{"uk", "email", false}, {"PRIMARY", "tenant", false}, {"PRIMARY", "id", false}});
  EXPECT_EQ(key.kind, TableKey::Kind::kPrimary);
  EXPECT_EQ(key.columns, (std::vector<std::string>{"tenant", "id"}));
}

TEST(ChooseTableKeyTest, UniqueIndexOnlyWhenEveryColumnIsNotNull) {
  TableKey key = ChooseTableKey(
      {{"uk_nullable", "a", false}, {"uk_nullable", "b", true}, {"uk_good", "code", false}});
  EXPECT_EQ(key.kind, TableKey::Kind::kUniqueNotNull);
  EXPECT_EQ(key.index, "uk_good");
  EXPECT_EQ(key.columns, (std::vector<std::string>{"code"}));
}

TEST(ChooseTableKeyTest, NoUsableKey) {
  EXPECT_EQ(ChooseTableKey({}).kind, TableKey::Kind::kNone);
  EXPECT_EQ(ChooseTableKey({{"uk", "a", true}}).kind, TableKey::Kind::kNone);
  EXPECT_EQ(ChooseTableKey({{"functional", "", false}}).kind, TableKey::Kind::kNone);
}

}  // namespace
}  // namespace cutover::mysql
