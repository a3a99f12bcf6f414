// Where the checkout and the build tree of the running test are: for tests that read files of the
// checkout (fixtures, examples, docs, scripts/servers) or start programs of the build.
//
// The two paths are defined in one source file that CMake generates in the build tree
// (cmake/cutover.cmake), not given to every test's compiler as -D flags: a compile command that
// holds the checkout's absolute path differs between two clones, so ccache could not share any
// test object between them (scripts/test builds with ccache).
#ifndef CUTOVER_TESTS_SUPPORT_PATHS_H_
#define CUTOVER_TESTS_SUPPORT_PATHS_H_

namespace cutover::testing {

// The checkout root (CMake's PROJECT_SOURCE_DIR), without a trailing slash.
const char* CheckoutDir();

// The build tree the test was built in (CMake's PROJECT_BINARY_DIR), without a trailing slash.
const char* BuildDir();

}  // namespace cutover::testing

#endif  // CUTOVER_TESTS_SUPPORT_PATHS_H_
