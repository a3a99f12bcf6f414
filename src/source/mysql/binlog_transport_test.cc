// Tests for the replication commands the transport sends, as bytes: COM_BINLOG_DUMP_GTID's body
// built from MySQL's documentation of the packet (flags, server_id, file name length and name,
// position, data size, the encoded GTID set).
#include "source/mysql/binlog_transport.h"
#include "source/mysql/snapshot_position.h"

#include <gtest/gtest.h>

namespace cutover::mysql {
namespace {

TEST(ComBinlogDumpGtidTest, BodyCarriesTheExecutedSet) {
  GtidSet executed = GtidSet::Parse("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5").value();
  const unsigned char expected[] = {
      0x04, 0x00,                                      // flags: BINLOG_THROUGH_GTID
      0x2a, 0x00, 0x00, 0x00,                          // server_id 42
      0x00, 0x00, 0x00, 0x00,                          // no file name
      0x04, 0, 0, 0, 0, 0, 0, 0,                       // position 4
      0x30, 0x00, 0x00, 0x00,                          // 48 bytes of GTID set follow
      1, 0, 0, 0, 0, 0, 0, 0,                          // one UUID
      0x3e, 0x11, 0xfa, 0x47, 0x71, 0xca, 0x11, 0xe1,  // the UUID
      0x9e, 0x33, 0xc8, 0x0a, 0xa9, 0x42, 0x95, 0x62,  //
      1, 0, 0, 0, 0, 0, 0, 0,                          // one interval
      1, 0, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0,  // [1, 6)
  };
  std::string body = ComBinlogDumpGtidBody(42, executed);
  EXPECT_EQ(body, std::string(reinterpret_cast<const char*>(expected), sizeof(expected)));
}

}  // namespace
}  // namespace cutover::mysql

namespace cutover::mysql {
namespace {

// SHOW MASTER STATUS as MySQL 8 prints it (MySQL reference manual, "SHOW BINARY LOG STATUS"):
// with GTIDs on, the executed set (broken into lines) and the file position; with GTIDs off, an
// empty set and the file position alone.
TEST(MySqlBinlogEndTest, ReadsTheExecutedSetWithTheFilePosition) {
  SqlRow with_gtids = {"source-bin.000002", "1307", "", "",
                       "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5,\n"
                       "2174b383-5441-11e8-b90a-c80aa9429562:1-3"};
  EXPECT_EQ(MySqlBinlogEnd(with_gtids).value().Encode(),
            "gtidset:2174b383-5441-11e8-b90a-c80aa9429562:1-3,"
            "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5;file:source-bin.000002:1307");
  SqlRow without = {"source-bin.000002", "1307", "", "", ""};
  EXPECT_EQ(MySqlBinlogEnd(without).value().Encode(), "file:source-bin.000002:1307");
  SqlRow bad = {"source-bin.000002", "x"};
  EXPECT_EQ(MySqlBinlogEnd(bad).status().message(),
            "SHOW MASTER STATUS Position 'x' is not a whole number");
}

}  // namespace
}  // namespace cutover::mysql
