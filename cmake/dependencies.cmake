# Third-party libraries, all from Debian 12 packages (why each: docs/dependencies.md).
# Each becomes an imported target; include directories are SYSTEM so their warnings stay theirs.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(CLI11 REQUIRED)
find_package(GTest REQUIRED)
find_package(CURL REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(SQLite3 REQUIRED)
pkg_check_modules(MARIADB REQUIRED IMPORTED_TARGET libmariadb)
pkg_check_modules(PQ REQUIRED IMPORTED_TARGET libpq)
pkg_check_modules(RDKAFKA REQUIRED IMPORTED_TARGET rdkafka)
pkg_check_modules(LUA REQUIRED IMPORTED_TARGET lua5.4)
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
pkg_check_modules(LIBDEFLATE REQUIRED IMPORTED_TARGET libdeflate)
if(CUTOVER_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
# The `cutover` executable allocates through TCMalloc (gperftools' minimal build): the copy moves
# millions of small values from reader threads to writer threads, which glibc's malloc serves
# with arena locking and fastbin consolidation (docs/dependencies.md has the measurement).
# Sanitizer builds keep the system allocator, which ASan replaces.
if(NOT CUTOVER_SANITIZE)
  pkg_check_modules(TCMALLOC REQUIRED IMPORTED_TARGET libtcmalloc_minimal)
endif()
