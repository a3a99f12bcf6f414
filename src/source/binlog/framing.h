// Framing: the v4 common event header, the FORMAT_DESCRIPTION_EVENT that describes every later
// event (post-header lengths, checksum algorithm), CRC32 checksum verification, and the split
// of a binlog file's bytes into events.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cutover/status.h"

namespace cutover::binlog {

// Size of the v4 common header every event starts with.
inline constexpr size_t kEventHeaderSize = 19;
// Size of the CRC32 checksum trailing each event when the checksum algorithm is CRC32.
inline constexpr size_t kChecksumSize = 4;
// The four bytes a binlog file starts with: 0xFE 'b' 'i' 'n'.
inline constexpr std::string_view kBinlogMagic{
    "\xfe"
    "bin",
    4};

// LOG_EVENT_ARTIFICIAL_F: the event was made up by the sender (a fake ROTATE), not read
// from a file; its log_pos is meaningless.
inline constexpr uint16_t kArtificialEventFlag = 0x20;

struct EventHeader {
  uint32_t timestamp = 0;   // seconds since the epoch when the statement started
  uint8_t type = 0;         // EventType code
  uint32_t server_id = 0;   // the server that wrote the event first
  uint32_t event_size = 0;  // header + body + checksum
  uint32_t log_pos = 0;     // file offset just after this event (0 in artificial events)
  uint16_t flags = 0;
};

// Reads the common header from the front of `event`. DataLoss when fewer than 19 bytes or when
// event_size disagrees with the bytes given.
Result<EventHeader> ParseEventHeader(std::string_view event);

enum class ChecksumAlgorithm : uint8_t { kOff = 0, kCrc32 = 1, kUndefined = 255 };

// What a FORMAT_DESCRIPTION_EVENT says about the events after it.
struct FormatDescription {
  uint16_t binlog_version = 4;
  std::string server_version;  // "10.11.19-MariaDB-log", "8.0.36"
  uint8_t header_length = kEventHeaderSize;
  // Post-header length of event type t at index t-1.
  std::vector<uint8_t> post_header_lengths;
  ChecksumAlgorithm checksum = ChecksumAlgorithm::kOff;
  bool is_mariadb = false;

  // The post-header length of `type`, or `fallback` when the description has none for it.
  uint8_t PostHeaderLength(uint8_t type, uint8_t fallback) const;
  // Bytes at the end of every event (other than this FDE) that hold the checksum.
  size_t checksum_size() const { return checksum == ChecksumAlgorithm::kCrc32 ? 4 : 0; }
};

// The description assumed before any FORMAT_DESCRIPTION_EVENT arrives: binlog v4 with MySQL 5.6+
// post-header lengths and no checksum.
FormatDescription DefaultFormatDescription();

// Parses a whole FORMAT_DESCRIPTION_EVENT (header included) and verifies its own checksum when it
// announces CRC32.
Result<FormatDescription> ParseFormatDescription(std::string_view event);

// CRC32 (ISO-HDLC, as zlib) of `bytes`.
uint32_t Crc32(std::string_view bytes);

// Verifies the trailing CRC32 of a whole event. DataLoss "checksum mismatch: stored 0x..,
// computed 0x.." when it differs.
Status VerifyChecksum(std::string_view event);

// Splits the bytes of a binlog file into whole events, one per Next().
class BinlogFileReader {
 public:
  // `file_bytes` must stay alive while the reader is used. It may be a prefix of a file being
  // written: a trailing partial event is reported by Next() as DataLoss.
  explicit BinlogFileReader(std::string_view file_bytes) : bytes_(file_bytes) {}

  // Checks the magic header; call once before Next(). DataLoss when it is missing.
  Status Open();
  // The next whole event in *event and its file offset in *offset; false at the end of the
  // bytes. DataLoss when an event is truncated or its length is impossible.
  Result<bool> Next(std::string_view* event, uint64_t* offset);

 private:
  std::string_view bytes_;
  size_t pos_ = 0;
};

}  // namespace cutover::binlog
