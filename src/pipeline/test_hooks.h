// TestHooks: named points where a test stops `cutover copy` or `cutover run`, set by the
// environment variable CUTOVER_TEST_PAUSE_AT=<point>:<n>[:kill] (docs/copy.md). At the n-th time
// the process passes <point> it either kills itself with SIGKILL (":kill", a kill -9 at exactly
// that moment) or prints "cutover: TEST pause at <point>:<n>" to stderr and sleeps until killed.
// Points: after_read (a chunk read, not yet written), after_write (a chunk written and
// acknowledged, not yet recorded), after_record (recorded), after_index (an index built, not
// yet recorded); capture_appended (a source transaction appended to the change log, maybe not
// yet durable); apply_before (a lane batch formed, not yet applied); apply_after (a lane batch
// applied with its checkpoint); verify_chunk_recorded (a verify chunk's result recorded).
// Repair (`cutover verify --repair`): repair_rows_stored (a repair batch's rows stored in the
// state store, its high watermark not yet written); in `cutover run`'s capture,
// repair_window_open (a low watermark seen) and repair_emitted (a batch's emission recorded, its
// rows not yet in the change log). Fence (`cutover fence`, and finish's fences): fence_marked (the
// marker written on the source, not yet waited for); fence_passed (passed, not yet recorded as
// the last fence). Finish: finish_stop_written (the stop request written, the run not yet
// stopped), finish_stopped (the run stopped, the phase not yet recorded), finish_phase_recorded
// (phase finished, nothing removed from the source yet), finish_table_dropped (after each table,
// slot or publication removed), finish_removed (all removed, the report not yet recorded). Stage
// moves (`cutover flags set`, PUT /v1/flags): stage_written (the stage written in the open
// transaction, before its audit record), stage_audited (the audit written, not yet committed).
#pragma once

#include <string_view>

namespace cutover::pipeline {

// Does nothing unless CUTOVER_TEST_PAUSE_AT names `point`. Thread-safe.
void TEST_PausePoint(std::string_view point);

}  // namespace cutover::pipeline
