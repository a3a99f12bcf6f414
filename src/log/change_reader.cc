// ChangeReader: LogReader + ChangeDecoder, primed with the segment's shapes.
#include "log/change_reader.h"

#include <algorithm>

namespace cutover::log {

Result<std::unique_ptr<ChangeReader>> ChangeReader::Open(std::shared_ptr<LocalLog> log,
                                                         uint64_t offset) {
  std::vector<uint64_t> firsts = log->SegmentFirstOffsets();
  auto it = std::upper_bound(firsts.begin(), firsts.end(), offset);
  const uint64_t segment_first = it == firsts.begin() ? offset : *(it - 1);
  CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<LogReader> reader, log->Read(segment_first));
  std::unique_ptr<ChangeReader> out(new ChangeReader(std::move(reader)));
  Change ignored;
  while (out->reader_->next_offset() < offset) {
    CUTOVER_ASSIGN_OR_RETURN(std::optional<LogEntry> entry, out->reader_->Next());
    if (!entry) {
      return Status::NotFound("change log offset " + std::to_string(offset) +
                              " is not durable yet");
    }
    if (IsShapeRecord(entry->payload)) {
      CUTOVER_RETURN_IF_ERROR(out->decoder_.Decode(entry->payload, &ignored).status());
    }
  }
  return out;
}

Result<std::optional<ChangeRecord>> ChangeReader::Next(Change* change) {
  while (true) {
    CUTOVER_ASSIGN_OR_RETURN(std::optional<LogEntry> entry, reader_->Next());
    if (!entry) return std::optional<ChangeRecord>();
    Result<RecordKind> kind = decoder_.Decode(entry->payload, change);
    if (!kind.ok()) {
      return kind.status().WithContext("change log record " + std::to_string(entry->offset));
    }
    if (*kind == RecordKind::kShape) continue;
    return std::optional<ChangeRecord>(
        ChangeRecord{*kind, entry->offset, entry->time_ms, std::move(entry->position)});
  }
}

}  // namespace cutover::log
