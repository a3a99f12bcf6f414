// DDL: the schema changes `cutover run` follows, and `cutover ddl resume` (docs/ddl.md): a
// table held by a change the target could not follow safely goes on, either from where it was
// held (the person made the target follow the change) or copied again from the source while
// CDC runs (--recopy).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "cutover/spec.h"
#include "cutover/status.h"

namespace cutover {

struct DdlResumeOptions {
  bool recopy = false;
  // How long to wait for the running `cutover run` to take the request (and, for --recopy, to
  // apply the re-sent rows; for a resume, to catch up).
  std::chrono::seconds timeout{600};
  const std::atomic<bool>* stop = nullptr;
  FILE* progress = nullptr;  // one line per step; null: quiet
};

struct DdlResumeReport {
  std::string table;
  bool recopied = false;
  bool applied = false;       // the running apply took it (false: the next `cutover run` will)
  int64_t rows_resent = 0;    // --recopy: source rows sent through the change log
  int64_t left_to_cdc = 0;    // --recopy: rows that changed meanwhile (CDC applied them)
};

// Resumes `table` ("schema.table"; InvalidArgument, before anything is opened, when it is not of
// that form). FailedPrecondition when the table is not held (naming what
// `cutover status` shows) or, for --recopy, when no `cutover run` is running (the rows travel
// through its capture); DeadlineExceeded when the run does not take the request in time.
Result<DdlResumeReport> ResumeTable(const Spec& spec, std::string_view table,
                                    const DdlResumeOptions& options);

}  // namespace cutover
