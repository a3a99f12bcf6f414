# Build helpers shared by every subsystem folder.

# Warnings for cutover's own code only; third-party headers are included as SYSTEM.
add_library(cutover_warnings INTERFACE)
target_compile_options(cutover_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Wunused -Woverloaded-virtual -Wnull-dereference -Wimplicit-fallthrough -Wformat=2
  $<$<BOOL:${CUTOVER_WERROR}>:-Werror>)

if(CUTOVER_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
  # GCC 12 reports false -Wmaybe-uninitialized inside libstdc++ (<regex>, std::function) once the
  # sanitizers instrument the code; the plain build keeps the warning.
  add_compile_options(-Wno-maybe-uninitialized)
  # -Og -g1 (line tables, so reports still say file:line) after the build type's -O2 -g: a
  # sanitized translation unit then compiles several times faster (src/pipeline/copier.cc: 82 s
  # at -O2 -g, 33 s at -O1 -g1; -Og takes another third off -O1: src/verify/verifier.cc 18.3 ->
  # 11.5 s, src/spec/sections.cc 5.4 -> 2.5 s), which keeps the CI run inside its time budget;
  # the unit tests run in seconds either way. The last -O/-g given wins.
  add_compile_options(-Og -g1)
endif()

# cutover_library(<name> SOURCES ... [DEPS ...] [SYSTEM_DEPS ...])
# One static library per subsystem folder, named cutover_<name>, linking the warnings.
function(cutover_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(cutover_${name} STATIC ${ARG_SOURCES})
  target_include_directories(cutover_${name}
    PUBLIC ${PROJECT_SOURCE_DIR}/include ${PROJECT_BINARY_DIR}/include
    PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(cutover_${name} PUBLIC ${ARG_DEPS} PRIVATE cutover_warnings)
endfunction()

# cutover_test(<name> SOURCES ... DEPS ... LABELS unit|integration [TIMEOUT s] [RUN_SERIAL])
# A GoogleTest executable registered with CTest under the given labels.
function(cutover_test name)
  cmake_parse_arguments(ARG "RUN_SERIAL" "TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main GTest::gmock
                                        cutover_warnings)
  target_compile_definitions(${name} PRIVATE
    CUTOVER_SOURCE_DIR="${PROJECT_SOURCE_DIR}" CUTOVER_BINARY_DIR="${PROJECT_BINARY_DIR}")
  add_test(NAME ${name} COMMAND ${name} --gtest_color=no)
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT ${ARG_TIMEOUT}
    ENVIRONMENT "CUTOVER_BIN=$<TARGET_FILE:cutover>")
  if(ARG_RUN_SERIAL)
    set_tests_properties(${name} PROPERTIES RUN_SERIAL TRUE)
  endif()
  if("unit" IN_LIST ARG_LABELS)
    set_property(GLOBAL APPEND PROPERTY CUTOVER_UNIT_TESTS ${name})
  endif()
  if("integration" IN_LIST ARG_LABELS)
    set_property(GLOBAL APPEND PROPERTY CUTOVER_INTEGRATION_TESTS ${name})
  endif()
endfunction()

# cutover_folder(<name> [DEPS ...] [TEST_DEPS ...])
# The usual subsystem folder: every *.cc except *_test.cc forms the library cutover_<name>;
# every *_test.cc forms one unit-test executable <name>_test, labelled `unit` (no servers).
function(cutover_folder name)
  cmake_parse_arguments(ARG "" "" "DEPS;TEST_DEPS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cc)
  file(GLOB tests CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*_test.cc)
  if(tests)
    list(REMOVE_ITEM sources ${tests})
  endif()
  cutover_library(${name} SOURCES ${sources} DEPS ${ARG_DEPS})
  if(tests)
    cutover_test(${name}_test SOURCES ${tests} DEPS cutover_${name} ${ARG_TEST_DEPS} LABELS unit)
  endif()
endfunction()
