// Copy: the full load of a migration (docs/copy.md): takes the start position P0, copies the
// selected source tables into the target in parallel key-range chunks, builds the deferred
// indexes, and records every step in the state store so a rerun resumes where it stopped.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "cutover/position.h"
#include "cutover/source.h"
#include "cutover/spec.h"
#include "cutover/state_store.h"
#include "cutover/target.h"
#include "cutover/status.h"

namespace cutover {

struct CopyOptions {
  // Set (from any thread or a signal handler) to stop after the chunks being written; the
  // copy then returns Cancelled and a rerun resumes. Not owned; may be null.
  const std::atomic<bool>* stop = nullptr;
  // Where progress goes; null: nowhere. A terminal gets a live bar redrawn every second,
  // anything else one plain line per active table every `progress_interval`.
  FILE* progress = nullptr;
  std::chrono::milliseconds progress_interval{10000};
  // Called once P0 is known and stored (the first run takes it, reruns read it back), before
  // any row is read: `cutover run` starts capturing the binlog from there, so the source keeps
  // every change the copy may miss. An error stops the copy with it. May be empty.
  std::function<Status(const Position& start)> on_start_position;
  // Called once the target tables are ready, just before the workers read the first chunk (also
  // when nothing is left to copy): `cutover run`'s startup ends there. May be empty.
  std::function<void()> on_chunks_start;
  // The source to copy from, when the caller has opened it already (`cutover run` opens it
  // once for copy, capture and apply). Not owned. While RunCopy runs, only it calls the
  // source's main-session methods (cutover/source.h: not thread-safe); its workers and the
  // caller's other threads may call OpenChunkReader and OpenChangeStream. Null: RunCopy opens
  // spec.source itself (OpenSource).
  Source* source = nullptr;
  // The same for the target (its sink) and the migration's state store, when the caller has
  // opened them (not owned; thread-safe). Null: RunCopy opens them (OpenTarget, StateStore::Open).
  const Target* target = nullptr;
  StateStore* state = nullptr;
  // Live holds and pacing (`cutover run`: docs/operations.md). `hold`, when set, is called by
  // each worker before it reads a chunk and returns when the copy may go on (or it is
  // stopping); `pace`, when set, replaces throttle.copy_rows_per_second: called with each
  // chunk's rows after the read, it returns when they may be written.
  std::function<void()> hold;
  std::function<void(int64_t rows)> pace;
};

struct TableCopyReport {
  std::string table;          // source "schema.table"
  std::string target;         // target table
  int64_t rows = 0;           // rows copied (all runs)
  int64_t rows_this_run = 0;  // rows copied by this run (the rate's numerator)
  int64_t bytes = 0;          // approximate bytes read (all runs)
  int indexes_built = 0;      // deferred indexes built
  double seconds = 0;         // this run's time on the table
};

struct CopyReport {
  Position start;        // P0: the position CDC starts from
  bool resumed = false;  // a previous run had started this copy
  std::vector<TableCopyReport> tables;
  double seconds = 0;  // this run's wall clock
};

// Runs (or resumes) the full load of `spec`. Errors: Unimplemented for a source kind that
// cannot be read yet (PostgreSQL; before anything is opened), InvalidArgument for a spec the
// source contradicts (a column that does not exist), FailedPrecondition naming tables without a
// key or a source without a binary log, Cancelled when stopped, else the first source, target
// or state store error after retries.
Result<CopyReport> RunCopy(const Spec& spec, const CopyOptions& options);

// The final summary table: one line per table (rows, size, time, rows/s, indexes) and a total.
std::string FormatCopySummary(const CopyReport& report);

}  // namespace cutover
