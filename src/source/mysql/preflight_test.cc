// Tests for the MySQL source preflight's pure logic: grants, retention and key choice; managed
// MySQL (RDS, Aurora: detection, fixes, `binlog retention hours`), MySQL 8's partial JSON and
// commit order settings, and the watermark privileges, on server variables as those servers
// report them (no RDS or MySQL server runs here).
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

TEST(ManagedServiceTest, DetectedFromTheServerVariables) {
  EXPECT_EQ(DetectManagedService({{"basedir", "/usr/"}}), ManagedService::kNone);
  EXPECT_EQ(DetectManagedService({{"basedir", "/rdsdbbin/mysql-8.0.35.R2/"}}),
            ManagedService::kRds);
  EXPECT_EQ(DetectManagedService({{"basedir", "/rdsdbbin/oscar-8.0.mysql_aurora.3.05.2.0/"},
                                  {"aurora_version", "3.05.2"}}),
            ManagedService::kAurora);
}

TEST(ManagedServiceTest, FixesNameTheParameterGroupWhereSetGlobalIsNotAllowed) {
  EXPECT_EQ(SettingFix(ManagedService::kNone, "binlog_format", "ROW"),
            "SET GLOBAL binlog_format = 'ROW'; and set binlog_format=ROW under [mysqld] in the "
            "server config so it survives a restart");
  EXPECT_EQ(SettingFix(ManagedService::kRds, "binlog_format", "ROW"),
            "set binlog_format=ROW in the instance's DB parameter group (a custom one: the "
            "default group cannot be changed) and reboot the instance; RDS does not allow SET "
            "GLOBAL");
  EXPECT_EQ(SettingFix(ManagedService::kAurora, "binlog_row_image", "FULL"),
            "set binlog_row_image=FULL in the DB cluster parameter group and reboot the writer "
            "instance; Aurora does not allow SET GLOBAL");
}

TEST(ManagedServiceTest, RetentionHoursNullIsAFailureWithTheCall) {
  CheckResult unset = ManagedRetentionCheck(std::nullopt);
  EXPECT_EQ(unset.outcome, CheckOutcome::kFail);
  EXPECT_NE(unset.observed.find("binlog retention hours is NULL"), std::string::npos);
  EXPECT_EQ(unset.fix, "CALL mysql.rds_set_configuration('binlog retention hours', 168);");
  CheckResult short_ = ManagedRetentionCheck(std::string("12"));
  EXPECT_EQ(short_.outcome, CheckOutcome::kFail);
  EXPECT_EQ(short_.observed,
            "binlog retention hours is 12 (less than a day): a paused migration can lose its "
            "place");
  CheckResult day = ManagedRetentionCheck(std::string("24"));
  EXPECT_EQ(day.outcome, CheckOutcome::kPass);
  EXPECT_EQ(day.observed, "binlog retention hours is 24");
  EXPECT_EQ(ManagedRetentionCheck(std::string("a week")).outcome, CheckOutcome::kFail);
}

TEST(MySql8SettingsTest, PartialJsonUpdatesAreRefusedWithTheSetting) {
  EXPECT_EQ(RowValueOptionsCheck({}, ManagedService::kNone).outcome, CheckOutcome::kPass);
  EXPECT_EQ(RowValueOptionsCheck({{"binlog_row_value_options", ""}}, ManagedService::kNone).outcome,
            CheckOutcome::kPass);
  CheckResult partial =
      RowValueOptionsCheck({{"binlog_row_value_options", "PARTIAL_JSON"}}, ManagedService::kNone);
  EXPECT_EQ(partial.outcome, CheckOutcome::kFail);
  EXPECT_EQ(partial.fix,
            "SET GLOBAL binlog_row_value_options = ''; and remove binlog_row_value_options from "
            "the server config");
  CheckResult on_rds =
      RowValueOptionsCheck({{"binlog_row_value_options", "PARTIAL_JSON"}}, ManagedService::kRds);
  EXPECT_NE(on_rds.fix.find("DB parameter group"), std::string::npos) << on_rds.fix;
}

TEST(MySql8SettingsTest, CompressedTransactionsAreRefusedWithTheSetting) {
  EXPECT_EQ(TransactionCompressionCheck({}, ManagedService::kNone).outcome, CheckOutcome::kPass);
  EXPECT_EQ(TransactionCompressionCheck({{"binlog_transaction_compression", "OFF"}},
                                        ManagedService::kNone)
                .outcome,
            CheckOutcome::kPass);
  CheckResult on = TransactionCompressionCheck({{"binlog_transaction_compression", "ON"}},
                                               ManagedService::kNone);
  EXPECT_EQ(on.outcome, CheckOutcome::kFail);
  EXPECT_EQ(on.fix,
            "SET GLOBAL binlog_transaction_compression = 'OFF'; and set "
            "binlog_transaction_compression=OFF under [mysqld] in the server config so it "
            "survives a restart");
}

TEST(MySql8SettingsTest, CommitsOutOfBinlogOrderAreRefused) {
  EXPECT_EQ(CommitOrderCheck({}, "MariaDB", ManagedService::kNone).outcome, CheckOutcome::kPass);
  EXPECT_EQ(
      CommitOrderCheck({{"binlog_order_commits", "ON"}}, "MySQL", ManagedService::kNone).outcome,
      CheckOutcome::kPass);
  CheckResult off =
      CommitOrderCheck({{"binlog_order_commits", "OFF"}}, "MySQL", ManagedService::kAurora);
  EXPECT_EQ(off.outcome, CheckOutcome::kFail);
  EXPECT_EQ(off.observed,
            "binlog_order_commits is OFF: no start position for the copy is safe");
  EXPECT_NE(off.fix.find("binlog_order_commits=ON in the DB cluster parameter group"),
            std::string::npos)
      << off.fix;
}

TEST(WatermarkPrivilegesTest, CreateInsertAndDeleteOrAll) {
  EXPECT_TRUE(MissingWatermarkPrivileges({"ALL PRIVILEGES"}).empty());
  EXPECT_TRUE(MissingWatermarkPrivileges({"SELECT", "CREATE", "INSERT", "DELETE"}).empty());
  EXPECT_EQ(MissingWatermarkPrivileges({"SELECT", "INSERT"}),
            (std::vector<std::string>{"CREATE", "DELETE"}));
  EXPECT_EQ(MissingWatermarkPrivileges({}),
            (std::vector<std::string>{"CREATE", "INSERT", "DELETE"}));
}

}  // namespace
}  // namespace cutover::mysql
