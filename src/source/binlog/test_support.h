// Test support: a sink that records what the decoder emits, and fixture file loading, shared by
// the binlog unit tests.
#pragma once

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "source/binlog/decoder.h"
#include "tests/support/paths.h"

namespace cutover::binlog::testing {

// Everything a decoder emitted, in order; `log` has one line per callback for order checks.
class RecordingSink : public EventSink {
 public:
  Status OnBegin(const TransactionBegin& begin) override {
    begins.push_back(begin);
    log.push_back("begin " + (begin.gtid ? begin.gtid->ToString() : begin.mysql_gtid));
    return Status::Ok();
  }
  Status OnChange(const Change& change) override {
    changes.push_back(change);
    log.push_back(std::string(ChangeOpName(change.op)) + " " + change.table.ToString());
    return Status::Ok();
  }
  Status OnCommit(const TransactionCommit& commit) override {
    commits.push_back(commit);
    log.push_back("commit " + commit.position.Encode());
    return Status::Ok();
  }
  Status OnStatement(const Statement& statement) override {
    statements.emplace_back(statement.query);
    log.push_back("statement " + std::string(statement.query));
    return Status::Ok();
  }
  Status OnRotate(const BinlogFilePosition& next) override {
    log.push_back("rotate " + next.ToString());
    return Status::Ok();
  }
  Status OnHeartbeat(const HeartbeatEvent& heartbeat) override {
    log.push_back("heartbeat " + std::string(heartbeat.file) + ":" +
                  std::to_string(heartbeat.position));
    return Status::Ok();
  }

  std::vector<TransactionBegin> begins;
  std::vector<Change> changes;
  std::vector<TransactionCommit> commits;
  std::vector<std::string> statements;
  std::vector<std::string> log;
};

// Bytes from hex text; spaces, newlines and "|" separators are ignored.
inline std::string Hex(std::string_view hex) {
  std::string out;
  int high = -1;
  for (char c : hex) {
    int v = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : -1;
    if (v < 0) continue;
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<char>(high * 16 + v));
      high = -1;
    }
  }
  return out;
}

inline void PutLe(std::string* out, uint64_t v, size_t bytes) {
  for (size_t idx = 0; idx < bytes; ++idx)
    out->push_back(static_cast<char>((v >> (8 * idx)) & 0xFF));
}

// A whole event: the 19-byte common header (timestamp 1700000000, server id 1), `payload`, and
// a CRC32 when `checksum`. log_pos is `end_offset` (0 for an artificial event).
inline std::string MakeEvent(uint8_t type, std::string_view payload, bool checksum,
                             uint32_t end_offset = 0, uint16_t flags = 0) {
  std::string event;
  PutLe(&event, 1700000000, 4);
  event.push_back(static_cast<char>(type));
  PutLe(&event, 1, 4);
  PutLe(&event, kEventHeaderSize + payload.size() + (checksum ? kChecksumSize : 0), 4);
  PutLe(&event, end_offset, 4);
  PutLe(&event, flags, 2);
  event.append(payload);
  if (checksum) PutLe(&event, Crc32(event), 4);
  return event;
}

inline std::string FixturePath(const std::string& name) {
  return std::string(cutover::testing::CheckoutDir()) + "/tests/fixtures/binlog/" + name;
}

inline std::string ReadFixture(const std::string& name) {
  std::ifstream in(FixturePath(name), std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace cutover::binlog::testing
