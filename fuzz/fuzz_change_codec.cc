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

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  cutover::log::ChangeDecoder decoder;
  cutover::Change change;
  for (std::string_view record : cutover::fuzz::SplitMessages(input)) {
    cutover::Result<cutover::log::RecordKind> kind = decoder.Decode(record, &change);
    if (kind.ok() && *kind == cutover::log::RecordKind::kChange) {
      static_cast<void>(cutover::log::EncodeChangeRecord(change, 1));  // what was read re-encodes
    }
    static_cast<void>(cutover::log::ChangeRecordShape(record));
    static_cast<void>(cutover::log::ChangeRecordPosition(record));
    static_cast<void>(cutover::log::SchemaFromJson(record));
  }
  return 0;
}
