// DiskFull: the one sentence every write of cutover's own files (the change log, the state
// store, their progress files) adds when the disk is full (ENOSPC, SQLITE_FULL).
#pragma once

#include <filesystem>
#include <string>

#include <fmt/format.h>

namespace cutover {

// "No space left on device in <dir>: make room there ...": what a full disk under `dir` means
// and what to do. Nothing was lost: the failed write is not counted as done.
inline std::string DiskFullFix(const std::filesystem::path& dir) {
  return fmt::format(
      "No space left on device in {}: make room there (delete other files, grow the file "
      "system, or lower change_log.retention_size so applied segments are removed), then start "
      "`cutover run` again if it stopped; nothing written before was lost",
      dir.string());
}

}  // namespace cutover
