// TestHooks: named points where a test stops `cutover copy` or `cutover run`, set by the
// environment variable CUTOVER_TEST_PAUSE_AT=<point>:<n>[:kill] (docs/copy.md). At the n-th time
// the process passes <point> it either kills itself with SIGKILL (":kill", a kill -9 at exactly
// that moment) or prints "cutover: TEST pause at <point>:<n>" to stderr and sleeps until killed.
// Points: after_read (a chunk read, not yet written), after_write (a chunk written and
// acknowledged, not yet recorded), after_record (recorded), after_index (an index built, not
// yet recorded); capture_appended (a source transaction appended to the change log, maybe not
// yet durable); apply_before (a lane batch formed, not yet applied); apply_after (a lane batch
// applied with its checkpoint).
#pragma once

#include <string_view>

namespace cutover::pipeline {

// Does nothing unless CUTOVER_TEST_PAUSE_AT names `point`. Thread-safe.
void TEST_PausePoint(std::string_view point);

}  // namespace cutover::pipeline
