// ReplayFrom: what `cutover replay --from` names (a log offset, a UTC time or a source
// position), read from the flag's text alone, before any log or server is touched.
#pragma once

#include <cstdint>
#include <string_view>

#include "cutover/position.h"
#include "cutover/status.h"

namespace cutover::pipeline {

struct ReplayFrom {
  enum class Kind { kOffset, kTime, kPosition };
  Kind kind = Kind::kOffset;
  uint64_t offset = 0;  // kOffset: the first log record to replay
  int64_t time_ms = 0;  // kTime: Unix ms; replay from the first record appended at or after it
  Position position;    // kPosition: replay from the first record not before it
};

// Digits only: a log offset (at most 2^64-1); "YYYY-MM-DD HH:MM:SS" (or with a "T", optional
// trailing "Z"): a UTC time; anything else: a source position (Position::Parse). InvalidArgument
// naming `--from` and the text when it is none of them, or an offset out of range.
Result<ReplayFrom> ParseReplayFrom(std::string_view text);

}  // namespace cutover::pipeline
