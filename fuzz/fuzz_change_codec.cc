// Fuzzes the change log's record codec (src/log/change_codec.h), which reads back what the
// local or Kafka change log holds: a sequence of length-prefixed records (fuzz/split.h) goes
// through one ChangeDecoder (shapes remembered between records), ChangeRecordShape,
// ChangeRecordPosition and SchemaFromJson. Every call must return a Status; a crash, a sanitizer
// report or an exception is a finding.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/split.h"
#include "log/change_codec.h"

namespace {

uint32_t U32At(std::string_view bytes, size_t at) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i)
    v |= static_cast<uint32_t>(static_cast<uint8_t>(bytes[at + i])) << (8 * i);
  return v;
}

// Found, not yet fixed (docs/fuzzing.md; fuzz/crashes/fuzz_change_codec/oom-*): GetRow in
// src/log/change_codec.cc reserves the row's value count (a u32 from the record) before checking
// that the record holds that many values, so a corrupt count allocates up to 4G values. Records
// whose first image (type, shape id, op, position, images, then the count) claims more values
// than the record has bytes are skipped so the fuzzer goes on to find other bugs; a second image
// can still hit it. Remove this when the codec is fixed.
bool HasKnownHugeRowCount(std::string_view record) {
  if (record.size() < 10) return false;
  const size_t images_at = 10 + static_cast<size_t>(U32At(record, 6));
  if (images_at + 5 > record.size() || images_at < 10) return false;
  return U32At(record, images_at + 1) > record.size();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  cutover::log::ChangeDecoder decoder;
  cutover::Change change;
  for (std::string_view record : cutover::fuzz::SplitMessages(input)) {
    if (HasKnownHugeRowCount(record)) continue;
    cutover::Result<cutover::log::RecordKind> kind = decoder.Decode(record, &change);
    if (kind.ok() && *kind == cutover::log::RecordKind::kChange) {
      static_cast<void>(cutover::log::EncodeChangeRecord(change, 1));  // what was read re-encodes
    }
    static_cast<void>(cutover::log::ChangeRecordShape(record));
    // Found, not yet fixed (docs/fuzzing.md; fuzz/crashes/fuzz_change_codec/): on a 5-byte
    // change record (type and shape id, no op byte) ChangeRecordPosition removes 6 bytes from
    // the view and reads past the record's end. Such records are not given to it, so the
    // fuzzer goes on to find other bugs; remove this when the codec is fixed.
    if (record.size() >= 6) static_cast<void>(cutover::log::ChangeRecordPosition(record));
    static_cast<void>(cutover::log::SchemaFromJson(record));
  }
  return 0;
}
