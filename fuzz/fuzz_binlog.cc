// Fuzzes the binlog event decoder (src/source/binlog/decoder.h), which reads what a MySQL or
// MariaDB source streams: BinlogDecoder::DecodeFile on the input after its first byte, a binlog
// file's bytes (magic header, then events). The first byte's bits choose the options: bit 0
// verifies CRC32 checksums (off lets mutated events past the checksum into the event parsers),
// bit 1 takes events before the first format description as CRC32-checksummed. Must return a
// Status; a crash, a sanitizer report or an exception is a finding.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

#include "source/binlog/decoder.h"

namespace {

// Reads what the decoder hands over, as a consumer would, and accepts everything.
class Sink : public cutover::binlog::EventSink {
 public:
  cutover::Status OnChange(const cutover::Change& change) override {
    if (change.before) values_ += change.before->values.size();
    if (change.after) values_ += change.after->values.size();
    values_ += change.statement.size();
    return cutover::Status::Ok();
  }
  cutover::Status OnStatement(const cutover::binlog::Statement& statement) override {
    values_ += statement.query.size();
    return cutover::Status::Ok();
  }

 private:
  size_t values_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  cutover::binlog::DecoderOptions options;
  options.verify_checksums = (data[0] & 1) != 0;
  options.initial_checksum = (data[0] & 2) != 0 ? cutover::binlog::ChecksumAlgorithm::kCrc32
                                                : cutover::binlog::ChecksumAlgorithm::kOff;
  cutover::binlog::BinlogDecoder decoder(std::move(options));
  std::string_view file(reinterpret_cast<const char*>(data) + 1, size - 1);
  Sink sink;
  static_cast<void>(decoder.DecodeFile(file, "binlog.000001", &sink));
  return 0;
}
