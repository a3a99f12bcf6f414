// DirLock: one cutover process at a time writes a state directory. `cutover run` and
// `cutover replay` hold an exclusive flock(2) on <state_dir>/lock for their whole life; the
// kernel releases it when the process ends, however it ends (kill -9 included), so a stale
// lock never blocks a rerun.
#pragma once

#include <filesystem>
#include <memory>

#include "cutover/status.h"

namespace cutover::pipeline {

class DirLock {
 public:
  // FailedPrecondition naming the holder's pid when another process holds the lock.
  static Result<std::unique_ptr<DirLock>> Acquire(const std::filesystem::path& state_dir);
  ~DirLock();
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;

 private:
  explicit DirLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace cutover::pipeline
