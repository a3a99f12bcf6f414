// ChangeReader: the change log read back as Changes from any offset. Shape records are written
// once per segment before first use, so a reader starting in the middle of a segment first
// reads that segment's shape records up to its offset; then it returns changes and commits in
// order and keeps the shapes current as it goes.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "log/change_codec.h"
#include "log/local_log.h"

namespace cutover::log {

struct ChangeRecord {
  RecordKind kind = RecordKind::kChange;  // kChange (the Change is filled) or kCommit
  uint64_t offset = 0;
  int64_t time_ms = 0;
  Position position;  // the change's, or for a commit where the source resumes after it
};

class ChangeReader {
 public:
  static Result<std::unique_ptr<ChangeReader>> Open(std::shared_ptr<LocalLog> log, uint64_t offset);
  // The next change or commit (shape records are taken in silently), or nullopt when every
  // durable record has been read. *change is filled for kChange.
  Result<std::optional<ChangeRecord>> Next(Change* change);
  uint64_t next_offset() const { return reader_->next_offset(); }

 private:
  explicit ChangeReader(std::unique_ptr<LogReader> reader) : reader_(std::move(reader)) {}
  std::unique_ptr<LogReader> reader_;
  ChangeDecoder decoder_;
};

}  // namespace cutover::log
