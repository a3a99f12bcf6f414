// The local change log as a ChangeLog (log/change_log.h): one partition, the LocalLog segments in
// <state_dir>/log, the appliers' progress in <state_dir>/log.applied.
#pragma once

#include <memory>

#include "log/change_log.h"
#include "log/local_log.h"

namespace cutover::log {

// Where capture must start reading: after the last whole transaction in `log` (cutting any
// records after it), or `start` when the log has no commit record yet.
Result<Position> RecoverCapturePosition(LocalLog& log, const Position& start);

// Opens (create: making the directory) the local log. read_only: only the appliers' progress and
// the copy marker can be read (no lock taken, nothing recovered).
Result<std::unique_ptr<ChangeLog>> OpenLocalChangeLog(const LocalLogOptions& options, bool create,
                                                      bool read_only);

// A ChangeLog over an open LocalLog (tests).
Result<std::unique_ptr<ChangeLog>> WrapLocalLog(std::shared_ptr<LocalLog> log);

}  // namespace cutover::log
