// Unit tests of the streaming replication protocol's messages (no server: the integration test
// pgoutput_integration_test streams from a real one).
#include "source/postgres/replication_stream.h"

#include <gtest/gtest.h>

namespace cutover::postgres {
namespace {

TEST(ReplicationStreamTest, TheStartStatementQuotesSlotAndPublication) {
  ReplicationOptions options;
  options.slot = "cutover_orders";
  options.publication = "Orders \"pub\"";
  options.start = Lsn(0x16B374D848);
  EXPECT_EQ(StartReplicationStatement(options),
            "START_REPLICATION SLOT \"cutover_orders\" LOGICAL 16/B374D848 (proto_version '2', "
            "publication_names '\"Orders \"\"pub\"\"\"', messages 'true', streaming 'on')");
  options.proto_version = 1;
  options.messages = false;
  EXPECT_EQ(StartReplicationStatement(options),
            "START_REPLICATION SLOT \"cutover_orders\" LOGICAL 16/B374D848 (proto_version '1', "
            "publication_names '\"Orders \"\"pub\"\"\"')");
  options.binary = true;
  EXPECT_EQ(StartReplicationStatement(options),
            "START_REPLICATION SLOT \"cutover_orders\" LOGICAL 16/B374D848 (proto_version '1', "
            "publication_names '\"Orders \"\"pub\"\"\"', binary 'true')");
}

TEST(ReplicationStreamTest, AStatusUpdateReportsTheConfirmedLsnThrice) {
  const std::string update = StandbyStatusUpdate(Lsn(0x0102030405060708), 0x1112131415161718);
  ASSERT_EQ(update.size(), 34u);
  EXPECT_EQ(update[0], 'r');
  for (int part = 0; part < 3; ++part) {
    EXPECT_EQ(update.substr(1 + 8 * part, 8), std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  }
  EXPECT_EQ(update.substr(25, 8), std::string("\x11\x12\x13\x14\x15\x16\x17\x18", 8));
  EXPECT_EQ(update[33], '\0');
  // Asking for a reply (a keepalive back at once) sets the last byte.
  EXPECT_EQ(StandbyStatusUpdate(Lsn(1), 0, /*reply_requested=*/true)[33], '\1');
}

TEST(ReplicationStreamTest, ParsesXLogDataAndKeepalives) {
  std::string data = std::string("w") + std::string("\0\0\0\x16\xB3\x74\xD8\x48", 8) +
                     std::string("\0\0\0\x16\xB3\x74\xD9\x00", 8) + std::string(8, '\0') + "B...";
  Result<ServerMessage> wal = ParseServerMessage(data);
  ASSERT_TRUE(wal.ok()) << wal.status().ToString();
  EXPECT_EQ(wal->type, 'w');
  EXPECT_EQ(wal->start.ToString(), "16/B374D848");
  EXPECT_EQ(wal->end.ToString(), "16/B374D900");
  EXPECT_EQ(wal->data, "B...");

  std::string keepalive =
      std::string("k") + std::string("\0\0\0\0\0\0\x01\x00", 8) + std::string(8, '\0') + "\x01";
  Result<ServerMessage> alive = ParseServerMessage(keepalive);
  ASSERT_TRUE(alive.ok()) << alive.status().ToString();
  EXPECT_EQ(alive->end.ToString(), "0/100");
  EXPECT_TRUE(alive->reply_requested);

  EXPECT_EQ(ParseServerMessage("w123").status().message(),
            "replication stream: an XLogData message of 4 bytes (at least 25)");
  EXPECT_EQ(ParseServerMessage("k1").status().message(),
            "replication stream: a keepalive of 2 bytes (18 expected)");
  EXPECT_EQ(ParseServerMessage("x").status().message(),
            "replication stream: unknown message type 'x' (0x78)");
}

}  // namespace
}  // namespace cutover::postgres
