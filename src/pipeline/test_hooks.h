// TestHooks: named points where a test stops the copy, set by the environment variable
// CUTOVER_TEST_PAUSE_AT=<point>:<n>[:kill] (docs/copy.md). At the n-th time the process passes
// <point> it either kills itself with SIGKILL (":kill", a kill -9 at exactly that moment) or
// prints "cutover: TEST pause at <point>:<n>" to stderr and sleeps until killed.
// Points: after_read (a chunk read, not yet written), after_write (a chunk written and
// acknowledged, not yet recorded), after_record (recorded), after_index (an index built, not
// yet recorded).
#pragma once

#include <string_view>

namespace cutover::pipeline {

// Does nothing unless CUTOVER_TEST_PAUSE_AT names `point`. Thread-safe.
void TEST_PausePoint(std::string_view point);

}  // namespace cutover::pipeline
