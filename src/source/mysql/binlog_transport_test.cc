// Tests for the replication commands the transport sends, as bytes: COM_BINLOG_DUMP_GTID's body
// built from MySQL's documentation of the packet (flags, server_id, file name length and name,
// position, data size, the encoded GTID set).
#include "source/mysql/binlog_transport.h"

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
