// Tests of control events decoded from hand-built bytes (layouts per the MySQL/MariaDB docs).
#include "source/binlog/events.h"

#include <gtest/gtest.h>

#include "source/binlog/test_support.h"

namespace cutover::binlog {
namespace {

using testing::Hex;

TEST(Rotate, ReadsPositionAndFileName) {
  // position 4 (8 bytes) | "binlog.000002"
  std::string payload = Hex("0400000000000000") + "binlog.000002";
  auto rotate = ParseRotate(payload, 8);
  ASSERT_TRUE(rotate.ok());
  EXPECT_EQ(rotate->position, 4u);
  EXPECT_EQ(rotate->next_file, "binlog.000002");
  EXPECT_EQ(ParseRotate(Hex("0400"), 8).status().code(), StatusCode::kDataLoss);
}

TEST(Query, SkipsStatusVariablesByTheirLength) {
  // thread 9 | exec time 0 | schema length 2 | error 0 | status vars length 5
  // | status vars (5 opaque bytes) | "fx" NUL | query
  std::string payload =
      Hex("09000000 00000000 02 0000 0500 | 0001020304 | 667800") + "ALTER TABLE t ADD c INT";
  auto query = ParseQuery(payload, 13);
  ASSERT_TRUE(query.ok());
  EXPECT_EQ(query->thread_id, 9u);
  EXPECT_EQ(query->schema, "fx");
  EXPECT_EQ(query->query, "ALTER TABLE t ADD c INT");
}

TEST(Query, StatusVariablesLongerThanTheEventAreDataLoss) {
  std::string payload = Hex("09000000 00000000 02 0000 ff00 | 0001020304 | 667800");
  EXPECT_EQ(ParseQuery(payload, 13).status().ToString(),
            "DataLoss: QUERY status variables truncated");
}

TEST(Xid, ReadsTheTransactionId) {
  auto xid = ParseXid(Hex("3601000000000000"));
  ASSERT_TRUE(xid.ok());
  EXPECT_EQ(*xid, 310u);
}

TEST(MariaGtid, ReadsSeqnoDomainFlagsAndCommitId) {
  // seqno 42 | domain 3 | flags: standalone|group commit id (0x03) | commit id 77
  auto gtid = ParseMariaGtid(Hex("2a00000000000000 03000000 03 4d00000000000000"));
  ASSERT_TRUE(gtid.ok());
  EXPECT_EQ(gtid->seqno, 42u);
  EXPECT_EQ(gtid->domain, 3u);
  EXPECT_TRUE(gtid->standalone());
  EXPECT_EQ(gtid->commit_id, 77u);
  // The flag says a commit id follows, but the bytes end.
  EXPECT_EQ(ParseMariaGtid(Hex("2a00000000000000 03000000 02")).status().code(),
            StatusCode::kDataLoss);
}

TEST(MysqlGtid, ReadsUuidAndTransactionNumber) {
  // flags 1 | uuid 3e11fa47-71ca-11e1-9e33-c80aa9429562 | gno 23 | logical clock fields
  std::string payload =
      Hex("01 3e11fa4771ca11e19e33c80aa9429562 1700000000000000 02 0500000000000000 "
          "0600000000000000");
  auto gtid = ParseMysqlGtid(payload, false);
  ASSERT_TRUE(gtid.ok());
  EXPECT_EQ(gtid->gno, 23);
  EXPECT_EQ(gtid->ToString(), "3e11fa47-71ca-11e1-9e33-c80aa9429562:23");
  auto anonymous = ParseMysqlGtid(payload, true);
  EXPECT_EQ(anonymous->ToString(), "ANONYMOUS");
}

TEST(GtidList, ReadsEveryDomain) {
  // count 2 (flags 0) | (domain 0, server 1, seqno 100) | (domain 5, server 2, seqno 7)
  std::string payload =
      Hex("02000000 | 00000000 01000000 6400000000000000 | 05000000 02000000 0700000000000000");
  auto list = ParseGtidList(payload);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].ToString(), "0-1-100");
  EXPECT_EQ((*list)[1].ToString(), "5-2-7");
  EXPECT_EQ(ParseGtidList(Hex("03000000")).status().code(), StatusCode::kDataLoss);
}

TEST(Heartbeat, V1CarriesFileAndHeaderPosition) {
  HeartbeatEvent heartbeat = ParseHeartbeat("binlog.000007", 1234);
  EXPECT_EQ(heartbeat.file, "binlog.000007");
  EXPECT_EQ(heartbeat.position, 1234u);
}

TEST(Heartbeat, V2ReadsTypeLengthValueFields) {
  // field 1 (file name, 13 bytes) | field 2 (position, packed 0xfc 0x10 0x27 = 10000) | end
  std::string payload = Hex("01 0d") + "binlog.000007" + Hex("02 03 fc1027 00");
  auto heartbeat = ParseHeartbeatV2(payload);
  ASSERT_TRUE(heartbeat.ok());
  EXPECT_EQ(heartbeat->file, "binlog.000007");
  EXPECT_EQ(heartbeat->position, 10000u);
  EXPECT_EQ(ParseHeartbeatV2(Hex("01 0d 6269")).status().code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace cutover::binlog
