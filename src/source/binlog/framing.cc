// Framing: common header, FORMAT_DESCRIPTION_EVENT, checksums, binlog file splitting.
#include "source/binlog/framing.h"

#include <algorithm>
#include <cstdio>

#include <libdeflate.h>

#include "source/binlog/byte_reader.h"
#include "source/binlog/event_types.h"

namespace cutover::binlog {
namespace {

// FORMAT_DESCRIPTION_EVENT body: binlog version (2), server version (50), create time (4),
// header length (1), then one post-header length per event type.
constexpr size_t kServerVersionSize = 50;
// Offset of the (low byte of the) flags in the common header, and the "file in use" flag.
constexpr size_t kFlagsOffset = 17;
constexpr uint8_t kBinlogInUseFlag = 0x01;

struct Version {
  int major = 0, minor = 0, patch = 0;
};

// The largest number one part of a server version may be ("10.11.6-MariaDB"): more is not a
// version but a corrupt event, and would overflow the int.
constexpr int kMaxVersionPart = 65535;

// The leading "major.minor.patch" of a FORMAT_DESCRIPTION_EVENT's server version; DataLoss for a
// part over kMaxVersionPart.
Result<Version> ParseVersion(std::string_view text) {
  Version v;
  int* parts[] = {&v.major, &v.minor, &v.patch};
  size_t part_idx = 0;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      int& part = *parts[part_idx];
      part = part * 10 + (c - '0');
      if (part > kMaxVersionPart) {
        return Status::DataLoss("FORMAT_DESCRIPTION_EVENT server version '" + std::string(text) +
                                "' has a number over " + std::to_string(kMaxVersionPart) +
                                ": the event is corrupt");
      }
    } else if (c == '.' && part_idx < 2) {
      ++part_idx;
    } else {
      break;
    }
  }
  return v;
}

bool AtLeast(const Version& v, int major, int minor, int patch) {
  if (v.major != major) return v.major > major;
  if (v.minor != minor) return v.minor > minor;
  return v.patch >= patch;
}

// Servers from MySQL 5.6.1 and MariaDB 5.3 on write the checksum algorithm (and a checksum)
// at the end of their FORMAT_DESCRIPTION_EVENT.
Result<bool> HasChecksumInfo(const FormatDescription& fd) {
  CUTOVER_ASSIGN_OR_RETURN(Version v, ParseVersion(fd.server_version));
  return AtLeast(v, 5, 6, 1) || (fd.is_mariadb && AtLeast(v, 5, 3, 0));
}

std::string Hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

}  // namespace

Result<EventHeader> ParseEventHeader(std::string_view event) {
  ByteReader in(event);
  EventHeader h;
  if (!in.Le(&h.timestamp) || !in.U8(&h.type) || !in.Le(&h.server_id) || !in.Le(&h.event_size) ||
      !in.Le(&h.log_pos) || !in.Le(&h.flags)) {
    return Status::DataLoss("event shorter than its 19-byte header (" +
                            std::to_string(event.size()) + " bytes)");
  }
  if (h.event_size != event.size()) {
    return Status::DataLoss("event " + EventTypeName(h.type) + " says it has " +
                            std::to_string(h.event_size) + " bytes but " +
                            std::to_string(event.size()) + " were given");
  }
  return h;
}

uint8_t FormatDescription::PostHeaderLength(uint8_t type, uint8_t fallback) const {
  if (type == 0 || type > post_header_lengths.size()) return fallback;
  return post_header_lengths[type - 1];
}

FormatDescription DefaultFormatDescription() {
  FormatDescription fd;
  fd.server_version = "5.6.1";
  fd.post_header_lengths.assign(static_cast<uint8_t>(EventType::kDeleteRowsCompressed), 0);
  auto set = [&](EventType type, uint8_t len) {
    fd.post_header_lengths[static_cast<uint8_t>(type) - 1] = len;
  };
  set(EventType::kQuery, 13);
  set(EventType::kRotate, 8);
  set(EventType::kFormatDescription, 84);
  set(EventType::kTableMap, 8);
  for (auto type : {EventType::kWriteRowsV1, EventType::kUpdateRowsV1, EventType::kDeleteRowsV1}) {
    set(type, 8);
  }
  for (auto type : {EventType::kWriteRowsV2, EventType::kUpdateRowsV2, EventType::kDeleteRowsV2}) {
    set(type, 10);
  }
  set(EventType::kMysqlGtid, 42);
  set(EventType::kAnonymousGtid, 42);
  set(EventType::kMariaGtid, 19);
  set(EventType::kGtidList, 4);
  set(EventType::kBinlogCheckpoint, 4);
  return fd;
}

Result<FormatDescription> ParseFormatDescription(std::string_view event) {
  CUTOVER_ASSIGN_OR_RETURN(EventHeader header, ParseEventHeader(event));
  if (header.type != static_cast<uint8_t>(EventType::kFormatDescription)) {
    return Status::InvalidArgument("not a FORMAT_DESCRIPTION_EVENT: " + EventTypeName(header.type));
  }
  ByteReader in(event.substr(kEventHeaderSize));
  FormatDescription fd;
  std::string_view version;
  if (!in.Le(&fd.binlog_version) || !in.Bytes(kServerVersionSize, &version) || !in.Skip(4) ||
      !in.U8(&fd.header_length)) {
    return Status::DataLoss("FORMAT_DESCRIPTION_EVENT truncated (" + std::to_string(event.size()) +
                            " bytes)");
  }
  fd.server_version = std::string(version.substr(0, version.find('\0')));
  fd.is_mariadb = fd.server_version.find("MariaDB") != std::string::npos;
  if (fd.binlog_version != 4 || fd.header_length < kEventHeaderSize) {
    return Status::Unimplemented("binlog format version " + std::to_string(fd.binlog_version) +
                                 " with a " + std::to_string(fd.header_length) +
                                 "-byte header (cutover reads version 4)");
  }
  std::string_view lengths = in.rest();
  CUTOVER_ASSIGN_OR_RETURN(bool has_checksum_info, HasChecksumInfo(fd));
  if (has_checksum_info) {
    if (lengths.size() < 1 + kChecksumSize) {
      return Status::DataLoss("FORMAT_DESCRIPTION_EVENT without its checksum algorithm byte");
    }
    auto alg = static_cast<uint8_t>(lengths[lengths.size() - 1 - kChecksumSize]);
    lengths.remove_suffix(1 + kChecksumSize);
    if (alg != 0 && alg != 1 && alg != 255) {
      return Status::Unimplemented("binlog checksum algorithm " + std::to_string(alg) +
                                   " (cutover knows NONE and CRC32)");
    }
    fd.checksum = static_cast<ChecksumAlgorithm>(alg);
    if (fd.checksum == ChecksumAlgorithm::kCrc32) {
      CUTOVER_RETURN_IF_ERROR(VerifyChecksum(event));
    }
  }
  fd.post_header_lengths.assign(lengths.begin(), lengths.end());
  return fd;
}

uint32_t Crc32(std::string_view bytes) {
  // libdeflate picks a carry-less-multiply (PCLMULQDQ/AVX) implementation at run time: on the
  // benchmark binlog zlib's table-driven crc32 was a third of the whole decode time.
  return libdeflate_crc32(0, bytes.data(), bytes.size());
}

Status VerifyChecksum(std::string_view event) {
  if (event.size() < kEventHeaderSize + kChecksumSize) {
    return Status::DataLoss("event too short to hold a checksum (" + std::to_string(event.size()) +
                            " bytes)");
  }
  auto stored = static_cast<uint32_t>(
      ByteReader::LoadLittleEndian(event.data() + event.size() - kChecksumSize, kChecksumSize));
  std::string_view covered = event.substr(0, event.size() - kChecksumSize);
  uint32_t computed = Crc32(covered);
  if (stored != computed &&
      static_cast<uint8_t>(event[4]) == static_cast<uint8_t>(EventType::kFormatDescription)) {
    // The server sets LOG_EVENT_BINLOG_IN_USE_F in the FDE of the file it is writing, after
    // computing the checksum without it.
    std::string cleared(covered);
    cleared[kFlagsOffset] = static_cast<char>(cleared[kFlagsOffset] & ~kBinlogInUseFlag);
    computed = Crc32(cleared);
  }
  if (stored != computed) {
    return Status::DataLoss("checksum mismatch: stored " + Hex32(stored) + ", computed " +
                            Hex32(computed));
  }
  return Status::Ok();
}

Status BinlogFileReader::Open() {
  if (bytes_.substr(0, kBinlogMagic.size()) != kBinlogMagic) {
    return Status::DataLoss("not a binlog file: it does not start with 0xFE 'bin'");
  }
  pos_ = kBinlogMagic.size();
  return Status::Ok();
}

Result<bool> BinlogFileReader::Next(std::string_view* event, uint64_t* offset) {
  if (pos_ >= bytes_.size()) return false;
  std::string_view rest = bytes_.substr(pos_);
  if (rest.size() < kEventHeaderSize) {
    return Status::DataLoss("truncated event header at offset " + std::to_string(pos_) + " (" +
                            std::to_string(rest.size()) + " bytes left)");
  }
  auto size = static_cast<uint32_t>(ByteReader::LoadLittleEndian(rest.data() + 9, 4));
  if (size < kEventHeaderSize || size > rest.size()) {
    return Status::DataLoss(EventTypeName(static_cast<uint8_t>(rest[4])) + " at offset " +
                            std::to_string(pos_) + " claims " + std::to_string(size) +
                            " bytes but " + std::to_string(rest.size()) + " are left");
  }
  *event = rest.substr(0, size);
  *offset = pos_;
  pos_ += size;
  return true;
}

}  // namespace cutover::binlog
